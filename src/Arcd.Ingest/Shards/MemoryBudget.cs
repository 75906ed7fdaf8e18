namespace Arcd.Ingest.Shards;

/// <summary>
/// One budget for decoded rows anywhere between the request and a durable file. A write that
/// does not fit is refused up front (503), so nothing is half-accepted and memory stays bounded.
/// </summary>
public sealed class MemoryBudget
{
    private long _used;

    public MemoryBudget(long limitBytes)
    {
        LimitBytes = limitBytes;
    }

    public long LimitBytes { get; }
    public long UsedBytes => Volatile.Read(ref _used);

    public bool TryReserve(long bytes)
    {
        while (true)
        {
            var used = Volatile.Read(ref _used);
            // A single request larger than the whole budget is still admitted into an empty budget,
            // otherwise it could never be written.
            if (used > 0 && used + bytes > LimitBytes) return false;
            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used) return true;
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref _used, -bytes);
}
