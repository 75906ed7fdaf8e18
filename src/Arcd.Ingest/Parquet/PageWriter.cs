using Arcd.Ingest.Buffers;

namespace Arcd.Ingest.Parquet;

/// <summary>
/// Writes pages to the output (Thrift page header + compressed body) and tracks the file offset.
/// A page's body is built in <see cref="Body"/>, then <see cref="WritePage"/> compresses and writes it.
/// </summary>
internal sealed class PageWriter(Stream output, PageCompressor compressor) : IDisposable
{
    private readonly PooledBuffer _compressed = new(1 << 16);
    private readonly PooledBuffer _header = new(64);

    public PooledBuffer Body { get; } = new(1 << 16);
    public int Codec => compressor.Codec;
    public long Offset { get; private set; }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        Offset += bytes.Length;
    }

    /// <summary>Compresses <see cref="Body"/> and writes it as one page; returns its offset and sizes (header included).</summary>
    public (long Offset, long Compressed, long Uncompressed) WritePage(int pageType, int valueCount, int encoding) =>
        WritePage(pageType, valueCount, encoding, compressor.Compress(Body.Span, _compressed), Body.Length);

    /// <summary>A data page of PLAIN int64 values, compressed straight from them (<see cref="PageCompressor.CompressInt64"/>).</summary>
    public (long Offset, long Compressed, long Uncompressed) WritePlainInt64Page(ReadOnlySpan<long> values) =>
        WritePage(ParquetFormat.PageType.Data, values.Length, ParquetFormat.Encoding.Plain, compressor.CompressInt64(values, Body, _compressed), values.Length * sizeof(long));

    private (long Offset, long Compressed, long Uncompressed) WritePage(int pageType, int valueCount, int encoding, ReadOnlySpan<byte> compressed, int uncompressedLength)
    {
        _header.Clear();
        var thrift = new ThriftCompactWriter(_header);
        thrift.StructBegin();
        thrift.I32Field(ParquetFormat.PageHeader.Type, pageType);
        thrift.I32Field(ParquetFormat.PageHeader.UncompressedPageSize, uncompressedLength);
        thrift.I32Field(ParquetFormat.PageHeader.CompressedPageSize, compressed.Length);
        if (pageType == ParquetFormat.PageType.Dictionary)
        {
            thrift.StructField(ParquetFormat.PageHeader.DictionaryPageHeader);
            thrift.I32Field(ParquetFormat.DictionaryPageHeader.NumValues, valueCount);
            thrift.I32Field(ParquetFormat.DictionaryPageHeader.Encoding, encoding);
            thrift.StructEnd();
        }
        else
        {
            thrift.StructField(ParquetFormat.PageHeader.DataPageHeader);
            thrift.I32Field(ParquetFormat.DataPageHeader.NumValues, valueCount);
            thrift.I32Field(ParquetFormat.DataPageHeader.Encoding, encoding);
            thrift.I32Field(ParquetFormat.DataPageHeader.DefinitionLevelEncoding, ParquetFormat.Encoding.Rle);
            thrift.I32Field(ParquetFormat.DataPageHeader.RepetitionLevelEncoding, ParquetFormat.Encoding.Rle);
            thrift.StructEnd();
        }
        thrift.StructEnd();

        var offset = Offset;
        WriteRaw(_header.Span);
        WriteRaw(compressed);
        return (offset, _header.Length + compressed.Length, _header.Length + uncompressedLength);
    }

    public void Dispose()
    {
        Body.Dispose();
        _compressed.Dispose();
        _header.Dispose();
        compressor.Dispose();
    }
}
