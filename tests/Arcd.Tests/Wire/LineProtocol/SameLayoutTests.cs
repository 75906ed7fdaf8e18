using System.Text;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;
using Arcd.Tests.Support;

namespace Arcd.Tests.Wire.LineProtocol;

/// <summary>
/// The same-layout fast path must decode exactly what the slow path decodes: every body is decoded
/// twice, with the fast path and without it, and the outcomes (error text, or every batch, column
/// and value bit for bit) must be equal.
/// </summary>
public class SameLayoutTests
{
    private static readonly string[] Measurements = ["cpu", "cpu", "cpu", "c\\,pu", "mem"];
    private static readonly string[] TagKeys = ["host", "region", "h\\ ost", "t", "usage"];
    private static readonly string[] TagValues = ["a", "b", "server01", "server01", "x\\,y", "v=1", "\\\\", "é", ""];
    private static readonly string[] FieldKeys = ["usage", "count", "host", "u\\=x", "idle"];
    private static readonly string[] FieldValues =
        ["1.5", "-2", "0.25", "42", "3i", "-7i", "1e3", "123456789012345678", "true", "F", "\"s,\\\" x\"", "7u", "abc", "1.5i", "i", "", "+4"];
    private static readonly string[] Timestamps = ["", " 1700000000000000000", " 1700000000000000001", "  1700000000000000002 ", " 17x", " 1 2"];

    [Fact]
    public void Bodies_of_repeated_and_varied_layouts_decode_as_the_slow_path_decodes()
    {
        var random = new Random(1717);
        var cases = Math.Max(2_000, FuzzSupport.Cases / 20);
        for (var i = 0; i < cases; i++)
        {
            var body = RepeatedLayoutBody(random);
            AssertSameDecode(body, $"case {i}: {Encoding.UTF8.GetString(body)}");
        }
    }

    [Fact]
    public void Mutated_repeated_lines_decode_as_the_slow_path_decodes()
    {
        var seed = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 6).Select(n =>
            $"cpu,host=server0{n},region=eu usage={n}.5,count={n}i,idle=9{n} 17000000000000000{n}0\n")));
        var random = new Random(2828);
        var cases = Math.Max(2_000, FuzzSupport.Cases / 20);
        for (var i = 0; i < cases; i++)
        {
            var body = FuzzSupport.Mutate(seed, random);
            AssertSameDecode(body, $"case {i}: {Convert.ToHexString(body)}");
        }
    }

    [Fact]
    public void A_float_after_integers_widens_the_column_on_the_fast_path_too()
    {
        var body = Encoding.UTF8.GetBytes("m,h=a n=1i 1\nm,h=b n=2i 2\nm,h=c n=2.5 3\nm,h=d n=4i 4\n");
        AssertSameDecode(body, "widening");
        using var decoder = new LineProtocolDecoder(DecodeLimits.Default, TimePrecision.Nanoseconds, 0);
        decoder.Feed(body);
        Assert.True(decoder.TryFinish(out var write, out _));
        using (write)
        {
            var n = write!.Batches[0].Columns.Single(c => c.Name == "n");
            Assert.Equal(ColumnKind.Float64, n.Kind);
            Assert.Equal([1, 2, 2.5, 4], n.Float64Values.ToArray());
        }
    }

    [Fact]
    public void A_row_limit_reached_on_the_fast_path_is_still_refused()
    {
        var body = Encoding.UTF8.GetBytes("m,h=a v=1 1\nm,h=a v=2 2\nm,h=a v=3 3\n");
        var limits = DecodeLimits.Default with { MaxRowsPerRequest = 2 };
        var fast = Decode(body, limits, fastPath: true);
        var slow = Decode(body, limits, fastPath: false);
        Assert.StartsWith("error:", fast);
        Assert.Equal(slow, fast);
    }

    private static byte[] RepeatedLayoutBody(Random random)
    {
        // A few layouts, each repeated for a few lines with fresh values, and an odd line now and then.
        var text = new StringBuilder();
        var layouts = random.Next(1, 4);
        for (var l = 0; l < layouts; l++)
        {
            var measurement = Pick(random, Measurements);
            var tags = Enumerable.Range(0, random.Next(0, 3)).Select(_ => Pick(random, TagKeys)).ToArray();
            var fields = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, FieldKeys)).ToArray();
            var lines = random.Next(1, 6);
            for (var n = 0; n < lines; n++)
            {
                text.Append(measurement);
                foreach (var tag in tags) text.Append(',').Append(tag).Append('=').Append(random.Next(4) == 0 ? Pick(random, TagValues) : "server01");
                text.Append(random.Next(10) == 0 ? "  " : " ");
                for (var f = 0; f < fields.Length; f++)
                {
                    if (f > 0) text.Append(',');
                    text.Append(fields[f]).Append('=').Append(random.Next(3) == 0 ? Pick(random, FieldValues) : $"{random.Next(-50, 50)}.{random.Next(100)}");
                }
                if (random.Next(12) == 0) text.Append(",extra=1");
                text.Append(Pick(random, Timestamps)).Append(random.Next(8) == 0 ? "\r\n" : "\n");
            }
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static string Pick(Random random, string[] from) => from[random.Next(from.Length)];

    private static void AssertSameDecode(byte[] body, string context)
    {
        var fast = Decode(body, DecodeLimits.Default, fastPath: true);
        var slow = Decode(body, DecodeLimits.Default, fastPath: false);
        Assert.True(slow == fast, $"{context}\nslow path:\n{slow}\nfast path:\n{fast}");
    }

    /// <summary>The whole outcome as text: the error, or every batch with its tags, columns and values (doubles as bits).</summary>
    private static string Decode(byte[] body, DecodeLimits limits, bool fastPath)
    {
        using var decoder = new LineProtocolDecoder(limits, TimePrecision.Nanoseconds, 5) { SameLayoutFastPath = fastPath };
        decoder.Feed(body);
        if (!decoder.TryFinish(out var write, out var error)) return $"error: {error.Message}";
        using (write)
        {
            var text = new StringBuilder();
            foreach (var batch in write!.Batches)
            {
                text.Append(batch.Measurement).Append(" tags [").AppendJoin(',', batch.TagNames).Append("] rows ").Append(batch.RowCount).Append('\n');
                text.Append("  time ").AppendJoin(',', batch.Time.Int64Values.ToArray()).Append('\n');
                foreach (var column in batch.Columns)
                {
                    text.Append("  ").Append(column.Name).Append(' ').Append(column.Kind).Append(" nulls ").Append(column.NullCount).Append(':');
                    for (var row = 0; row < column.Count; row++) text.Append(' ').Append(Render(column, row));
                    text.Append('\n');
                }
            }
            return text.ToString();
        }
    }

    private static string Render(Column column, int row)
    {
        if (!column.IsValid(row)) return "null";
        return column.Kind switch
        {
            ColumnKind.Int64 => column.Int64Values[row].ToString(),
            ColumnKind.Float64 => BitConverter.DoubleToInt64Bits(column.Float64Values[row]).ToString("x"),
            ColumnKind.Boolean => column.BooleanValues[row].ToString(),
            _ => Convert.ToHexString(column.GetStringBytes(row)),
        };
    }
}
