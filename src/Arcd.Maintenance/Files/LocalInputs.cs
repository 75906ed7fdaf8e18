using Arcd.Ingest.Storage;

namespace Arcd.Maintenance.Files;

/// <summary>
/// Files a rewrite reads with DuckDB, as local paths: on local disk the files themselves; on any
/// other storage (S3) copies downloaded into a scratch directory, deleted on dispose.
/// </summary>
public sealed class LocalInputs : IDisposable
{
    private readonly string? _scratch;

    private LocalInputs(IReadOnlyList<string> paths, string? scratch)
    {
        Paths = paths;
        _scratch = scratch;
    }

    /// <summary>Local paths, in the order of the stored paths given.</summary>
    public IReadOnlyList<string> Paths { get; }

    public static LocalInputs Of(IFileStorage storage, string localRoot, IReadOnlyList<string> paths, string scratchDirectory)
    {
        if (storage is LocalFileStorage) return new LocalInputs([.. paths.Select(p => Path.Combine(localRoot, p))], null);
        var scratch = Path.Combine(scratchDirectory, "inputs-" + Guid.NewGuid().ToString("N"));
        try
        {
            var local = new List<string>();
            foreach (var path in paths)
            {
                var target = Path.Combine(scratch, path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using (var source = storage.OpenRead(path))
                using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                    source.CopyTo(file);
                local.Add(target);
            }
            return new LocalInputs(local, scratch);
        }
        catch
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        if (_scratch is not null && Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
    }
}
