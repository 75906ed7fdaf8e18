using System.Text;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;
using Arcd.Tests.Support;

namespace Arcd.Tests.Wire.LineProtocol;

/// <summary>Fixed-seed property target for the line-protocol decoder (see the MessagePack one).</summary>
public class LineProtocolDecoderFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        Encoding.UTF8.GetBytes("cpu,host=a,region=eu usage=1.5,count=3i,ok=true,msg=\"hi there\" 1700000000000000000\ncpu,host=b usage=2 1700000060000000000\n"),
        Encoding.UTF8.GetBytes("weather,lo\\ c=San\\ Jose\\,CA temp=-1.5e3,up=7u,s=\"q\\\"x\\\\\" -1000\r\n# c\n\nmem free=1i\n"),
        Encoding.UTF8.GetBytes("m,t=1 a=t,b=F,c=TRUE,d=false 1\nm a=f\n"),
    ];

    [Fact]
    public void Mutated_lines_only_ever_decode_or_reject_and_accepted_ones_round_trip()
    {
        var random = new Random(424242);
        var roundTrips = 0;
        for (var i = 0; i < FuzzSupport.Cases; i++)
        {
            var body = FuzzSupport.Mutate(Seeds[i % Seeds.Length], random);
            Ingest.Columnar.ColumnArrays.CreatePools(); // pools and the name cache are made once per process, not per decode
        Ingest.Wire.NameCache.Get("time"u8);
        var before = GC.GetAllocatedBytesForCurrentThread();
            Arcd.Ingest.Columnar.DecodedWrite? write = null;
            try
            {
                using var decoder = new LineProtocolDecoder(DecodeLimits.Default, TimePrecision.Nanoseconds, 1);
                // Split at a random point too: the decoder must not care where chunks end.
                var split = random.Next(body.Length + 1);
                decoder.Feed(body.AsSpan(0, split));
                decoder.Feed(body.AsSpan(split));
                decoder.TryFinish(out write, out _);
            }
            catch (Exception ex)
            {
                Assert.Fail($"case {i}: {ex.GetType().Name}: {ex.Message}\nbody: {Convert.ToHexString(body)}");
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64 * 1024 + 256L * body.Length, $"case {i}: {allocated} bytes for {body.Length} bytes: {Convert.ToHexString(body)}");
            using (write)
            {
                if (write is null || roundTrips >= FuzzSupport.RoundTrips) continue;
                foreach (var batch in write.Batches) FuzzSupport.AssertParquetRoundTrip(batch, $"case {i} ({Convert.ToHexString(body)})");
                roundTrips++;
            }
        }
        Assert.Equal(FuzzSupport.RoundTrips, roundTrips);
    }

    [Fact]
    public void Random_printable_lines_only_ever_decode_or_reject()
    {
        var random = new Random(99);
        const string Alphabet = "abc=, \"\\\n\r#itfu0123456789.-eE_";
        for (var i = 0; i < FuzzSupport.Cases / 2; i++)
        {
            var text = new char[random.Next(1, 60)];
            for (var c = 0; c < text.Length; c++) text[c] = Alphabet[random.Next(Alphabet.Length)];
            var body = Encoding.UTF8.GetBytes(text);
            try
            {
                using var decoder = new LineProtocolDecoder(DecodeLimits.Default, TimePrecision.Seconds, 1);
                decoder.Feed(body);
                if (decoder.TryFinish(out var write, out _)) write!.Dispose();
            }
            catch (Exception ex)
            {
                Assert.Fail($"case {i}: {ex.GetType().Name}: {ex.Message}\nbody: {new string(text)}");
            }
        }
    }
}
