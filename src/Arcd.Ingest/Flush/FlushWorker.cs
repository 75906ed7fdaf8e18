using Arcd.Ingest.Columnar;
using Arcd.Ingest.Platform;
using Microsoft.Extensions.Logging;

namespace Arcd.Ingest.Flush;

/// <summary>
/// A dedicated flush thread: takes sealed buffers and writes them, retrying with backoff on
/// storage failures and keeping the rows meanwhile (they stay charged to the memory budget, so
/// a long outage turns into 503s for new writes instead of lost data; the WAL keeps them too).
/// </summary>
internal sealed partial class FlushWorker
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly WorkQueue<MeasurementBuffer> _queue;
    private readonly Action<MeasurementBuffer, bool> _finished;
    private readonly BufferFlusher _flusher;
    private readonly CancellationToken _abandon;
    private readonly Thread _thread;
    private readonly int _index;
    private readonly int _nice;

    /// <param name="finished">Called with each buffer once it is durable (true) or abandoned at shutdown (false).</param>
    /// <param name="nice">The thread's nice value (Ingest:FlushThreadNice); 0 leaves it as it is.</param>
    public FlushWorker(int index, WorkQueue<MeasurementBuffer> queue, Action<MeasurementBuffer, bool> finished, BufferFlusher flusher, CancellationToken abandon, int nice = 0)
    {
        _index = index;
        _nice = nice;
        _queue = queue;
        _finished = finished;
        _flusher = flusher;
        _abandon = abandon;
        _thread = new Thread(Run) { Name = $"arcd-flush-{index}", IsBackground = true };
    }

    public void Start() => _thread.Start();

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        if (_nice > 0 && ThreadNice.SetCurrentThread(_nice) is { } problem) LogNiceFailed(_flusher.Logger, _index, _nice, problem);
        while (_queue.TryTake(out var buffer))
        {
            bool durable;
            using (var job = new FlushJob(buffer)) durable = WriteWithRetry(job);
            _finished(buffer, durable);
        }
    }

    private bool WriteWithRetry(FlushJob job)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        var counters = _flusher.Counters;
        while (true)
        {
            try
            {
                _flusher.Flush(job);
                if (Volatile.Read(ref counters.StorageFailing) == 1)
                {
                    Volatile.Write(ref counters.StorageFailing, 0);
                    LogRecovered(_flusher.Logger, job.Attempts);
                }
                return true;
            }
            catch (Exception ex)
            {
                job.Attempts++;
                Interlocked.Increment(ref counters.FlushFailures);
                counters.LastStorageError = ex.Message;
                Volatile.Write(ref counters.StorageFailing, 1);
                LogFlushFailed(_flusher.Logger, ex, job.Buffer.Database, job.Buffer.Measurement, job.Buffer.RowCount - job.NextRow, job.Attempts, backoff);
                if (_abandon.WaitHandle.WaitOne(backoff))
                {
                    LogAbandoned(_flusher.Logger, job.Buffer.Database, job.Buffer.Measurement, job.Buffer.RowCount - job.NextRow);
                    return false;
                }
                backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "flush of {Database}/{Measurement} failed ({Rows} rows kept, attempt {Attempt}); retrying in {Backoff}")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, string database, string measurement, int rows, int attempt, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "storage is writable again after {Attempts} failed attempts")]
    private static partial void LogRecovered(ILogger logger, int attempts);

    [LoggerMessage(Level = LogLevel.Critical, Message = "shutdown timeout: gave up flushing {Database}/{Measurement}; {Rows} rows stay in the write-ahead log (if enabled) for the next start")]
    private static partial void LogAbandoned(ILogger logger, string database, string measurement, int rows);

    [LoggerMessage(Level = LogLevel.Information, Message = "flush thread {Index}: nice {Nice} not applied ({Problem}); it runs at the default priority")]
    private static partial void LogNiceFailed(ILogger logger, int index, int nice, string problem);
}
