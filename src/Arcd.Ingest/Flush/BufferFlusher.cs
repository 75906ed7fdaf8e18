using Arcd.Ingest.Parquet;
using Arcd.Ingest.Shards;
using Arcd.Ingest.Storage;
using Microsoft.Extensions.Logging;

namespace Arcd.Ingest.Flush;

/// <summary>Sorts a sealed buffer by time, splits it by UTC hour and writes one Parquet file per hour.</summary>
internal sealed partial class BufferFlusher
{
    private readonly IFileStorage _storage;
    private readonly ParquetSettings _parquet;
    private readonly EngineCounters _counters;
    private readonly ILogger _logger;

    public BufferFlusher(IFileStorage storage, ParquetSettings parquet, EngineCounters counters, ILogger logger)
    {
        _storage = storage;
        _parquet = parquet;
        _counters = counters;
        _logger = logger;
    }

    public ILogger Logger => _logger;
    public EngineCounters Counters => _counters;

    public async Task FlushAsync(FlushJob job, CancellationToken cancellationToken)
    {
        var buffer = job.Buffer;
        job.Order ??= TimeOrder.Compute(buffer.Time.Int64Values);
        var order = job.Order;
        while (job.NextRow < order.Count)
        {
            var start = job.NextRow;
            var hour = PartitionPath.HourOf(order.SortedTimes[start]);
            var end = EndOfHour(order.SortedTimes, start, hour);
            var path = PartitionPath.For(buffer.Database, buffer.Measurement, hour, FileNameClock.Next());
            await _storage.PutAsync(path, (stream, ct) => ParquetFileWriter.WriteAsync(stream, buffer, order, start, end, _parquet, ct), cancellationToken)
                .ConfigureAwait(false);
            job.NextRow = end;
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
