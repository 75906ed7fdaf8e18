namespace Arcd.Query.Engine;

/// <summary>How queries that reached DuckDB ended, for /metrics.</summary>
public sealed class QueryStats
{
    private long _completed, _failed, _cancelled, _timedOut;

    public long CompletedTotal => Interlocked.Read(ref _completed);
    public long FailedTotal => Interlocked.Read(ref _failed);
    /// <summary>Interrupted because the client disconnected.</summary>
    public long CancelledTotal => Interlocked.Read(ref _cancelled);
    public long TimedOutTotal => Interlocked.Read(ref _timedOut);

    public void Completed() => Interlocked.Increment(ref _completed);
    public void Failed() => Interlocked.Increment(ref _failed);
    public void Cancelled() => Interlocked.Increment(ref _cancelled);
    public void TimedOut() => Interlocked.Increment(ref _timedOut);
}
