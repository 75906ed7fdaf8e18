namespace Arcd.Ingest.Metrics;

/// <summary>Plain counters updated with Interlocked; read for logs, /ready and /metrics.</summary>
public sealed class EngineCounters
{
    public long RecordsAccepted;
    public long RecordsBuffered;
    public long RecordsWritten;
    public long FilesWritten;
    public long FlushFailures;
    public long RejectedOverBudget;
    public long RejectedQueueFull;

    /// <summary>1 while the latest flush attempt failed; storage trouble shows in /ready and /metrics.</summary>
    public int StorageFailing;

    public volatile string? LastStorageError;
    public long WalRecordsReplayed;

    /// <summary>Time spent per stage of the data path.</summary>
    public readonly StageTimes Stages = new();
}
