using Arcd.Ingest.Storage;
using Arcd.Maintenance.Files;
using Arcd.Maintenance.Retention;
using Arcd.Maintenance.Scheduling;
using Arcd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arcd.Tests.Maintenance;

public class RetentionTests
{
    private sealed class ManualClock(DateTime start) : TimeProvider
    {
        private long _ticks = start.Ticks;
        public void Set(DateTime time) => Interlocked.Exchange(ref _ticks, time.Ticks);
        public override DateTimeOffset GetUtcNow() => new(new DateTime(Interlocked.Read(ref _ticks), DateTimeKind.Utc));
    }

    private static readonly DateTime Now = new(2026, 12, 1, 2, 59, 30, DateTimeKind.Utc);

    private static (LocalFileStorage Storage, RetentionService Service, ManualClock Clock) Setup(string root)
    {
        var storage = new LocalFileStorage(root);
        var clock = new ManualClock(Now);
        var store = RetentionStore.Open(Path.Combine(root, ".arcd", "retention.json"));
        var runner = new RetentionRunner(storage, storage.Root, new RewriteGate(), (_, _) => 0, NullLogger.Instance);
        return (storage, new RetentionService(store, runner, clock, NullLogger.Instance), clock);
    }

    private static string WriteHour(LocalFileStorage storage, DateTime hour, int rows) =>
        CompactionFixture.WriteFile(storage, "db", "cpu", hour, hour, CompactionFixture.Rows(hour, 0, rows, seed: 1));

    [Fact]
    public void The_scheduler_runs_active_policies_when_the_fake_clock_reaches_the_schedule()
    {
        using var temp = new TempDirectory();
        var (storage, service, clock) = Setup(temp.Path);
        var old = WriteHour(storage, Now.AddDays(-40).Date.AddHours(5), 10);
        var recent = WriteHour(storage, Now.AddDays(-2).Date.AddHours(5), 10);
        service.Store.Create(new RetentionPolicy(0, "p", "db", null, 30, 0, true, Now, Now));
        service.Store.Create(new RetentionPolicy(0, "inactive", "db", null, 1, 0, false, Now, Now));
        using var scheduler = new MaintenanceScheduler(
            [new ScheduledJob("retention", CronSchedule.Parse("0 3 * * *"), () => service.RunActive())], clock, NullLogger.Instance);
        scheduler.Start();
        Thread.Sleep(300);
        Assert.True(storage.Exists(old), "ran before its time");
        clock.Set(Now.AddSeconds(31)); // 03:00:01
        var deadline = DateTime.UtcNow.AddSeconds(20);
        // The execution is recorded as completed just after the last file goes: wait for the record.
        while (!service.Store.Executions(1, 10).Any(e => e.Status == RetentionExecution.Completed) && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.False(storage.Exists(old));
        Assert.True(storage.Exists(recent)); // the inactive 1-day policy did not run
        var execution = Assert.Single(service.Store.Executions(1, 10));
        Assert.Equal(RetentionExecution.Completed, execution.Status);
        Assert.Equal(10, execution.DeletedCount);
        Assert.Empty(service.Store.Executions(2, 10));
    }

    [Fact]
    public void An_interrupted_run_is_finished_against_its_recorded_cutoff_and_counts_a_chunk_that_was_already_deleted()
    {
        using var temp = new TempDirectory();
        var (storage, service, clock) = Setup(temp.Path);
        var deleted = WriteHour(storage, Now.AddDays(-50).Date.AddHours(1), 4);
        var left = WriteHour(storage, Now.AddDays(-45).Date.AddHours(1), 6);
        var policy = service.Store.Create(new RetentionPolicy(0, "p", "db", "cpu", 30, 0, true, Now, Now))!;
        // As a crash leaves it: a running row whose pending chunk (the first file) was deleted, the other file not yet.
        var running = service.Store.BeginExecution(policy.Id, Now, policy.CutoffAt(Now));
        service.Store.Put(running with { Pending = new PendingChunk(deleted, 4, 1) });
        storage.Delete(deleted);

        var reopened = Setup(temp.Path).Service;
        Assert.Equal(1, reopened.ResumeInterrupted(storage.Exists));
        Assert.False(storage.Exists(left));
        var execution = Assert.Single(reopened.Store.Executions(policy.Id, 10));
        Assert.Equal(RetentionExecution.Completed, execution.Status);
        Assert.True(execution.Resumed);
        Assert.Equal(10, execution.DeletedCount);
        Assert.Equal(2, execution.FilesDeleted);
        Assert.Null(execution.Pending);
        Assert.Equal(running.CutoffUtc, execution.CutoffUtc);
    }

    [Fact]
    public void The_cutoff_is_retention_plus_buffer_days_back_in_whole_seconds()
    {
        var policy = new RetentionPolicy(1, "p", "db", null, 30, 7, true, Now, Now);
        Assert.Equal(new DateTime(2026, 10, 25, 2, 59, 30, DateTimeKind.Utc), policy.CutoffAt(Now.AddTicks(1234567)));
    }

    [Fact]
    public void The_store_survives_a_reopen_and_refuses_a_file_it_cannot_read()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "retention.json");
        var store = RetentionStore.Open(path);
        var policy = store.Create(new RetentionPolicy(0, "p", "db", null, 30, 7, true, Now, Now))!;
        Assert.Null(store.Create(policy with { Id = 0 }));
        var execution = store.BeginExecution(policy.Id, Now, policy.CutoffAt(Now));
        store.Put(execution with { Status = RetentionExecution.Completed, DurationMs = 12, ErrorMessage = "" });
        var reopened = RetentionStore.Open(path);
        Assert.Equal(policy, Assert.Single(reopened.Policies()));
        Assert.Equal(12, Assert.Single(reopened.Executions(policy.Id, -1)).DurationMs);
        Assert.Equal(2, reopened.Create(policy with { Id = 0, Name = "q" })!.Id);
        File.WriteAllText(path, "{\"version\": 9}");
        Assert.Throws<InvalidDataException>(() => RetentionStore.Open(path));
    }
}
