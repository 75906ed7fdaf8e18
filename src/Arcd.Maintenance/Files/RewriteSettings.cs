namespace Arcd.Maintenance.Files;

/// <summary>When a merge removes rows that repeat a key (tags + time): Arc's rule (auto), always, or never.</summary>
public enum DeduplicationMode
{
    Auto,
    Always,
    Never,
}

/// <summary>How a rewrite (compaction's merge, a delete's rewrite) runs DuckDB and writes its output.</summary>
public sealed record RewriteSettings(long MemoryLimitBytes, int Threads, int RowGroupRows, int ZstdLevel, string TempDirectory);
