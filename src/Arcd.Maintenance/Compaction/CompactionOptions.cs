using Arcd.Maintenance.Files;

namespace Arcd.Maintenance.Compaction;

public enum CompactionTier
{
    Hourly,
    Daily,
}

/// <summary><c>Compaction:*</c> settings; defaults are Arc's.</summary>
public sealed class CompactionOptions
{
    public bool Enabled { get; set; } = true;
    public bool HourlyEnabled { get; set; } = true;
    public bool DailyEnabled { get; set; } = true;
    public string HourlySchedule { get; set; } = "5 * * * *";
    public string DailySchedule { get; set; } = "0 3 * * *";
    public TimeSpan HourlyMinAge { get; set; } = TimeSpan.FromHours(1);
    public int HourlyMinFiles { get; set; } = 10;
    public TimeSpan DailyMinAge { get; set; } = TimeSpan.FromHours(24);
    public int DailyMinFiles { get; set; } = 12;

    /// <summary>A day older than this is compacted even if a file of it was written recently (late data).</summary>
    public int DailySkipFileAgeCheckDays { get; set; } = 7;

    /// <summary>Files merged into one output at most; a partition with more is done in batches, one output each.</summary>
    public int MaxFilesPerBatch { get; set; } = 30;

    /// <summary>DuckDB's memory for the merge; it spills the sort to <see cref="TempDirectory"/> beyond it.</summary>
    public long MemoryLimitBytes { get; set; } = 512L << 20;

    public int Threads { get; set; } = 1;
    public int RowGroupRows { get; set; } = 122_880;
    public int ZstdLevel { get; set; } = 3;
    public DeduplicationMode Deduplicate { get; set; } = DeduplicationMode.Auto;

    /// <summary>Where DuckDB spills; empty means <c>{Storage:Root}/.arcd/compaction-tmp</c>.</summary>
    public string TempDirectory { get; set; } = "";

    /// <summary>
    /// On storage shared by several nodes (S3): how long a node's lease on a partition it compacts
    /// stands if it dies; a partition's batches must finish within it.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The merge settings, with the spill directory resolved (<paramref name="defaultTemp"/> when none is set).</summary>
    public RewriteSettings Rewrite(string defaultTemp) =>
        new(MemoryLimitBytes, Threads, RowGroupRows, ZstdLevel, TempDirectory.Length > 0 ? TempDirectory : defaultTemp);
}
