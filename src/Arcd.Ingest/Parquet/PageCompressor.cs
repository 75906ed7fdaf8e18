using Snappier;
using ZstdSharp;
using Arcd.Ingest.Buffers;

namespace Arcd.Ingest.Parquet;

/// <summary>Compresses one page body into a reusable buffer with the file's codec.</summary>
internal sealed class PageCompressor(ParquetCompression compression, int zstdLevel) : IDisposable
{
    private Compressor? _zstd;

    /// <summary>parquet.thrift CompressionCodec.</summary>
    public int Codec => compression switch
    {
        ParquetCompression.Snappy => ParquetFormat.Codec.Snappy,
        ParquetCompression.Zstd => ParquetFormat.Codec.Zstd,
        _ => ParquetFormat.Codec.Uncompressed,
    };

    public ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> body, PooledBuffer scratch)
    {
        scratch.Clear();
        switch (compression)
        {
            case ParquetCompression.Snappy:
            {
                var written = Snappy.Compress(body, scratch.GetSpan(Snappy.GetMaxCompressedLength(body.Length)));
                scratch.Advance(written);
                return scratch.Span;
            }
            case ParquetCompression.Zstd:
            {
                _zstd ??= new Compressor(zstdLevel);
                var written = _zstd.Wrap(body, scratch.GetSpan(Compressor.GetCompressBound(body.Length)));
                scratch.Advance(written);
                return scratch.Span;
            }
            default:
                return body;
        }
    }

    /// <summary>
    /// A page of PLAIN int64 values whose neighbours share their high bytes (the sorted time column):
    /// compressed straight from the values, with <see cref="Int64Snappy"/> when the codec is snappy
    /// (the same format, about a fifth of the general compressor's cost there); otherwise as their bytes.
    /// </summary>
    public ReadOnlySpan<byte> CompressInt64(ReadOnlySpan<long> values, PooledBuffer body, PooledBuffer scratch)
    {
        if (compression == ParquetCompression.Snappy)
        {
            scratch.Clear();
            var written = Int64Snappy.Compress(values, scratch.GetSpan(Int64Snappy.MaxCompressedLength(values.Length)));
            scratch.Advance(written);
            return scratch.Span;
        }
        body.Clear();
        body.WriteLittleEndian(values);
        return Compress(body.Span, scratch);
    }

    public void Dispose() => _zstd?.Dispose();
}
