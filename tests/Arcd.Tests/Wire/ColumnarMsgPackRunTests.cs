using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.MessagePack;
using Arcd.Tests.Support;

namespace Arcd.Tests.Wire;

/// <summary>The runs read straight from the body (doubles, strings, 8-byte times) agree with the value-by-value path at every edge.</summary>
public class ColumnarMsgPackRunTests
{
    private const long Now = 1_700_000_000_000_000;

    private static ColumnBatch Decode(byte[] body, DecodeLimits? limits = null)
    {
        Assert.True(MsgPackDecoder.TryDecode(body, limits ?? DecodeLimits.Default, Now, out var write, out var error), error.Message);
        return Assert.Single(write!.Detach());
    }

    private static DecodeError Reject(byte[] body, DecodeLimits? limits = null)
    {
        Assert.False(MsgPackDecoder.TryDecode(body, limits ?? DecodeLimits.Default, Now, out var write, out var error));
        Assert.Null(write);
        return error;
    }

    [Fact]
    public void A_run_of_doubles_stops_at_a_null_a_float32_and_an_integer_and_keeps_every_value()
    {
        var values = new object?[] { 1.5, -0.0, double.NaN, null, 2.5f, 7L, 3.25, double.MaxValue };
        using var batch = Decode(MsgPack.Columnar("m", ("time", values.Select((_, i) => (object?)(Now + i)).ToList()), ("v", values)));
        var column = batch.Find("v")!;
        Assert.Equal(ColumnKind.Float64, column.Kind);
        double?[] expected = [1.5, -0.0, double.NaN, null, 2.5, 7, 3.25, double.MaxValue];
        for (var i = 0; i < expected.Length; i++)
        {
            if (expected[i] is null) Assert.False(column.IsValid(i));
            else Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i]!.Value), BitConverter.DoubleToInt64Bits(column.Float64Values[i]));
        }
    }

    [Fact]
    public void A_run_of_strings_takes_fixstr_and_str8_and_leaves_str16_and_oversized_values_to_the_general_path()
    {
        var long8 = new string('a', 200);
        var long16 = new string('b', 300);
        var values = new object?[] { "h1", long8, "", long16, "é", null, "h1" };
        using var batch = Decode(MsgPack.Columnar("m", ("time", values.Select((_, i) => (object?)(Now + i)).ToList()), ("s", values)));
        var column = batch.Find("s")!;
        string?[] expected = ["h1", long8, "", long16, "é", null, "h1"];
        for (var i = 0; i < expected.Length; i++)
        {
            if (expected[i] is null) Assert.False(column.IsValid(i));
            else Assert.Equal(expected[i], System.Text.Encoding.UTF8.GetString(column.GetStringBytes(i)));
        }
        var error = Reject(MsgPack.Columnar("m", ("time", new object?[] { Now, Now }), ("s", new object?[] { "ok", long8 })), DecodeLimits.Default with { MaxStringBytes = 100 });
        Assert.Contains("string at row 1 of column 's' is 200 bytes", error.Message);
    }

    [Fact]
    public void A_run_of_times_takes_int64_and_uint64_and_the_first_bad_one_is_reported_at_its_row()
    {
        var ms = 1_700_000_000_000L; // milliseconds, detected on the first row
        using (var batch = Decode(MsgPack.Columnar("m", ("time", new object?[] { ms, (ulong)(ms + 1), -5L, ms + 2 }), ("v", new object?[] { 1L, 2L, 3L, 4L }))))
            Assert.Equal([ms * 1000, (ms + 1) * 1000, -5000, (ms + 2) * 1000], batch.Time.Int64Values.ToArray());
        var error = Reject(MsgPack.Columnar("m", ("time", new object?[] { ms, ms + 1, ulong.MaxValue, ms + 3 }), ("v", new object?[] { 1L, 2L, 3L, 4L })));
        Assert.Contains("row 2", error.Message);
        error = Reject(MsgPack.Columnar("m", ("time", new object?[] { ms, ms + 1, long.MaxValue }), ("v", new object?[] { 1L, 2L, 3L })));
        Assert.Contains("row 2", error.Message);
    }
}
