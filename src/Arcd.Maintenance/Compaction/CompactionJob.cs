namespace Arcd.Maintenance.Compaction;

/// <summary>One batch of one partition, compacted or failed (Arc's job entry, §4.2).</summary>
public sealed record CompactionJob(string Database, string Measurement, string PartitionPath, CompactionTier Tier, int Batch, int Batches,
    int FilesCompacted, long BytesBefore, long BytesAfter, long RowsIn, long RowsOut, TimeSpan Duration, bool Success, string? Error, string? Output,
    DateTime FinishedUtc)
{
    public double CompressionRatio => BytesBefore > 0 ? 1 - (double)BytesAfter / BytesBefore : 0;
}

/// <summary>Counters and the recent jobs, for <c>/api/v1/compaction/*</c> and <c>/metrics</c>.</summary>
public sealed class CompactionStats
{
    private const int RecentJobs = 10;
    private readonly Lock _lock = new();
    private readonly LinkedList<CompactionJob> _recent = new();
    private readonly Dictionary<CompactionTier, TierTotals> _tiers = new()
    {
        [CompactionTier.Hourly] = new(),
        [CompactionTier.Daily] = new(),
    };

    public sealed class TierTotals
    {
        public long Compactions;
        public long FilesCompacted;
        public long BytesSaved;
        public long Waiting;
    }

    public long Cycles;
    public long CycleFailures;
    public long JobsCompleted;
    public long JobsFailed;
    public long FilesIn;
    public long FilesOut;
    public long BytesIn;
    public long BytesOut;
    public long RowsIn;
    public long RowsOut;
    public long ManifestsRecovered;

    /// <summary>Partitions skipped because another node held their lease (shared storage).</summary>
    public long PartitionsLeasedElsewhere;
    public double SecondsTotal;

    public void Record(CompactionJob job)
    {
        lock (_lock)
        {
            _recent.AddFirst(job);
            if (_recent.Count > RecentJobs) _recent.RemoveLast();
            if (!job.Success)
            {
                JobsFailed++;
                return;
            }
            JobsCompleted++;
            FilesIn += job.FilesCompacted;
            FilesOut++;
            BytesIn += job.BytesBefore;
            BytesOut += job.BytesAfter;
            RowsIn += job.RowsIn;
            RowsOut += job.RowsOut;
            SecondsTotal += job.Duration.TotalSeconds;
            var tier = _tiers[job.Tier];
            tier.Compactions++;
            tier.FilesCompacted += job.FilesCompacted;
            tier.BytesSaved += job.BytesBefore - job.BytesAfter;
        }
    }

    public void SetWaiting(CompactionTier tier, long files)
    {
        lock (_lock) _tiers[tier].Waiting = files;
    }

    public IReadOnlyList<CompactionJob> Recent()
    {
        lock (_lock) return [.. _recent];
    }

    public TierTotals Tier(CompactionTier tier)
    {
        lock (_lock)
        {
            var t = _tiers[tier];
            return new TierTotals { Compactions = t.Compactions, FilesCompacted = t.FilesCompacted, BytesSaved = t.BytesSaved, Waiting = t.Waiting };
        }
    }
}
