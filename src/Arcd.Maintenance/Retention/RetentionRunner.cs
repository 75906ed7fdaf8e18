using System.Globalization;
using Apache.Arrow;
using Arcd.Ingest.Storage;
using Arcd.Maintenance.Files;
using Arcd.Query.Engine;
using Arcd.Query.Sql;
using Microsoft.Extensions.Logging;

namespace Arcd.Maintenance.Retention;

/// <summary>What one run found (a dry run) or deleted.</summary>
public sealed record RetentionRunResult(long DeletedCount, int FilesDeleted, IReadOnlyList<string> AffectedMeasurements);

/// <summary>A measurement's processing failed; the run stops there (Arc's "retention aborted at measurement").</summary>
public sealed class RetentionAbortedException(string measurement, Exception inner)
    : Exception($"retention aborted at measurement \"{measurement}\": {inner.Message}", inner)
{
    public string Measurement { get; } = measurement;
}

/// <summary>
/// Finds and deletes the files of a policy past its cutoff (ARC-MANAGEMENT §1.10): a file goes when
/// its newest row is older than the cutoff. Beyond Arc, partition directories are exact: every file
/// of an hour (or day-level files of a day) that ended by the cutoff goes on its directory's time
/// alone, with only its footer read for the row count; files of the one partition that straddles
/// the cutoff are scanned for their newest row. Deletions go in chunks through the storage seam as
/// delete-only replacements, after the WAL's intents for them were marked deleted, so a crash
/// finishes or rolls back each chunk and a replay never brings the rows back. Emptied partition
/// directories are removed.
/// </summary>
public sealed partial class RetentionRunner(IFileStorage storage, string localRoot, RewriteGate gate,
    Func<IReadOnlyCollection<string>, string?, int> repointCheckpoints, ILogger logger)
{
    public const int ChunkFiles = 1000;
    private const string FileColumn = "__arcd_file";

    /// <summary>
    /// Runs <paramref name="policy"/> against <paramref name="cutoffUtc"/>. A real run calls
    /// <paramref name="beforeChunk"/> before each chunk is deleted and <paramref name="afterChunk"/>
    /// once it is (the caller records progress there).
    /// </summary>
    public RetentionRunResult Run(RetentionPolicy policy, DateTime cutoffUtc, bool dryRun,
        Action<PendingChunk>? beforeChunk = null, Action<PendingChunk>? afterChunk = null)
    {
        var measurements = policy.AllMeasurements
            ? storage.ListDirectories(policy.Database).Where(m => !m.StartsWith('.')).ToList()
            : [policy.Measurement!];
        long rows = 0;
        var files = 0;
        foreach (var measurement in measurements)
        {
            try
            {
                var (r, f) = RunMeasurement(policy.Database, measurement, cutoffUtc, dryRun, beforeChunk, afterChunk);
                rows += r;
                files += f;
            }
            catch (Exception ex) when (ex is IOException or DuckDbException or UnauthorizedAccessException or TimeoutException)
            {
                throw new RetentionAbortedException(measurement, ex);
            }
        }
        return new RetentionRunResult(rows, files, measurements);
    }

    /// <summary>
    /// Deletes the files of one measurement whose rows are all older than <paramref name="cutoffUtc"/>
    /// and whose partition starts at or after <paramref name="notBeforeUtc"/> (continuous queries: a
    /// destination's <c>retention_days</c>, a source's rolled-up range). Crash-safe like a policy run:
    /// each chunk is one delete-only replacement; a rerun finds what is left.
    /// </summary>
    public (long Rows, int Files) Expire(string database, string measurement, DateTime cutoffUtc, DateTime? notBeforeUtc = null) =>
        RunMeasurement(database, measurement, cutoffUtc, dryRun: false, null, null, notBeforeUtc);

    private (long Rows, int Files) RunMeasurement(string database, string measurement, DateTime cutoff, bool dryRun,
        Action<PendingChunk>? beforeChunk, Action<PendingChunk>? afterChunk, DateTime? notBefore = null)
    {
        using var entered = gate.Enter();
        var (whole, straddling) = Partitions($"{database}/{measurement}", cutoff, notBefore ?? DateTime.MinValue);
        if (whole.Count == 0 && straddling.Count == 0) return (0, 0);
        using var duckdb = new DuckDbDatabase();
        using var connection = duckdb.Connect();
        connection.Execute("SET TimeZone = 'UTC'");
        connection.Execute("SET threads = 1");
        var expired = new List<(string Path, long Rows)>();
        // On object storage the files are downloaded for DuckDB, a chunk at a time.
        var scratch = Path.Combine(localRoot, ".arcd", "retention-tmp");
        foreach (var chunk in whole.Chunk(ChunkFiles))
        {
            using var local = LocalInputs.Of(storage, localRoot, chunk, scratch);
            expired.AddRange(FooterRows(connection, chunk, [.. local.Paths]));
        }
        foreach (var chunk in straddling.Chunk(ChunkFiles))
        {
            using var local = LocalInputs.Of(storage, localRoot, chunk, scratch);
            expired.AddRange(OlderThan(connection, chunk, [.. local.Paths], cutoff));
        }
        if (dryRun || expired.Count == 0) return (expired.Sum(e => e.Rows), expired.Count);

        long rows = 0;
        var deleted = 0;
        foreach (var chunk in expired.Chunk(ChunkFiles))
        {
            var paths = chunk.Select(e => e.Path).ToList();
            var pending = new PendingChunk(paths[0], chunk.Sum(e => e.Rows), paths.Count);
            beforeChunk?.Invoke(pending);
            // Before any file goes, replay must know its rows were deleted on purpose.
            repointCheckpoints(paths, null);
            storage.Replace(paths, null, null);
            afterChunk?.Invoke(pending);
            rows += pending.Rows;
            deleted += pending.Files;
            foreach (var directory in paths.Select(ParentOf).Distinct(StringComparer.Ordinal))
                storage.RemoveEmptyDirectories(directory, $"{database}/{measurement}");
        }
        LogDeleted(logger, database, measurement, deleted, rows, cutoff);
        return (rows, deleted);
    }

    /// <summary>Files whose partition ended by the cutoff (whole), and files of partitions that straddle it.</summary>
    private (List<string> Whole, List<string> Straddling) Partitions(string measurementPath, DateTime cutoff, DateTime notBefore)
    {
        var whole = new List<string>();
        var straddling = new List<string>();
        foreach (var year in Numbered(measurementPath, 4))
        foreach (var month in Numbered($"{measurementPath}/{year}", 2))
        foreach (var day in Numbered($"{measurementPath}/{year}/{month}", 2))
        {
            if (!DateTime.TryParseExact(year + month + day, "yyyyMMdd", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dayStart)) continue;
            if (dayStart >= cutoff) continue;
            var dayPath = $"{measurementPath}/{year}/{month}/{day}";
            if (dayStart >= notBefore) Classify(ParquetFiles(dayPath), dayStart.AddDays(1) <= cutoff, whole, straddling);
            foreach (var hour in Numbered(dayPath, 2))
            {
                var hourStart = dayStart.AddHours(int.Parse(hour, CultureInfo.InvariantCulture));
                if (hourStart >= cutoff || hourStart < notBefore) continue;
                Classify(ParquetFiles($"{dayPath}/{hour}"), hourStart.AddHours(1) <= cutoff, whole, straddling);
            }
        }
        return (whole, straddling);
    }

    private static void Classify(List<string> files, bool ended, List<string> whole, List<string> straddling) =>
        (ended ? whole : straddling).AddRange(files);

    /// <param name="local">Where DuckDB reads each of <paramref name="files"/> (same order).</param>
    private IEnumerable<(string Path, long Rows)> FooterRows(DuckDbConnection connection, string[] files, string[] local)
    {
        var stored = StoredNames(files, local);
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        using var result = connection.Stream($"SELECT file_name, num_rows::BIGINT FROM parquet_file_metadata({List(local)})");
        while (result.Next() is { } batch)
        {
            using (batch)
            {
                var names = (StringArray)batch.Column(0);
                var counts = (Int64Array)batch.Column(1);
                for (var i = 0; i < batch.Length; i++) found[stored[names.GetString(i)]] = counts.GetValue(i) ?? 0;
            }
        }
        return files.Where(found.ContainsKey).Select(f => (f, found[f]));
    }

    /// <summary>The files whose newest row is before the cutoff, with their row counts; unreadable files are skipped (Arc's rule) with a warning.</summary>
    private List<(string Path, long Rows)> OlderThan(DuckDbConnection connection, string[] files, string[] local, DateTime cutoff)
    {
        var stored = StoredNames(files, local);
        var cutoffMicros = (cutoff.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        try
        {
            var expired = new List<(string, long)>();
            var sql = $"SELECT {FileColumn}, count(*)::BIGINT, max(epoch_us(\"time\"::TIMESTAMPTZ))::BIGINT FROM read_parquet({List(local)}, union_by_name = true, " +
                      $"hive_partitioning = false, filename = '{FileColumn}') GROUP BY {FileColumn}";
            using var result = connection.Stream(sql);
            while (result.Next() is { } batch)
            {
                using (batch)
                {
                    var names = (StringArray)batch.Column(0);
                    var counts = (Int64Array)batch.Column(1);
                    var newest = (Int64Array)batch.Column(2);
                    for (var i = 0; i < batch.Length; i++)
                        if (newest.GetValue(i) is { } max && max < cutoffMicros) expired.Add((stored[names.GetString(i)], counts.GetValue(i) ?? 0));
                }
            }
            return expired;
        }
        catch (DuckDbException ex) when (files.Length > 1)
        {
            LogScanRetried(logger, ex.Message);
            return files.Select((f, i) => OlderThan(connection, [f], [local[i]], cutoff)).SelectMany(e => e).ToList();
        }
        catch (DuckDbException ex)
        {
            LogUnreadable(logger, files[0], ex.Message);
            return [];
        }
    }

    private static string List(IEnumerable<string> localPaths) => "[" + string.Join(", ", localPaths.Select(QueryPlanner.QuoteLiteral)) + "]";

    /// <summary>Stored path by the local path DuckDB names a file with.</summary>
    private static Dictionary<string, string> StoredNames(string[] files, string[] local) =>
        files.Select((f, i) => (Local: local[i], Stored: f)).ToDictionary(p => p.Local, p => p.Stored, StringComparer.Ordinal);

    private IEnumerable<string> Numbered(string path, int digits) =>
        storage.ListDirectories(path).Where(n => n.Length == digits && n.All(char.IsAsciiDigit));

    private List<string> ParquetFiles(string directory) =>
        storage.List(directory).Where(f => f.Path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)).Select(f => f.Path).ToList();

    private static string ParentOf(string path) => path[..path.LastIndexOf('/')];

    [LoggerMessage(Level = LogLevel.Information, Message = "retention: {Database}.{Measurement}: {Files} files ({Rows} rows) older than {Cutoff:O} deleted")]
    private static partial void LogDeleted(ILogger logger, string database, string measurement, int files, long rows, DateTime cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "retention: a file could not be read ({Error}); checking the files one by one")]
    private static partial void LogScanRetried(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "retention: {File} cannot be read and is kept: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string file, string error);
}
