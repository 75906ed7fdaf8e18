using System.Buffers;
using Arcd.Ingest.Columnar;
using static Arcd.Ingest.Parquet.ParquetFormat;

namespace Arcd.Ingest.Parquet;

/// <summary>
/// OPTIONAL BYTE_ARRAY UTF8 chunks: a PLAIN dictionary page of the distinct values, then a data
/// page of definition levels and RLE_DICTIONARY indices. Interned columns bring their codes, so
/// nothing is hashed here; others are deduplicated through a <see cref="StringDictionary"/>.
/// </summary>
internal static class StringChunks
{
    public static ChunkInfo Write(PageWriter writer, Column column, TimeOrder order, int start, int rows, int[] levels, int nulls)
    {
        var indices = ArrayPool<int>.Shared.Rent(Math.Max(rows - nulls, 1));
        try
        {
            if (column.HasCodes)
            {
                // Interned while decoding: the file's dictionary is the codes its rows use, renumbered in
                // first-use order; no value is hashed here.
                var codes = column.Codes;
                var distinct = Math.Max(column.InternedCount, 1);
                var renumber = ArrayPool<int>.Shared.Rent(distinct);
                var used = ArrayPool<int>.Shared.Rent(distinct);
                try
                {
                    renumber.AsSpan(0, distinct).Fill(-1);
                    var count = 0;
                    var defined = 0;
                    for (var i = 0; i < rows; i++)
                    {
                        var code = codes[order.SourceRow(start + i)];
                        if (code < 0) continue;
                        var index = renumber[code];
                        if (index < 0)
                        {
                            index = renumber[code] = count;
                            used[count++] = code;
                        }
                        indices[defined++] = index;
                    }
                    return WriteDictionaryChunk(writer, column.Name, levels, rows, nulls, indices.AsSpan(0, defined), count,
                        d => column.InternedValue(used[d]));
                }
                finally
                {
                    ArrayPool<int>.Shared.Return(renumber);
                    ArrayPool<int>.Shared.Return(used);
                }
            }

            using var dictionary = new StringDictionary();
            var plainDefined = 0;
            var ends = column.StringEnds;
            var bytes = column.StringBytes;
            for (var i = 0; i < rows; i++)
            {
                if (levels[i] == 0) continue;
                var row = order.SourceRow(start + i);
                var from = row == 0 ? 0 : ends[row - 1];
                indices[plainDefined++] = dictionary.GetOrAdd(bytes[from..ends[row]]);
            }
            return WriteDictionaryChunk(writer, column.Name, levels, rows, nulls, indices.AsSpan(0, plainDefined), dictionary.Count, d => dictionary[d]);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(indices);
        }
    }

    private delegate ReadOnlySpan<byte> DictionaryValue(int index);

    /// <summary>A dictionary page of <paramref name="count"/> values, then the data page of levels and RLE dictionary indices.</summary>
    private static ChunkInfo WriteDictionaryChunk(PageWriter writer, string name, int[] levels, int rows, int nulls, ReadOnlySpan<int> indices,
        int count, DictionaryValue value)
    {
        if (count == 0)
        {
            // Every value is null: a data page of levels alone, no dictionary.
            DefinitionLevels.BeginPage(writer, levels, rows, nulls);
            var (off, comp, uncomp) = writer.WritePage(PageType.Data, rows, ParquetFormat.Encoding.Plain);
            return new ChunkInfo(name, PhysicalType.ByteArray, [ParquetFormat.Encoding.Plain, ParquetFormat.Encoding.Rle], off, null, off, comp, uncomp, nulls, null, null);
        }

        var body = writer.Body;
        body.Clear();
        var min = 0;
        var max = 0;
        for (var d = 0; d < count; d++)
        {
            var bytes = value(d);
            body.WriteInt32LittleEndian(bytes.Length);
            body.Write(bytes);
            if (bytes.SequenceCompareTo(value(min)) < 0) min = d;
            if (bytes.SequenceCompareTo(value(max)) > 0) max = d;
        }
        var (dictionaryOffset, dictionaryCompressed, dictionaryUncompressed) = writer.WritePage(PageType.Dictionary, count, ParquetFormat.Encoding.Plain);

        body = DefinitionLevels.BeginPage(writer, levels, rows, nulls);
        var bitWidth = Math.Max(1, RleBitPackedHybrid.BitWidth(count - 1));
        body.WriteByte((byte)bitWidth);
        RleBitPackedHybrid.Encode(indices, bitWidth, body);
        var (dataOffset, dataCompressed, dataUncompressed) = writer.WritePage(PageType.Data, rows, ParquetFormat.Encoding.RleDictionary);

        var keepStats = value(min).Length <= StatisticsBytes.MaxStringBytes && value(max).Length <= StatisticsBytes.MaxStringBytes;
        return new ChunkInfo(name, PhysicalType.ByteArray, [ParquetFormat.Encoding.Plain, ParquetFormat.Encoding.Rle, ParquetFormat.Encoding.RleDictionary], dictionaryOffset, dictionaryOffset,
            dataOffset, dictionaryCompressed + dataCompressed, dictionaryUncompressed + dataUncompressed, nulls,
            keepStats ? value(min).ToArray() : null, keepStats ? value(max).ToArray() : null);
    }
}
