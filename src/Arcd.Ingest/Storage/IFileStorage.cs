namespace Arcd.Ingest.Storage;

/// <summary>A file as a listing shows it: path relative to the storage root ('/'-separated), size and last write.</summary>
public readonly record struct StoredFile(string Path, long Size, DateTime LastModifiedUtc);

/// <summary>
/// Where Parquet files live: the one seam between arcd's writers (flush, compaction, retention,
/// delete) and a backend (local disk today, object stores next). Synchronous by design: it is
/// called from dedicated flush and maintenance threads, never from the HTTP edge. Paths are
/// relative to the root and '/'-separated. The contract assumes no rename: a put becomes visible
/// whole under its final path or not at all (an object store commits with the PUT of the final
/// key), and "replace these files by this one" is one recoverable step built on put and delete
/// (<see cref="FileReplacement"/>, FORMAT.md).
/// </summary>
public interface IFileStorage
{
    /// <summary>Human-readable location for logs and <c>check-config</c>.</summary>
    string Location { get; }

    /// <summary>arcd's own readers of this storage, which replacements wait for and hide their inputs from.</summary>
    ReadEpochs Readers { get; }

    /// <summary>
    /// Writes a file at <paramref name="path"/> from what <paramref name="writeContent"/> produces.
    /// <paramref name="beforeCommit"/> runs once the content is durable and before it becomes visible
    /// under its final path (the WAL checkpoint intent is written there). An existing file is never
    /// replaced: that is an <see cref="IOException"/>. A failed put leaves nothing a reader would see.
    /// </summary>
    void Put(string path, Action<Stream> writeContent, Action? beforeCommit = null);

    /// <summary>Whether a complete file exists at <paramref name="path"/>.</summary>
    bool Exists(string path);

    /// <summary>
    /// The complete files in <paramref name="directory"/> ("" for the root), with sizes and times;
    /// with <paramref name="recursive"/>, every file below it. Files being written are not listed.
    /// Ordered by path (ordinal).
    /// </summary>
    IReadOnlyList<StoredFile> List(string directory, bool recursive = false);

    /// <summary>The names of the directories (object-store prefixes) directly under <paramref name="directory"/>, ordered.</summary>
    IReadOnlyList<string> ListDirectories(string directory);

    /// <summary>Opens a file for reading; the stream is seekable, so readers fetch the ranges they need.</summary>
    Stream OpenRead(string path);

    /// <summary>Deletes a file durably; false when it did not exist (deleting twice is not an error).</summary>
    bool Delete(string path);

    /// <summary>
    /// Removes <paramref name="directory"/> if it is empty, then each empty parent up to, not including,
    /// <paramref name="stopAt"/> (retention and delete tidy the partitions they emptied). A no-op where
    /// directories are only key prefixes.
    /// </summary>
    void RemoveEmptyDirectories(string directory, string stopAt);

    /// <summary>
    /// Replaces <paramref name="inputs"/> by one file at <paramref name="output"/> written by
    /// <paramref name="writeContent"/> (or by nothing, when <paramref name="output"/> is null) as one
    /// recoverable step: a manifest naming both is stored before the output becomes visible, and
    /// <see cref="RecoverReplacements"/> completes or rolls back whatever a crash interrupted.
    /// </summary>
    void Replace(IReadOnlyList<string> inputs, string? output, Action<Stream>? writeContent);

    /// <summary>
    /// Finishes every interrupted replacement: with its output present (or none intended) the
    /// remaining inputs are deleted; without it the manifest is dropped and the inputs stay.
    /// </summary>
    IReadOnlyList<ReplacementOutcome> RecoverReplacements();

    /// <summary>Replacements in flight (manifests stored and not yet completed), for readers that must hide their inputs.</summary>
    IReadOnlyList<ReplacementManifest> PendingReplacements();
}
