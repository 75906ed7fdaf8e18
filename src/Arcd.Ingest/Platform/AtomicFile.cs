namespace Arcd.Ingest.Platform;

/// <summary>
/// A small file replaced whole and atomically (token store, retention state, a trimmed checkpoint
/// log): written to <c>{path}.tmp</c>, fsynced, renamed over the old one, and the directory fsynced.
/// A crash leaves the old content or the new, never a mix; a stale temp file is overwritten by the
/// next write.
/// </summary>
public static class AtomicFile
{
    /// <param name="mode">Unix permissions of the new file (owner-only for secrets); the default umask when null.</param>
    /// <param name="beforeReplace">Runs once the new content is durable and before the rename (a caller closes its handle of the old file there).</param>
    public static void Write(string path, Action<Stream> writeContent, UnixFileMode? mode = null, Action? beforeReplace = null)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (mode is { } unixMode && !OperatingSystem.IsWindows()) options.UnixCreateMode = unixMode;
        using (var stream = new FileStream(temp, options))
        {
            writeContent(stream);
            stream.Flush(flushToDisk: true);
        }
        // A temp file left by an earlier crash keeps its old mode: set it again.
        if (mode is { } again && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, again);
        beforeReplace?.Invoke();
        File.Move(temp, path, overwrite: true);
        Posix.FsyncDirectory(directory);
    }

    /// <summary>The file's bytes, or null when it does not exist yet.</summary>
    public static byte[]? Read(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;
}
