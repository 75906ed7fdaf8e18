namespace Arcd.Maintenance.Deletion;

/// <summary><c>Delete:*</c> settings; defaults are Arc's (deletes are off until enabled).</summary>
public sealed class DeleteOptions
{
    public bool Enabled { get; set; }
    public long ConfirmationThreshold { get; set; } = 10_000;
    public long MaxRowsPerDelete { get; set; } = 1_000_000;

    /// <summary>How long a delete waits for the measurement's buffered rows to reach Parquet before it gives up (503).</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// A validated delete (ARC-MANAGEMENT §3.3): the predicate has passed <see cref="DeleteWhereRules"/>.
/// <see cref="Within"/> limits the files looked at to the partitions of that range (the predicate must
/// not match rows outside it); <see cref="Unlimited"/> is for arcd's own deletes (a continuous query
/// replacing its window), which the row caps meant for users do not apply to.
/// </summary>
public sealed record DeleteRequest(string Database, string Measurement, string Predicate, bool DryRun, bool Confirm)
{
    public (DateTime FromUtc, DateTime ToUtc)? Within { get; init; }
    public bool Unlimited { get; init; }
}

public enum DeleteResultKind
{
    /// <summary>Everything asked for was done (or, for a dry run, counted).</summary>
    Done,

    /// <summary>Some files failed; the others were done (Arc's 207).</summary>
    Partial,

    /// <summary>The request was refused before anything changed (400).</summary>
    Refused,

    /// <summary>Buffered rows could not be flushed first; nothing changed (503).</summary>
    Unavailable,
}

/// <summary>The outcome in Arc's envelope terms; file names are base names.</summary>
public sealed record DeleteResult(DeleteResultKind Kind, string? Error, long DeletedCount, int AffectedFiles, int RewrittenFiles,
    TimeSpan Elapsed, bool DryRun, IReadOnlyList<string> FilesProcessed, IReadOnlyList<string> FailedFiles);
