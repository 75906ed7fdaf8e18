using System.Diagnostics;
using Arcd.Ingest.Storage;
using Arcd.Maintenance.Files;
using Arcd.Query.Engine;
using Microsoft.Extensions.Logging;

namespace Arcd.Maintenance.Compaction;

/// <summary>
/// Compaction cycles (ARC-MANAGEMENT §4.3, made exactly once): one at a time; each first finishes
/// interrupted replacements, then per tier (hourly, then daily) finds the candidates and merges
/// each partition in batches of at most <c>MaxFilesPerBatch</c> files, one output per batch. A
/// batch replaces its inputs through the storage seam (<see cref="FileReplacement"/>): manifest,
/// output, inputs deleted — after the WAL's checkpoint intents naming the inputs were copied to
/// name the output, so a replay never re-applies rows that moved. A failed batch leaves its inputs
/// and is retried by a later cycle.
/// </summary>
/// <param name="leaseOwner">Where several nodes share the storage: this node's id; each partition is compacted under a lease.</param>
public sealed partial class Compactor(IFileStorage storage, string localRoot, CompactionOptions options, ILogger logger,
    Func<IReadOnlyCollection<string>, string?, int>? repointCheckpoints = null, RewriteGate? gate = null, string? leaseOwner = null)
{
    private readonly CandidateFinder _finder = new(storage, options);
    private int _running;
    private long _cycleId;

    public CompactionStats Stats { get; } = new();
    public bool IsRunning => Volatile.Read(ref _running) == 1;
    public long CurrentCycleId => Interlocked.Read(ref _cycleId);
    public CompactionOptions Options => options;

    public IReadOnlyList<CompactionTier> EnabledTiers =>
        [.. new[] { (CompactionTier.Hourly, options.HourlyEnabled), (CompactionTier.Daily, options.DailyEnabled) }.Where(t => t.Item2).Select(t => t.Item1)];

    public List<CompactionCandidate> Candidates(DateTime nowUtc, string? database = null) =>
        EnabledTiers.SelectMany(tier => _finder.Find(tier, nowUtc, database)).ToList();

    /// <summary>Claims the cycle; false while another runs (the caller answers 409, a cron tick skips).</summary>
    public bool TryBegin(out long cycleId)
    {
        cycleId = 0;
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0) return false;
        cycleId = Interlocked.Increment(ref _cycleId);
        return true;
    }

    /// <summary>Runs a claimed cycle to its end and releases it.</summary>
    public void RunClaimed(IReadOnlyList<CompactionTier> tiers, string? database, DateTime nowUtc)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            Interlocked.Increment(ref Stats.Cycles);
            var recovered = storage.RecoverReplacements();
            Interlocked.Add(ref Stats.ManifestsRecovered, recovered.Count);
            foreach (var outcome in recovered)
                LogRecovered(logger, outcome.Manifest.Id, outcome.RolledForward ? "rolled forward" : "rolled back", outcome.InputsDeleted);
            foreach (var tier in tiers)
            {
                var candidates = _finder.Find(tier, nowUtc, database);
                Stats.SetWaiting(tier, candidates.Sum(c => c.Files.Count));
                if (candidates.Count == 0) continue;
                var settings = options.Rewrite(Path.Combine(localRoot, ".arcd", "compaction-tmp"));
                Directory.CreateDirectory(settings.TempDirectory);
                var compacted = 0;
                foreach (var candidate in candidates)
                {
                    // A DuckDB of its own per partition: its buffers and footer cache go when the partition is done,
                    // so memory follows one partition's batch, not the number of files a cycle visits.
                    using var duckdb = new DuckDbDatabase();
                    using var connection = duckdb.Connect();
                    PartitionMerger.Configure(connection, settings);
                    compacted += CompactPartition(new PartitionMerger(connection, settings), candidate, settings.TempDirectory);
                }
                // What stays waiting is what failed; listing the whole root again would double the cycle's I/O.
                Stats.SetWaiting(tier, candidates.Sum(c => c.Files.Count) - compacted);
            }
            LogCycle(logger, CurrentCycleId, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        catch (Exception ex)
        {
            // Logged and retried at the next cycle; /ready stays green: compaction is maintenance, not ingest.
            Interlocked.Increment(ref Stats.CycleFailures);
            LogCycleFailed(logger, ex, CurrentCycleId);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Runs one cycle now on the calling thread; false if one was already running.</summary>
    public bool RunCycle(IReadOnlyList<CompactionTier> tiers, string? database, DateTime nowUtc)
    {
        if (!TryBegin(out _)) return false;
        RunClaimed(tiers, database, nowUtc);
        return true;
    }

    /// <summary>Compacts a partition batch by batch; returns how many of its files were merged away.</summary>
    private int CompactPartition(PartitionMerger merger, CompactionCandidate candidate, string scratchDirectory)
    {
        // Another node compacting this partition now: leave it to that node (a later cycle looks again).
        using var lease = leaseOwner is null ? null : PartitionLease.TryTake(storage, candidate.PartitionPath, leaseOwner, options.LeaseDuration);
        if (leaseOwner is not null && lease is null)
        {
            Interlocked.Increment(ref Stats.PartitionsLeasedElsewhere);
            LogLeasedElsewhere(logger, candidate.PartitionPath);
            return 0;
        }
        // Temp files of puts a crash interrupted; a flush may be writing a late file here right now, so only stale ones.
        if (storage is LocalFileStorage local) local.SweepTemporaryFiles(candidate.PartitionPath, LocalFileStorage.StaleTempAge);
        var batches = Batches(candidate.Files);
        var merged = 0;
        for (var b = 0; b < batches.Count; b++)
        {
            var inputs = batches[b];
            var outputDirectory = candidate.PartitionPath;
            var output = $"{outputDirectory}/{DataFileNames.Output(candidate.Measurement, DateTime.UtcNow, b + 1, candidate.Tier == CompactionTier.Daily)}";
            var paths = inputs.Select(f => f.Path).ToList();
            var start = Stopwatch.GetTimestamp();
            // A delete or retention run may have replaced some of these files since they were listed: leave the batch to the next cycle.
            using var entered = gate?.Enter();
            if (paths.Any(p => !storage.Exists(p))) continue;
            try
            {
                // Before any input can go, replay must know its rows are in the output too.
                repointCheckpoints?.Invoke(paths, output);
                MergeResult? result = null;
                long bytesAfter = 0;
                using var readable = LocalInputs.Of(storage, localRoot, paths, scratchDirectory);
                storage.Replace(paths, output, stream =>
                {
                    result = merger.Merge(readable.Paths, stream, options.Deduplicate);
                    bytesAfter = stream.Position;
                });
                var job = new CompactionJob(candidate.Database, candidate.Measurement, candidate.PartitionPath, candidate.Tier, b + 1, batches.Count,
                    inputs.Count, inputs.Sum(f => f.Size), bytesAfter, result!.RowsIn, result.RowsOut, Stopwatch.GetElapsedTime(start), true, null, output, DateTime.UtcNow);
                Stats.Record(job);
                merged += inputs.Count;
                LogCompacted(logger, candidate.PartitionPath, inputs.Count, result.RowsIn, result.RowsOut, output);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Stats.Record(new CompactionJob(candidate.Database, candidate.Measurement, candidate.PartitionPath, candidate.Tier, b + 1, batches.Count,
                    inputs.Count, inputs.Sum(f => f.Size), 0, 0, 0, Stopwatch.GetElapsedTime(start), false, ex.Message, null, DateTime.UtcNow));
                LogBatchFailed(logger, ex, candidate.PartitionPath, b + 1, batches.Count);
            }
        }
        return merged;
    }

    /// <summary>At most MaxFilesPerBatch files each; a last batch of one file joins the one before (Arc's rule).</summary>
    private List<List<StoredFile>> Batches(IReadOnlyList<StoredFile> files)
    {
        var size = Math.Clamp(options.MaxFilesPerBatch, 2, 500);
        var batches = files.Chunk(size).Select(c => c.ToList()).ToList();
        if (batches.Count > 1 && batches[^1].Count == 1)
        {
            batches[^2].AddRange(batches[^1]);
            batches.RemoveAt(batches.Count - 1);
        }
        return batches;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "compaction: {Partition} is being compacted by another node; skipped")]
    private static partial void LogLeasedElsewhere(ILogger logger, string partition);

    [LoggerMessage(Level = LogLevel.Information, Message = "compacted {Partition}: {Files} files, {RowsIn} rows -> {RowsOut} rows in {Output}")]
    private static partial void LogCompacted(ILogger logger, string partition, int files, long rowsIn, long rowsOut, string output);

    [LoggerMessage(Level = LogLevel.Error, Message = "compaction of {Partition} batch {Batch}/{Batches} failed; its files stay and a later cycle retries")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, string partition, int batch, int batches);

    [LoggerMessage(Level = LogLevel.Warning, Message = "compaction: replacement {Id} interrupted by a crash was {Outcome} ({Deleted} inputs deleted)")]
    private static partial void LogRecovered(ILogger logger, string id, string outcome, int deleted);

    [LoggerMessage(Level = LogLevel.Information, Message = "compaction cycle {Cycle} finished in {Seconds:F1} s")]
    private static partial void LogCycle(ILogger logger, long cycle, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "compaction cycle {Cycle} failed; the next cycle retries")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception, long cycle);
}
