using System.Diagnostics;
using System.Threading.Tasks.Sources;
using Arcd.Ingest.Buffers;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire;
using Microsoft.Extensions.ObjectPool;

namespace Arcd.Ingest.Shards;

/// <summary>A request's standing with the shard's write-ahead log.</summary>
internal enum LogState
{
    /// <summary>Not written to a log: the WAL is off, or the request is a replayed record (logged in an earlier run).</summary>
    NotLogged,

    /// <summary>Appended; <see cref="WriteItem.Lsn"/> is its record.</summary>
    Logged,

    /// <summary>The log write failed: the request is refused and none of its rows is kept.</summary>
    Failed,
}

/// <summary>
/// One request on its way to its shard: its decoded batches and, for the WAL, its body. Pooled, and
/// the request's completion itself (an <see cref="IValueTaskSource"/>, no Task per request):
/// <list type="bullet">
/// <item>a client's request is awaited once; reading the result returns the item to the pool;</item>
/// <item>a replayed record has nobody waiting; the shard returns it when done.</item>
/// </list>
/// The shard's <see cref="Complete"/> is therefore its last touch of the item.
/// </summary>
internal sealed class WriteItem : IValueTaskSource
{
    private static readonly ObjectPool<WriteItem> Pool = ObjectPools.Create(static () => new WriteItem(), retained: 1024);

    private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };
    private readonly List<ColumnBatch> _batches = new(1);

    public string Database { get; private set; } = "";
    public IReadOnlyList<ColumnBatch> Batches => _batches;
    public long ReservedBytes { get; private set; }

    /// <summary>The validated, decompressed body, logged once by the shard; released right after.</summary>
    public PooledBuffer? Body { get; set; }
    public BodyFormat Format { get; private set; }
    public byte Precision { get; private set; }
    public long NowMicros { get; private set; }

    /// <summary>Set for records re-applied from the WAL at start: their (origin shard, lsn); not logged again.</summary>
    public (int Shard, long Lsn)? Replayed { get; private set; }

    /// <summary>Where the shard's log stands with this request; <see cref="Lsn"/> is meaningful once <see cref="LogState.Logged"/>.</summary>
    public LogState Log { get; set; }
    public long Lsn { get; set; }

    /// <summary>Why the request failed (the log write, or appending), answered by <see cref="Complete"/>.</summary>
    public Exception? Failure { get; set; }

    /// <summary>When the request entered the shard's queue (Stopwatch timestamp), for the queue-wait stage.</summary>
    public long EnqueuedAt { get; private set; }

    /// <summary>A client's request; <paramref name="completion"/> completes once its rows are logged and buffered.</summary>
    public static WriteItem ForRequest(string database, IReadOnlyList<ColumnBatch> batches, long reservedBytes, WalBody? body, out ValueTask completion)
    {
        var item = Rent(database, batches, reservedBytes);
        item.Body = body?.Bytes;
        item.Format = body?.Format ?? default;
        item.Precision = body?.Precision ?? 0;
        item.NowMicros = body?.NowMicros ?? 0;
        completion = new ValueTask(item, item._completion.Version);
        return item;
    }

    /// <summary>A record re-applied from the WAL at start: nobody waits for it.</summary>
    public static WriteItem ForReplay(string database, IReadOnlyList<ColumnBatch> batches, long reservedBytes, int origin, long lsn)
    {
        var item = Rent(database, batches, reservedBytes);
        item.Replayed = (origin, lsn);
        return item;
    }

    private static WriteItem Rent(string database, IReadOnlyList<ColumnBatch> batches, long reservedBytes)
    {
        var item = Pool.Get();
        item.Database = database;
        for (var i = 0; i < batches.Count; i++) item._batches.Add(batches[i]);
        item.ReservedBytes = reservedBytes;
        item.EnqueuedAt = Stopwatch.GetTimestamp();
        return item;
    }

    /// <summary>Disposes the batches (their rows are in buffers by now, or refused).</summary>
    public void DisposeBatches()
    {
        for (var b = 0; b < _batches.Count; b++) _batches[b].Dispose();
        _batches.Clear();
    }

    /// <summary>The shard is done with the request: answers whoever waits, with <see cref="Failure"/> if set. The shard's last touch.</summary>
    public void Complete()
    {
        if (Replayed is not null) // nobody waits
        {
            Return();
            return;
        }
        if (Failure is { } failure) _completion.SetException(failure);
        else _completion.SetResult(true);
    }

    private void Return()
    {
        Database = "";
        _batches.Clear();
        Body = null;
        Format = default;
        Precision = 0;
        NowMicros = 0;
        Replayed = null;
        Log = LogState.NotLogged;
        Lsn = 0;
        Failure = null;
        _completion.Reset();
        Pool.Return(this);
    }

    void IValueTaskSource.GetResult(short token)
    {
        // A stale token or a result read before completion is a caller's bug: it throws, and the item stays with its owner.
        if (token != _completion.Version || _completion.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            _completion.GetResult(token);
            return;
        }
        try
        {
            _completion.GetResult(token);
        }
        finally
        {
            Return();
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
