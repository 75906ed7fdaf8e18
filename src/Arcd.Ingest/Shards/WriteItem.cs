using System.Diagnostics;
using Arcd.Ingest.Buffers;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire;

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

/// <summary>One request on its way to its shard: its decoded batches and, for the WAL, its body.</summary>
internal sealed class WriteItem
{
    public required string Database { get; init; }
    public required IReadOnlyList<ColumnBatch> Batches { get; init; }
    public long ReservedBytes { get; init; }
    public WriteCompletion? Completion { get; init; }

    /// <summary>The validated, decompressed body, logged once by the shard; released right after.</summary>
    public PooledBuffer? Body { get; set; }
    public BodyFormat Format { get; init; }
    public byte Precision { get; init; }
    public long NowMicros { get; init; }

    /// <summary>Set for records re-applied from the WAL at start: their (origin shard, lsn); not logged again.</summary>
    public (int Shard, long Lsn)? Replayed { get; init; }

    /// <summary>Where the shard's log stands with this request; <see cref="Lsn"/> is meaningful once <see cref="LogState.Logged"/>.</summary>
    public LogState Log { get; set; }
    public long Lsn { get; set; }

    /// <summary>When the request entered the shard's queue (Stopwatch timestamp), for the queue-wait stage.</summary>
    public long EnqueuedAt { get; init; } = Stopwatch.GetTimestamp();
}
