using System.Globalization;
using Arcd.Ingest.Platform;
using Arcd.Maintenance.Deletion;
using Arcd.Query.Engine;
using Arcd.Query.Sql;
using Arcd.Query.Storage;

namespace Arcd.Maintenance.ContinuousQueries;

/// <summary>A run could not be done; the message says why (it becomes the execution's error_message).</summary>
public sealed class CqRunException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Runs one window of a continuous query: (1) when earlier output may exist in it, deletes the
/// destination's rows of the window (flush first, per-file crash-safe replacements); (2) flushes the
/// source's buffered rows (so every point that arrived before the run counts), substitutes
/// the window into the SQL, plans it like any query (<c>db.m</c> or a bare name in the query's
/// database, hour pruning) and streams the result into the destination through the ingest path;
/// (3) makes the rows durable (the WAL in sync mode has, else a flush) before the caller commits the
/// watermark. The caller serializes runs.
/// </summary>
/// <param name="mirror">On S3 storage: the local mirror <paramref name="root"/> is over, filled with what each window reads.</param>
public sealed class CqRunner(DataRoot root, QuerySettings settings, RowDeleter deleter, CqOutputWriter writer,
    Func<string, string?, TimeSpan, bool> flush, bool durableOnAck, TimeSpan flushTimeout, BucketMirror? mirror = null) : IDisposable
{
    private SandboxedDuckDb? _duckdb;
    private int _streaming;
    private volatile bool _stopping;

    /// <summary>The SQL with both placeholders replaced by quoted RFC 3339 literals, whole seconds (Arc's substitution).</summary>
    public static string Substitute(string query, DateTime startUtc, DateTime endUtc) =>
        query.Replace("{start_time}", Literal(startUtc), StringComparison.Ordinal).Replace("{end_time}", Literal(endUtc), StringComparison.Ordinal);

    /// <summary>The destination's rows in [start, end): what a re-run of the window replaces.</summary>
    public static string WindowPredicate(DateTime startUtc, DateTime endUtc) =>
        string.Create(CultureInfo.InvariantCulture,
            $"epoch_us(\"time\"::TIMESTAMPTZ) >= {Micros(startUtc)} AND epoch_us(\"time\"::TIMESTAMPTZ) < {Micros(endUtc)}");

    /// <summary>Runs the window and returns the rows written.</summary>
    public long Run(ContinuousQuery query, DateTime startUtc, DateTime endUtc, bool replace)
    {
        if (replace)
        {
            Clear(query, startUtc, endUtc);
            CrashPoints.Hit("cq-window-cleared");
        }
        // Rows that arrived by now (the window's end plus the lateness) but are still buffered count too.
        if (!flush(query.Database, query.SourceMeasurement, flushTimeout))
            throw new CqRunException($"the buffered rows of {query.Database}.{query.SourceMeasurement} could not be written to Parquet within {flushTimeout.TotalSeconds:F0} s");
        var sql = Substitute(query.Query, startUtc, endUtc);
        long rows;
        using (root.BeginRead())
        {
            QueryPlan plan;
            IDisposable? fetched = null;
            try
            {
                var now = DateTimeOffset.UtcNow;
                if (mirror is not null)
                {
                    mirror.RefreshTree();
                    fetched = mirror.Fetch(QueryPlanner.Needs(sql, null, root, now, query.Database), out _);
                }
                plan = QueryPlanner.Plan(sql, null, root, now, countFiles: false, homeDatabase: query.Database);
            }
            catch (QueryRejectedException ex)
            {
                throw new CqRunException($"invalid query: {ex.Message}", ex);
            }
            catch (IOException ex) when (mirror is not null)
            {
                fetched?.Dispose();
                throw new CqRunException($"object storage cannot be read: {ex.Message}", ex);
            }
            using (fetched) rows = plan.HasNoFiles ? 0 : Stream(query, plan.Sql, startUtc, endUtc);
        }
        if (rows > 0 && !durableOnAck && !flush(query.Database, query.DestinationMeasurement, flushTimeout))
            throw new CqRunException($"the output could not be written to Parquet within {flushTimeout.TotalSeconds:F0} s");
        return rows;
    }

    private void Clear(ContinuousQuery query, DateTime startUtc, DateTime endUtc)
    {
        var result = deleter.Execute(new DeleteRequest(query.Database, query.DestinationMeasurement, WindowPredicate(startUtc, endUtc), DryRun: false, Confirm: true)
        {
            Within = (startUtc, endUtc),
            Unlimited = true,
        });
        if (result.Kind != DeleteResultKind.Done)
            throw new CqRunException($"the window's earlier output could not be replaced: {result.Error}");
    }

    private long Stream(ContinuousQuery query, string sql, DateTime startUtc, DateTime endUtc)
    {
        if (_stopping) throw new CqRunException("arcd is shutting down");
        var connection = (_duckdb ??= new SandboxedDuckDb(settings)).Connection;
        Volatile.Write(ref _streaming, 1);
        var timedOut = 0;
        var timer = new Timer(_ => { Volatile.Write(ref timedOut, 1); connection.Interrupt(); }, null, settings.Timeout, Timeout.InfiniteTimeSpan);
        try
        {
            using var result = connection.Stream(sql);
            return writer.Write(result, query.Database, query.DestinationMeasurement, query.TagColumns, startUtc, endUtc);
        }
        catch (DuckDbException ex)
        {
            if (_stopping) throw new CqRunException("interrupted: arcd is shutting down (the window runs again at the next start)", ex);
            if (Volatile.Read(ref timedOut) == 1) throw new CqRunException($"the query timed out after {settings.Timeout.TotalSeconds:0.###} s (ContinuousQueries:Timeout)", ex);
            throw new CqRunException(ex.Message, ex);
        }
        finally
        {
            // A late interrupt would hit the connection's next query: wait out any callback in flight.
            using var timerDone = new ManualResetEvent(false);
            if (timer.Dispose(timerDone)) timerDone.WaitOne();
            Volatile.Write(ref _streaming, 0);
        }
    }

    /// <summary>Shutdown: a run in progress is interrupted (its window stays in flight and runs again at the next start).</summary>
    public void Interrupt()
    {
        _stopping = true;
        if (Volatile.Read(ref _streaming) == 1) _duckdb?.Connection.Interrupt();
    }

    /// <summary>DuckDB is closed only when no run uses it; otherwise the process exit takes it.</summary>
    public void Dispose()
    {
        _stopping = true;
        if (Volatile.Read(ref _streaming) == 0) _duckdb?.Dispose();
    }

    private static string Literal(DateTime utc) => "'" + utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) + "'";

    private static long Micros(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
