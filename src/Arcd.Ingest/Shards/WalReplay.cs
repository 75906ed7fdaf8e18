using System.Globalization;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wal;
using Arcd.Ingest.Storage;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;
using Microsoft.Extensions.Logging;

namespace Arcd.Ingest.Shards;

/// <summary>What replay found and did.</summary>
public sealed record RecoveryResult(int Segments, long Records, long RowsReplayed, long RowsAlreadyDurable, int Problems, long NextLsn, bool Completed);

/// <summary>
/// Start-up replay (FORMAT.md): every record of every shard log is decoded again exactly as the
/// first time; the rows that a checkpoint intent shows are already in an existing Parquet file
/// are dropped, the rest go back through the shards; everything is flushed; then the old
/// segments and checkpoints are deleted and a fresh log begins. A torn tail of a shard's last
/// segment is cut at the last good record; a corrupt record elsewhere is reported, the rest of
/// its segment skipped and the segment kept as <c>.corrupt</c> for inspection.
/// </summary>
public static partial class WalRecovery
{
    public static RecoveryResult Recover(IngestEngine engine, string walDirectory, DecodeLimits limits, ILogger logger, CancellationToken stop)
    {
        var checkpoints = engine.Checkpoints ?? throw new InvalidOperationException("the engine has no WAL directory");
        checkpoints.Report = message => LogProblem(logger, message);
        var shardDirectories = Directory.Exists(walDirectory)
            ? Directory.GetDirectories(walDirectory, "shard-*")
                .Select(d => (Directory: d, Shard: int.TryParse(Path.GetFileName(d)["shard-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1))
                .Where(d => d.Shard >= 0)
                .OrderBy(d => d.Shard)
                .ToList()
            : [];

        int segments = 0, problems = 0;
        long records = 0, replayedRows = 0, durableRows = 0, maxLsn = -1;
        var toDelete = new List<string>();
        foreach (var (directory, shard) in shardDirectories)
        {
            var log = checkpoints.Get(shard);
            var intents = IndexIntents(log.Entries, engine.Storage);
            var files = WalSegment.List(directory);
            for (var s = 0; s < files.Length; s++)
            {
                segments++;
                var path = files[s];
                var data = File.ReadAllBytes(path);
                var isLast = s == files.Length - 1;
                // A recycled segment ends at the LSN before the next segment's first (FORMAT.md).
                var lastLsn = isLast ? null : WalSegment.FirstLsnOf(files[s + 1]) - 1;
                var scan = WalSegment.Scan(data, isLast, record =>
                {
                    records++;
                    maxLsn = Math.Max(maxLsn, record.Lsn);
                    var (replayed, durable) = Replay(engine, shard, record, intents, limits, logger);
                    replayedRows += replayed;
                    durableRows += durable;
                }, lastLsn);
                var corrupt = false;
                switch (scan.Outcome)
                {
                    case WalSegment.Outcome.TornTail:
                        // An append the crash interrupted: it was never acknowledged.
                        problems++;
                        LogTornTail(logger, path, scan.Offset);
                        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
                        {
                            file.SetLength(scan.Offset);
                            file.Flush(flushToDisk: true);
                        }
                        break;
                    case WalSegment.Outcome.RecycledTail:
                        // Where a reused file's log ends: what follows is its earlier use, or a write the crash interrupted.
                        LogRecycledTail(logger, path, scan.Offset, data.Length - scan.Offset);
                        break;
                    case WalSegment.Outcome.Corrupt:
                        problems++;
                        corrupt = true;
                        LogProblem(logger, $"{path}: {scan.Problem} at byte {scan.Offset}; the remaining {data.Length - scan.Offset} bytes of this segment are skipped and the segment is kept as {WalSegment.CorruptExtension}");
                        break;
                }
                if (corrupt) File.Move(path, path + WalSegment.CorruptExtension);
                else toDelete.Add(path);
            }
        }

        Interlocked.Add(ref engine.Counters.WalRecordsReplayed, records);
        // Everything re-applied must be durable before the log that holds it can go. While storage
        // fails this waits (the rows are safe in the old log); a stop request ends the wait.
        var completed = engine.SealAllAndWait(TimeSpan.FromSeconds(10));
        while (!completed && !stop.IsCancellationRequested)
        {
            LogWaiting(logger);
            completed = engine.SealAllAndWait(TimeSpan.FromSeconds(10));
        }
        if (completed)
        {
            foreach (var path in toDelete) File.Delete(path);
            foreach (var (_, shard) in shardDirectories) checkpoints.Get(shard).Trim(long.MaxValue);
        }
        return new RecoveryResult(segments, records, replayedRows, durableRows, problems, maxLsn + 1, completed);
    }

    /// <summary>Intents whose file exists (or was deleted on purpose), by (database, measurement): those rows are settled.</summary>
    private static Dictionary<(string, string), List<CheckpointEntry>> IndexIntents(IReadOnlyList<CheckpointEntry> entries, IFileStorage storage)
    {
        var index = new Dictionary<(string, string), List<CheckpointEntry>>();
        foreach (var entry in entries)
        {
            if (!entry.IsSettled(storage.Exists)) continue; // the rename never happened: the rows are not durable
            var key = (entry.Database, entry.Measurement);
            if (!index.TryGetValue(key, out var list)) index.Add(key, list = []);
            list.Add(entry);
        }
        return index;
    }

    private static (long Replayed, long Durable) Replay(IngestEngine engine, int shard, WalRecord record,
        Dictionary<(string, string), List<CheckpointEntry>> intents, DecodeLimits limits, ILogger logger)
    {
        if (!BodyDecoder.TryDecode(record.Format, record.Body, (TimePrecision)record.Precision, record.NowMicros, limits, out var write, out var error))
        {
            LogProblem(logger, $"WAL record {record.Lsn} of shard {shard} no longer decodes ({error.Message}); skipped");
            return (0, 0);
        }
        using (write)
        {
            var batches = write!.Detach();
            var kept = new List<ColumnBatch>(batches.Count);
            long replayed = 0, durable = 0;
            // Batch indexes must match the first decode, so filtering keeps the slot of every batch.
            for (var index = 0; index < batches.Count; index++)
            {
                var batch = batches[index];
                var position = new WalPosition(shard, record.Lsn, index);
                if (!intents.TryGetValue((record.Database, batch.Measurement), out var candidates))
                {
                    kept.Add(batch);
                    replayed += batch.RowCount;
                    continue;
                }
                var schema = batch.SchemaSignature;
                var hours = candidates.Where(c => c.Schema == schema && position >= c.First && position <= c.Last).Select(c => c.Hour).ToHashSet();
                if (hours.Count == 0)
                {
                    kept.Add(batch);
                    replayed += batch.RowCount;
                    continue;
                }
                var remaining = batch.Where(time => !hours.Contains(PartitionPath.HourOf(time)));
                durable += batch.RowCount - remaining.RowCount;
                replayed += remaining.RowCount;
                batch.Dispose();
                kept.Add(remaining);
            }
            if (replayed > 0) engine.SubmitReplay(shard, record.Lsn, record.Database, kept);
            else foreach (var batch in kept) batch.Dispose();
            return (replayed, durable);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WAL replay: waiting for storage to accept the replayed rows")]
    private static partial void LogWaiting(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WAL: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "WAL: {Path} is a recycled segment whose log ends at byte {Offset}; the {Rest} bytes after it are its earlier use's, or a write the crash interrupted (never acknowledged)")]
    private static partial void LogRecycledTail(ILogger logger, string path, int offset, int rest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WAL: torn tail of {Path} cut at byte {Offset} (an append interrupted by the crash; it was never acknowledged)")]
    private static partial void LogTornTail(ILogger logger, string path, int offset);
}
