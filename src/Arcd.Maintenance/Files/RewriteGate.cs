namespace Arcd.Maintenance.Files;

/// <summary>
/// One rewrite of stored files at a time: a compaction batch, a retention chunk or a delete. Each
/// lists its files after entering, so none rewrites a file another one just replaced. Held for one
/// batch or one delete, not for a whole cycle, so a delete waits for at most one compaction batch.
/// </summary>
public sealed class RewriteGate
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public IDisposable Enter()
    {
        _gate.Wait();
        return new Release(_gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }
}
