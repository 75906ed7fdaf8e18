using System.Buffers.Binary;
using Arcd.Ingest.Buffers;
using Arcd.Ingest.Columnar;
using static Arcd.Ingest.Parquet.ParquetFormat;

namespace Arcd.Ingest.Parquet;

/// <summary>A written row group: its rows and the chunk of every column (time first, then the schema's columns).</summary>
internal sealed record RowGroupInfo(long Rows, IReadOnlyList<ChunkInfo> Chunks);

/// <summary>
/// The file footer: FileMetaData in the Thrift compact protocol (schema, row groups with their
/// column chunks and statistics, key-value metadata, column orders), its length and the magic.
/// </summary>
internal static class FooterWriter
{
    public static void Write(PageWriter writer, IReadOnlyList<ParquetColumn> schema, IReadOnlyList<RowGroupInfo> rowGroups,
        IReadOnlyList<KeyValuePair<string, string>>? keyValueMetadata)
    {
        using var footer = new PooledBuffer(1024);
        var thrift = new ThriftCompactWriter(footer);
        var columns = schema.Count + 1;
        long totalRows = 0;
        foreach (var group in rowGroups) totalRows += group.Rows;

        thrift.StructBegin();
        thrift.I32Field(FileMetaData.Version, 1);
        thrift.StructListField(FileMetaData.Schema, columns + 1);
        thrift.StructBegin();
        thrift.StringField(SchemaElement.Name, "schema");
        thrift.I32Field(SchemaElement.NumChildren, columns);
        thrift.StructEnd();
        WriteTimeElement(thrift);
        foreach (var column in schema) WriteValueElement(thrift, column);
        thrift.I64Field(FileMetaData.NumRows, totalRows);

        thrift.StructListField(FileMetaData.RowGroups, rowGroups.Count);
        foreach (var group in rowGroups) WriteRowGroup(thrift, group, writer.Codec);

        if (keyValueMetadata is { Count: > 0 })
        {
            thrift.StructListField(FileMetaData.KeyValueMetadata, keyValueMetadata.Count);
            foreach (var (key, value) in keyValueMetadata)
            {
                thrift.StructBegin();
                thrift.StringField(KeyValue.Key, key);
                thrift.StringField(KeyValue.Value, value);
                thrift.StructEnd();
            }
        }
        thrift.StringField(FileMetaData.CreatedBy, "arcd");
        // TypeDefinedOrder for every column, so readers trust min_value/max_value.
        thrift.StructListField(FileMetaData.ColumnOrders, columns);
        for (var c = 0; c < columns; c++)
        {
            thrift.StructBegin();
            thrift.StructField(ColumnOrder.TypeOrder);
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

    private static void WriteRowGroup(ThriftCompactWriter thrift, RowGroupInfo group, int codec)
    {
        thrift.StructBegin();
        thrift.StructListField(RowGroup.Columns, group.Chunks.Count);
        long totalUncompressed = 0, totalCompressed = 0;
        foreach (var chunk in group.Chunks)
        {
            WriteColumnChunk(thrift, chunk, codec, group.Rows);
            totalUncompressed += chunk.UncompressedBytes;
            totalCompressed += chunk.CompressedBytes;
        }
        thrift.I64Field(RowGroup.TotalByteSize, totalUncompressed);
        thrift.I64Field(RowGroup.NumRows, group.Rows);
        thrift.StructListField(RowGroup.SortingColumns, 1); // every row group is sorted by time
        thrift.StructBegin();
        thrift.I32Field(SortingColumn.ColumnIndex, 0);
        thrift.BoolField(SortingColumn.Descending, false);
        thrift.BoolField(SortingColumn.NullsFirst, false);
        thrift.StructEnd();
        thrift.I64Field(RowGroup.FileOffset, group.Chunks[0].FirstPageOffset);
        thrift.I64Field(RowGroup.TotalCompressedSize, totalCompressed);
        thrift.StructEnd();
    }

    private static void WriteTimeElement(ThriftCompactWriter thrift)
    {
        thrift.StructBegin();
        thrift.I32Field(SchemaElement.Type, PhysicalType.Int64);
        thrift.I32Field(SchemaElement.RepetitionType, Repetition.Required);
        thrift.StringField(SchemaElement.Name, ColumnBatch.TimeColumnName);
        thrift.I32Field(SchemaElement.ConvertedType, ConvertedType.TimestampMicros);
        thrift.StructField(SchemaElement.LogicalType);
        thrift.StructField(LogicalType.Timestamp);
        thrift.BoolField(TimestampType.IsAdjustedToUtc, true);
        thrift.StructField(TimestampType.Unit);
        thrift.StructField(TimeUnit.Micros);
        thrift.StructEnd();
        thrift.StructEnd();
        thrift.StructEnd();
        thrift.StructEnd();
        thrift.StructEnd();
    }

    private static void WriteValueElement(ThriftCompactWriter thrift, ParquetColumn column)
    {
        thrift.StructBegin();
        thrift.I32Field(SchemaElement.Type, column.Kind switch
        {
            ColumnKind.Int64 => PhysicalType.Int64,
            ColumnKind.Float64 => PhysicalType.Double,
            ColumnKind.Boolean => PhysicalType.Boolean,
            _ => PhysicalType.ByteArray,
        });
        thrift.I32Field(SchemaElement.RepetitionType, Repetition.Optional);
        thrift.StringField(SchemaElement.Name, column.Name);
        if (column.Kind == ColumnKind.String)
        {
            thrift.I32Field(SchemaElement.ConvertedType, ConvertedType.Utf8);
            thrift.StructField(SchemaElement.LogicalType);
            thrift.StructField(LogicalType.String);
            thrift.StructEnd();
            thrift.StructEnd();
        }
        thrift.StructEnd();
    }

    private static void WriteColumnChunk(ThriftCompactWriter thrift, ChunkInfo chunk, int codec, long rows)
    {
        thrift.StructBegin();
        thrift.I64Field(ColumnChunk.FileOffset, chunk.FirstPageOffset);
        thrift.StructField(ColumnChunk.MetaData);
        thrift.I32Field(ColumnMetaData.Type, chunk.PhysicalType);
        thrift.I32ListField(ColumnMetaData.Encodings, chunk.Encodings);
        thrift.StringListField(ColumnMetaData.PathInSchema, [chunk.Name]);
        thrift.I32Field(ColumnMetaData.Codec, codec);
        thrift.I64Field(ColumnMetaData.NumValues, rows);
        thrift.I64Field(ColumnMetaData.TotalUncompressedSize, chunk.UncompressedBytes);
        thrift.I64Field(ColumnMetaData.TotalCompressedSize, chunk.CompressedBytes);
        thrift.I64Field(ColumnMetaData.DataPageOffset, chunk.DataPageOffset);
        if (chunk.DictionaryPageOffset is { } dictionaryOffset) thrift.I64Field(ColumnMetaData.DictionaryPageOffset, dictionaryOffset);
        thrift.StructField(ColumnMetaData.Statistics);
        thrift.I64Field(Statistics.NullCount, chunk.NullCount);
        if (chunk.Max is not null) thrift.BinaryField(Statistics.MaxValue, chunk.Max);
        if (chunk.Min is not null) thrift.BinaryField(Statistics.MinValue, chunk.Min);
        thrift.StructEnd();
        thrift.StructEnd();
        thrift.StructEnd();
    }
}
