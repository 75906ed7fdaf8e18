using Arcd.Ingest.Columnar;
using Arcd.Ingest.Shards;
using Microsoft.Extensions.Logging;

namespace Arcd.Ingest.Flush;

/// <summary>
/// A dedicated flush thread: takes sealed buffers and writes them, retrying with backoff on
/// storage failures and keeping the rows meanwhile (they stay charged to the memory budget, so
/// a long outage turns into 503s for new writes instead of lost data).
/// </summary>
internal sealed partial class FlushWorker
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly WorkQueue<MeasurementBuffer> _queue;
    private readonly BufferFlusher _flusher;
    private readonly MemoryBudget _budget;
    private readonly CancellationToken _abandon;
    private readonly Thread _thread;

    public FlushWorker(int index, WorkQueue<MeasurementBuffer> queue, BufferFlusher flusher, MemoryBudget budget, CancellationToken abandon)
    {
        _queue = queue;
        _flusher = flusher;
        _budget = budget;
        _abandon = abandon;
        _thread = new Thread(Run) { Name = $"arcd-flush-{index}", IsBackground = true };
    }

    public void Start() => _thread.Start();

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        while (_queue.TryTake(out var buffer))
        {
            using var job = new FlushJob(buffer);
            WriteWithRetry(job);
            _budget.Release(buffer.ReservedBytes);
        }
    }

    private void WriteWithRetry(FlushJob job)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        var counters = _flusher.Counters;
        while (true)
        {
            try
            {
                _flusher.FlushAsync(job, CancellationToken.None).GetAwaiter().GetResult();
                Volatile.Write(ref counters.StorageFailing, 0);
                return;
            }
            catch (Exception ex)
            {
                job.Attempts++;
                Interlocked.Increment(ref counters.FlushFailures);
                Volatile.Write(ref counters.StorageFailing, 1);
                LogFlushFailed(_flusher.Logger, ex, job.Buffer.Database, job.Buffer.Measurement, job.Buffer.RowCount - job.NextRow, job.Attempts, backoff);
                if (_abandon.WaitHandle.WaitOne(backoff))
                {
                    LogAbandoned(_flusher.Logger, job.Buffer.Database, job.Buffer.Measurement, job.Buffer.RowCount - job.NextRow);
                    return;
                }
                backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "flush of {Database}/{Measurement} failed ({Rows} rows kept, attempt {Attempt}); retrying in {Backoff}")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, string database, string measurement, int rows, int attempt, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Critical, Message = "shutdown timeout: gave up flushing {Database}/{Measurement}; {Rows} rows were not written")]
    private static partial void LogAbandoned(ILogger logger, string database, string measurement, int rows);
}
