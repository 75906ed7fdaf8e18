namespace Arcd.Http.Endpoints;

/// <summary>
/// Uploaded import files on local disk while they are checked and written (both passes read the
/// file), so memory stays one buffer whatever the file's size. A spool file lives as long as its
/// request; the ones a crash left behind are removed at start.
/// </summary>
public sealed class ImportSpool
{
    private readonly string _directory;

    public ImportSpool(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        foreach (var leftover in Directory.EnumerateFiles(directory, "*.upload")) File.Delete(leftover);
    }

    /// <summary>The spool file path and its length, or a null path when it went over <paramref name="maxBytes"/> (the file is removed).</summary>
    public async Task<(string? Path, long Length)> SaveAsync(Stream upload, long maxBytes, CancellationToken cancel)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.upload");
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            var buffer = new byte[1 << 16];
            long length = 0;
            int n;
            while ((n = await upload.ReadAsync(buffer, cancel)) > 0)
            {
                length += n;
                if (length > maxBytes)
                {
                    await file.DisposeAsync();
                    File.Delete(path);
                    return (null, length);
                }
                try
                {
                    await file.WriteAsync(buffer.AsMemory(0, n), cancel);
                }
                catch (IOException ex)
                {
                    throw new Arcd.Import.ImportException(Arcd.Import.ImportFailure.Unavailable, $"cannot spool the upload to {_directory}: {ex.Message}");
                }
            }
            return (path, length);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    public static Stream Open(string path) => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
}
