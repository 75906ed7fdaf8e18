using Arcd.Configuration;
using Arcd.Ingest.Shards;
using Arcd.Ingest.Storage;
using Arcd.Logging;
using Arcd.Ingest.Catalog;
using Arcd.Maintenance.Compaction;
using Arcd.Maintenance.ContinuousQueries;
using Arcd.Maintenance.Deletion;
using Arcd.Maintenance.Files;
using Arcd.Maintenance.Retention;
using Arcd.Maintenance.Scheduling;
using Arcd.Query.Engine;
using Arcd.Query.Storage;
using Microsoft.Extensions.Logging;

namespace Arcd.Hosting;

/// <summary>
/// Compaction, retention, delete and continuous queries, wired to the storage seam, the WAL's intents, one rewrite gate
/// and the shared scheduler. Started once the WAL is replayed: they re-point the intents of a live log.
/// </summary>
public sealed class Maintenance : IDisposable
{
    public const string RetentionStateFile = "retention.json";
    public const string ContinuousQueryStateFile = "continuous_queries.json";

    private Maintenance(MaintenanceScheduler scheduler, Compactor? compactor, RetentionService? retention, RowDeleter deleter, CqService? continuousQueries,
        IFileStorage storage, CqRunner? cqRunner)
    {
        ContinuousQueries = continuousQueries;
        _cqRunner = cqRunner;
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
    public CqService? ContinuousQueries { get; }
    private IFileStorage Storage { get; }
    private readonly CqRunner? _cqRunner;

    /// <summary>Null (after logging why) when the retention or continuous query state cannot be read: the daemon does not start.</summary>
    public static Maintenance? Create(ArcdOptions options, IFileStorage storage, string root, IngestEngine engine, ColumnCatalog catalog, QuerySettings querySettings,
        ILoggerFactory loggerFactory, BucketMirror? mirror = null)
    {
        var logger = loggerFactory.CreateLogger("Arcd.Maintenance");
        var gate = new RewriteGate();
        var jobs = new List<ScheduledJob>();

        // Several nodes may share a bucket: there a partition is compacted or rewritten under a lease.
        var leaseOwner = ConfigLoader.IsS3(options.Storage) ? options.Node.EffectiveId : null;
        Compactor? compactor = null;
        if (options.Compaction.Enabled)
        {
            compactor = new Compactor(storage, root, options.Compaction, loggerFactory.CreateLogger("Arcd.Compaction"), engine.RepointCheckpoints, gate, leaseOwner);
            if (options.Compaction.HourlyEnabled)
                jobs.Add(new ScheduledJob("compaction-hourly", CronSchedule.Parse(options.Compaction.HourlySchedule), () => compactor.RunCycle([CompactionTier.Hourly], null, DateTime.UtcNow)));
            if (options.Compaction.DailyEnabled)
                jobs.Add(new ScheduledJob("compaction-daily", CronSchedule.Parse(options.Compaction.DailySchedule), () => compactor.RunCycle([CompactionTier.Daily], null, DateTime.UtcNow)));
        }

        RetentionService? retention = null;
        RetentionRunner? retentionRunner = null;
        if (options.Retention.Enabled)
        {
            if (OpenState(root, RetentionStateFile, "retention state", RetentionStore.Open, logger) is not { } store) return null;
            var retentionLogger = loggerFactory.CreateLogger("Arcd.Retention");
            var runner = new RetentionRunner(storage, root, gate, engine.RepointCheckpoints, retentionLogger);
            retentionRunner = runner;
            retention = new RetentionService(store, runner, TimeProvider.System, retentionLogger);
            var service = retention;
            jobs.Add(new ScheduledJob("retention", CronSchedule.Parse(options.Retention.Schedule), () =>
            {
                if (service.RunActive() is { } error) throw new InvalidOperationException(error);
            }));
        }

        var rewrite = options.Compaction.Rewrite(Path.Combine(root, ".arcd", "compaction-tmp"));
        var deleter = new RowDeleter(storage, root, rewrite, options.Delete, gate, engine.FlushMeasurement, engine.RepointCheckpoints,
            loggerFactory.CreateLogger("Arcd.Delete"), leaseOwner, options.Compaction.LeaseDuration);

        CqService? continuousQueries = null;
        CqRunner? cqRunner = null;
        if (options.ContinuousQueries.Enabled)
        {
            if (OpenState(root, ContinuousQueryStateFile, "continuous query state", CqStore.Open, logger) is not { } store) return null;
            var cqLogger = loggerFactory.CreateLogger("Arcd.ContinuousQueries");
            var cq = options.ContinuousQueries;
            var writer = new CqOutputWriter(new Arcd.Import.Submission.IngestSubmitter(engine, catalog, cq.Timeout));
            cqRunner = new CqRunner(new DataRoot(mirror?.Root ?? root, storage.Readers), querySettings with { Timeout = cq.Timeout }, deleter, writer,
                engine.FlushMeasurement, durableOnAck: engine.WalMode == Arcd.Ingest.Wal.WalMode.Sync, options.Delete.FlushTimeout, mirror);
            var expiry = retentionRunner ?? new RetentionRunner(storage, root, gate, engine.RepointCheckpoints, cqLogger);
            var service = new CqService(store, cqRunner, expiry, cq, TimeProvider.System, cqLogger);
            continuousQueries = service;
            jobs.Add(new ScheduledJob(CqService.JobName, new ComputedSchedule("every query's interval", service.NextDue), service.Tick));
        }
        return new Maintenance(new MaintenanceScheduler(jobs, TimeProvider.System, logger), compactor, retention, deleter, continuousQueries, storage, cqRunner);
    }

    /// <summary>A state file under <c>.arcd/</c>; null (after logging why) when it cannot be read.</summary>
    private static T? OpenState<T>(string root, string file, string what, Func<string, T> open, ILogger logger) where T : class
    {
        var path = Path.Combine(root, ".arcd", file);
        try
        {
            return open(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.StartFailed(logger, $"{what} {path}: {ex.Message}");
            return null;
        }
    }

    /// <summary>Starts the scheduler, and first finishes the retention runs a crash cut short.</summary>
    public void Start()
    {
        if (Retention is { } retention) Scheduler.RunNow("retention: interrupted runs", () => retention.ResumeInterrupted(Storage.Exists));
        Scheduler.Start();
    }

    /// <summary>Stops the jobs: a continuous query's run in progress is interrupted rather than waited for (its window runs again at the next start).</summary>
    public void StopJobs()
    {
        _cqRunner?.Interrupt();
        Scheduler.Dispose();
    }

    public void Dispose()
    {
        StopJobs();
        _cqRunner?.Dispose();
    }
}
