using Arcd.Ingest.Storage;

namespace Arcd.Hosting;

/// <summary>
/// Whether the bucket answers, from real operations: a list and a read every
/// <c>Storage:S3:HealthCheckInterval</c>, and every failed query read reported in between. /ready
/// says not ready with the reason until a probe succeeds again (Arc's #603: green while reads failed).
/// </summary>
public sealed class StorageProbe : IDisposable
{
    private readonly S3FileStorage _bucket;
    private readonly Timer _timer;
    private volatile string? _failure;
    private int _running;

    public StorageProbe(S3FileStorage bucket, TimeSpan interval)
    {
        _bucket = bucket;
        _timer = new Timer(_ => Probe(), null, interval, interval);
    }

    /// <summary>The latest failure, or null while the bucket answers.</summary>
    public string? Failure => _failure;

    public void Report(string failure) => _failure = failure;

    private void Probe()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1) return; // a slow probe is still waiting for its timeout
        try
        {
            _bucket.Probe();
            _failure = null;
        }
        catch (IOException ex)
        {
            _failure = ex.Message;
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose() => _timer.Dispose();
}
