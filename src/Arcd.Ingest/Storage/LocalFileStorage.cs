using Arcd.Ingest.Platform;

namespace Arcd.Ingest.Storage;

/// <summary>
/// Local disk: write a temp file beside the target, fsync it, rename it into place, fsync the
/// directory. A crash leaves at most a hidden <c>.arc-*.tmp</c> file that no <c>*.parquet</c> glob
/// matches and no listing shows; <see cref="SweepTemporaryFiles"/> removes those.
/// </summary>
public sealed class LocalFileStorage : IFileStorage
{
    public const string TempPrefix = ".arc-";
    public const string TempSuffix = ".tmp";

    private const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    // Temp names carry this instance's incarnation: one process writes a data root at a time (DataRootLock),
    // so a temp file of another incarnation belongs to a put that a crash interrupted.
    private readonly string _tempPrefix = TempPrefix + Guid.NewGuid().ToString("N")[..12] + "-";

    public LocalFileStorage(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }
    public string Location => Root;
    public ReadEpochs Readers { get; } = new();

    public bool Exists(string path) => File.Exists(FullPath(path));

    public void Put(string path, Action<Stream> writeContent, Action? beforeCommit = null)
    {
        var finalPath = FullPath(path);
        var directory = Path.GetDirectoryName(finalPath)!;
        EnsureDirectory(directory);

        var tempPath = Path.Combine(directory, _tempPrefix + Guid.NewGuid().ToString("N") + TempSuffix);
        try
        {
            using (var stream = CreateTemp(directory, tempPath))
            {
                writeContent(stream);
                stream.Flush(flushToDisk: true);
            }
            beforeCommit?.Invoke();
            // No overwrite: file names are unique, and replacing a file would lose rows.
            File.Move(tempPath, finalPath, overwrite: false);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
        Posix.FsyncDirectory(directory);
    }

    /// <summary>
    /// Retention may remove an emptied partition directory between our create and our open: create it again, once.
    /// Unbuffered (bufferSize 0): writers hand over whole pages and documents, and a 64 KiB buffer per file was garbage per flush.
    /// </summary>
    private FileStream CreateTemp(string directory, string tempPath)
    {
        try
        {
            return new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.None);
        }
        catch (DirectoryNotFoundException)
        {
            EnsureDirectory(directory);
            return new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.None);
        }
    }

    public void RemoveEmptyDirectories(string directory, string stopAt)
    {
        var stop = FullPath(stopAt);
        var current = FullPath(directory);
        while (current.Length > stop.Length && current.StartsWith(stop + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(current).Any()) return;
                Directory.Delete(current, recursive: false);
            }
            catch (DirectoryNotFoundException)
            {
                // Already gone; its parent may still be empty.
            }
            catch (IOException)
            {
                return; // a flush created a file in it meanwhile
            }
            var parent = Path.GetDirectoryName(current)!;
            Posix.FsyncDirectory(parent);
            current = parent;
        }
    }

    public IReadOnlyList<StoredFile> List(string directory, bool recursive = false)
    {
        var full = FullPath(directory);
        if (!Directory.Exists(full)) return [];
        var files = new List<StoredFile>();
        var options = new EnumerationOptions { RecurseSubdirectories = recursive, IgnoreInaccessible = false, AttributesToSkip = 0 };
        foreach (var info in new DirectoryInfo(full).EnumerateFiles("*", options))
        {
            if (IsTemporary(info.Name)) continue;
            files.Add(new StoredFile(Relative(info.FullName), info.Length, info.LastWriteTimeUtc));
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    public IReadOnlyList<string> ListDirectories(string directory)
    {
        var full = FullPath(directory);
        if (!Directory.Exists(full)) return [];
        var names = Directory.GetDirectories(full).Select(Path.GetFileName).Select(n => n!).ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public Stream OpenRead(string path) =>
        new FileStream(FullPath(path), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.RandomAccess);

    public bool Delete(string path)
    {
        var full = FullPath(path);
        if (!File.Exists(full)) return false;
        File.Delete(full);
        Posix.FsyncDirectory(Path.GetDirectoryName(full)!);
        return true;
    }

    public void Replace(IReadOnlyList<string> inputs, string? output, Action<Stream>? writeContent) =>
        FileReplacement.Replace(this, inputs, output, writeContent);

    /// <summary>A temp file untouched this long belongs to no live put: a put writes its file, then renames it, in seconds.</summary>
    public static readonly TimeSpan StaleTempAge = TimeSpan.FromMinutes(30);

    public IReadOnlyList<ReplacementOutcome> RecoverReplacements()
    {
        var outcomes = FileReplacement.Recover(this);
        // A crash before the output was renamed left its temp file: gone with the rolled-back replacement.
        foreach (var outcome in outcomes)
            if (outcome.Manifest.Output is { } output && output.LastIndexOf('/') is var slash and > 0)
                SweepTemporaryFiles(output[..slash], StaleTempAge);
        return outcomes;
    }

    public IReadOnlyList<ReplacementManifest> PendingReplacements() => FileReplacement.Pending(this);

    /// <summary>
    /// Deletes the temp files that crashed puts left in <paramref name="directory"/> (recursively):
    /// those of earlier incarnations (processes), and this one's not written to for
    /// <paramref name="olderThan"/> (default: none spared). A flush may be writing a late file into
    /// any partition at any time, so maintenance passes an age no live put reaches.
    /// </summary>
    public int SweepTemporaryFiles(string directory, TimeSpan olderThan = default)
    {
        var full = FullPath(directory);
        if (!Directory.Exists(full)) return 0;
        var swept = 0;
        var cutoff = DateTime.UtcNow - olderThan;
        foreach (var temp in Directory.EnumerateFiles(full, TempPrefix + "*" + TempSuffix, SearchOption.AllDirectories))
        {
            var ours = Path.GetFileName(temp).StartsWith(_tempPrefix, StringComparison.Ordinal);
            if (ours && olderThan > TimeSpan.Zero && File.GetLastWriteTimeUtc(temp) > cutoff) continue;
            try
            {
                File.Delete(temp);
                swept++;
            }
            catch (FileNotFoundException)
            {
                // Renamed into place (or removed) since the listing.
            }
        }
        return swept;
    }

    public static bool IsTemporary(string fileName) =>
        fileName.StartsWith(TempPrefix, StringComparison.Ordinal) && fileName.EndsWith(TempSuffix, StringComparison.Ordinal);

    /// <summary>The absolute path of a relative one; a path that would leave the root is refused.</summary>
    private string FullPath(string relative)
    {
        var full = Path.GetFullPath(Path.Combine(Root, relative));
        if (full != Root && !full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"'{relative}' is outside the storage root", nameof(relative));
        return full;
    }

    private string Relative(string full) => Path.GetRelativePath(Root, full).Replace(Path.DirectorySeparatorChar, '/');

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

/// <summary>
/// One process at a time maintains a data root: the daemon holds <c>.arcd/root.lock</c> while it
/// runs (an advisory flock), and offline tools (<c>arcd compact</c>) refuse to start while it does.
/// </summary>
public static class DataRootLock
{
    public const string FileName = "root.lock";

    /// <summary>The held lock (dispose to release), or null when another process holds it.</summary>
    public static FileStream? TryAcquire(string root)
    {
        var directory = Path.Combine(root, ".arcd");
        Directory.CreateDirectory(directory);
        try
        {
            // FileShare.None takes an exclusive flock on Unix: a second holder fails at once.
            return new FileStream(Path.Combine(directory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
