using System.Collections.Concurrent;
using System.Diagnostics;
using Arcd.Ingest.Platform;
using Arcd.Maintenance.Retention;
using Microsoft.Extensions.Logging;

namespace Arcd.Maintenance.ContinuousQueries;

/// <summary>
/// Runs continuous queries exactly once per window (docs/ARCHITECTURE.md, "Continuous queries"):
/// the scheduler's tick runs every due window of every active query, oldest first, a bounded number
/// per tick; a manual execute re-computes a range. Every run first records its window as in flight
/// (and the output high-water mark) in the state file, then writes, then commits the watermark and
/// the execution row in one save. A window that starts before the high-water mark may hold earlier
/// output (a crash, a failure, a backfill) and is replaced, not added to. Runs are serialized.
/// </summary>
public sealed partial class CqService(CqStore store, CqRunner runner, RetentionRunner expiry, CqOptions options, TimeProvider clock, ILogger logger)
{
    public const string JobName = "continuous-queries";
    private static readonly TimeSpan CatchUpPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Idle = TimeSpan.FromHours(1);
    private static readonly TimeSpan ExpiryEvery = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    private readonly Lock _run = new();
    private readonly ConcurrentDictionary<long, CqQueryStats> _stats = new();
    private readonly ConcurrentDictionary<long, (DateTime At, int Failures)> _retry = new();
    private readonly ConcurrentDictionary<long, DateTime> _expiredAt = new();

    public CqStore Store => store;
    public CqOptions Options => options;
    public DateTime? LastTickUtc { get; private set; }

    public CqQueryStats StatsOf(long id) => _stats.GetOrAdd(id, _ => new CqQueryStats());

    /// <summary>
    /// The start of the next window the scheduler runs: the window holding the watermark (the watermark
    /// itself unless the interval changed since), or the window holding the query's creation.
    /// </summary>
    public static DateTime NextWindowStart(ContinuousQuery query, CqProgress progress, TimeSpan interval) =>
        CqInterval.Floor(progress.WatermarkUtc ?? query.CreatedUtc, interval);

    /// <summary>When the tick should run next (the scheduler asks after every tick and after every change).</summary>
    public DateTime NextDue(DateTime afterUtc)
    {
        var next = afterUtc + Idle;
        foreach (var query in store.Queries())
        {
            if (!query.IsActive || !CqInterval.TryParse(query.Interval, out var interval)) continue;
            var progress = store.Progress(query.Id);
            DateTime due;
            if (_retry.TryGetValue(query.Id, out var retry)) due = retry.At;
            else if (progress.InFlight is not null) due = afterUtc;
            else due = NextWindowStart(query, progress, interval) + interval + options.Lateness;
            if (due < next) next = due;
        }
        return next <= afterUtc ? afterUtc + CatchUpPause : next;
    }

    /// <summary>The scheduler's job: pending windows first, then due windows oldest first, at most <see cref="CqOptions.MaxWindowsPerTick"/> per query.</summary>
    public void Tick()
    {
        var now = Now();
        LastTickUtc = now;
        foreach (var query in store.Queries().Where(q => q.IsActive).OrderBy(q => q.Id))
        {
            if (_retry.TryGetValue(query.Id, out var retry) && retry.At > now) continue;
            if (!CqInterval.TryParse(query.Interval, out var interval)) continue;
            var budget = Math.Max(1, options.MaxWindowsPerTick);
            if (store.Progress(query.Id).InFlight is { } pending)
            {
                if (RunWindow(query, pending.StartUtc, pending.EndUtc, pending.Manual, resumed: true, pending.ExecutionId)?.Status != CqExecution.Completed) continue;
                budget--;
            }
            for (; budget > 0; budget--)
            {
                var start = NextWindowStart(query, store.Progress(query.Id), interval);
                var end = start + interval;
                if (end + options.Lateness > Now()) break;
                if (RunWindow(query, start, end, manual: false, resumed: false, NewExecutionId("cq-sched-"))?.Status != CqExecution.Completed) break;
            }
            Expire(query, now);
        }
    }

    /// <summary>
    /// A manual run of [<paramref name="startUtc"/>, <paramref name="endUtc"/>) (aligned by the caller),
    /// replacing that range's earlier output. A window left pending by a crash or failure runs first.
    /// Null when the query was deleted meanwhile.
    /// </summary>
    public CqExecution? Execute(ContinuousQuery query, DateTime startUtc, DateTime endUtc)
    {
        lock (_run)
        {
            if (store.Progress(query.Id).InFlight is { } pending
                && RunWindow(query, pending.StartUtc, pending.EndUtc, pending.Manual, resumed: true, pending.ExecutionId) is { Status: CqExecution.Failed } failed)
                return failed with { ErrorMessage = $"the pending window [{CqStore.Time(pending.StartUtc)}, {CqStore.Time(pending.EndUtc)}) failed again: {failed.ErrorMessage}" };
            return RunWindow(query, startUtc, endUtc, manual: true, resumed: false, NewExecutionId("cq-exec-"));
        }
    }

    /// <summary>Forgets the in-memory retry state of a query (after an update, so a fixed query runs at once).</summary>
    public void Changed(long id) => _retry.TryRemove(id, out _);

    private CqExecution? RunWindow(ContinuousQuery query, DateTime startUtc, DateTime endUtc, bool manual, bool resumed, string executionId)
    {
        lock (_run)
        {
            var started = Now();
            var watch = Stopwatch.StartNew();
            var before = store.Progress(query.Id);
            var replace = before.OutputThroughUtc is { } through && startUtc < through;
            var flight = new WindowInFlight(startUtc, endUtc, executionId, manual, started);
            // Durable before the first output row: a crash from here on re-runs this window, replacing.
            if (!store.SetProgress(query.Id, before with { InFlight = flight, OutputThroughUtc = Max(before.OutputThroughUtc, endUtc) })) return null;
            CrashPoints.Hit("cq-window-started");
            var stats = StatsOf(query.Id);
            Interlocked.Increment(ref stats.Runs);
            long rows;
            try
            {
                rows = runner.Run(query, startUtc, endUtc, replace);
                CrashPoints.Hit("cq-output-written");
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Interlocked.Increment(ref stats.Failures);
                var failures = _retry.TryGetValue(query.Id, out var last) ? last.Failures + 1 : 1;
                _retry[query.Id] = (Now() + Backoff(query, failures), failures);
                LogRunFailed(logger, ex, query.Name, startUtc, endUtc);
                var message = ex is CqRunException or CqOutputException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
                // The window stays in flight: its retry replaces whatever of it was written.
                return store.Record(new CqExecution(0, query.Id, executionId, started, CqExecution.Failed, startUtc, endUtc, 0,
                    watch.Elapsed.TotalSeconds, message, manual, resumed), store.Progress(query.Id));
            }
            _retry.TryRemove(query.Id, out _);
            Interlocked.Add(ref stats.RowsWritten, rows);
            var committed = Advance(query, store.Progress(query.Id), startUtc, endUtc, manual) with { InFlight = null };
            LogRan(logger, query.Name, startUtc, endUtc, rows, replace);
            return store.Record(new CqExecution(0, query.Id, executionId, started, CqExecution.Completed, startUtc, endUtc, rows,
                watch.Elapsed.TotalSeconds, null, manual, resumed), committed);
        }
    }

    /// <summary>
    /// The progress after a successful run. A scheduled window moves the watermark to its end. A manual
    /// range moves it only forward, only when it covers the next scheduled window, and only over closed
    /// windows (the open one is the scheduler's, with its lateness); it never moves back.
    /// </summary>
    private CqProgress Advance(ContinuousQuery query, CqProgress progress, DateTime startUtc, DateTime endUtc, bool manual)
    {
        if (!manual) return progress with { WatermarkUtc = endUtc, CoveredFromUtc = progress.CoveredFromUtc ?? startUtc };
        if (!CqInterval.TryParse(query.Interval, out var interval)) return progress;
        var next = NextWindowStart(query, progress, interval);
        var watermark = progress.WatermarkUtc;
        var covered = progress.CoveredFromUtc;
        var closed = CqInterval.Floor(Now() - options.Lateness, interval);
        var reach = endUtc < closed ? endUtc : closed;
        if (startUtc <= next && reach > next)
        {
            watermark = reach;
            covered ??= startUtc;
        }
        if (covered is { } from && startUtc < from && endUtc >= from) covered = startUtc;
        return progress with { WatermarkUtc = watermark, CoveredFromUtc = covered };
    }

    /// <summary>
    /// <c>retention_days</c>: the destination's files older than that go. <c>delete_source_after_days</c>:
    /// source files older than that go, but only inside the range every query reading that source has
    /// committed ([covered_from, watermark), and before any window in flight). Hourly per query.
    /// </summary>
    private void Expire(ContinuousQuery query, DateTime now)
    {
        if (query.RetentionDays is not > 0 && query.DeleteSourceAfterDays is not > 0) return;
        if (_expiredAt.TryGetValue(query.Id, out var last) && now - last < ExpiryEvery) return;
        _expiredAt[query.Id] = now;
        lock (_run)
        {
            try
            {
                if (query.RetentionDays is { } days and > 0)
                    expiry.Expire(query.Database, query.DestinationMeasurement, WholeSeconds(now.AddDays(-days)));
                if (query.DeleteSourceAfterDays is { } sourceDays and > 0 && SourceCutoff(query, WholeSeconds(now.AddDays(-sourceDays))) is var (cutoff, notBefore))
                    expiry.Expire(query.Database, query.SourceMeasurement, cutoff, notBefore);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogExpiryFailed(logger, ex, query.Name);
            }
        }
    }

    /// <summary>The source range that may go: null while any query reading the source has not committed a window.</summary>
    private (DateTime Cutoff, DateTime NotBefore)? SourceCutoff(ContinuousQuery query, DateTime olderThan)
    {
        var cutoff = olderThan;
        var notBefore = DateTime.MinValue;
        foreach (var reader in store.Queries().Where(q => q.Database == query.Database && q.SourceMeasurement == query.SourceMeasurement))
        {
            var progress = store.Progress(reader.Id);
            if (progress.WatermarkUtc is not { } watermark || progress.CoveredFromUtc is not { } from) return null;
            if (watermark < cutoff) cutoff = watermark;
            if (progress.InFlight is { } flight && flight.StartUtc < cutoff) cutoff = flight.StartUtc;
            if (from > notBefore) notBefore = from;
        }
        return cutoff > notBefore ? (cutoff, notBefore) : null;
    }

    private TimeSpan Backoff(ContinuousQuery query, int failures)
    {
        var interval = CqInterval.TryParse(query.Interval, out var i) ? i : TimeSpan.FromMinutes(1);
        var first = interval < TimeSpan.FromMinutes(1) ? interval : TimeSpan.FromMinutes(1);
        var wait = first * Math.Pow(2, Math.Min(failures - 1, 16));
        return wait < MaxBackoff ? wait : MaxBackoff;
    }

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    private static DateTime Max(DateTime? a, DateTime b) => a is { } x && x > b ? x : b;

    private static DateTime WholeSeconds(DateTime utc) => new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private static string NewExecutionId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    [LoggerMessage(Level = LogLevel.Information, Message = "continuous query {Name}: window [{Start:O}, {End:O}) wrote {Rows} rows (replaced earlier output: {Replaced})")]
    private static partial void LogRan(ILogger logger, string name, DateTime start, DateTime end, long rows, bool replaced);

    [LoggerMessage(Level = LogLevel.Error, Message = "continuous query {Name}: window [{Start:O}, {End:O}) failed; it is retried, replacing what it wrote")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string name, DateTime start, DateTime end);

    [LoggerMessage(Level = LogLevel.Error, Message = "continuous query {Name}: expiring old destination or source data failed; retried within the hour")]
    private static partial void LogExpiryFailed(ILogger logger, Exception exception, string name);
}
