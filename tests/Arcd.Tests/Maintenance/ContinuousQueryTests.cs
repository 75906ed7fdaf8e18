using System.Globalization;
using Arcd.Maintenance.ContinuousQueries;
using Arcd.Tests.Support;

namespace Arcd.Tests.Maintenance;

/// <summary>
/// Continuous queries on real storage, ingest, deleter and DuckDB with a fake clock: aligned windows
/// run once closed plus the lateness, exact aggregates, bounded catch-up, re-runs that replace,
/// failures retried from the old watermark, and source expiry that never outruns the rollup.
/// </summary>
public class ContinuousQueryTests
{
    private static readonly DateTime Created = new(2026, 11, 30, 10, 0, 30, DateTimeKind.Utc);

    private const string PerMinute =
        "SELECT time_bucket(INTERVAL '1 minute', time) AS time, host, avg(value) AS avg_value, count(*) AS n " +
        "FROM db.cpu WHERE time >= {start_time} AND time < {end_time} GROUP BY 1, 2";

    private static IEnumerable<(DateTime, string, double)> EveryFiveSeconds(DateTime from, int minutes) =>
        Enumerable.Range(0, minutes * 12).SelectMany(i => new[]
        {
            (from.AddSeconds(5 * i), "h0", (double)i),
            (from.AddSeconds(5 * i + 1), "h1", i * 0.5),
        });

    private static string Expected(CqFixture f, DateTime until) =>
        Rows($"SELECT time_bucket(INTERVAL '1 minute', time) AS t, host, avg(value), count(*) FROM {f.Source} " +
             $"WHERE time < TIMESTAMP '{until:yyyy-MM-dd HH:mm:ss}' GROUP BY 1, 2 ORDER BY 1, 2");

    private static string Actual(CqFixture f) => Rows($"SELECT time, host, avg_value, n FROM {f.Destination()} ORDER BY 1, 2");

    private static string Rows(string sql) =>
        string.Join("\n", DuckDb.Query(sql).Select(r => string.Join("|", r.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)))));

    private static DateTime At(int minute, int second = 0) => new(2026, 11, 30, 10, minute, second, DateTimeKind.Utc);

    [Fact]
    public void Closed_windows_run_once_after_the_lateness_with_exact_aggregates_and_tags()
    {
        using var f = new CqFixture(Created);
        f.WriteSource(EveryFiveSeconds(At(0), 6));
        var cq = f.Create(PerMinute, tags: ["host"]);

        f.Clock.Set(At(1, 59)); // [10:00, 10:01) closed, but not past its minute of lateness
        f.Service.Tick();
        Assert.False(f.HasDestination());
        Assert.Equal(At(2), f.Service.NextDue(f.Clock.Now));

        f.Clock.Set(At(6)); // windows ending by 10:05 are due
        f.Service.Tick();
        Assert.Equal(Expected(f, At(5)), Actual(f));
        Assert.Equal(10, DuckDb.Query($"SELECT * FROM {f.Destination()}").Count);
        Assert.Equal("host", DuckDb.Scalar($"SELECT value::VARCHAR FROM parquet_kv_metadata('{f.Root}/db/cpu_1m/**/*.parquet') WHERE key::VARCHAR = 'arc:tags' LIMIT 1"));
        var progress = f.Service.Store.Progress(cq.Id);
        Assert.Equal(At(5), progress.WatermarkUtc);
        Assert.Equal(At(0), progress.CoveredFromUtc);
        Assert.Null(progress.InFlight);
        var executions = f.Service.Store.Executions(cq.Id, 50);
        Assert.Equal(5, executions.Count);
        Assert.All(executions, e => Assert.Equal(CqExecution.Completed, e.Status));
        Assert.Equal([At(4), At(3), At(2), At(1), At(0)], executions.Select(e => e.StartUtc));

        f.Service.Tick(); // nothing new is due: nothing is written twice
        Assert.Equal(Expected(f, At(5)), Actual(f));
    }

    [Fact]
    public void Catch_up_runs_every_missed_window_oldest_first_a_bounded_number_per_tick()
    {
        using var f = new CqFixture(Created, new CqOptions { MaxWindowsPerTick = 10 });
        f.WriteSource(EveryFiveSeconds(At(0), 40));
        var cq = f.Create(PerMinute, tags: ["host"]);

        f.Clock.Set(At(33)); // a 33-minute outage: 32 windows are due
        f.Service.Tick();
        Assert.Equal(At(10), f.Service.Store.Progress(cq.Id).WatermarkUtc);
        Assert.Equal(f.Clock.Now.AddSeconds(1), f.Service.NextDue(f.Clock.Now)); // more is due: the next tick follows shortly
        for (var i = 0; i < 3; i++) f.Service.Tick();
        Assert.Equal(At(32), f.Service.Store.Progress(cq.Id).WatermarkUtc);
        Assert.Equal(Expected(f, At(32)), Actual(f));
        Assert.Equal(0L, DuckDb.Scalar($"SELECT count(*) FROM (SELECT time, host FROM {f.Destination()} GROUP BY ALL HAVING count(*) > 1)"));
        Assert.Equal(At(34), f.Service.NextDue(f.Clock.Now)); // [10:32, 10:33) runs at 10:34
    }

    [Fact]
    public void Late_points_within_the_lateness_are_included()
    {
        using var f = new CqFixture(Created);
        f.WriteSource(EveryFiveSeconds(At(0), 3));
        f.Create(PerMinute, tags: ["host"]);
        f.Clock.Set(At(2, 30)); // [10:01, 10:02) is closed; a point for it arrives now, within the lateness
        f.Service.Tick();
        f.WriteSource([(At(1, 59), "h0", 1000)]);
        f.Clock.Set(At(3));
        f.Service.Tick();
        Assert.Equal(Expected(f, At(2)), Actual(f));
        Assert.Equal(13L, DuckDb.Scalar($"SELECT n FROM {f.Destination()} WHERE time = TIMESTAMP '2026-11-30 10:01:00' AND host = 'h0'"));
    }

    [Fact]
    public void Execute_recomputes_a_range_replacing_its_output_and_aligns_it_to_whole_windows()
    {
        using var f = new CqFixture(Created);
        f.WriteSource(EveryFiveSeconds(At(0), 6));
        var cq = f.Create(PerMinute, tags: ["host"]);
        f.Clock.Set(At(7));
        f.Service.Tick();
        var before = Actual(f);

        // Late data after the window committed: a backfill picks it up, without duplicating anything.
        f.WriteSource([(At(2, 30), "h1", 500)]);
        var run = f.Service.Execute(cq, At(0), At(5))!;
        Assert.Equal(CqExecution.Completed, run.Status);
        Assert.Equal(10, run.RecordsWritten);
        Assert.NotEqual(before, Actual(f));
        Assert.Equal(Expected(f, At(6)), Actual(f));
        Assert.Equal(13L, DuckDb.Scalar($"SELECT n FROM {f.Destination()} WHERE time = TIMESTAMP '2026-11-30 10:02:00' AND host = 'h1'"));

        // The same range again: the same rows, once.
        f.Service.Execute(cq, At(0), At(5));
        Assert.Equal(Expected(f, At(6)), Actual(f));
        Assert.Equal(At(6), f.Service.Store.Progress(cq.Id).WatermarkUtc); // a backfill never moves the watermark back
    }

    [Fact]
    public void A_failed_window_keeps_the_old_watermark_and_its_retry_replaces_what_it_wrote()
    {
        using var f = new CqFixture(Created);
        f.WriteSource(EveryFiveSeconds(At(0), 6));
        // A 5-minute bucket in a 1-minute query: the window [10:01, 10:02) yields the bucket 10:00, outside it.
        var cq = f.Create(PerMinute.Replace("'1 minute'", "'5 minutes'", StringComparison.Ordinal), tags: ["host"]);
        f.Clock.Set(At(4));
        f.Service.Tick();
        var progress = f.Service.Store.Progress(cq.Id);
        Assert.Equal(At(1), progress.WatermarkUtc);
        Assert.Equal(new WindowInFlight(At(1), At(2), progress.InFlight!.ExecutionId, false, progress.InFlight.StartedUtc), progress.InFlight);
        var failed = f.Service.Store.Executions(cq.Id, 1)[0];
        Assert.Equal(CqExecution.Failed, failed.Status);
        Assert.Contains("outside the window", failed.ErrorMessage);
        Assert.True(f.Service.NextDue(f.Clock.Now) > f.Clock.Now.AddSeconds(30)); // backed off, not retried in a loop

        // Fixed: the pending window runs first, then the rest.
        f.Service.Store.Update(cq with { Query = PerMinute });
        f.Service.Changed(cq.Id);
        f.Service.Tick();
        Assert.Equal(At(3), f.Service.Store.Progress(cq.Id).WatermarkUtc);
        Assert.Null(f.Service.Store.Progress(cq.Id).InFlight);
        // 10:00 came from the 5-minute bucket of the first window: the first window is the only one with other values.
        Assert.Equal(Expected(f, At(3)).Split('\n').Skip(2), Actual(f).Split('\n').Skip(2));
    }

    [Fact]
    public void Source_expiry_removes_only_rolled_up_data_and_destination_retention_expires_old_rollups()
    {
        var start = new DateTime(2026, 11, 27, 10, 0, 30, DateTimeKind.Utc);
        using var f = new CqFixture(start, new CqOptions { MaxWindowsPerTick = 5 });
        var hour = new DateTime(2026, 11, 27, 9, 0, 0, DateTimeKind.Utc);
        foreach (var h in new[] { 0, 1, 2, 8 }) f.WriteSource([(hour.AddHours(h).AddMinutes(10), "h0", h)]); // 09:00 is before the first window
        const string hourly = "SELECT time_bucket(INTERVAL '1 hour', time) AS time, host, sum(value) AS total FROM cpu WHERE time >= {start_time} AND time < {end_time} GROUP BY 1, 2";
        var cq = f.Create(hourly, interval: "1h", tags: ["host"], deleteSourceAfterDays: 1, destination: "cpu_1h");

        f.Clock.Set(start.AddDays(3));
        f.Service.Tick(); // windows 10:00..15:00 of the 27th, then expiry
        var progress = f.Service.Store.Progress(cq.Id);
        Assert.Equal(hour.AddHours(6), progress.WatermarkUtc);
        var left = DuckDb.Query($"SELECT hour(time) FROM {f.Source} ORDER BY 1").Select(r => Convert.ToInt64(r[0], CultureInfo.InvariantCulture)).ToList();
        // 10:00 and 11:00 were rolled up and are over a day old: gone. 09:00 (never rolled up) and 17:00 (not yet): kept.
        Assert.Equal([9L, 17L], left);
        Assert.Equal(2, DuckDb.Query($"SELECT * FROM {f.Destination("cpu_1h")}").Count);

        // retention_days on the destination: rollups older than it go at the next expiry (hourly).
        f.Service.Store.Update(cq with { RetentionDays = 1 });
        f.Clock.Set(start.AddDays(3).AddHours(2));
        f.Service.Tick();
        Assert.False(f.HasDestination("cpu_1h"));
    }

    [Theory]
    [InlineData("1m", 60)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("10s", 10)]
    [InlineData("90000ms", 90)]
    public void Intervals_use_gos_duration_syntax(string text, int seconds)
    {
        Assert.True(CqInterval.TryParse(text, out var interval));
        Assert.Equal(TimeSpan.FromSeconds(seconds), interval);
        Assert.Null(CqRules.IntervalProblem(text));
    }

    [Theory]
    [InlineData("1d", "use a Go duration")]
    [InlineData("", "use a Go duration")]
    [InlineData("h", "use a Go duration")]
    [InlineData("5s", "the minimum is 10s")]
    [InlineData("10500ms", "use whole seconds")]
    public void Bad_intervals_are_refused_with_a_reason(string text, string reason) =>
        Assert.Contains(reason, CqRules.IntervalProblem(text));

    [Fact]
    public void Windows_are_aligned_to_the_interval_from_the_epoch()
    {
        var t = new DateTime(2026, 11, 30, 10, 47, 13, DateTimeKind.Utc);
        Assert.Equal(new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), CqInterval.Floor(t, TimeSpan.FromHours(1)));
        Assert.Equal(new DateTime(2026, 11, 30, 11, 0, 0, DateTimeKind.Utc), CqInterval.Ceiling(t, TimeSpan.FromHours(1)));
        Assert.Equal(new DateTime(2026, 11, 30, 10, 45, 0, DateTimeKind.Utc), CqInterval.Floor(t, TimeSpan.FromMinutes(15)));
        Assert.Equal(t.AddSeconds(-13), CqInterval.Ceiling(t.AddSeconds(-13), TimeSpan.FromMinutes(1)));
    }
}
