using Arcd.Configuration;
using Arcd.Ingest.Shards;
using Arcd.Ingest.Wal;
using Arcd.Ingest.Wire;
using Microsoft.Extensions.Logging;

namespace Arcd.Hosting;

/// <summary>Start-up replay of the write-ahead log, then a fresh log for new writes.</summary>
internal static partial class Recovery
{
    /// <summary>Null when replay could not finish (stopped first, or the WAL is unreadable): writes stay refused.</summary>
    public static RecoveryResult? Run(IngestEngine engine, string walDirectory, ArcdOptions options, ILogger logger, CancellationToken stop)
    {
        try
        {
            var started = DateTime.UtcNow;
            var result = WalRecovery.Recover(engine, walDirectory, DecodeLimits.Default, logger, stop);
            if (!result.Completed) return null;
            engine.AttachWal(result.NextLsn, options.Wal.SegmentBytes, options.Wal.RecycleSegments);
            if (result.Records > 0 || result.Problems > 0)
                LogReplayed(logger, result.Records, result.Segments, result.RowsReplayed, result.RowsAlreadyDurable, result.Problems, (DateTime.UtcNow - started).TotalMilliseconds);
            return result;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFailed(logger, ex, walDirectory);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WAL replay: {Records} records in {Segments} segments; {Rows} rows re-applied, {Durable} rows were already in Parquet; {Problems} problems; {Milliseconds:F0} ms")]
    private static partial void LogReplayed(ILogger logger, long records, int segments, long rows, long durable, int problems, double milliseconds);

    [LoggerMessage(Level = LogLevel.Critical, Message = "WAL replay failed on {Directory}; writes stay refused (503) until arcd is restarted with a readable WAL")]
    private static partial void LogFailed(ILogger logger, Exception exception, string directory);
}
