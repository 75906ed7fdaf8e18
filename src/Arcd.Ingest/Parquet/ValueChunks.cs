using Arcd.Ingest.Columnar;
using static Arcd.Ingest.Parquet.ParquetFormat;

namespace Arcd.Ingest.Parquet;

/// <summary>
/// PLAIN-encoded chunks of fixed-width columns, one data page each, with min/max statistics:
/// the REQUIRED time column and OPTIONAL BOOLEAN value columns (INT64 and DOUBLE are in <see cref="NumberChunks"/>).
/// The time column stays PLAIN: DELTA_BINARY_PACKED would skip most of its snappy work, but
/// Parquet.Net cannot read that encoding into timestamps; its snappy pages come from
/// <see cref="Int64Snappy"/> instead, which does that work at a fraction of the cost.
/// </summary>
internal static class ValueChunks
{
    private static readonly int[] OptionalEncodings = [ParquetFormat.Encoding.Plain, ParquetFormat.Encoding.Rle];

    public static ChunkInfo WriteTime(PageWriter writer, ReadOnlySpan<long> sortedTimes)
    {
        var rows = sortedTimes.Length;
        var (offset, compressed, uncompressed) = writer.WritePlainInt64Page(sortedTimes);
        return new ChunkInfo(ColumnBatch.TimeColumnName, PhysicalType.Int64, [ParquetFormat.Encoding.Plain], offset, null, offset, compressed, uncompressed, 0,
            rows == 0 ? null : StatisticsBytes.Int64(sortedTimes[0]), rows == 0 ? null : StatisticsBytes.Int64(sortedTimes[^1]));
    }

    public static ChunkInfo WriteBoolean(PageWriter writer, Column column, TimeOrder order, int start, int rows, int[] levels, int nulls)
    {
        var body = DefinitionLevels.BeginPage(writer, levels, rows, nulls);
        var values = column.BooleanReader;
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
