using Arcd.Configuration;
using Arcd.Ingest.Shards;
using Arcd.Ingest.Storage;
using Arcd.Logging;
using Arcd.Maintenance.Compaction;
using Arcd.Maintenance.Deletion;
using Arcd.Maintenance.Files;
using Arcd.Maintenance.Retention;
using Arcd.Maintenance.Scheduling;
using Microsoft.Extensions.Logging;

namespace Arcd.Hosting;

/// <summary>
/// Compaction, retention and delete, wired to the storage seam, the WAL's intents, one rewrite gate
/// and the shared scheduler. Started once the WAL is replayed: they re-point the intents of a live log.
/// </summary>
public sealed class Maintenance : IDisposable
{
    public const string RetentionStateFile = "retention.json";

    private Maintenance(MaintenanceScheduler scheduler, Compactor? compactor, RetentionService? retention, RowDeleter deleter, IFileStorage storage)
    {
        Scheduler = scheduler;
        Compactor = compactor;
        Retention = retention;
        Deleter = deleter;
        Storage = storage;
    }

    public MaintenanceScheduler Scheduler { get; }
    public Compactor? Compactor { get; }
    public RetentionService? Retention { get; }
    public RowDeleter Deleter { get; }
    private IFileStorage Storage { get; }

    /// <summary>Null (after logging why) when the retention state cannot be read: the daemon does not start.</summary>
    public static Maintenance? Create(ArcdOptions options, LocalFileStorage storage, IngestEngine engine, ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger("Arcd.Maintenance");
        var gate = new RewriteGate();
        var jobs = new List<ScheduledJob>();

        Compactor? compactor = null;
        if (options.Compaction.Enabled)
        {
            compactor = new Compactor(storage, storage.Root, options.Compaction, loggerFactory.CreateLogger("Arcd.Compaction"), engine.RepointCheckpoints, gate);
            if (options.Compaction.HourlyEnabled)
                jobs.Add(new ScheduledJob("compaction-hourly", CronSchedule.Parse(options.Compaction.HourlySchedule), () => compactor.RunCycle([CompactionTier.Hourly], null, DateTime.UtcNow)));
            if (options.Compaction.DailyEnabled)
                jobs.Add(new ScheduledJob("compaction-daily", CronSchedule.Parse(options.Compaction.DailySchedule), () => compactor.RunCycle([CompactionTier.Daily], null, DateTime.UtcNow)));
        }

        RetentionService? retention = null;
        if (options.Retention.Enabled)
        {
            var path = Path.Combine(storage.Root, ".arcd", RetentionStateFile);
            RetentionStore store;
            try
            {
                store = RetentionStore.Open(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                Log.StartFailed(logger, $"retention state {path}: {ex.Message}");
                return null;
            }
            var retentionLogger = loggerFactory.CreateLogger("Arcd.Retention");
            var runner = new RetentionRunner(storage, storage.Root, gate, engine.RepointCheckpoints, retentionLogger);
            retention = new RetentionService(store, runner, TimeProvider.System, retentionLogger);
            var service = retention;
            jobs.Add(new ScheduledJob("retention", CronSchedule.Parse(options.Retention.Schedule), () =>
            {
                if (service.RunActive() is { } error) throw new InvalidOperationException(error);
            }));
        }

        var rewrite = options.Compaction.Rewrite(Path.Combine(storage.Root, ".arcd", "compaction-tmp"));
        var deleter = new RowDeleter(storage, storage.Root, rewrite, options.Delete, gate, engine.FlushMeasurement, engine.RepointCheckpoints,
            loggerFactory.CreateLogger("Arcd.Delete"));
        return new Maintenance(new MaintenanceScheduler(jobs, TimeProvider.System, logger), compactor, retention, deleter, storage);
    }

    /// <summary>Starts the scheduler, and first finishes the retention runs a crash cut short.</summary>
    public void Start()
    {
        if (Retention is { } retention) Scheduler.RunNow("retention: interrupted runs", () => retention.ResumeInterrupted(Storage.Exists));
        Scheduler.Start();
    }

    public void Dispose() => Scheduler.Dispose();
}
