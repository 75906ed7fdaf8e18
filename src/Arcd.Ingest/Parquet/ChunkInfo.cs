using System.Buffers.Binary;

namespace Arcd.Ingest.Parquet;

/// <summary>What the footer needs to know of one written column chunk: where its pages are, their sizes and its statistics.</summary>
internal sealed record ChunkInfo(string Name, int PhysicalType, int[] Encodings, long FirstPageOffset, long? DictionaryPageOffset,
    long DataPageOffset, long CompressedBytes, long UncompressedBytes, long NullCount, byte[]? Min, byte[]? Max);

/// <summary>Min/max statistics as Parquet stores them: PLAIN-encoded values.</summary>
internal static class StatisticsBytes
{
    public static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] Double(double value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] Boolean(bool value) => [(byte)(value ? 1 : 0)];

    /// <summary>
    /// Long strings make poor statistics; they are left out rather than truncated (a truncated max
    /// would be wrong without Parquet's is_max_value_exact flag).
    /// </summary>
    public const int MaxStringBytes = 1024;
}
