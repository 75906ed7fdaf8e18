using Arcd.Ingest.Columnar;
using System.Runtime.InteropServices;
using static Arcd.Ingest.Parquet.ParquetFormat;

namespace Arcd.Ingest.Parquet;

/// <summary>
/// PLAIN-encoded chunks of fixed-width columns, one data page each, with min/max statistics:
/// the REQUIRED time column and OPTIONAL INT64, DOUBLE and BOOLEAN value columns.
/// </summary>
internal static class ValueChunks
{
    private static readonly int[] OptionalEncodings = [ParquetFormat.Encoding.Plain, ParquetFormat.Encoding.Rle];

    public static ChunkInfo WriteTime(PageWriter writer, ReadOnlySpan<long> sortedTimes)
    {
        var rows = sortedTimes.Length;
        var body = writer.Body;
        body.Clear();
        if (BitConverter.IsLittleEndian) body.Write(MemoryMarshal.AsBytes(sortedTimes));
        else foreach (var time in sortedTimes) body.WriteInt64LittleEndian(time);
        var (offset, compressed, uncompressed) = writer.WritePage(PageType.Data, rows, ParquetFormat.Encoding.Plain);
        return new ChunkInfo(ColumnBatch.TimeColumnName, PhysicalType.Int64, [ParquetFormat.Encoding.Plain], offset, null, offset, compressed, uncompressed, 0,
            rows == 0 ? null : StatisticsBytes.Int64(sortedTimes[0]), rows == 0 ? null : StatisticsBytes.Int64(sortedTimes[^1]));
    }

    public static ChunkInfo WriteInt64(PageWriter writer, Column column, TimeOrder order, int start, int rows, int[] levels, int nulls)
    {
        var body = DefinitionLevels.BeginPage(writer, levels, rows, nulls);
        var values = column.Int64Values;
        long min = long.MaxValue, max = long.MinValue;
        for (var i = 0; i < rows; i++)
        {
            if (levels[i] == 0) continue;
            var value = values[order.SourceRow(start + i)];
            body.WriteInt64LittleEndian(value);
            if (value < min) min = value;
            if (value > max) max = value;
        }
        var (offset, compressed, uncompressed) = writer.WritePage(PageType.Data, rows, ParquetFormat.Encoding.Plain);
        var any = nulls < rows;
        return new ChunkInfo(column.Name, PhysicalType.Int64, OptionalEncodings, offset, null, offset, compressed, uncompressed, nulls,
            any ? StatisticsBytes.Int64(min) : null, any ? StatisticsBytes.Int64(max) : null);
    }

    public static ChunkInfo WriteDouble(PageWriter writer, Column column, TimeOrder order, int start, int rows, int[] levels, int nulls)
    {
        var body = DefinitionLevels.BeginPage(writer, levels, rows, nulls);
        var values = column.Float64Values;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        var ordered = 0;
        if (nulls == 0 && BitConverter.IsLittleEndian)
        {
            // No nulls: gather straight into the page (no per-value capacity check), then one pass for min/max.
            var page = MemoryMarshal.Cast<byte, double>(body.GetSpan(rows * sizeof(double))[..(rows * sizeof(double))]);
            if (order.IsIdentity) values.Slice(start, rows).CopyTo(page);
            else for (var i = 0; i < rows; i++) page[i] = values[order.SourceRow(start + i)];
            body.Advance(rows * sizeof(double));
            foreach (var value in page)
            {
                if (double.IsNaN(value)) continue; // NaN has no place in min/max (parquet.thrift ColumnOrder notes)
                ordered++;
                if (value < min) min = value;
                if (value > max) max = value;
            }
        }
        else
        {
            for (var i = 0; i < rows; i++)
            {
                if (levels[i] == 0) continue;
                var value = values[order.SourceRow(start + i)];
                body.WriteDoubleLittleEndian(value);
                if (double.IsNaN(value)) continue;
                ordered++;
                if (value < min) min = value;
                if (value > max) max = value;
            }
        }
        var (offset, compressed, uncompressed) = writer.WritePage(PageType.Data, rows, ParquetFormat.Encoding.Plain);
        // Zero is written as -0.0 for min and +0.0 for max so either sign compares inside the range.
        if (min == 0) min = -0.0;
        if (max == 0) max = 0.0;
        return new ChunkInfo(column.Name, PhysicalType.Double, OptionalEncodings, offset, null, offset, compressed, uncompressed, nulls,
            ordered > 0 ? StatisticsBytes.Double(min) : null, ordered > 0 ? StatisticsBytes.Double(max) : null);
    }

    public static ChunkInfo WriteBoolean(PageWriter writer, Column column, TimeOrder order, int start, int rows, int[] levels, int nulls)
    {
        var body = DefinitionLevels.BeginPage(writer, levels, rows, nulls);
        var values = column.BooleanValues;
        var defined = rows - nulls;
        var packed = body.GetSpan((defined + 7) / 8);
        packed.Clear();
        bool sawTrue = false, sawFalse = false;
        var bit = 0;
        for (var i = 0; i < rows; i++)
        {
            if (levels[i] == 0) continue;
            var value = values[order.SourceRow(start + i)];
            if (value) packed[bit >> 3] |= (byte)(1 << (bit & 7));
            sawTrue |= value;
            sawFalse |= !value;
            bit++;
        }
        body.Advance((defined + 7) / 8);
        var (offset, compressed, uncompressed) = writer.WritePage(PageType.Data, rows, ParquetFormat.Encoding.Plain);
        return new ChunkInfo(column.Name, PhysicalType.Boolean, OptionalEncodings, offset, null, offset, compressed, uncompressed, nulls,
            defined > 0 ? StatisticsBytes.Boolean(!sawFalse) : null, defined > 0 ? StatisticsBytes.Boolean(sawTrue) : null);
    }
}
