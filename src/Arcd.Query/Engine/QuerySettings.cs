namespace Arcd.Query.Engine;

/// <summary>The query side's limits (the <c>Query</c> configuration section).</summary>
public sealed record QuerySettings(
    string DataRoot,
    TimeSpan Timeout,
    int MaxConcurrent,
    int MaxQueued,
    long MaxRows,
    long MaxResultBytes,
    long MemoryLimitBytes,
    int Threads);
