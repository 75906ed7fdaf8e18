using Arcd.Ingest.Columnar;
using Arcd.Ingest.Flush;
using Arcd.Ingest.Parquet;
using Arcd.Ingest.Storage;
using Arcd.Ingest.Wal;
using Arcd.Ingest.Wire;
using Microsoft.Extensions.Logging;
using Arcd.Ingest.Buffers;
using Arcd.Ingest.Metrics;
using Arcd.Ingest.Platform;

namespace Arcd.Ingest.Shards;

public enum SubmitStatus
{
    Accepted,
    OverBudget,
    QueueFull,
    Stopping,
    Replaying,
}

/// <summary>The body of a request as the WAL logs it (null when the WAL is off).</summary>
public readonly record struct WalBody(PooledBuffer Bytes, BodyFormat Format, byte Precision, long NowMicros);

/// <summary>
/// The ingest engine: routes each request to a shard thread (by its first measurement), owns the
/// flush workers that turn sealed buffers into Parquet files, and the per-shard write-ahead logs.
/// </summary>
public sealed class IngestEngine
{
    private readonly Shard[] _shards;
    private readonly ShardRouter _router;
    private readonly FlushWorker[] _flushWorkers;
    private readonly MemoryBudget _budget;
    private readonly CancellationTokenSource _abandon = new();
    private readonly int _queueCapacity;
    private readonly string? _walDirectory;
    private volatile bool _stopping;
    private volatile bool _replaying;
    private int _submitting;
    private long _liveBuffers;

    public IngestEngine(IngestOptions options, IFileStorage storage, ParquetSettings parquet, ILoggerFactory loggerFactory,
        WalMode walMode = WalMode.Off, string? walDirectory = null, TimeSpan? syncInterval = null, string nodeId = "")
    {
        _budget = new MemoryBudget(options.MemoryBudgetBytes);
        _queueCapacity = options.ShardQueueCapacity;
        WalMode = walMode;
        SyncInterval = syncInterval ?? TimeSpan.FromMilliseconds(100);
        _walDirectory = walDirectory;
        Storage = storage;
        Checkpoints = walDirectory is null ? null : new CheckpointLogs(walDirectory);
        // Until the log has been replayed, new writes would race the records being re-applied.
        _replaying = walDirectory is not null;
        var shardLogger = loggerFactory.CreateLogger("Arcd.Ingest.Shard");
        _shards = new Shard[options.EffectiveShards];
        _router = new ShardRouter(_shards.Length);
        for (var i = 0; i < _shards.Length; i++) _shards[i] = new Shard(i, this, options, shardLogger);
        var flusher = new BufferFlusher(storage, parquet, Counters, Checkpoints, loggerFactory.CreateLogger("Arcd.Ingest.Flush"), nodeId);
        _flushWorkers = new FlushWorker[options.EffectiveFlushWorkers];
        for (var i = 0; i < _flushWorkers.Length; i++) _flushWorkers[i] = new FlushWorker(i, FlushQueue, BufferFinished, flusher, _abandon.Token, options.FlushThreadNice);
    }

    public EngineCounters Counters { get; } = new();
    public MemoryBudget Budget => _budget;
    public int ShardCount => _shards.Length;
    public int FlushWorkerCount => _flushWorkers.Length;
    public WalMode WalMode { get; }
    public TimeSpan SyncInterval { get; }
    public IFileStorage Storage { get; }
    public bool IsReplaying => _replaying;
    public long LiveBuffers => Interlocked.Read(ref _liveBuffers);
    public int FlushQueueDepth => FlushQueue.Count;
    public long WalBytes => _shards.Sum(s => s.WalBytes);
    public int WalSegments => _shards.Sum(s => s.WalSegments);
    public int ShardQueueDepth => _shards.Sum(s => s.QueueDepth);

    internal WorkQueue<MeasurementBuffer> FlushQueue { get; } = new();
    internal CheckpointLogs? Checkpoints { get; }

    public void Start()
    {
        foreach (var worker in _flushWorkers) worker.Start();
        foreach (var shard in _shards) shard.Start();
    }

    /// <summary>
    /// Hands a request's decoded batches (and, with the WAL on, its body) to one shard: all or none.
    /// On anything but <see cref="SubmitStatus.Accepted"/> the caller still owns (and disposes) the
    /// batches and the body, and nothing was kept. On acceptance the engine owns them (it copies the
    /// list, which stays the caller's), and the returned task completes once the request is in the
    /// WAL (synced, in sync mode) and every row is in its measurement buffer. Await it exactly once
    /// (or call AsTask once): it is backed by a pooled item.
    /// </summary>
    public SubmitStatus TrySubmit(string database, IReadOnlyList<ColumnBatch> batches, WalBody? body, out ValueTask completion)
    {
        completion = ValueTask.CompletedTask;
        Interlocked.Increment(ref _submitting);
        try
        {
            if (_stopping) return SubmitStatus.Stopping;
            if (_replaying) return SubmitStatus.Replaying;
            long bytes = body?.Bytes.Length ?? 0;
            long rows = 0;
            for (var i = 0; i < batches.Count; i++)
            {
                bytes += batches[i].ApproximateBytes;
                rows += batches[i].RowCount;
            }
            if (!_budget.TryReserve(bytes))
            {
                Interlocked.Increment(ref Counters.RejectedOverBudget);
                return SubmitStatus.OverBudget;
            }
            var shard = _shards[_router.ShardOf(database, batches[0].Measurement)];
            if (shard.QueueDepth >= _queueCapacity)
            {
                _budget.Release(bytes);
                Interlocked.Increment(ref Counters.RejectedQueueFull);
                return SubmitStatus.QueueFull;
            }
            // The counter first: once queued, the item may be done and back in its pool at any moment.
            Interlocked.Add(ref Counters.RecordsAccepted, rows);
            shard.Enqueue(WriteItem.ForRequest(database, batches, bytes - (body?.Bytes.Length ?? 0), body, out completion));
            return SubmitStatus.Accepted;
        }
        finally
        {
            Interlocked.Decrement(ref _submitting);
        }
    }

    /// <summary>
    /// Re-applies one WAL record at start. All records of one origin log go to one shard, in order,
    /// so each buffer's position range stays exact. Waits for memory rather than refusing.
    /// </summary>
    internal void SubmitReplay(int origin, long lsn, string database, IReadOnlyList<ColumnBatch> batches)
    {
        long bytes = 0;
        foreach (var batch in batches) bytes += batch.ApproximateBytes;
        while (!_budget.TryReserve(bytes)) Thread.Sleep(5);
        _shards[origin % _shards.Length].Enqueue(WriteItem.ForReplay(database, batches, bytes, origin, lsn));
    }

    /// <summary>Seals every buffer and waits until all of them are in durable Parquet.</summary>
    internal bool SealAllAndWait(TimeSpan timeout)
    {
        foreach (var shard in _shards) shard.RequestSealAll();
        var deadline = DateTime.UtcNow + timeout;
        // A buffer is live from its first row until its flush is durable; the shards seal theirs on the request above.
        while (Interlocked.Read(ref _liveBuffers) > 0 || _shards.Any(s => s.QueueDepth > 0))
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(5);
        }
        return true;
    }

    /// <summary>Replay is over: open a fresh log per shard and accept writes.</summary>
    public void AttachWal(long nextLsn, long segmentBytes, int recycleSegments = 0)
    {
        if (_walDirectory is not null && WalMode != WalMode.Off)
        {
            for (var i = 0; i < _shards.Length; i++)
            {
                var directory = ShardDirectory(i);
                _shards[i].AttachWal(new WalWriter(directory, i, nextLsn, segmentBytes, recycleSegments), Checkpoints!.Get(i));
            }
        }
        _replaying = false;
    }

    /// <summary>
    /// Before files are replaced by <paramref name="output"/> (compaction): the WAL's checkpoint intents
    /// that name them are copied to name the output, so a replay after a crash still finds those rows
    /// durable once the inputs are gone. A no-op with the WAL off.
    /// </summary>
    public int RepointCheckpoints(IReadOnlyCollection<string> inputs, string? output) => Checkpoints?.Repoint(inputs, output) ?? 0;

    /// <summary>
    /// Makes every row of <paramref name="database"/>.<paramref name="measurement"/> (every measurement
    /// of the database when null) acknowledged before this call durable in Parquet: each shard seals
    /// its buffers of it, and the call waits for their flushes. False when that did not finish within
    /// <paramref name="timeout"/> or a flush was abandoned (storage failing), or the engine is stopping.
    /// </summary>
    public bool FlushMeasurement(string database, string? measurement, TimeSpan timeout)
    {
        if (_stopping) return false;
        var requests = _shards.Select(_ => new SealRequest(database, measurement)).ToArray();
        for (var i = 0; i < _shards.Length; i++) _shards[i].RequestSeal(requests[i]);
        var deadline = DateTime.UtcNow + timeout;
        if (!Task.WaitAll(requests.Select(r => r.Done.Task).ToArray(), Remaining(deadline))) return false;
        var sealedBuffers = requests.SelectMany(r => r.Sealed).ToArray();
        if (sealedBuffers.Length == 0) return true;
        return Task.WaitAll(sealedBuffers, Remaining(deadline)) && sealedBuffers.All(t => t.Result);
    }

    internal string ShardDirectory(int shard) => Path.Combine(_walDirectory!, $"shard-{shard}");

    internal void BufferStarted() => Interlocked.Increment(ref _liveBuffers);

    /// <summary>A flush worker finished a buffer (durable, or abandoned at shutdown).</summary>
    internal void BufferFinished(MeasurementBuffer buffer, bool durable)
    {
        _budget.Release(buffer.ReservedBytes);
        if (durable) _shards[buffer.OwnerShard].NotifyDurable(buffer);
        Interlocked.Decrement(ref _liveBuffers);
        buffer.Flushed?.TrySetResult(durable);
    }

    /// <summary>
    /// Drains every queue, seals every buffer and waits until all of it is written. Returns false
    /// if that did not finish within <paramref name="timeout"/> (storage still failing); the WAL is
    /// then kept for the next start.
    /// </summary>
    public bool Stop(TimeSpan timeout)
    {
        _stopping = true;
        var deadline = DateTime.UtcNow + timeout;
        // A submit that passed the stopping check before it was set finishes queueing first.
        while (Volatile.Read(ref _submitting) > 0) Thread.Yield();
        foreach (var shard in _shards) shard.Complete();
        foreach (var shard in _shards) shard.Join(Remaining(deadline));
        FlushQueue.Complete();
        var finished = true;
        foreach (var worker in _flushWorkers) finished &= worker.Join(Remaining(deadline));
        if (!finished)
        {
            // Let retry loops give up so the process can exit; the WAL keeps what was acknowledged.
            _abandon.Cancel();
            foreach (var worker in _flushWorkers) worker.Join(TimeSpan.FromSeconds(5));
        }
        for (var i = 0; i < _shards.Length; i++)
        {
            if (_walDirectory is null) continue;
            if (finished && Interlocked.Read(ref _liveBuffers) == 0) _shards[i].DiscardWal(ShardDirectory(i));
            else _shards[i].CloseWal();
        }
        Checkpoints?.Dispose();
        return finished;
    }

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
