namespace Arcd.Maintenance.ContinuousQueries;

/// <summary>A continuous query as Arc defines it (ARC-MANAGEMENT §2.2); <see cref="TagColumns"/> empty when none are declared.</summary>
public sealed record ContinuousQuery(long Id, string Name, string? Description, string Database, string SourceMeasurement, string DestinationMeasurement,
    string Query, string Interval, IReadOnlyList<string> TagColumns, int? RetentionDays, int? DeleteSourceAfterDays, bool IsActive,
    DateTime CreatedUtc, DateTime UpdatedUtc);

/// <summary>
/// A window a run has started and not yet committed: after a crash or a failure it is run again,
/// replacing whatever part of its output reached storage. Written before the first output row.
/// </summary>
public sealed record WindowInFlight(DateTime StartUtc, DateTime EndUtc, string ExecutionId, bool Manual, DateTime StartedUtc);

/// <summary>
/// Where a continuous query stands (FORMAT.md): <see cref="WatermarkUtc"/> is Arc's <c>last_processed_time</c>,
/// the end of the committed windows; [<see cref="CoveredFromUtc"/>, watermark) is rolled up without a
/// gap; <see cref="OutputThroughUtc"/> is the end of the latest window any run began to write, so a
/// window that starts before it may hold earlier output and is replaced, not appended to.
/// </summary>
public sealed record CqProgress(DateTime? WatermarkUtc, DateTime? CoveredFromUtc, DateTime? OutputThroughUtc, WindowInFlight? InFlight)
{
    public static readonly CqProgress None = new(null, null, null, null);
}

/// <summary>One run of a continuous query (ARC-MANAGEMENT §2.10).</summary>
public sealed record CqExecution(long Id, long QueryId, string ExecutionId, DateTime ExecutionTimeUtc, string Status, DateTime StartUtc, DateTime EndUtc,
    long RecordsWritten, double DurationSeconds, string? ErrorMessage, bool Manual, bool Resumed)
{
    public const string Completed = "completed";
    public const string Failed = "failed";
}
