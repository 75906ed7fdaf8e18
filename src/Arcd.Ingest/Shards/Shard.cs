using System.Collections.Concurrent;
using System.Diagnostics;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wal;
using Arcd.Ingest.Wire;
using Microsoft.Extensions.Logging;
using Arcd.Ingest.Buffers;
using Arcd.Ingest.Metrics;
using Arcd.Ingest.Platform;

namespace Arcd.Ingest.Shards;

/// <summary>
/// A dedicated thread that owns the measurement buffers of its requests: the only writer of each
/// buffer, so appends take no lock. Per drain of its queue: append every request to the WAL with
/// one write and (in sync mode) one fdatasync — group commit — then append the rows, then complete
/// the requests. Buffers seal on rows, age, schema change or shutdown and go to the flush workers;
/// when a flush is durable, WAL segments that no buffer still needs are deleted.
/// </summary>
internal sealed partial class Shard
{
    private readonly int _index;
    private readonly IngestEngine _engine;
    private readonly IngestOptions _options;
    private readonly WorkQueue<WriteItem> _queue;
    private readonly ILogger _logger;
    // Several open buffers per key, one per schema: clients that interleave field sets (Telegraf does)
    // would otherwise seal a tiny file at every flip. Capped, oldest sealed first.
    private const int MaxSchemasPerKey = 8;
    private readonly Dictionary<(string Database, string Measurement, int Origin), List<MeasurementBuffer>> _buffers = [];
    private readonly List<WriteItem> _drained = [];
    private readonly List<MeasurementBuffer> _expired = [];
    private readonly SortedSet<(long Lsn, long BufferId)> _undurable = [];
    private readonly ConcurrentQueue<(long Lsn, long BufferId)> _durable = new();
    private readonly Thread _thread;
    private WalWriter? _wal;
    private CheckpointLog? _checkpoints;
    private long _lastSync = Stopwatch.GetTimestamp();
    private volatile bool _sealAllRequested;
    private readonly ConcurrentQueue<SealRequest> _sealRequests = new();

    public Shard(int index, IngestEngine engine, IngestOptions options, ILogger logger)
    {
        _index = index;
        _engine = engine;
        _options = options;
        _queue = new WorkQueue<WriteItem>();
        _logger = logger;
        _thread = new Thread(Run) { Name = $"arcd-shard-{index}", IsBackground = true };
    }

    public int QueueDepth => _queue.Count;
    public long WalBytes => Volatile.Read(ref _walBytes);
    public int WalSegments => Volatile.Read(ref _walSegments);
    private long _walBytes;
    private int _walSegments;

    public void Start() => _thread.Start();

    /// <summary>Hands the shard its log; called before any request that must be logged is queued.</summary>
    public void AttachWal(WalWriter wal, CheckpointLog checkpoints)
    {
        _checkpoints = checkpoints;
        Volatile.Write(ref _wal, wal);
    }

    public void Enqueue(WriteItem item) => _queue.Enqueue(item);

    /// <summary>Seals every buffer at the next wake-up (used once WAL replay has queued everything).</summary>
    public void RequestSealAll()
    {
        _sealAllRequested = true;
        _queue.Wake();
    }

    /// <summary>Seals the buffers of one measurement (or all of a database) at the next wake-up; <paramref name="request"/> learns which.</summary>
    public void RequestSeal(SealRequest request)
    {
        _sealRequests.Enqueue(request);
        _queue.Wake();
    }

    /// <summary>Called by a flush worker once a buffer of this shard is in durable Parquet.</summary>
    public void NotifyDurable(MeasurementBuffer buffer)
    {
        if (buffer.FirstPosition is { } first && first.Shard == _index) _durable.Enqueue((first.Lsn, buffer.Id));
        _queue.Wake();
    }

    /// <summary>Stops taking work; the thread drains what is queued, seals every buffer and exits.</summary>
    public void Complete() => _queue.Complete();

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    /// <summary>After a clean stop with everything flushed: the log is no longer needed.</summary>
    public void DiscardWal(string directory)
    {
        _wal?.Dispose();
        foreach (var segment in WalSegment.List(directory)) File.Delete(segment);
        WalWriter.DeleteSpares(directory);
        _checkpoints?.Trim(long.MaxValue);
    }

    /// <summary>After a stop that could not flush everything: keep the log, synced, for the next start.</summary>
    public void CloseWal() => _wal?.Dispose();

    private void Run()
    {
        if (_options.PinShardThreads)
        {
            var cpu = _index % Environment.ProcessorCount;
            if (CpuAffinity.PinCurrentThread(cpu) is { } problem) LogPinFailed(_logger, _index, problem);
            else LogPinned(_logger, _index, cpu);
        }
        while (_queue.WaitAndDrain(_drained, TimeUntilNextWake()))
        {
            if (_drained.Count > 0)
            {
                var stages = _engine.Counters.Stages;
                var drainedAt = Stopwatch.GetTimestamp();
                foreach (var item in _drained) stages.AddTicks(Stage.QueueWait, drainedAt - item.EnqueuedAt);
                LogToWal();
                var appendStart = Stopwatch.GetTimestamp();
                foreach (var item in _drained) Apply(item);
                stages.Add(Stage.Append, appendStart);
                _drained.Clear();
            }
            ForgetDurable();
            SyncIfDue();
            SealExpired();
            if (_sealAllRequested)
            {
                _sealAllRequested = false;
                SealAll("replay complete");
            }
            SealRequested();
        }
        SealAll("shutdown");
        try
        {
            _wal?.Sync();
        }
        catch (IOException ex)
        {
            LogWalFailed(_logger, ex, _index);
        }
    }

    /// <summary>Group commit: every drained request in one write, then one fdatasync in sync mode.</summary>
    private void LogToWal()
    {
        var wal = _wal;
        if (wal is null) return;
        try
        {
            var stages = _engine.Counters.Stages;
            var start = Stopwatch.GetTimestamp();
            foreach (var item in _drained)
            {
                if (item.Replayed is not null) continue;
                item.Lsn = wal.Append(item.Format, item.Precision, item.NowMicros, item.Database, item.Body!.Memory.Span);
                item.Log = LogState.Logged;
            }
            wal.Write();
            stages.Add(Stage.WalWrite, start);
            if (_engine.WalMode == WalMode.Sync)
            {
                var sync = Stopwatch.GetTimestamp();
                wal.Sync();
                stages.Add(Stage.WalSync, sync);
            }
            Volatile.Write(ref _walBytes, wal.BytesWritten);
            Volatile.Write(ref _walSegments, wal.SegmentCount);
        }
        catch (IOException ex)
        {
            // Nothing of these requests is acknowledged or buffered: they fail, their clients retry.
            LogWalFailed(_logger, ex, _index);
            foreach (var item in _drained)
            {
                if (item.Replayed is not null) continue;
                item.Failure = new WalUnavailableException(ex.Message, ex); // answered by Apply, the last touch
                _engine.Budget.Release(item.ReservedBytes);
                item.Log = LogState.Failed;
            }
        }
        finally
        {
            foreach (var item in _drained)
            {
                _engine.Budget.Release(item.Body?.Length ?? 0);
                item.Body?.Dispose();
                item.Body = null;
            }
        }
    }

    /// <summary>Appends a request's rows (unless its log write failed), then completes it: the last touch of the item.</summary>
    private void Apply(WriteItem item)
    {
        if (item.Log != LogState.Failed) Append(item);
        item.DisposeBatches();
        item.Complete();
    }

    private void Append(WriteItem item)
    {
        var origin = item.Replayed?.Shard ?? (item.Log == LogState.Logged ? _index : -1);
        var lsn = item.Replayed?.Lsn ?? item.Lsn;
        try
        {
            for (var i = 0; i < item.Batches.Count; i++)
            {
                var batch = item.Batches[i];
                if (batch.RowCount == 0) continue; // replay dropped every row of it: already durable
                WalPosition? position = origin >= 0 ? new WalPosition(origin, lsn, i) : null;
                var reserved = batch.ApproximateBytes;
                var key = (item.Database, batch.Measurement, origin);
                if (!_buffers.TryGetValue(key, out var open)) _buffers.Add(key, open = []);
                var buffer = SameSchema(open, batch);
                if (buffer is not null)
                {
                    buffer.Append(batch, reserved, position);
                }
                else
                {
                    if (open.Count >= MaxSchemasPerKey)
                    {
                        Seal(open[0], "schema limit");
                        open.RemoveAt(0);
                    }
                    buffer = Start(item.Database, batch, reserved, position);
                    open.Add(buffer);
                }
                Interlocked.Add(ref _engine.Counters.RecordsBuffered, batch.RowCount);
                if (buffer.RowCount >= _options.MaxBufferRows)
                {
                    open.Remove(buffer);
                    if (open.Count == 0) _buffers.Remove(key);
                    Seal(buffer, "rows");
                }
            }
        }
        catch (Exception ex)
        {
            LogAppendFailed(_logger, ex, _index, item.Database);
            item.Failure = ex;
        }
    }

    // A loop, not List.Find with a lambda: that allocated a closure and a delegate per batch.
    private static MeasurementBuffer? SameSchema(List<MeasurementBuffer> open, ColumnBatch batch)
    {
        foreach (var buffer in open)
            if (buffer.HasSameSchema(batch)) return buffer;
        return null;
    }

    private MeasurementBuffer Start(string database, ColumnBatch batch, long reserved, WalPosition? position)
    {
        var buffer = MeasurementBuffer.StartWith(database, batch, reserved, Stopwatch.GetTimestamp(), position);
        buffer.OwnerShard = _index;
        if (position is { } p && p.Shard == _index) _undurable.Add((p.Lsn, buffer.Id));
        _engine.BufferStarted();
        return buffer;
    }

    /// <summary>Segments below the oldest record that some buffer still holds are no longer needed.</summary>
    private void ForgetDurable()
    {
        var changed = false;
        while (_durable.TryDequeue(out var durable)) changed |= _undurable.Remove(durable);
        if (!changed || _wal is null) return;
        var firstNeeded = _undurable.Count > 0 ? _undurable.Min.Lsn : _wal.NextLsn;
        try
        {
            if (_wal.DeleteSegmentsBefore(firstNeeded) > 0) _checkpoints?.Trim(_wal.OldestLsn);
            Volatile.Write(ref _walSegments, _wal.SegmentCount);
        }
        catch (IOException ex)
        {
            LogWalFailed(_logger, ex, _index);
        }
    }

    private void SyncIfDue()
    {
        var wal = _wal;
        if (wal is null || _engine.WalMode != WalMode.Async || !wal.HasUnsynced) return;
        if (Stopwatch.GetElapsedTime(_lastSync) < _engine.SyncInterval) return;
        try
        {
            wal.Sync();
            _lastSync = Stopwatch.GetTimestamp();
        }
        catch (IOException ex)
        {
            LogWalFailed(_logger, ex, _index);
        }
    }

    private TimeSpan TimeUntilNextWake()
    {
        var wait = Timeout.InfiniteTimeSpan;
        if (_buffers.Count > 0)
        {
            var oldest = long.MaxValue;
            foreach (var open in _buffers.Values)
                foreach (var buffer in open) oldest = Math.Min(oldest, buffer.CreatedTimestamp);
            wait = _options.MaxBufferAge - Stopwatch.GetElapsedTime(oldest);
        }
        if (_engine.WalMode == WalMode.Async && _wal is { HasUnsynced: true })
        {
            var sync = _engine.SyncInterval - Stopwatch.GetElapsedTime(_lastSync);
            if (wait == Timeout.InfiniteTimeSpan || sync < wait) wait = sync;
        }
        return wait == Timeout.InfiniteTimeSpan ? wait : wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    private void SealExpired()
    {
        List<(string, string, int)>? emptied = null;
        foreach (var (key, open) in _buffers)
        {
            foreach (var buffer in open)
                if (Stopwatch.GetElapsedTime(buffer.CreatedTimestamp) >= _options.MaxBufferAge) _expired.Add(buffer);
            if (_expired.Count == 0) continue;
            foreach (var buffer in _expired)
            {
                Seal(buffer, "age");
                open.Remove(buffer);
            }
            _expired.Clear();
            if (open.Count == 0) (emptied ??= []).Add(key);
        }
        if (emptied is not null) foreach (var key in emptied) _buffers.Remove(key);
    }

    /// <summary>
    /// Every row acknowledged before the request was queued is in a buffer by now (a write is
    /// acknowledged only after its rows are appended, on this thread): seal the matching ones.
    /// </summary>
    private void SealRequested()
    {
        while (_sealRequests.TryDequeue(out var request))
        {
            List<(string, string, int)>? emptied = null;
            foreach (var (key, open) in _buffers)
            {
                if (key.Database != request.Database || request.Measurement is not null && key.Measurement != request.Measurement) continue;
                foreach (var buffer in open)
                {
                    buffer.Flushed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    request.Sealed.Add(buffer.Flushed.Task);
                    Seal(buffer, "flush request");
                }
                (emptied ??= []).Add(key);
            }
            if (emptied is not null) foreach (var key in emptied) _buffers.Remove(key);
            request.Done.TrySetResult();
        }
    }

    private void SealAll(string trigger)
    {
        foreach (var open in _buffers.Values)
            foreach (var buffer in open) Seal(buffer, trigger);
        _buffers.Clear();
    }

    private void Seal(MeasurementBuffer buffer, string trigger)
    {
        LogSealed(_logger, buffer.Database, buffer.Measurement, buffer.RowCount, trigger);
        _engine.FlushQueue.Enqueue(buffer);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "shard {Shard} pinned to CPU {Cpu}")]
    private static partial void LogPinned(ILogger logger, int shard, int cpu);

    [LoggerMessage(Level = LogLevel.Warning, Message = "shard {Shard} not pinned: {Reason}")]
    private static partial void LogPinFailed(ILogger logger, int shard, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "sealed {Database}/{Measurement}: {Rows} rows ({Trigger})")]
    private static partial void LogSealed(ILogger logger, string database, string measurement, int rows, string trigger);

    [LoggerMessage(Level = LogLevel.Error, Message = "shard {Shard} failed to append a request for {Database}")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, int shard, string database);

    [LoggerMessage(Level = LogLevel.Error, Message = "shard {Shard}: write-ahead log I/O failed")]
    private static partial void LogWalFailed(ILogger logger, Exception exception, int shard);
}

/// <summary>The WAL could not take a request: it was not acknowledged and nothing of it was kept.</summary>
public sealed class WalUnavailableException(string message, Exception inner) : IOException(message, inner);
