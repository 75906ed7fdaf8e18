namespace Arcd.Maintenance.Retention;

/// <summary>A retention policy (ARC-MANAGEMENT §1.2). <see cref="Measurement"/> null or empty means every measurement of the database.</summary>
public sealed record RetentionPolicy(long Id, string Name, string Database, string? Measurement, int RetentionDays, int BufferDays, bool IsActive,
    DateTime CreatedUtc, DateTime UpdatedUtc)
{
    public bool AllMeasurements => string.IsNullOrEmpty(Measurement);

    /// <summary>Arc's cutoff: now minus retention + buffer calendar days, time of day kept, whole seconds.</summary>
    public DateTime CutoffAt(DateTime nowUtc)
    {
        var cutoff = nowUtc.AddDays(-(RetentionDays + (long)BufferDays));
        return new DateTime(cutoff.Ticks - cutoff.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }
}

/// <summary>A chunk of files a run is deleting right now: after a crash, whether its first file still exists says whether it was done.</summary>
public sealed record PendingChunk(string FirstInput, long Rows, int Files);

/// <summary>One execution of a policy (ARC-MANAGEMENT §1.9), with arcd's crash bookkeeping.</summary>
public sealed record RetentionExecution(long Id, long PolicyId, DateTime ExecutionTimeUtc, string Status, long DeletedCount, int FilesDeleted,
    DateTime CutoffUtc, double? DurationMs, string? ErrorMessage, bool Resumed, PendingChunk? Pending)
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
}
