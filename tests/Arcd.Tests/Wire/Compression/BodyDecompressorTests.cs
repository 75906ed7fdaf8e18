using System.IO.Compression;
using Arcd.Ingest.Wire.Compression;
using Arcd.Tests.Support;

namespace Arcd.Tests.Wire.Compression;

public class BodyDecompressorTests
{
    // docs/PROTOCOL.md §12 TV2: TV1 gzip-compressed.
    internal const string Tv2 = """
        1f 8b 08 00 00 00 00 00 02 ff 6b 5a 98 bb 38 b9 a0 74 79 72 7e 4e 69 6e 5e 71 f3 92 92 cc dc
        d4 49 e7 19 18 18 bb cf 3f cd 60 80 32 b2 5f 2c c9 c8 2f 2e 99 b4 30 71 61 d2 d2 d2 e2 c4 f4
        d4 49 a7 ed 7f 30 80 c1 69 07 16 08 03 00 35 64 4a e4 4b 00 00 00
        """;

    internal static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }

    internal static byte[] Zstd(byte[] data)
    {
        using var compressor = new ZstdSharp.Compressor(3);
        return compressor.Wrap(data).ToArray();
    }

    private static byte[] Inflate(byte[] body, long max = 1 << 20)
    {
        Assert.True(BodyDecompressor.TryDetect(null, body, out var encoding, out _));
        Assert.Equal(BodyDecompressor.Status.Ok, BodyDecompressor.Decompress(body, encoding, max, out var output, out var error));
        using (output) return output!.Memory.ToArray();
    }

    [Fact]
    public void Tv2_gzip_is_found_by_magic_bytes_and_inflates_to_tv1()
    {
        Assert.Equal(MsgPack.Hex(ColumnarMsgPackDecoderTests.Tv1), Inflate(MsgPack.Hex(Tv2)));
    }

    [Fact]
    public void Zstd_and_multi_member_gzip_round_trip()
    {
        var data = Enumerable.Range(0, 100_000).Select(i => (byte)(i % 251)).ToArray();
        Assert.Equal(data, Inflate(Zstd(data)));
        Assert.Equal(data.Concat(data).ToArray(), Inflate([.. Gzip(data), .. Gzip(data)]));
    }

    [Theory]
    [InlineData(null, BodyEncoding.Identity)]
    [InlineData("gzip", BodyEncoding.Identity)] // a plain body labelled gzip works, as in Arc
    [InlineData("identity", BodyEncoding.Identity)]
    [InlineData("zstd", BodyEncoding.Identity)]
    public void Plain_bodies_stay_plain_whatever_the_header(string? header, BodyEncoding expected)
    {
        Assert.True(BodyDecompressor.TryDetect(header, "cpu v=1"u8, out var encoding, out _));
        Assert.Equal(expected, encoding);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("deflate")]
    [InlineData("compress")]
    public void Unknown_content_encodings_are_refused(string header)
    {
        Assert.False(BodyDecompressor.TryDetect(header, "x"u8, out _, out var error));
        Assert.Contains(header, error);
    }

    [Fact]
    public void Tv14_broken_gzip_is_invalid_with_the_inflaters_reason()
    {
        var body = MsgPack.Hex("1f 8b 08 00 00 00 00 00 00 ff 00 01 02");
        Assert.Equal(BodyDecompressor.Status.Invalid, BodyDecompressor.Decompress(body, BodyEncoding.Gzip, 1 << 20, out var output, out var error));
        Assert.Null(output);
        Assert.StartsWith("Invalid gzip compression: ", error);
    }

    [Theory]
    [InlineData(BodyEncoding.Gzip)]
    [InlineData(BodyEncoding.Zstd)]
    public void A_decompression_bomb_stops_at_the_cap_without_allocating_its_size(BodyEncoding encoding)
    {
        var zeros = new byte[64 << 20];
        var bomb = encoding == BodyEncoding.Gzip ? Gzip(zeros) : Zstd(zeros);
        Assert.True(bomb.Length < 1 << 20);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(BodyDecompressor.Status.TooLarge, BodyDecompressor.Decompress(bomb, encoding, 1 << 20, out var output, out var error));
        Assert.Null(output);
        Assert.Contains("exceeds", error);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20);
    }

    [Fact]
    public void Output_exactly_at_the_cap_is_accepted()
    {
        var data = new byte[4096];
        Assert.Equal(data, Inflate(Gzip(data), max: 4096));
    }

    [Fact]
    public void Truncated_streams_are_invalid_not_silently_short()
    {
        var data = Enumerable.Range(0, 50_000).Select(i => (byte)(i * 7)).ToArray();
        foreach (var (encoding, compressed) in new[] { (BodyEncoding.Gzip, Gzip(data)), (BodyEncoding.Zstd, Zstd(data)) })
        {
            var truncated = compressed[..(compressed.Length / 2)];
            var status = BodyDecompressor.Decompress(truncated, encoding, 1 << 20, out var output, out _);
            output?.Dispose();
            Assert.Equal(BodyDecompressor.Status.Invalid, status);
        }
    }
}
