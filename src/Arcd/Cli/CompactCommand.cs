using Arcd.Configuration;
using Arcd.Ingest.Storage;
using Arcd.Ingest.Wal;
using Arcd.Maintenance.Compaction;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arcd.Cli;

/// <summary>
/// <c>arcd compact</c>: one compaction cycle on Storage:Root, in this process, for cron-less
/// operation. It takes the data root's lock, so it never runs beside a daemon (which would not know
/// its files are being replaced), and refuses while the write-ahead log still holds records: their
/// checkpoint intents name files that compaction could remove before the daemon replays them.
/// </summary>
public static class CompactCommand
{
    public static int Run(LoadedConfig config, CompactArguments arguments, ILoggerFactory? loggerFactory = null)
    {
        var options = config.Options;
        var root = Path.GetFullPath(options.Storage.Root);
        if (arguments.Database is { } database && !Arcd.Ingest.Columnar.NameRules.IsValidDatabase(database))
        {
            Console.Error.WriteLine($"arcd compact: invalid database name '{database}'");
            return 2;
        }
        var tiers = new List<CompactionTier>();
        foreach (var name in arguments.Tiers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (name.Equals("hourly", StringComparison.OrdinalIgnoreCase)) tiers.Add(CompactionTier.Hourly);
            else if (name.Equals("daily", StringComparison.OrdinalIgnoreCase)) tiers.Add(CompactionTier.Daily);
            else
            {
                Console.Error.WriteLine($"arcd compact: unknown tier '{name}' (hourly, daily)");
                return 2;
            }
        }
        if (ConfigLoader.IsS3(options.Storage))
        {
            Console.Error.WriteLine("arcd compact: works on Storage:Backend=local only; on s3 the daemon compacts (Compaction:Enabled, POST /api/v1/compaction/trigger)");
            return 2;
        }
        if (!Directory.Exists(root))
        {
            Console.Error.WriteLine($"arcd compact: Storage:Root {root} does not exist");
            return 1;
        }
        using var rootLock = DataRootLock.TryAcquire(root);
        if (rootLock is null)
        {
            Console.Error.WriteLine($"arcd compact: a running arcd holds {root}; trigger compaction through it instead: POST /api/v1/compaction/trigger");
            return 1;
        }
        var walDirectory = Path.GetFullPath(options.Wal.Dir);
        // A segment no longer than its header holds no record (a daemon killed right after it opened one).
        if (Directory.Exists(walDirectory) && Directory.EnumerateFiles(walDirectory, "*" + WalSegment.Extension, SearchOption.AllDirectories)
                .Any(f => new FileInfo(f).Length > WalSegment.HeaderBytes))
        {
            Console.Error.WriteLine($"arcd compact: the write-ahead log in {walDirectory} holds records not yet replayed; start arcd once (it replays them at start), then compact");
            return 1;
        }

        var storage = new LocalFileStorage(root);
        var compactor = new Compactor(storage, root, options.Compaction, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Arcd.Compaction"));
        compactor.RunCycle(tiers.Count > 0 ? tiers : compactor.EnabledTiers, arguments.Database, DateTime.UtcNow);
        var stats = compactor.Stats;
        Console.WriteLine($"compaction: {stats.JobsCompleted} batches compacted, {stats.FilesIn} files into {stats.FilesOut}, " +
            $"{stats.RowsIn} rows in, {stats.RowsOut} rows out, {stats.BytesIn} -> {stats.BytesOut} bytes; {stats.JobsFailed} failed");
        foreach (var job in stats.Recent().Where(j => !j.Success))
            Console.Error.WriteLine($"arcd compact: {job.PartitionPath} batch {job.Batch}: {job.Error}");
        return stats.JobsFailed > 0 || stats.CycleFailures > 0 ? 1 : 0;
    }
}
