namespace Arcd.Ingest.Storage;

/// <summary>
/// Local disk: write a temp file beside the target, fsync it, rename it into place, fsync the
/// directory. A crash leaves at most a hidden <c>.arc-*.tmp</c> file that no <c>*.parquet</c> glob matches.
/// </summary>
public sealed class LocalFileStorage : IFileStorage
{
    public const string TempPrefix = ".arc-";
    public const string TempSuffix = ".tmp";

    private const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    public LocalFileStorage(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }
    public string Location => Root;

    public bool Exists(string relativePath) => File.Exists(Path.Combine(Root, relativePath));

    public async Task PutAsync(string relativePath, Func<Stream, CancellationToken, Task> writeContent, CancellationToken cancellationToken, Action? beforeCommit = null)
    {
        var finalPath = Path.Combine(Root, relativePath);
        var directory = Path.GetDirectoryName(finalPath)!;
        EnsureDirectory(directory);

        var tempPath = Path.Combine(directory, TempPrefix + Guid.NewGuid().ToString("N") + TempSuffix);
        try
        {
            await using (var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None))
            {
                await writeContent(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            beforeCommit?.Invoke();
            // No overwrite: file names are unique per process, and replacing a file would lose rows.
            File.Move(tempPath, finalPath, overwrite: false);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
        Posix.FsyncDirectory(directory);
    }

    /// <summary>Creates missing directories and fsyncs each new one's parent so the new entry is durable.</summary>
    private void EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory)) return;
        var parent = Path.GetDirectoryName(directory);
        if (parent is not null && parent.Length >= Root.Length) EnsureDirectory(parent);
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, DirectoryMode);
        if (parent is not null) Posix.FsyncDirectory(parent);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
