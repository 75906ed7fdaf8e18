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
    private readonly int _queueCapacity;
    private volatile bool _stopping;
    private int _submitting;

    public IngestEngine(IngestOptions options, IFileStorage storage, ParquetSettings parquet, ILoggerFactory loggerFactory)
    {
        _budget = new MemoryBudget(options.MemoryBudgetBytes);
        _queueCapacity = options.ShardQueueCapacity;
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
    /// Hands a request's decoded batches to their shards, all or none. On anything but
    /// <see cref="SubmitStatus.Accepted"/> the caller still owns (and disposes) the batches and
    /// nothing was kept. On acceptance the engine owns them and the returned task completes once
    /// every row is in its measurement buffer.
    /// </summary>
    public SubmitStatus TrySubmit(string database, IReadOnlyList<ColumnBatch> batches, out Task completion)
    {
        completion = Task.CompletedTask;
        Interlocked.Increment(ref _submitting);
        try
        {
            if (_stopping) return SubmitStatus.Stopping;
            long bytes = 0;
            foreach (var batch in batches) bytes += batch.ApproximateBytes;
            if (!_budget.TryReserve(bytes))
            {
                Interlocked.Increment(ref Counters.RejectedOverBudget);
                return SubmitStatus.OverBudget;
            }
            // Capacity is checked for every part before any is queued, so a request is never half-queued;
            // the memory budget, not the queue length, is what bounds memory.
            foreach (var batch in batches)
            {
                if (_shards[ShardOf(database, batch.Measurement)].QueueDepth >= _queueCapacity)
                {
                    _budget.Release(bytes);
                    Interlocked.Increment(ref Counters.RejectedQueueFull);
                    return SubmitStatus.QueueFull;
                }
            }
            var done = new WriteCompletion(batches.Count);
            long rows = 0;
            foreach (var batch in batches)
            {
                rows += batch.RowCount;
                _shards[ShardOf(database, batch.Measurement)].Enqueue(new ShardItem(database, batch, batch.ApproximateBytes, done));
            }
            Interlocked.Add(ref Counters.RecordsAccepted, rows);
            completion = done.Task;
            return SubmitStatus.Accepted;
        }
        finally
        {
            Interlocked.Decrement(ref _submitting);
        }
    }

    /// <summary>
    /// Drains every queue, seals every buffer and waits until all of it is written. Returns false
    /// if that did not finish within <paramref name="timeout"/> (storage still failing).
    /// </summary>
    public bool Stop(TimeSpan timeout)
    {
        _stopping = true;
        var deadline = DateTime.UtcNow + timeout;
        // A submit that passed the stopping check before it was set finishes queueing first.
        while (Volatile.Read(ref _submitting) > 0) Thread.Yield();
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
