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
                var codes = column.CodeReader;
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
            var plainDefined = !order.IsIdentity && start == 0 && rows == column.Count
                ? IndexInSourceOrder(dictionary, column, order, indices)
                : IndexInTimeOrder(dictionary, column, order, start, rows, levels, indices);
            return WriteDictionaryChunk(writer, column.Name, levels, rows, nulls, indices.AsSpan(0, plainDefined), dictionary.Count, d => dictionary[d]);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(indices);
        }
    }

    /// <summary>Dictionary indices of the defined rows [start, start + rows) in time order, looked up in that order.</summary>
    private static int IndexInTimeOrder(StringDictionary dictionary, Column column, TimeOrder order, int start, int rows, int[] levels, int[] indices)
    {
        if (order.IsIdentity) return IndexInPlace(dictionary, column, start, rows, levels, indices);
        var defined = 0;
        var ends = column.StringEndReader;
        var bytes = column.StringBytes;
        for (var i = 0; i < rows; i++)
        {
            if (levels[i] == 0) continue;
            var row = order.SourceRow(start + i);
            var from = row == 0 ? 0 : ends[row - 1];
            indices[defined++] = dictionary.GetOrAdd(bytes[from..ends[row]]);
        }
        return defined;
    }

    /// <summary>Rows already in time order: their values are read front to back, a chunk of ends at a time.</summary>
    private static int IndexInPlace(StringDictionary dictionary, Column column, int start, int rows, int[] levels, int[] indices)
    {
        var defined = 0;
        var bytes = column.StringBytes;
        var from = start == 0 ? 0 : column.StringEndReader[start - 1];
        for (var row = start; row < start + rows;)
        {
            var k = column.IsChunked ? row >> Column.ChunkShift : 0;
            var ends = column.StringEndChunk(k)[(row - (k << Column.ChunkShift))..];
            var take = Math.Min(ends.Length, start + rows - row);
            for (var j = 0; j < take; j++)
            {
                var end = ends[j];
                if (levels[row - start + j] != 0) indices[defined++] = dictionary.GetOrAdd(bytes[from..end]);
                from = end;
            }
            row += take;
        }
        return defined;
    }

    /// <summary>
    /// The same indices for a whole buffer whose time order is a permutation (concurrent clients'
    /// rows interleave): values are looked up in arrival order, reading the string bytes front to
    /// back, and only the 4-byte codes are then read through the permutation. Looking values up in
    /// time order missed the cache on the ends and on the bytes of nearly every row
    /// (EncodeParquetInterleaved).
    /// </summary>
    private static int IndexInSourceOrder(StringDictionary dictionary, Column column, TimeOrder order, int[] indices)
    {
        var rows = column.Count;
        var codes = ArrayPool<int>.Shared.Rent(Math.Max(rows, 1));
        try
        {
            var bytes = column.StringBytes;
            var from = 0;
            for (var k = 0; k < column.ChunkCount; k++)
            {
                var ends = column.StringEndChunk(k);
                var first = k << Column.ChunkShift;
                for (var j = 0; j < ends.Length; j++)
                {
                    var row = first + j;
                    var end = ends[j];
                    codes[row] = column.NullCount == 0 || column.IsValid(row) ? dictionary.GetOrAdd(bytes[from..end]) : -1;
                    from = end;
                }
            }
            var defined = 0;
            for (var i = 0; i < rows; i++)
            {
                var code = codes[order.SourceRow(i)];
                if (code >= 0) indices[defined++] = code;
            }
            return defined;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(codes);
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
