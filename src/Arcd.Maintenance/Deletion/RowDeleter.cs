using System.Diagnostics;
using Apache.Arrow;
using Arcd.Ingest.Storage;
using Arcd.Maintenance.Files;
using Arcd.Query.Engine;
using Arcd.Query.Sql;
using Microsoft.Extensions.Logging;

namespace Arcd.Maintenance.Deletion;

/// <summary>
/// Deletes the rows of one measurement that match a predicate (ARC-MANAGEMENT §3.3 steps 9–15, made
/// exact): the measurement's buffers are flushed first, so the delete covers every row acknowledged
/// before it; each affected file is then replaced through the storage seam — removed when no row
/// remains, else rewritten under a new name (<see cref="DataFileNames.Rewritten"/>) by arcd's encoder,
/// sorted, with statistics and metadata — after the WAL's intents for it were re-pointed, so a
/// replay never brings a deleted row back. Rows where the predicate is NULL stay (Arc removes them).
/// </summary>
/// <param name="leaseOwner">Where several nodes share the storage (S3): this node's id; each rewritten partition is held under a lease.</param>
public sealed partial class RowDeleter(IFileStorage storage, string localRoot, RewriteSettings settings, DeleteOptions options, RewriteGate gate,
    Func<string, string?, TimeSpan, bool> flush, Func<IReadOnlyCollection<string>, string?, int> repointCheckpoints, ILogger logger,
    string? leaseOwner = null, TimeSpan? leaseDuration = null)
{
    private const string FileColumn = "__arcd_file";

    public DeleteStats Stats { get; } = new();

    private sealed record FileCount(string Path, long Matched, long Total);

    public DeleteResult Execute(DeleteRequest request)
    {
        var start = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref Stats.Requests);
        if (!flush(request.Database, request.Measurement, options.FlushTimeout))
            return Refusal(DeleteResultKind.Unavailable, $"the buffered rows of {request.Database}.{request.Measurement} could not be written to Parquet within {options.FlushTimeout.TotalSeconds:F0} s; nothing was deleted", start);

        using var entered = gate.Enter();
        var measurementPath = $"{request.Database}/{request.Measurement}";
        var files = request.Within is { } range
            ? PartitionFiles.Overlapping(storage, measurementPath, range.FromUtc, range.ToUtc)
            : storage.List(measurementPath, recursive: true)
                .Where(f => f.Path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)).Select(f => f.Path).ToList();
        if (files.Count == 0) return Done(request, [], [], 0, 0, start);

        System.IO.Directory.CreateDirectory(settings.TempDirectory);
        using var duckdb = new DuckDbDatabase();
        using var connection = duckdb.Connect();
        PartitionMerger.Configure(connection, settings);
        connection.Execute($"SET allowed_directories = [{QueryPlanner.QuoteLiteral(localRoot)}, {QueryPlanner.QuoteLiteral(settings.TempDirectory)}]");
        connection.Execute("SET enable_external_access = false");
        connection.Execute("SET lock_configuration = true");

        // On object storage the files are downloaded for DuckDB (into the allowed temp directory), once for the count and the rewrite.
        using var readable = LocalInputs.Of(storage, localRoot, files, settings.TempDirectory);
        _local = files.Select((f, i) => (f, readable.Paths[i])).ToDictionary(p => p.f, p => p.Item2, StringComparer.Ordinal);
        var failed = new List<string>();
        var counts = Count(connection, files, request.Predicate, failed, out var countError);
        if (countError is not null) return Refusal(DeleteResultKind.Refused, $"WHERE clause cannot be evaluated: {countError}", start);
        var affected = counts.Where(c => c.Matched > 0).ToList();
        var total = affected.Sum(c => c.Matched);
        if (total > options.MaxRowsPerDelete && !request.Unlimited)
            return Refusal(DeleteResultKind.Refused, $"Delete would affect {total} rows, exceeding maximum of {options.MaxRowsPerDelete}. Adjust delete.max_rows_per_delete in arc.toml or refine WHERE clause.", start);
        if (total > options.ConfirmationThreshold && !request.Confirm && !request.Unlimited)
            return Refusal(DeleteResultKind.Refused, $"Delete would affect {total} rows (threshold: {options.ConfirmationThreshold}). Set confirm=true to proceed.", start);
        if (request.DryRun) return Done(request, affected, failed, total, 0, start);

        long deleted = 0;
        var rewritten = 0;
        var emptied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in affected)
        {
            try
            {
                Rewrite(connection, file, request.Predicate);
                deleted += file.Matched;
                rewritten++;
                if (file.Matched == file.Total) emptied.Add(ParentOf(file.Path));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failed.Add(file.Path);
                Interlocked.Increment(ref Stats.FileFailures);
                LogFileFailed(logger, ex, file.Path);
            }
        }
        foreach (var directory in emptied) storage.RemoveEmptyDirectories(directory, $"{request.Database}/{request.Measurement}");
        Interlocked.Add(ref Stats.RowsDeleted, deleted);
        LogDeleted(logger, request.Database, request.Measurement, deleted, rewritten, failed.Count);
        return Done(request, affected, failed, deleted, rewritten, start);
    }

    /// <summary>Matching and total rows per file: one query over all of them; per file when that fails (a file Arc's union cannot read).</summary>
    private List<FileCount> Count(DuckDbConnection connection, List<string> files, string predicate, List<string> failed, out string? error)
    {
        error = null;
        try
        {
            return CountFiles(connection, files, predicate);
        }
        catch (DuckDbException)
        {
            // Find the file(s) at fault; an error every file shares is the predicate's own (an unknown column).
        }
        var counts = new List<FileCount>();
        string? lastError = null;
        foreach (var file in files)
        {
            try
            {
                counts.AddRange(CountFiles(connection, [file], predicate));
            }
            catch (DuckDbException ex)
            {
                lastError = ex.Message;
                failed.Add(file);
            }
        }
        if (counts.Count == 0 && lastError is not null)
        {
            failed.Clear();
            error = lastError;
        }
        return counts;
    }

    // Stored path → where DuckDB reads it, for the request being executed (requests run one at a time under the gate).
    private Dictionary<string, string> _local = [];

    private List<FileCount> CountFiles(DuckDbConnection connection, List<string> files, string predicate)
    {
        var stored = files.ToDictionary(f => _local[f], f => f, StringComparer.Ordinal);
        var list = "[" + string.Join(", ", files.Select(f => QueryPlanner.QuoteLiteral(_local[f]))) + "]";
        var sql = $"SELECT {FileColumn}, (count(*) FILTER (WHERE ({predicate}) IS TRUE))::BIGINT, count(*)::BIGINT " +
                  $"FROM read_parquet({list}, union_by_name = true, hive_partitioning = false, filename = '{FileColumn}') GROUP BY {FileColumn}";
        var byPath = new Dictionary<string, FileCount>(StringComparer.Ordinal);
        using var result = connection.Stream(sql);
        while (result.Next() is { } batch)
        {
            using (batch)
            {
                var names = (StringArray)batch.Column(0);
                var matched = (Int64Array)batch.Column(1);
                var totals = (Int64Array)batch.Column(2);
                for (var i = 0; i < batch.Length; i++)
                {
                    var relative = stored[names.GetString(i)];
                    byPath[relative] = new FileCount(relative, matched.GetValue(i) ?? 0, totals.GetValue(i) ?? 0);
                }
            }
        }
        return files.Where(byPath.ContainsKey).Select(f => byPath[f]).ToList();
    }

    /// <summary>One file, exactly once: removed when every row matches, else replaced by a rewrite without the matching rows.</summary>
    private void Rewrite(DuckDbConnection connection, FileCount file, string predicate)
    {
        // Another node compacting this partition would merge the file's rows back in: hold its lease, or leave the file.
        using var lease = leaseOwner is null ? null : PartitionLease.TryTake(storage, ParentOf(file.Path), leaseOwner, leaseDuration ?? TimeSpan.FromHours(1));
        if (leaseOwner is not null && lease is null)
            throw new IOException($"{ParentOf(file.Path)} is being compacted by another node; retry the delete");
        if (file.Matched == file.Total)
        {
            repointCheckpoints([file.Path], null);
            storage.Replace([file.Path], null, null);
            Interlocked.Increment(ref Stats.FilesRemoved);
            return;
        }
        var output = $"{ParentOf(file.Path)}/{DataFileNames.Rewritten(file.Path[(file.Path.LastIndexOf('/') + 1)..])}";
        // Before the file can go, replay must know its surviving rows are in the output (and the others deleted).
        repointCheckpoints([file.Path], output);
        var merger = new PartitionMerger(connection, settings);
        storage.Replace([file.Path], output, stream =>
        {
            var result = merger.Merge([_local[file.Path]], stream, DeduplicationMode.Never, predicate);
            var expected = file.Total - file.Matched;
            // The predicate must give the same answer twice (no random(), no now()): otherwise the file stays as it was.
            if (result.RowsOut != expected)
                throw new InvalidDataException($"the rewrite kept {result.RowsOut} rows where the count said {expected}; the file is left unchanged");
        });
        Interlocked.Increment(ref Stats.FilesRewritten);
    }

    private static string ParentOf(string path) => path[..path.LastIndexOf('/')];

    private static DeleteResult Done(DeleteRequest request, List<FileCount> affected, List<string> failed, long deleted, int rewritten, long start) =>
        new(failed.Count > 0 ? DeleteResultKind.Partial : DeleteResultKind.Done,
            failed.Count > 0 ? $"{failed.Count} of {affected.Count + failed.Count(f => affected.All(a => a.Path != f))} files failed to process" : null,
            deleted, affected.Count, rewritten, Stopwatch.GetElapsedTime(start), request.DryRun,
            affected.Select(f => BaseName(f.Path)).ToList(), failed.Select(BaseName).ToList());

    private DeleteResult Refusal(DeleteResultKind kind, string error, long start)
    {
        Interlocked.Increment(ref Stats.Refused);
        return new(kind, error, 0, 0, 0, Stopwatch.GetElapsedTime(start), false, [], []);
    }

    private static string BaseName(string path) => path[(path.LastIndexOf('/') + 1)..];

    [LoggerMessage(Level = LogLevel.Information, Message = "delete on {Database}.{Measurement}: {Rows} rows deleted, {Files} files rewritten or removed, {Failed} failed")]
    private static partial void LogDeleted(ILogger logger, string database, string measurement, long rows, int files, int failed);

    [LoggerMessage(Level = LogLevel.Error, Message = "delete: {File} failed and was left unchanged")]
    private static partial void LogFileFailed(ILogger logger, Exception exception, string file);
}

/// <summary>Counters for <c>/metrics</c>.</summary>
public sealed class DeleteStats
{
    public long Requests;
    public long Refused;
    public long RowsDeleted;
    public long FilesRewritten;
    public long FilesRemoved;
    public long FileFailures;
}
