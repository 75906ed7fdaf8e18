using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.MessagePack;
using Arcd.Tests.Support;

namespace Arcd.Tests.Wire;

/// <summary>
/// Fixed-seed property target for the MessagePack decoder: random, truncated and mutated payloads
/// of every shape must end in a decoded write or a rejection — never another exception — with
/// allocation bounded by the input size, and accepted input must survive a Parquet round trip.
/// </summary>
public class ColumnarMsgPackDecoderFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        MsgPack.Hex(ColumnarMsgPackDecoderTests.Tv1),
        MsgPack.Hex(MsgPackShapesTests.Tv3),
        MsgPack.Hex(MsgPackShapesTests.Tv4),
        MsgPack.Hex(MsgPackShapesTests.Tv5),
        MsgPack.Hex(MsgPackShapesTests.Tv6),
        MsgPack.Columnar("cpu", ("time", [1L, 2L, 3L]), ("host", ["a", null, "c"]), ("v", [1L, 2.5, null]), ("ok", [true, null, false])),
        MsgPack.Columnar("m", ("v", [long.MinValue, long.MaxValue])),
    ];

    [Fact]
    public void Mutated_payloads_of_every_shape_only_ever_decode_or_reject()
    {
        var random = new Random(20261124);
        var roundTrips = 0;
        for (var i = 0; i < FuzzSupport.Cases / 2; i++)
        {
            var body = FuzzSupport.Mutate(Seeds[i % Seeds.Length], random);
            DecodeBounded(body, i, ref roundTrips);
        }
        Assert.Equal(FuzzSupport.RoundTrips, roundTrips); // enough mutants are accepted for the round trip to mean something
    }

    [Fact]
    public void Random_bytes_only_ever_reject_or_decode()
    {
        var random = new Random(7);
        var roundTrips = 0;
        for (var i = 0; i < FuzzSupport.Cases / 2; i++)
        {
            var body = new byte[random.Next(1, 64)];
            random.NextBytes(body);
            // Bias towards a map or array header so the decoder gets past the first byte.
            if (i % 2 == 0) body[0] = (byte)((i % 4 == 0 ? 0x80 : 0x90) | random.Next(16));
            DecodeBounded(body, i, ref roundTrips);
        }
    }

    /// <summary>Inputs that once failed, kept as byte literals.</summary>
    [Theory]
    [InlineData("82a16da16da7636f6c756d6e7381a176dd7fffffff")] // array32 claiming 2^31-1 elements
    [InlineData("dd7fffffff")] // top-level array claiming 2^31-1 payloads
    [InlineData("82A1A16DA16DA7636F6C75656E7381A17692D38000000000000000CF7FFFFFFFFFFFFFFF")] // a fuzz case that once allocated 100 KB
    [InlineData("81a56261746368dd7fffffff")] // batch claiming 2^31-1 elements
    public void Regressions(string hex)
    {
        var roundTrips = FuzzSupport.RoundTrips;
        DecodeBounded(Convert.FromHexString(hex), -1, ref roundTrips);
    }

    private static void DecodeBounded(byte[] body, int caseNumber, ref int roundTrips)
    {
        Ingest.Columnar.ColumnArrays.CreatePools(); // pools and the name cache are made once per process, not per decode
        Ingest.Wire.NameCache.Get("time"u8);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Ingest.Columnar.DecodedWrite? write = null;
        try
        {
            MsgPackDecoder.TryDecode(body, DecodeLimits.Default, 1, out write, out _);
        }
        catch (Exception ex)
        {
            Assert.Fail($"case {caseNumber}: {ex.GetType().Name}: {ex.Message}\nbody: {Convert.ToHexString(body)}");
        }
        // Pools rent in power-of-two buckets and error texts are strings: a fixed slack plus a multiple of the input.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024 + 256L * body.Length, $"case {caseNumber}: {allocated} bytes allocated for a {body.Length}-byte body: {Convert.ToHexString(body)}");
        using (write)
        {
            if (write is null || roundTrips >= FuzzSupport.RoundTrips) return;
            foreach (var batch in write.Batches) FuzzSupport.AssertParquetRoundTrip(batch, $"case {caseNumber} ({Convert.ToHexString(body)})");
            roundTrips++;
        }
    }
}
