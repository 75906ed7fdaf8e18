using System.Diagnostics;
using Arcd.Ingest.Parquet;
using Arcd.Ingest.Storage;
using Arcd.Ingest.Wal;
using Microsoft.Extensions.Logging;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Metrics;

namespace Arcd.Ingest.Flush;

/// <summary>Sorts a sealed buffer by time, splits it by UTC hour and writes one Parquet file per hour.</summary>
internal sealed partial class BufferFlusher
{
    private readonly IFileStorage _storage;
    private readonly ParquetSettings _parquet;
    private readonly EngineCounters _counters;
    private readonly CheckpointLogs? _checkpoints;
    private readonly ILogger _logger;
    private readonly string _nodeId;

    public BufferFlusher(IFileStorage storage, ParquetSettings parquet, EngineCounters counters, CheckpointLogs? checkpoints, ILogger logger, string nodeId)
    {
        _nodeId = nodeId;
        _storage = storage;
        _parquet = parquet;
        _counters = counters;
        _checkpoints = checkpoints;
        _logger = logger;
    }

    public ILogger Logger => _logger;
    public EngineCounters Counters => _counters;

    public void Flush(FlushJob job)
    {
        var buffer = job.Buffer;
        if (job.Order is null)
        {
            var sortStart = Stopwatch.GetTimestamp();
            job.Order = TimeOrder.Compute(buffer.Time);
            _counters.Stages.Add(Stage.Sort, sortStart);
        }
        var order = job.Order;
        while (job.NextRow < order.Count)
        {
            var start = job.NextRow;
            var hour = PartitionPath.HourOf(order.SortedTimes[start]);
            var end = EndOfHour(order.SortedTimes, start, hour);
            var retry = job.PendingPath is not null;
            var path = job.PendingPath ??= PartitionPath.For(buffer.Database, buffer.Measurement, hour, FileNameClock.Next(), _nodeId);
            // With the WAL on, the intent is logged (and synced) before the rename: if the file exists after
            // a crash, replay knows exactly which rows it holds; if not, they are replayed (FORMAT.md).
            Action? intent = null;
            if (buffer.FirstPosition is { } first && buffer.LastPosition is { } last && _checkpoints is not null)
            {
                var entry = new CheckpointEntry(buffer.Database, buffer.Measurement, buffer.SchemaSignature, first, last, hour, path);
                var log = _checkpoints.Get(first.Shard);
                intent = () => log.Append(entry);
            }
            // Encode is the Parquet writer (its page writes into the temp file included); store is the rest of
            // the put: create, fsync, rename, directory fsync, and the checkpoint intent.
            var putStart = Stopwatch.GetTimestamp();
            long encodeTicks = 0;
            // A retry whose earlier attempt committed after all (its answer lost) is done: its intent is logged too.
            if (!(retry && _storage.Exists(path)))
                _storage.Put(path, stream =>
                    {
                        var encodeStart = Stopwatch.GetTimestamp();
                        ParquetFileWriter.Write(stream, buffer, order, start, end, _parquet);
                        encodeTicks = Stopwatch.GetTimestamp() - encodeStart;
                    }, intent);
            _counters.Stages.AddTicks(Stage.Encode, encodeTicks);
            _counters.Stages.AddTicks(Stage.Store, Stopwatch.GetTimestamp() - putStart - encodeTicks);
            job.NextRow = end;
            job.PendingPath = null;
            Interlocked.Add(ref _counters.RecordsWritten, end - start);
            Interlocked.Increment(ref _counters.FilesWritten);
            LogWrote(_logger, path, end - start);
        }
    }

    private static int EndOfHour(ReadOnlySpan<long> sortedTimes, int start, long hour)
    {
        var limit = (hour + 1) * PartitionPath.MicrosPerHour;
        var end = start + 1;
        while (end < sortedTimes.Length && sortedTimes[end] < limit) end++;
        return end;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "wrote {Path} ({Rows} rows)")]
    private static partial void LogWrote(ILogger logger, string path, int rows);
}
