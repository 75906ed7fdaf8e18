using System.Buffers;
using System.Buffers.Binary;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Buffers;

namespace Arcd.Ingest.Parquet;

/// <summary>
/// arcd's own Parquet encoder for its fixed column types. Rows [start, end) of a time-ordered
/// buffer become one file with one row group: <c>time</c> REQUIRED INT64 TIMESTAMP(MICROS, UTC);
/// value columns OPTIONAL INT64, DOUBLE, BOOLEAN, or BYTE_ARRAY UTF8 with a dictionary page;
/// PLAIN data pages (v1) with RLE definition levels; min/max/null-count statistics on every
/// column; snappy, zstd or no compression. Parquet.Net 6.1 was the first writer, and it wrote the
/// statistics of TIMESTAMP(MICROS) columns in milliseconds, which made DuckDB sort and prune
/// wrongly, so the format is now ours; Parquet.Net and DuckDB stay as the readers in tests.
/// </summary>
internal static class ParquetFileWriter
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    // parquet.thrift enums (persisted in every file: never change).
    private const int TypeBoolean = 0;
    private const int TypeInt64 = 2;
    private const int TypeDouble = 5;
    private const int TypeByteArray = 6;
    private const int EncodingPlain = 0;
    private const int EncodingRle = 3;
    private const int EncodingRleDictionary = 8;
    private const int PageData = 0;
    private const int PageDictionary = 2;
    private const int Required = 0;
    private const int Optional = 1;
    private const int ConvertedUtf8 = 0;
    private const int ConvertedTimestampMicros = 10;

    private sealed record ChunkInfo(string Name, int PhysicalType, int[] Encodings, long FirstPageOffset, long? DictionaryPageOffset,
        long DataPageOffset, long CompressedBytes, long UncompressedBytes, long NullCount, byte[]? Min, byte[]? Max);

    /// <summary>Rows [start, end) of the buffer as one file, with Arc's <c>arc:tags</c> metadata when the buffer has tags.</summary>
    public static void Write(Stream output, MeasurementBuffer buffer, TimeOrder order, int start, int end, ParquetSettings settings)
    {
        // Arc records which columns are tags, so its compaction can deduplicate on (tags, time).
        IReadOnlyList<KeyValuePair<string, string>>? metadata = buffer.TagNames.Count == 0
            ? null
            : [new("arc:tags", string.Join(',', buffer.TagNames))];
        Write(output, buffer, order, start, end, settings, metadata);
    }

    public static void Write(Stream output, MeasurementBuffer buffer, TimeOrder order, int start, int end, ParquetSettings settings,
        IReadOnlyList<KeyValuePair<string, string>>? keyValueMetadata)
    {
        var rows = end - start;
        using var writer = new ChunkWriter(output, new PageCompressor(settings.Compression));
        writer.WriteRaw(Magic);
        var chunks = new List<ChunkInfo>(buffer.Columns.Count + 1) { WriteTime(writer, order, start, rows) };
        var levels = ArrayPool<int>.Shared.Rent(Math.Max(rows, 1));
        try
        {
            foreach (var column in buffer.Columns)
            {
                var nulls = FillLevels(column, order, start, rows, levels);
                chunks.Add(column.Kind switch
                {
                    ColumnKind.Int64 => WriteInt64(writer, column, order, start, rows, levels, nulls),
                    ColumnKind.Float64 => WriteDouble(writer, column, order, start, rows, levels, nulls),
                    ColumnKind.Boolean => WriteBoolean(writer, column, order, start, rows, levels, nulls),
                    _ => WriteString(writer, column, order, start, rows, levels, nulls),
                });
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(levels);
        }
        WriteFooter(writer, buffer, chunks, rows, keyValueMetadata);
    }

    private static int FillLevels(Column column, TimeOrder order, int start, int rows, int[] levels)
    {
        if (column.NullCount == 0)
        {
            // The common case: no nulls, every level is 1 (vectorized fill, no per-row validity lookup).
            levels.AsSpan(0, rows).Fill(1);
            return 0;
        }
        var nulls = 0;
        for (var i = 0; i < rows; i++)
        {
            var valid = column.IsValid(order.SourceRow(start + i));
            levels[i] = valid ? 1 : 0;
            if (!valid) nulls++;
        }
        return nulls;
    }

    private static ChunkInfo WriteTime(ChunkWriter writer, TimeOrder order, int start, int rows)
    {
        var times = order.SortedTimes.Slice(start, rows);
        var body = writer.Body;
        body.Clear();
        foreach (var time in times) body.WriteInt64LittleEndian(time);
        var (offset, compressed, uncompressed) = writer.WritePage(PageData, rows, EncodingPlain);
        return new ChunkInfo(ColumnBatch.TimeColumnName, TypeInt64, [EncodingPlain], offset, null, offset, compressed, uncompressed, 0,
            rows == 0 ? null : Int64Bytes(times[0]), rows == 0 ? null : Int64Bytes(times[^1]));
    }

    private static ChunkInfo WriteInt64(ChunkWriter writer, Column column, TimeOrder order, int start, int rows, int[] levels, int nulls)
    {
        var body = BeginOptionalPage(writer, levels, rows, nulls);
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
        var (offset, compressed, uncompressed) = writer.WritePage(PageData, rows, EncodingPlain);
        var any = nulls < rows;
        return new ChunkInfo(column.Name, TypeInt64, [EncodingPlain, EncodingRle], offset, null, offset, compressed, uncompressed, nulls,
            any ? Int64Bytes(min) : null, any ? Int64Bytes(max) : null);
    }

    private static ChunkInfo WriteDouble(ChunkWriter writer, Column column, TimeOrder order, int start, int rows, int[] levels, int nulls)
    {
        var body = BeginOptionalPage(writer, levels, rows, nulls);
        var values = column.Float64Values;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        var ordered = 0;
        if (nulls == 0 && BitConverter.IsLittleEndian)
        {
            // No nulls: gather straight into the page (no per-value capacity check), then one pass for min/max.
            var page = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(body.GetSpan(rows * sizeof(double))[..(rows * sizeof(double))]);
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
        var (offset, compressed, uncompressed) = writer.WritePage(PageData, rows, EncodingPlain);
        // Zero is written as -0.0 for min and +0.0 for max so either sign compares inside the range.
        if (min == 0) min = -0.0;
        if (max == 0) max = 0.0;
        return new ChunkInfo(column.Name, TypeDouble, [EncodingPlain, EncodingRle], offset, null, offset, compressed, uncompressed, nulls,
            ordered > 0 ? DoubleBytes(min) : null, ordered > 0 ? DoubleBytes(max) : null);
    }

    private static ChunkInfo WriteBoolean(ChunkWriter writer, Column column, TimeOrder order, int start, int rows, int[] levels, int nulls)
    {
        var body = BeginOptionalPage(writer, levels, rows, nulls);
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
        var (offset, compressed, uncompressed) = writer.WritePage(PageData, rows, EncodingPlain);
        return new ChunkInfo(column.Name, TypeBoolean, [EncodingPlain, EncodingRle], offset, null, offset, compressed, uncompressed, nulls,
            defined > 0 ? [(byte)(sawFalse ? 0 : 1)] : null, defined > 0 ? [(byte)(sawTrue ? 1 : 0)] : null);
    }

    private static ChunkInfo WriteString(ChunkWriter writer, Column column, TimeOrder order, int start, int rows, int[] levels, int nulls)
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
            for (var i = 0; i < rows; i++)
                if (levels[i] != 0) indices[plainDefined++] = dictionary.GetOrAdd(column.GetStringBytes(order.SourceRow(start + i)));
            return WriteDictionaryChunk(writer, column.Name, levels, rows, nulls, indices.AsSpan(0, plainDefined), dictionary.Count, d => dictionary[d]);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(indices);
        }
    }

    private delegate ReadOnlySpan<byte> DictionaryValue(int index);

    /// <summary>A dictionary page of <paramref name="count"/> values, then the data page of levels and RLE dictionary indices.</summary>
    private static ChunkInfo WriteDictionaryChunk(ChunkWriter writer, string name, int[] levels, int rows, int nulls, ReadOnlySpan<int> indices,
        int count, DictionaryValue value)
    {
        if (count == 0)
        {
            // Every value is null: a data page of levels alone, no dictionary.
            BeginOptionalPage(writer, levels, rows, nulls);
            var (off, comp, uncomp) = writer.WritePage(PageData, rows, EncodingPlain);
            return new ChunkInfo(name, TypeByteArray, [EncodingPlain, EncodingRle], off, null, off, comp, uncomp, nulls, null, null);
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
        var (dictionaryOffset, dictionaryCompressed, dictionaryUncompressed) = writer.WritePage(PageDictionary, count, EncodingPlain);

        body = BeginOptionalPage(writer, levels, rows, nulls);
        var bitWidth = Math.Max(1, RleBitPackedHybrid.BitWidth(count - 1));
        body.WriteByte((byte)bitWidth);
        RleBitPackedHybrid.Encode(indices, bitWidth, body);
        var (dataOffset, dataCompressed, dataUncompressed) = writer.WritePage(PageData, rows, EncodingRleDictionary);

        // Long values make poor statistics; leave them out rather than truncate them wrongly.
        var keepStats = value(min).Length <= 1024 && value(max).Length <= 1024;
        return new ChunkInfo(name, TypeByteArray, [EncodingPlain, EncodingRle, EncodingRleDictionary], dictionaryOffset, dictionaryOffset,
            dataOffset, dictionaryCompressed + dataCompressed, dictionaryUncompressed + dataUncompressed, nulls,
            keepStats ? value(min).ToArray() : null, keepStats ? value(max).ToArray() : null);
    }

    /// <summary>Starts an OPTIONAL column's page: a 4-byte length, then the RLE definition levels.</summary>
    private static PooledBuffer BeginOptionalPage(ChunkWriter writer, int[] levels, int rows, int nulls)
    {
        var body = writer.Body;
        body.Clear();
        body.WriteInt32LittleEndian(0);
        if (nulls == 0 && rows > 0)
        {
            // All defined: one RLE run of 1s (header = run length << 1, then the value in one byte).
            RleBitPackedHybrid.WriteRun(rows, 1, body);
        }
        else
        {
            RleBitPackedHybrid.Encode(levels.AsSpan(0, rows), 1, body);
        }
        body.PatchInt32LittleEndian(0, body.Length - 4);
        return body;
    }

    private static void WriteFooter(ChunkWriter writer, MeasurementBuffer buffer, List<ChunkInfo> chunks, int rows,
        IReadOnlyList<KeyValuePair<string, string>>? keyValueMetadata)
    {
        using var footer = new PooledBuffer(1024);
        var thrift = new ThriftCompactWriter(footer);
        thrift.StructBegin();
        thrift.I32Field(1, 1); // version
        thrift.StructListField(2, chunks.Count + 1);
        thrift.StructBegin();
        thrift.StringField(4, "schema");
        thrift.I32Field(5, chunks.Count);
        thrift.StructEnd();
        for (var c = 0; c < chunks.Count; c++) WriteSchemaElement(thrift, chunks[c], c == 0 ? null : buffer.Columns[c - 1].Kind);
        thrift.I64Field(3, rows);

        thrift.StructListField(4, 1);
        thrift.StructBegin();
        thrift.StructListField(1, chunks.Count);
        long totalUncompressed = 0, totalCompressed = 0;
        foreach (var chunk in chunks)
        {
            WriteColumnChunk(thrift, chunk, writer.Codec, rows);
            totalUncompressed += chunk.UncompressedBytes;
            totalCompressed += chunk.CompressedBytes;
        }
        thrift.I64Field(2, totalUncompressed);
        thrift.I64Field(3, rows);
        thrift.StructListField(4, 1); // sorting_columns: the file is sorted by time
        thrift.StructBegin();
        thrift.I32Field(1, 0);
        thrift.BoolField(2, false);
        thrift.BoolField(3, false);
        thrift.StructEnd();
        thrift.I64Field(5, chunks[0].FirstPageOffset);
        thrift.I64Field(6, totalCompressed);
        thrift.StructEnd();

        if (keyValueMetadata is { Count: > 0 })
        {
            thrift.StructListField(5, keyValueMetadata.Count);
            foreach (var (key, value) in keyValueMetadata)
            {
                thrift.StructBegin();
                thrift.StringField(1, key);
                thrift.StringField(2, value);
                thrift.StructEnd();
            }
        }
        thrift.StringField(6, "arcd");
        // TypeDefinedOrder for every column, so readers trust min_value/max_value.
        thrift.StructListField(7, chunks.Count);
        for (var c = 0; c < chunks.Count; c++)
        {
            thrift.StructBegin();
            thrift.StructField(1);
            thrift.StructEnd();
            thrift.StructEnd();
        }
        thrift.StructEnd();

        writer.WriteRaw(footer.Span);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, footer.Length);
        writer.WriteRaw(length);
        writer.WriteRaw(Magic);
    }

    private static void WriteSchemaElement(ThriftCompactWriter thrift, ChunkInfo chunk, ColumnKind? kind)
    {
        thrift.StructBegin();
        thrift.I32Field(1, chunk.PhysicalType);
        thrift.I32Field(3, kind is null ? Required : Optional);
        thrift.StringField(4, chunk.Name);
        if (kind is null)
        {
            thrift.I32Field(6, ConvertedTimestampMicros);
            thrift.StructField(10); // LogicalType
            thrift.StructField(8); // TIMESTAMP
            thrift.BoolField(1, true); // isAdjustedToUTC
            thrift.StructField(2); // unit
            thrift.StructField(2); // MICROS
            thrift.StructEnd();
            thrift.StructEnd();
            thrift.StructEnd();
            thrift.StructEnd();
        }
        else if (kind == ColumnKind.String)
        {
            thrift.I32Field(6, ConvertedUtf8);
            thrift.StructField(10);
            thrift.StructField(1); // STRING
            thrift.StructEnd();
            thrift.StructEnd();
        }
        thrift.StructEnd();
    }

    private static void WriteColumnChunk(ThriftCompactWriter thrift, ChunkInfo chunk, int codec, int rows)
    {
        thrift.StructBegin();
        thrift.I64Field(2, chunk.FirstPageOffset);
        thrift.StructField(3);
        thrift.I32Field(1, chunk.PhysicalType);
        thrift.I32ListField(2, chunk.Encodings);
        thrift.StringListField(3, [chunk.Name]);
        thrift.I32Field(4, codec);
        thrift.I64Field(5, rows);
        thrift.I64Field(6, chunk.UncompressedBytes);
        thrift.I64Field(7, chunk.CompressedBytes);
        thrift.I64Field(9, chunk.DataPageOffset);
        if (chunk.DictionaryPageOffset is { } dictionaryOffset) thrift.I64Field(11, dictionaryOffset);
        thrift.StructField(12);
        thrift.I64Field(3, chunk.NullCount);
        if (chunk.Max is not null) thrift.BinaryField(5, chunk.Max);
        if (chunk.Min is not null) thrift.BinaryField(6, chunk.Min);
        thrift.StructEnd();
        thrift.StructEnd();
        thrift.StructEnd();
    }

    private static byte[] Int64Bytes(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] DoubleBytes(double value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>Writes pages (header + compressed body) to the output and tracks the file offset.</summary>
    private sealed class ChunkWriter(Stream output, PageCompressor compressor) : IDisposable
    {
        private readonly PooledBuffer _compressed = new(1 << 16);
        private readonly PooledBuffer _header = new(64);
        private long _offset;

        public PooledBuffer Body { get; } = new(1 << 16);
        public int Codec => compressor.Codec;

        public void WriteRaw(ReadOnlySpan<byte> bytes)
        {
            output.Write(bytes);
            _offset += bytes.Length;
        }

        /// <summary>Compresses <see cref="Body"/> and writes it as one page; returns its offset and sizes (header included).</summary>
        public (long Offset, long Compressed, long Uncompressed) WritePage(int pageType, int valueCount, int encoding)
        {
            var compressed = compressor.Compress(Body.Span, _compressed);
            _header.Clear();
            var thrift = new ThriftCompactWriter(_header);
            thrift.StructBegin();
            thrift.I32Field(1, pageType);
            thrift.I32Field(2, Body.Length);
            thrift.I32Field(3, compressed.Length);
            if (pageType == PageDictionary)
            {
                thrift.StructField(7);
                thrift.I32Field(1, valueCount);
                thrift.I32Field(2, encoding);
                thrift.StructEnd();
            }
            else
            {
                thrift.StructField(5);
                thrift.I32Field(1, valueCount);
                thrift.I32Field(2, encoding);
                thrift.I32Field(3, EncodingRle);
                thrift.I32Field(4, EncodingRle);
                thrift.StructEnd();
            }
            thrift.StructEnd();

            var offset = _offset;
            WriteRaw(_header.Span);
            WriteRaw(compressed);
            return (offset, _header.Length + compressed.Length, _header.Length + Body.Length);
        }

        public void Dispose()
        {
            Body.Dispose();
            _compressed.Dispose();
            _header.Dispose();
            compressor.Dispose();
        }
    }
}
