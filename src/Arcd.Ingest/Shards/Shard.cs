using System.Diagnostics;
using Arcd.Ingest.Columnar;
using Microsoft.Extensions.Logging;

namespace Arcd.Ingest.Shards;

/// <summary>One decoded batch on its way to its shard, with the request it belongs to.</summary>
internal readonly record struct ShardItem(string Database, ColumnBatch Batch, long ReservedBytes, WriteCompletion Completion);

/// <summary>
/// A dedicated thread that owns the measurement buffers of its keys: the only writer of each
/// buffer, so appends take no lock. It drains its queue, appends, completes the requests, and
/// seals buffers on rows, age, schema change or shutdown, handing them to the flush workers.
/// </summary>
internal sealed partial class Shard
{
    private readonly int _index;
    private readonly IngestOptions _options;
    private readonly WorkQueue<ShardItem> _queue;
    private readonly WorkQueue<MeasurementBuffer> _flushQueue;
    private readonly EngineCounters _counters;
    private readonly ILogger _logger;
    private readonly Dictionary<(string Database, string Measurement), MeasurementBuffer> _buffers = [];
    private readonly List<ShardItem> _drained = [];
    private readonly List<(string, string)> _expired = [];
    private readonly Thread _thread;

    public Shard(int index, IngestOptions options, WorkQueue<MeasurementBuffer> flushQueue, EngineCounters counters, ILogger logger)
    {
        _index = index;
        _options = options;
        _queue = new WorkQueue<ShardItem>(options.ShardQueueCapacity);
        _flushQueue = flushQueue;
        _counters = counters;
        _logger = logger;
        _thread = new Thread(Run) { Name = $"arcd-shard-{index}", IsBackground = true };
    }

    public int QueueDepth => _queue.Count;

    public void Start() => _thread.Start();

    /// <summary>Queues without a capacity check: the engine checked capacity for the whole request first.</summary>
    public void Enqueue(in ShardItem item) => _queue.Enqueue(item);

    /// <summary>Stops taking work; the thread drains what is queued, seals every buffer and exits.</summary>
    public void Complete() => _queue.Complete();

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        while (_queue.WaitAndDrain(_drained, TimeUntilNextSeal()))
        {
            foreach (var item in _drained) Apply(item);
            _drained.Clear();
            SealExpired();
        }
        foreach (var buffer in _buffers.Values) Seal(buffer, "shutdown");
        _buffers.Clear();
    }

    private void Apply(in ShardItem item)
    {
        var batch = item.Batch;
        try
        {
            var key = (item.Database, batch.Measurement);
            if (_buffers.TryGetValue(key, out var buffer))
            {
                if (buffer.HasSameSchema(batch))
                {
                    buffer.Append(batch, item.ReservedBytes);
                }
                else
                {
                    Seal(buffer, "schema change");
                    buffer = MeasurementBuffer.StartWith(item.Database, batch, item.ReservedBytes, Stopwatch.GetTimestamp());
                    _buffers[key] = buffer;
                }
            }
            else
            {
                buffer = MeasurementBuffer.StartWith(item.Database, batch, item.ReservedBytes, Stopwatch.GetTimestamp());
                _buffers.Add(key, buffer);
            }
            Interlocked.Add(ref _counters.RecordsBuffered, batch.RowCount);

            if (buffer.RowCount >= _options.MaxBufferRows)
            {
                _buffers.Remove(key);
                Seal(buffer, "rows");
            }
            item.Completion.PartDone();
        }
        catch (Exception ex)
        {
            LogAppendFailed(_logger, ex, _index, item.Database, batch.Measurement);
            item.Completion.Fail(ex);
        }
        finally
        {
            batch.Dispose();
        }
    }

    private TimeSpan TimeUntilNextSeal()
    {
        if (_buffers.Count == 0) return Timeout.InfiniteTimeSpan;
        var oldest = long.MaxValue;
        foreach (var buffer in _buffers.Values) oldest = Math.Min(oldest, buffer.CreatedTimestamp);
        var remaining = _options.MaxBufferAge - Stopwatch.GetElapsedTime(oldest);
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    private void SealExpired()
    {
        foreach (var (key, buffer) in _buffers)
            if (Stopwatch.GetElapsedTime(buffer.CreatedTimestamp) >= _options.MaxBufferAge) _expired.Add(key);
        foreach (var key in _expired)
        {
            Seal(_buffers[key], "age");
            _buffers.Remove(key);
        }
        _expired.Clear();
    }

    private void Seal(MeasurementBuffer buffer, string trigger)
    {
        LogSealed(_logger, buffer.Database, buffer.Measurement, buffer.RowCount, trigger);
        _flushQueue.Enqueue(buffer);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "sealed {Database}/{Measurement}: {Rows} rows ({Trigger})")]
    private static partial void LogSealed(ILogger logger, string database, string measurement, int rows, string trigger);

    [LoggerMessage(Level = LogLevel.Error, Message = "shard {Shard} failed to append to {Database}/{Measurement}")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, int shard, string database, string measurement);
}
