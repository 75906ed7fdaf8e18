namespace Arcd.Ingest.Parquet;

/// <summary>
/// The numbers of parquet.thrift that arcd writes: enum values and, per struct, the field ids.
/// Every one of them is persisted in every file; none may ever change.
/// </summary>
internal static class ParquetFormat
{
    public static ReadOnlySpan<byte> Magic => "PAR1"u8;

    public static class PhysicalType
    {
        public const int Boolean = 0;
        public const int Int64 = 2;
        public const int Double = 5;
        public const int ByteArray = 6;
    }

    public static class Encoding
    {
        public const int Plain = 0;
        public const int Rle = 3;
        public const int RleDictionary = 8;
    }

    public static class PageType
    {
        public const int Data = 0;
        public const int Dictionary = 2;
    }

    public static class Repetition
    {
        public const int Required = 0;
        public const int Optional = 1;
    }

    public static class ConvertedType
    {
        public const int Utf8 = 0;
        public const int TimestampMicros = 10;
    }

    public static class Codec
    {
        public const int Uncompressed = 0;
        public const int Snappy = 1;
        public const int Zstd = 6;
    }

    public static class FileMetaData
    {
        public const short Version = 1;
        public const short Schema = 2;
        public const short NumRows = 3;
        public const short RowGroups = 4;
        public const short KeyValueMetadata = 5;
        public const short CreatedBy = 6;
        public const short ColumnOrders = 7;
    }

    public static class SchemaElement
    {
        public const short Type = 1;
        public const short RepetitionType = 3;
        public const short Name = 4;
        public const short NumChildren = 5;
        public const short ConvertedType = 6;
        public const short LogicalType = 10;
    }

    /// <summary>LogicalType is a union: the field id says which logical type it is.</summary>
    public static class LogicalType
    {
        public const short String = 1;
        public const short Timestamp = 8;
    }

    public static class TimestampType
    {
        public const short IsAdjustedToUtc = 1;
        public const short Unit = 2;
    }

    /// <summary>TimeUnit is a union too.</summary>
    public static class TimeUnit
    {
        public const short Micros = 2;
    }

    public static class RowGroup
    {
        public const short Columns = 1;
        public const short TotalByteSize = 2;
        public const short NumRows = 3;
        public const short SortingColumns = 4;
        public const short FileOffset = 5;
        public const short TotalCompressedSize = 6;
    }

    public static class SortingColumn
    {
        public const short ColumnIndex = 1;
        public const short Descending = 2;
        public const short NullsFirst = 3;
    }

    public static class ColumnChunk
    {
        public const short FileOffset = 2;
        public const short MetaData = 3;
    }

    public static class ColumnMetaData
    {
        public const short Type = 1;
        public const short Encodings = 2;
        public const short PathInSchema = 3;
        public const short Codec = 4;
        public const short NumValues = 5;
        public const short TotalUncompressedSize = 6;
        public const short TotalCompressedSize = 7;
        public const short DataPageOffset = 9;
        public const short DictionaryPageOffset = 11;
        public const short Statistics = 12;
    }

    public static class Statistics
    {
        public const short NullCount = 3;
        public const short MaxValue = 5;
        public const short MinValue = 6;
    }

    public static class KeyValue
    {
        public const short Key = 1;
        public const short Value = 2;
    }

    /// <summary>ColumnOrder is a union: TYPE_ORDER (TypeDefinedOrder, an empty struct).</summary>
    public static class ColumnOrder
    {
        public const short TypeOrder = 1;
    }

    public static class PageHeader
    {
        public const short Type = 1;
        public const short UncompressedPageSize = 2;
        public const short CompressedPageSize = 3;
        public const short DataPageHeader = 5;
        public const short DictionaryPageHeader = 7;
    }

    public static class DataPageHeader
    {
        public const short NumValues = 1;
        public const short Encoding = 2;
        public const short DefinitionLevelEncoding = 3;
        public const short RepetitionLevelEncoding = 4;
    }

    public static class DictionaryPageHeader
    {
        public const short NumValues = 1;
        public const short Encoding = 2;
    }
}
