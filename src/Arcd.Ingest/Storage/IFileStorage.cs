namespace Arcd.Ingest.Storage;

/// <summary>
/// Where finished Parquet files go. A file becomes visible under its final path only when it is
/// complete and durable; a failed put leaves nothing a reader would see.
/// </summary>
public interface IFileStorage
{
    /// <summary>Human-readable location for logs and <c>check-config</c>.</summary>
    string Location { get; }

    /// <summary>
    /// Writes a file at <paramref name="relativePath"/> ('/'-separated) from what <paramref name="writeContent"/>
    /// produces. <paramref name="beforeCommit"/> runs once the content is durable and before it becomes
    /// visible under its final name (the WAL checkpoint intent is written there).
    /// </summary>
    Task PutAsync(string relativePath, Func<Stream, CancellationToken, Task> writeContent, CancellationToken cancellationToken, Action? beforeCommit = null);

    /// <summary>Whether a complete file exists under <paramref name="relativePath"/>.</summary>
    bool Exists(string relativePath);
}
