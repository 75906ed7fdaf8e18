using Arcd.Maintenance.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arcd.Tests.Maintenance;

public class CronScheduleTests
{
    private static DateTime At(string text) => DateTime.Parse(text, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

    [Theory]
    [InlineData("5 * * * *", "2026-12-01T08:04:00Z", "2026-12-01T08:05:00Z")]
    [InlineData("5 * * * *", "2026-12-01T08:05:00Z", "2026-12-01T09:05:00Z")]
    [InlineData("0 3 * * *", "2026-12-01T03:00:30Z", "2026-12-02T03:00:00Z")]
    [InlineData("*/15 * * * *", "2026-12-01T08:14:59Z", "2026-12-01T08:15:00Z")]
    [InlineData("0 0 1 1 *", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("30 9-17/4 * * 1-5", "2026-12-04T17:31:00Z", "2026-12-07T09:30:00Z")] // Friday evening -> Monday
    [InlineData("0 12 * * 0", "2026-12-01T00:00:00Z", "2026-12-06T12:00:00Z")]          // Sunday
    [InlineData("0 12 * * 7", "2026-12-01T00:00:00Z", "2026-12-06T12:00:00Z")]          // 7 is Sunday too
    [InlineData("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("0 0 13 * 5", "2026-12-01T00:00:00Z", "2026-12-04T00:00:00Z")]          // day OR weekday when both are set
    public void Next_is_the_first_matching_minute_after(string cron, string after, string expected)
    {
        Assert.Equal(At(expected), CronSchedule.Parse(cron).Next(At(after)));
    }

    [Theory]
    [InlineData("* * * *", "expected 5 fields")]
    [InlineData("60 * * * *", "minute")]
    [InlineData("* 24 * * *", "hour")]
    [InlineData("* * 0 * *", "day of month")]
    [InlineData("* * * 13 *", "month")]
    [InlineData("* * * * 8", "day of week")]
    [InlineData("*/0 * * * *", "bad step")]
    [InlineData("5-1 * * * *", "runs backwards")]
    [InlineData("a * * * *", "minute")]
    public void Bad_expressions_say_which_field_is_wrong(string cron, string message)
    {
        Assert.False(CronSchedule.TryParse(cron, out _, out var error));
        Assert.Contains(message, error);
    }
}

public class MaintenanceSchedulerTests
{
    private sealed class ManualClock(DateTime start) : TimeProvider
    {
        private long _ticks = start.Ticks;
        public void Set(DateTime time) => Interlocked.Exchange(ref _ticks, time.Ticks);
        public override DateTimeOffset GetUtcNow() => new(new DateTime(Interlocked.Read(ref _ticks), DateTimeKind.Utc));
    }

    [Fact]
    public void A_job_runs_when_the_clock_reaches_its_time_once_per_tick_and_a_failure_does_not_stop_the_scheduler()
    {
        var clock = new ManualClock(new DateTime(2026, 12, 1, 8, 0, 30, DateTimeKind.Utc));
        var runs = 0;
        var failing = 0;
        using var scheduler = new MaintenanceScheduler(
        [
            new ScheduledJob("count", CronSchedule.Parse("5 * * * *"), () => Interlocked.Increment(ref runs)),
            new ScheduledJob("fail", CronSchedule.Parse("5 * * * *"), () =>
            {
                Interlocked.Increment(ref failing);
                throw new InvalidOperationException("boom");
            }),
        ], clock, NullLogger.Instance);
        scheduler.Start();
        Thread.Sleep(300);
        Assert.Equal(0, Volatile.Read(ref runs));
        Assert.Equal(new DateTime(2026, 12, 1, 8, 5, 0, DateTimeKind.Utc), scheduler.States()[0].NextRunUtc);

        clock.Set(new DateTime(2026, 12, 1, 8, 5, 0, DateTimeKind.Utc));
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref runs) == 1 && Volatile.Read(ref failing) == 1, TimeSpan.FromSeconds(10)));
        Thread.Sleep(300);
        Assert.Equal(1, Volatile.Read(ref runs)); // once per tick, not once per wake-up
        Assert.Equal("boom", scheduler.States()[1].LastError);

        // Hours later (the process was busy or down): one late run, not one per missed tick.
        clock.Set(new DateTime(2026, 12, 1, 11, 30, 0, DateTimeKind.Utc));
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref runs) == 2, TimeSpan.FromSeconds(10)));
        Thread.Sleep(300);
        Assert.Equal(2, Volatile.Read(ref runs));
        Assert.Equal(new DateTime(2026, 12, 1, 12, 5, 0, DateTimeKind.Utc), scheduler.States()[0].NextRunUtc);

        var ran = new ManualResetEventSlim();
        scheduler.RunNow("now", ran.Set);
        Assert.True(ran.Wait(TimeSpan.FromSeconds(10)));
    }
}
