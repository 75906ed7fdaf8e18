using System.IO.Compression;
using ParquetNet = Parquet;

namespace Arcd.Ingest.Parquet;

public enum ParquetCompression
{
    Snappy,
    Zstd,
    None,
}

/// <summary>How files are encoded. Compression method and level are always explicit: Parquet.Net's
/// default level is "smallest size" (zstd 19), which costs seconds per million rows.</summary>
public sealed record ParquetSettings(ParquetCompression Compression)
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

    internal ParquetNet.ParquetOptions ToOptions() => new()
    {
        CompressionMethod = Compression switch
        {
            ParquetCompression.Zstd => ParquetNet.CompressionMethod.Zstd,
            ParquetCompression.None => ParquetNet.CompressionMethod.None,
            _ => ParquetNet.CompressionMethod.Snappy,
        },
        CompressionLevel = CompressionLevel.Fastest,
    };
}
