using Arcd.Ingest.Columnar;
using Arcd.Ingest.Flush;
using Arcd.Ingest.Parquet;
using Arcd.Ingest.Storage;
using Microsoft.Extensions.Logging;

namespace Arcd.Ingest.Shards;

public enum SubmitStatus
{
    Accepted,
    OverBudget,
    QueueFull,
    Stopping,
}

/// <summary>
/// The ingest engine: routes decoded batches to shard threads by (database, measurement), and
/// owns the flush workers that turn sealed buffers into Parquet files.
/// </summary>
public sealed class IngestEngine
{
    private readonly Shard[] _shards;
    private readonly FlushWorker[] _flushWorkers;
    private readonly WorkQueue<MeasurementBuffer> _flushQueue = new(int.MaxValue);
    private readonly MemoryBudget _budget;
    private readonly CancellationTokenSource _abandon = new();
    private volatile bool _stopping;

    public IngestEngine(IngestOptions options, IFileStorage storage, ParquetSettings parquet, ILoggerFactory loggerFactory)
    {
        _budget = new MemoryBudget(options.MemoryBudgetBytes);
        var shardLogger = loggerFactory.CreateLogger("Arcd.Ingest.Shard");
        _shards = new Shard[options.EffectiveShards];
        for (var i = 0; i < _shards.Length; i++) _shards[i] = new Shard(i, options, _flushQueue, Counters, shardLogger);
        var flusher = new BufferFlusher(storage, parquet, Counters, loggerFactory.CreateLogger("Arcd.Ingest.Flush"));
        _flushWorkers = new FlushWorker[options.EffectiveFlushWorkers];
        for (var i = 0; i < _flushWorkers.Length; i++) _flushWorkers[i] = new FlushWorker(i, _flushQueue, flusher, _budget, _abandon.Token);
    }

    public EngineCounters Counters { get; } = new();
    public MemoryBudget Budget => _budget;
    public int ShardCount => _shards.Length;
    public int FlushWorkerCount => _flushWorkers.Length;

    public void Start()
    {
        foreach (var worker in _flushWorkers) worker.Start();
        foreach (var shard in _shards) shard.Start();
    }

    /// <summary>
    /// Hands a decoded batch to its shard. On anything but <see cref="SubmitStatus.Accepted"/> the
    /// caller still owns (and disposes) the batch and nothing was kept. On acceptance the returned
    /// task completes once the rows are in the measurement buffer.
    /// </summary>
    public SubmitStatus TrySubmit(string database, ColumnBatch batch, out Task completion)
    {
        completion = Task.CompletedTask;
        if (_stopping) return SubmitStatus.Stopping;
        var bytes = batch.ApproximateBytes;
        if (!_budget.TryReserve(bytes))
        {
            Interlocked.Increment(ref Counters.RejectedOverBudget);
            return SubmitStatus.OverBudget;
        }
        var done = new WriteCompletion(1);
        var shard = _shards[ShardOf(database, batch.Measurement)];
        if (!shard.TryEnqueue(new ShardItem(database, batch, bytes, done)))
        {
            _budget.Release(bytes);
            Interlocked.Increment(ref Counters.RejectedQueueFull);
            return _stopping ? SubmitStatus.Stopping : SubmitStatus.QueueFull;
        }
        Interlocked.Add(ref Counters.RecordsAccepted, batch.RowCount);
        completion = done.Task;
        return SubmitStatus.Accepted;
    }

    /// <summary>
    /// Drains every queue, seals every buffer and waits until all of it is written. Returns false
    /// if that did not finish within <paramref name="timeout"/> (storage still failing).
    /// </summary>
    public bool Stop(TimeSpan timeout)
    {
        _stopping = true;
        var deadline = DateTime.UtcNow + timeout;
        foreach (var shard in _shards) shard.Complete();
        foreach (var shard in _shards) shard.Join(Remaining(deadline));
        _flushQueue.Complete();
        var finished = true;
        foreach (var worker in _flushWorkers) finished &= worker.Join(Remaining(deadline));
        if (!finished)
        {
            // Let retry loops give up so the process can exit; what they held is reported by them.
            _abandon.Cancel();
            foreach (var worker in _flushWorkers) worker.Join(TimeSpan.FromSeconds(5));
        }
        return finished;
    }

    private int ShardOf(string database, string measurement)
    {
        if (_shards.Length == 1) return 0;
        var hash = HashCode.Combine(string.GetHashCode(database.AsSpan()), string.GetHashCode(measurement.AsSpan()));
        return (int)((uint)hash % (uint)_shards.Length);
    }

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
