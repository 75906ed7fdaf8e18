using System.Buffers;
using System.Runtime.InteropServices;
using Arcd.Ingest.Columnar;
using static Arcd.Ingest.Parquet.ParquetFormat;

namespace Arcd.Ingest.Parquet;

/// <summary>
/// OPTIONAL INT64 and DOUBLE chunks. Like Arc's writer, a chunk is dictionary-encoded (a PLAIN
/// dictionary page, then RLE_DICTIONARY indices) while its distinct values stay few, and PLAIN
/// otherwise. Telemetry repeats values (rounded gauges, states, small counters), and hashing one
/// 64-bit value costs less than snappy over its 8 bytes: a dictionary chunk is both smaller and
/// cheaper to write. Doubles are keyed by bit pattern, so -0.0, 0.0 and every NaN payload survive.
/// </summary>
internal static class NumberChunks
{
    private static readonly int[] PlainEncodings = [ParquetFormat.Encoding.Plain, ParquetFormat.Encoding.Rle];
    private static readonly int[] DictionaryEncodings = [ParquetFormat.Encoding.Plain, ParquetFormat.Encoding.Rle, ParquetFormat.Encoding.RleDictionary];

    /// <summary>Arc's writer falls back to PLAIN at a 1 MiB dictionary page: 131,072 values of 8 bytes.</summary>
    public const int MaxDictionaryValues = 131_072;

    /// <summary>
    /// A dictionary pays while it is small against the rows: at most one distinct value per
    /// <see cref="RowsPerDistinctValue"/> rows (and never more than <see cref="MaxDictionaryValues"/>).
    /// </summary>
    public const int RowsPerDistinctValue = 4;

    public static ChunkInfo Write(PageWriter writer, NumberDictionary dictionary, Column column, TimeOrder order, int start, int rows, int[] levels, int nulls)
    {
        var isDouble = column.Kind == ColumnKind.Float64;
        var defined = rows - nulls;
        var limit = Math.Min(MaxDictionaryValues, defined / RowsPerDistinctValue);
        var codes = ArrayPool<int>.Shared.Rent(Math.Max(defined, 1));
        long[]? gathered = null;
        try
        {
            // A whole buffer with no nulls is hashed in arrival order, front to back, chunk by chunk. When its
            // time order is a permutation (concurrent clients' rows interleave) only the 4-byte codes are
            // then read through the permutation; gathering the 8-byte values first missed the cache on
            // nearly every row.
            if (nulls == 0 && start == 0 && rows == column.Count && limit > 0)
            {
                var bySource = order.IsIdentity ? codes : ArrayPool<int>.Shared.Rent(rows);
                try
                {
                    if (TryEncodeInArrivalOrder(dictionary, column, isDouble, bySource, limit))
                    {
                        if (!order.IsIdentity)
                            for (var i = 0; i < rows; i++) codes[i] = bySource[order.SourceRow(i)];
                        return WriteDictionary(writer, column.Name, isDouble, dictionary.Values, codes.AsSpan(0, defined), levels, rows, nulls);
                    }
                }
                finally
                {
                    if (bySource != codes) ArrayPool<int>.Shared.Return(bySource);
                }
                limit = 0; // too many distinct values: PLAIN, without hashing them again
            }
            // Rows already in time order with no nulls within one chunk are read in place; the others are gathered.
            var values = nulls == 0 && order.IsIdentity ? InPlace(column, isDouble, start, rows) : default;
            if (values.Length != rows)
            {
                gathered = ArrayPool<long>.Shared.Rent(Math.Max(defined, 1));
                values = isDouble
                    ? MemoryMarshal.Cast<double, long>(Gather(column.Float64Reader, order, start, rows, levels, nulls, MemoryMarshal.Cast<long, double>(gathered.AsSpan())))
                    : Gather(column.Int64Reader, order, start, rows, levels, nulls, gathered.AsSpan());
            }
            if (defined > 0 && limit > 0 && dictionary.TryEncode(values, codes, limit))
                return WriteDictionary(writer, column.Name, isDouble, dictionary.Values, codes.AsSpan(0, defined), levels, rows, nulls);
            return WritePlain(writer, column.Name, isDouble, values, levels, rows, nulls);
        }
        finally
        {
            if (gathered is not null) ArrayPool<long>.Shared.Return(gathered);
            ArrayPool<int>.Shared.Return(codes);
        }
    }

    /// <summary>Every row's code, in arrival order, chunk by chunk; false past <paramref name="limit"/> distinct values.</summary>
    private static bool TryEncodeInArrivalOrder(NumberDictionary dictionary, Column column, bool isDouble, int[] codes, int limit)
    {
        for (var k = 0; k < column.ChunkCount; k++)
        {
            var chunk = Bits(column, isDouble, k);
            var into = codes.AsSpan(k << Column.ChunkShift, chunk.Length);
            if (!(k == 0 ? dictionary.TryEncode(chunk, into, limit) : dictionary.TryEncodeMore(chunk, into, limit))) return false;
        }
        return true;
    }

    /// <summary>Rows [start, start + rows) as they are stored, when one chunk holds them all; otherwise empty.</summary>
    private static ReadOnlySpan<long> InPlace(Column column, bool isDouble, int start, int rows)
    {
        if (rows == 0) return default;
        if (!column.IsChunked) return Bits(column, isDouble, 0).Slice(start, rows);
        var k = start >> Column.ChunkShift;
        if ((start + rows - 1) >> Column.ChunkShift != k) return default;
        return Bits(column, isDouble, k).Slice(start & Column.ChunkMask, rows);
    }

    private static ReadOnlySpan<long> Bits(Column column, bool isDouble, int k) =>
        isDouble ? MemoryMarshal.Cast<double, long>(column.Float64Chunk(k)) : column.Int64Chunk(k);

    /// <summary>The defined values of rows [start, start + rows) in time order.</summary>
    private static ReadOnlySpan<T> Gather<T>(ColumnReader<T> source, TimeOrder order, int start, int rows, int[] levels, int nulls, Span<T> into)
        where T : unmanaged
    {
        if (nulls == 0)
        {
            for (var i = 0; i < rows; i++) into[i] = source[order.SourceRow(start + i)];
            return into[..rows];
        }
        var defined = 0;
        for (var i = 0; i < rows; i++)
            if (levels[i] != 0) into[defined++] = source[order.SourceRow(start + i)];
        return into[..defined];
    }

    private static ChunkInfo WriteDictionary(PageWriter writer, string name, bool isDouble, ReadOnlySpan<long> distinct, ReadOnlySpan<int> codes,
        int[] levels, int rows, int nulls)
    {
        var body = writer.Body;
        body.Clear();
        body.WriteLittleEndian(distinct);
        var (dictionaryOffset, dictionaryCompressed, dictionaryUncompressed) = writer.WritePage(PageType.Dictionary, distinct.Length, ParquetFormat.Encoding.Plain);

        body = DefinitionLevels.BeginPage(writer, levels, rows, nulls);
        var bitWidth = Math.Max(1, RleBitPackedHybrid.BitWidth(distinct.Length - 1));
        body.WriteByte((byte)bitWidth);
        RleBitPackedHybrid.Encode(codes, bitWidth, body);
        var (dataOffset, dataCompressed, dataUncompressed) = writer.WritePage(PageType.Data, rows, ParquetFormat.Encoding.RleDictionary);

        var (min, max) = isDouble ? DoubleRange(distinct) : Int64Range(distinct);
        return new ChunkInfo(name, isDouble ? PhysicalType.Double : PhysicalType.Int64, DictionaryEncodings, dictionaryOffset, dictionaryOffset,
            dataOffset, dictionaryCompressed + dataCompressed, dictionaryUncompressed + dataUncompressed, nulls, min, max);
    }

    private static ChunkInfo WritePlain(PageWriter writer, string name, bool isDouble, ReadOnlySpan<long> values, int[] levels, int rows, int nulls)
    {
        var body = DefinitionLevels.BeginPage(writer, levels, rows, nulls);
        body.WriteLittleEndian(values);
        var (offset, compressed, uncompressed) = writer.WritePage(PageType.Data, rows, ParquetFormat.Encoding.Plain);
        var (min, max) = isDouble ? DoubleRange(values) : Int64Range(values);
        return new ChunkInfo(name, isDouble ? PhysicalType.Double : PhysicalType.Int64, PlainEncodings, offset, null, offset, compressed, uncompressed, nulls, min, max);
    }

    private static (byte[]? Min, byte[]? Max) Int64Range(ReadOnlySpan<long> values)
    {
        if (values.IsEmpty) return (null, null);
        long min = long.MaxValue, max = long.MinValue;
        foreach (var value in values)
        {
            if (value < min) min = value;
            if (value > max) max = value;
        }
        return (StatisticsBytes.Int64(min), StatisticsBytes.Int64(max));
    }

    private static (byte[]? Min, byte[]? Max) DoubleRange(ReadOnlySpan<long> bits)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        var ordered = 0;
        foreach (var value in MemoryMarshal.Cast<long, double>(bits))
        {
            if (double.IsNaN(value)) continue; // NaN has no place in min/max (parquet.thrift ColumnOrder notes)
            ordered++;
            if (value < min) min = value;
            if (value > max) max = value;
        }
        if (ordered == 0) return (null, null);
        // Zero is written as -0.0 for min and +0.0 for max so either sign compares inside the range.
        if (min == 0) min = -0.0;
        if (max == 0) max = 0.0;
        return (StatisticsBytes.Double(min), StatisticsBytes.Double(max));
    }
}
