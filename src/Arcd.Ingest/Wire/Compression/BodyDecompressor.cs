using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.Compression;
using ZstdSharp;
using Arcd.Ingest.Buffers;

namespace Arcd.Ingest.Wire.Compression;

public enum BodyEncoding
{
    Identity,
    Gzip,
    Zstd,
}

/// <summary>
/// gzip and zstd request bodies, found by magic bytes (as Arc) with <c>Content-Encoding</c> honoured
/// for refusing what arcd cannot read. Decompression streams into rented buffers that grow only
/// as output actually arrives, up to a cap: the sizes a client declares (gzip's ISIZE, zstd's frame
/// content size) are never used to allocate.
/// </summary>
public static class BodyDecompressor
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];
    private static ReadOnlySpan<byte> ZstdMagic => [0x28, 0xb5, 0x2f, 0xfd];

    /// <summary>False when <paramref name="contentEncoding"/> names an encoding arcd does not read (415).</summary>
    public static bool TryDetect(string? contentEncoding, ReadOnlySpan<byte> body, out BodyEncoding encoding, out string? error)
    {
        error = null;
        var declared = contentEncoding?.Trim().ToLowerInvariant();
        if (declared is not (null or "" or "identity" or "gzip" or "x-gzip" or "zstd"))
        {
            encoding = BodyEncoding.Identity;
            error = $"unsupported Content-Encoding '{contentEncoding}': send gzip, zstd or an uncompressed body";
            return false;
        }
        // Magic bytes win, as in Arc: a compressed body without the header works, and so does a plain
        // body labelled gzip.
        encoding = body.StartsWith(GzipMagic) ? BodyEncoding.Gzip : body.StartsWith(ZstdMagic) ? BodyEncoding.Zstd : BodyEncoding.Identity;
        return true;
    }

    public enum Status
    {
        Ok,
        TooLarge,
        Invalid,
    }

    public static Status Decompress(ArraySegment<byte> compressed, BodyEncoding encoding, long maxBytes, out PooledBuffer? output, out string? error)
    {
        output = null;
        error = null;
        using var source = new MemoryStream(compressed.Array!, compressed.Offset, compressed.Count, writable: false);
        Stream decoder;
        try
        {
            decoder = encoding == BodyEncoding.Gzip ? new GZipStream(source, CompressionMode.Decompress) : new DecompressionStream(source);
        }
        catch (Exception ex) when (ex is InvalidDataException or ZstdException or IOException)
        {
            error = $"Invalid {Name(encoding)} compression: {ex.Message}";
            return Status.Invalid;
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(compressed.Count * 4L, 4096, Math.Min(maxBytes, 1 << 20)));
        var length = 0;
        try
        {
            using (decoder)
            {
                while (true)
                {
                    if (length == Math.Min(buffer.Length, maxBytes))
                    {
                        if (length >= maxBytes)
                        {
                            // One more byte would exceed the cap: probe before calling it too large.
                            if (decoder.ReadByte() < 0) break;
                            error = $"decompressed body exceeds {maxBytes} bytes";
                            ArrayPool<byte>.Shared.Return(buffer);
                            return Status.TooLarge;
                        }
                        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxBytes));
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    var read = decoder.Read(buffer, length, (int)Math.Min(buffer.Length, maxBytes) - length);
                    if (read == 0) break;
                    length += read;
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or ZstdException or IOException or InvalidOperationException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            error = $"Invalid {Name(encoding)} compression: {ex.Message}";
            return Status.Invalid;
        }
        if (encoding == BodyEncoding.Gzip && !IsGzipComplete(compressed, buffer.AsSpan(0, length), out error))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return Status.Invalid;
        }
        output = PooledBuffer.Adopt(buffer, length);
        return Status.Ok;
    }

    /// <summary>
    /// .NET's GZipStream ends quietly when the input stops early, so a truncated body would be
    /// stored short. zlib checks every member's trailer it reaches; truncation can only cut the
    /// last member, so its trailer (CRC-32 and size of that member's output, which is a suffix of
    /// ours) must be present and match.
    /// </summary>
    private static bool IsGzipComplete(ArraySegment<byte> compressed, ReadOnlySpan<byte> output, out string? error)
    {
        var body = compressed.AsSpan();
        error = "Invalid gzip compression: unexpected end of stream (truncated body)";
        if (body.Length < 18) return false;
        var expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(body[^8..]);
        var lastMemberSize = BinaryPrimitives.ReadUInt32LittleEndian(body[^4..]);
        if (lastMemberSize > output.Length) return false;
        if (Crc32.HashToUInt32(output[^(int)lastMemberSize..]) != expectedCrc) return false;
        error = null;
        return true;
    }

    private static string Name(BodyEncoding encoding) => encoding == BodyEncoding.Gzip ? "gzip" : "zstd";
}
