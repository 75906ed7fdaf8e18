using System.Text;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;

namespace Arcd.Tests.Wire.LineProtocol;

public class LineProtocolDecoderTests
{
    private const long Now = 1_750_000_000_000_000;

    internal static DecodedWrite Decode(string body, TimePrecision precision = TimePrecision.Nanoseconds)
    {
        using var decoder = new LineProtocolDecoder(DecodeLimits.Default, precision, Now);
        decoder.Feed(Encoding.UTF8.GetBytes(body));
        Assert.True(decoder.TryFinish(out var write, out var error), error.Message);
        return write!;
    }

    internal static DecodeError Reject(string body, TimePrecision precision = TimePrecision.Nanoseconds)
    {
        using var decoder = new LineProtocolDecoder(DecodeLimits.Default, precision, Now);
        decoder.Feed(Encoding.UTF8.GetBytes(body));
        Assert.False(decoder.TryFinish(out var write, out var error));
        Assert.Null(write);
        return error;
    }

    internal static string? Text(Column column, int row) => column.IsValid(row) ? Encoding.UTF8.GetString(column.GetStringBytes(row)) : null;

    [Fact]
    public void Tv17_without_the_bogus_line_decodes_tags_fields_and_seconds()
    {
        using var write = Decode("""
            cpu,host=a,region=eu usage=1.5,count=3i,ok=true,msg="hi there" 1700000000
            cpu,host=b usage=2 1700000060
            # comment
            """, TimePrecision.Seconds);
        var batch = Assert.Single(write.Batches);
        Assert.Equal("cpu", batch.Measurement);
        Assert.Equal(["host", "region"], batch.TagNames);
        Assert.Equal([1_700_000_000_000_000L, 1_700_000_060_000_000L], batch.Time.Int64Values.ToArray());
        Assert.Equal("a", Text(batch.Find("host")!, 0));
        Assert.Equal("b", Text(batch.Find("host")!, 1));
        Assert.Null(Text(batch.Find("region")!, 1));
        Assert.Equal(ColumnKind.Float64, batch.Find("usage")!.Kind);
        Assert.Equal([1.5, 2.0], batch.Find("usage")!.Float64Values.ToArray());
        Assert.Equal(3L, batch.Find("count")!.Int64Values[0]);
        Assert.False(batch.Find("count")!.IsValid(1));
        Assert.True(batch.Find("ok")!.BooleanValues[0]);
        Assert.Equal("hi there", Text(batch.Find("msg")!, 0));
    }

    [Fact]
    public void Tv17_bogus_line_is_a_400_naming_line_4()
    {
        var error = Reject("""
            cpu,host=a,region=eu usage=1.5,count=3i,ok=true,msg="hi there" 1700000000
            cpu,host=b usage=2 1700000060
            # comment
            bogus_line_without_fields
            """, TimePrecision.Seconds);
        Assert.Equal(RejectReason.InvalidLine, error.Reason);
        var detail = Assert.Single(error.Details!);
        Assert.Equal(4, detail.Line);
        Assert.Contains("missing fields", detail.Reason);
    }

    [Theory]
    [InlineData("cpu v=abc", "invalid field value 'abc'")] // TV18: unquoted text is not a string
    [InlineData("cpu v=1 notanumber", "invalid timestamp")] // TV18: no silent "now"
    [InlineData("cpu", "missing fields")]
    [InlineData("cpu ", "missing fields")]
    [InlineData("cpu v=", "missing value")]
    [InlineData("cpu =1", "empty field key")]
    [InlineData("cpu,host v=1", "has no '=value'")]
    [InlineData("cpu,host= v=1", "empty value")]
    [InlineData("cpu v=\"open", "unterminated string")]
    [InlineData("cpu v=NaN", "invalid field value")]
    [InlineData("cpu v=Inf", "invalid field value")]
    [InlineData("cpu v=1i2", "invalid field value")]
    [InlineData(@"we\ ather v=1", "invalid measurement name \"we ather\"")] // escapes resolve, then the name rule applies
    [InlineData("cpu v=99999999999999999999i", "invalid integer")]
    [InlineData("cpu v=18446744073709551615u", "above the int64 range")]
    [InlineData("cpu v=-1u", "invalid unsigned")]
    [InlineData("cpu v=1,v=2", "given twice")]
    [InlineData("cpu v=1 1 2", "unexpected text after the timestamp")]
    [InlineData("1cpu v=1", "invalid measurement name")]
    [InlineData("../../etc v=1", "invalid measurement name")] // never reaches a path
    [InlineData("cpu/x v=1", "invalid measurement name")]
    [InlineData("cpu _v=1", "reserved")]
    [InlineData("cpu time=1", "'time' is the timestamp")]
    public void Malformed_lines_are_rejected_with_a_reason(string line, string reason)
    {
        var error = Reject(line);
        var detail = Assert.Single(error.Details!);
        Assert.Equal(1, detail.Line);
        Assert.Contains(reason, detail.Reason);
    }

    [Fact]
    public void Only_comments_is_no_valid_records()
    {
        Assert.Equal("No valid records in request", Reject("# only comment\n\n   \n").Message);
        Assert.Equal("Empty request body", Reject("").Message);
    }

    [Fact]
    public void Tv18_field_named_like_a_tag_is_stored_as_field_value()
    {
        using var write = Decode("cpu,host=a host=1i,v=\"abc\" 1700000000000000000");
        var batch = Assert.Single(write.Batches);
        Assert.Equal("a", Text(batch.Find("host")!, 0));
        Assert.Equal(1L, batch.Find("host_value")!.Int64Values[0]);
        Assert.Equal("abc", Text(batch.Find("v")!, 0));
        Assert.Equal(1_700_000_000_000_000L, batch.Time.Int64Values[0]);
    }

    [Fact]
    public void Escapes_in_names_tags_and_strings_follow_influx()
    {
        using var write = Decode("""
            weather,lo\ c\=a=San\ Jose\,CA,k=a\\b fi\ eld\=1="say \"hi\" \\ \n",plain=1 1
            """);
        var batch = Assert.Single(write.Batches);
        Assert.Equal("weather", batch.Measurement);
        Assert.Equal("San Jose,CA", Text(batch.Find("lo c=a")!, 0));
        Assert.Equal(@"a\b", Text(batch.Find("k")!, 0));
        Assert.Equal(@"say ""hi"" \ \n", Text(batch.Find("fi eld=1")!, 0));
    }

    [Theory]
    [InlineData("t", true)]
    [InlineData("T", true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("TRUE", true)]
    [InlineData("f", false)]
    [InlineData("F", false)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("FALSE", false)]
    public void Every_boolean_spelling(string text, bool value)
    {
        using var write = Decode($"m b={text}");
        Assert.Equal(value, write.Batches[0].Find("b")!.BooleanValues[0]);
    }

    [Theory]
    [InlineData("1", 1.0)]
    [InlineData("-1.5", -1.5)]
    [InlineData("1e3", 1000.0)]
    [InlineData("1.5E-3", 0.0015)]
    [InlineData("+2", 2.0)]
    [InlineData(".5", 0.5)]
    public void Floats_with_signs_and_exponents(string text, double value)
    {
        using var write = Decode($"m v={text}");
        Assert.Equal(value, write.Batches[0].Find("v")!.Float64Values[0]);
    }

    [Fact]
    public void Integers_signed_and_unsigned_and_an_int_column_meeting_a_float_becomes_float()
    {
        using var write = Decode("m a=-9223372036854775808i,b=9223372036854775807u,c=1i\nm c=2.5");
        var batch = write.Batches[0];
        Assert.Equal(long.MinValue, batch.Find("a")!.Int64Values[0]);
        Assert.Equal(long.MaxValue, batch.Find("b")!.Int64Values[0]);
        Assert.Equal([1.0, 2.5], batch.Find("c")!.Float64Values.ToArray());
    }

    [Fact]
    public void Mixed_kinds_across_lines_are_rejected()
    {
        var error = Reject("m v=1i\nm v=\"x\"\nm v=true");
        Assert.Equal([2, 3], error.Details!.Select(d => d.Line!.Value));
    }

    [Theory]
    [InlineData(TimePrecision.Nanoseconds, 1_700_000_000_123_456_789L, 1_700_000_000_123_456L)]
    [InlineData(TimePrecision.Microseconds, 1_700_000_000_123_456L, 1_700_000_000_123_456L)]
    [InlineData(TimePrecision.Milliseconds, 1_700_000_000_123L, 1_700_000_000_123_000L)]
    [InlineData(TimePrecision.Seconds, 1_700_000_000L, 1_700_000_000_000_000L)]
    [InlineData(TimePrecision.Minutes, 28_333_333L, 1_699_999_980_000_000L)]
    [InlineData(TimePrecision.Hours, 472_222L, 1_699_999_200_000_000L)]
    [InlineData(TimePrecision.Nanoseconds, -1_000L, -1L)]
    public void Precision_scales_to_microseconds(TimePrecision precision, long raw, long micros)
    {
        using var write = Decode($"m v=1 {raw}", precision);
        Assert.Equal(micros, write.Batches[0].Time.Int64Values[0]);
    }

    [Fact]
    public void Missing_timestamp_is_server_time_and_crlf_blank_lines_and_comments_are_fine()
    {
        using var write = Decode("# header\r\n\r\nm v=1\r\n  m v=2 5\r\n");
        var batch = write.Batches[0];
        Assert.Equal([Now, 0L], batch.Time.Int64Values.ToArray());
    }

    [Fact]
    public void Lines_are_grouped_per_measurement_with_the_union_of_columns()
    {
        using var write = Decode("a,t=1 x=1\nb y=2\na z=3i\n");
        Assert.Equal(2, write.Batches.Count);
        var a = write.Batches.Single(b => b.Measurement == "a");
        Assert.Equal(2, a.RowCount);
        Assert.Equal(["t"], a.TagNames);
        Assert.False(a.Find("x")!.IsValid(1));
        Assert.False(a.Find("z")!.IsValid(0));
        Assert.False(a.Find("t")!.IsValid(1));
    }

    [Fact]
    public void Measurements_that_alternate_or_share_a_prefix_each_get_their_own_rows()
    {
        // The decoder remembers the previous line's measurement: every change of name must still be seen.
        using var write = Decode("cpu v=1 1\ncpu v=2 2\ncp v=3 3\ncpu v=4 4\ncpu.x v=5 5\ncpux v=6 6\ncpu v=7 7\n", TimePrecision.Seconds);
        long[] Seconds(string m) => write.Batches.Single(b => b.Measurement == m).Time.Int64Values.ToArray().Select(t => t / 1_000_000).ToArray();
        Assert.Equal(4, write.Batches.Count);
        Assert.Equal([1L, 2, 4, 7], Seconds("cpu"));
        Assert.Equal([3L], Seconds("cp"));
        Assert.Equal([5L], Seconds("cpu.x"));
        Assert.Equal([6L], Seconds("cpux"));
    }

    [Fact]
    public void A_bad_measurement_name_after_a_good_one_is_still_rejected()
    {
        var error = Reject("cpu v=1 1\ncpu$ v=2 2\ncpu v=3 3\n");
        Assert.Equal(2, Assert.Single(error.Details!).Line);
    }

    [Fact]
    public void At_most_20_details_but_the_count_of_every_bad_line()
    {
        var body = string.Join('\n', Enumerable.Range(0, 30).Select(_ => "bad"));
        var error = Reject(body);
        Assert.Equal(DecodeError.MaxDetails, error.Details!.Count);
        Assert.StartsWith("30 of 30 lines rejected", error.Message);
    }

    [Fact]
    public void Feeding_one_byte_at_a_time_or_in_random_splits_gives_the_same_rows()
    {
        var body = Encoding.UTF8.GetBytes("""
            cpu,host=a,region=eu usage=1.5,count=3i,ok=true,msg="hi, \"there\"" 1700000000000000000
            # comment
            mem,host=b\ c free=2e9,used=7u 1700000001000000000
            cpu,host=b usage=2 1700000060000000000
            """);
        var expected = Snapshot(body, [body.Length]);
        Assert.Equal(expected, Snapshot(body, Enumerable.Repeat(1, body.Length).ToArray()));
        var random = new Random(5);
        for (var trial = 0; trial < 200; trial++)
        {
            var splits = new List<int>();
            for (var left = body.Length; left > 0;)
            {
                var size = Math.Min(left, random.Next(1, 12));
                splits.Add(size);
                left -= size;
            }
            Assert.Equal(expected, Snapshot(body, [.. splits]));
        }
    }

    /// <summary>Decodes in the given chunk sizes and renders every value as text, for comparison.</summary>
    internal static string Snapshot(byte[] body, int[] chunks)
    {
        using var decoder = new LineProtocolDecoder(DecodeLimits.Default, TimePrecision.Nanoseconds, Now);
        var offset = 0;
        foreach (var size in chunks)
        {
            decoder.Feed(body.AsSpan(offset, size));
            offset += size;
        }
        if (!decoder.TryFinish(out var write, out var error)) return "rejected: " + error.Message;
        using (write)
        {
            var text = new StringBuilder();
            foreach (var batch in write!.Batches.OrderBy(b => b.Measurement))
            {
                text.Append(batch.Measurement).Append(" tags=").Append(string.Join(',', batch.TagNames)).Append('\n');
                text.Append("time=").Append(string.Join(',', batch.Time.Int64Values.ToArray())).Append('\n');
                foreach (var column in batch.Columns.OrderBy(c => c.Name))
                {
                    text.Append(column.Name).Append(':').Append(column.Kind).Append('=');
                    for (var r = 0; r < column.Count; r++)
                    {
                        text.Append(!column.IsValid(r) ? "null" : column.Kind switch
                        {
                            ColumnKind.Int64 => column.Int64Values[r].ToString(System.Globalization.CultureInfo.InvariantCulture),
                            ColumnKind.Float64 => column.Float64Values[r].ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                            ColumnKind.Boolean => column.BooleanValues[r].ToString(),
                            _ => Text(column, r),
                        }).Append('|');
                    }
                    text.Append('\n');
                }
            }
            return text.ToString();
        }
    }
}
