using Arcd.Ingest.Platform;

namespace Arcd.Maintenance.Files;

/// <summary>
/// A small state file replaced whole and atomically: written to a temp file beside it, fsynced,
/// renamed over the old one, and the directory fsynced. A crash leaves the old content or the new,
/// never a mix; a stale temp file is ignored and overwritten by the next save.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> writeContent)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            writeContent(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        Posix.FsyncDirectory(directory);
    }

    /// <summary>The file's bytes, or null when it does not exist yet.</summary>
    public static byte[]? Read(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;
}
