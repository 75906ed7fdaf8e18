using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.MessagePack;
using Arcd.Tests.Support;

namespace Arcd.Tests.Wire;

/// <summary>
/// Fixed-seed property tests: random, truncated and mutated payloads must end in a decoded batch
/// or a rejection, never in another exception, and must not allocate far beyond their size.
/// </summary>
public class ColumnarMsgPackDecoderFuzzTests
{
    private const int Cases = 30_000;

    [Fact]
    public void Mutated_valid_payloads_only_ever_decode_or_reject()
    {
        var random = new Random(20261124);
        var seeds = new[]
        {
            MsgPack.Hex(ColumnarMsgPackDecoderTests.Tv1),
            MsgPack.Columnar("cpu", ("time", [1L, 2L, 3L]), ("host", ["a", null, "c"]), ("v", [1L, 2.5, null]), ("ok", [true, null, false])),
            MsgPack.Columnar("m", ("v", [long.MinValue, long.MaxValue])),
        };
        for (var i = 0; i < Cases; i++)
        {
            var body = (byte[])seeds[i % seeds.Length].Clone();
            var mutations = 1 + random.Next(4);
            for (var m = 0; m < mutations; m++)
            {
                switch (random.Next(4))
                {
                    case 0: body[random.Next(body.Length)] = (byte)random.Next(256); break;
                    case 1: body = body[..random.Next(body.Length)]; break;
                    case 2: body[random.Next(body.Length)] ^= (byte)(1 << random.Next(8)); break;
                    default:
                        var at = random.Next(body.Length);
                        body = [.. body[..at], (byte)random.Next(256), .. body[at..]];
                        break;
                }
                if (body.Length == 0) break;
            }
            DecodeBounded(body, i);
        }
    }

    [Fact]
    public void Random_bytes_only_ever_reject_or_decode()
    {
        var random = new Random(7);
        for (var i = 0; i < Cases; i++)
        {
            var body = new byte[random.Next(1, 64)];
            random.NextBytes(body);
            // Bias towards a map header so the decoder gets past the first byte.
            if (i % 2 == 0) body[0] = (byte)(0x80 | random.Next(16));
            DecodeBounded(body, i);
        }
    }

    private static void DecodeBounded(byte[] body, int caseNumber)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            if (MsgPackDecoder.TryDecode(body, DecodeLimits.Default, 1, out var write, out _)) write!.Dispose();
        }
        catch (Exception ex)
        {
            Assert.Fail($"case {caseNumber}: {ex.GetType().Name}: {ex.Message}\nbody: {Convert.ToHexString(body)}");
        }
        // Pools rent in power-of-two buckets and error texts are strings: allow a fixed slack plus a multiple of the input.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024 + 64L * body.Length, $"case {caseNumber}: {allocated} bytes allocated for a {body.Length}-byte body: {Convert.ToHexString(body)}");
    }
}
