namespace Arcd.Ingest.Parquet;

public enum ParquetCompression
{
    Snappy,
    Zstd,
    None,
}

/// <summary>
/// How files are encoded: page compression, and zstd's level (1, its fast end, for flushes; Arc's
/// compaction writes level 3).
/// </summary>
public sealed record ParquetSettings(ParquetCompression Compression, int ZstdLevel = 1)
{
    public static readonly ParquetSettings Default = new(ParquetCompression.Snappy);

    public static bool TryParseCompression(string text, out ParquetCompression compression)
    {
        switch (text.ToLowerInvariant())
        {
            case "snappy": compression = ParquetCompression.Snappy; return true;
            case "zstd": compression = ParquetCompression.Zstd; return true;
            case "none": compression = ParquetCompression.None; return true;
            default: compression = default; return false;
        }
    }
}
