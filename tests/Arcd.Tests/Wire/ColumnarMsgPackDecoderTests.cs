using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.MessagePack;
using Arcd.Tests.Support;

namespace Arcd.Tests.Wire;

public class ColumnarMsgPackDecoderTests
{
    private const long Now = 1_750_000_000_000_000;

    // docs/PROTOCOL.md §12 TV1.
    internal const string Tv1 = """
        82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 83 a4 74 69 6d 65 92 cf 00 00 01 8b cf e5 68 00
        cf 00 00 01 8b cf e5 6b e8 a4 68 6f 73 74 92 a1 61 a1 62 a5 75 73 61 67 65 92 cb 3f f8 00 00
        00 00 00 00 cb 40 04 00 00 00 00 00 00
        """;

    private static ColumnBatch Decode(byte[] body)
    {
        Assert.True(MsgPackDecoder.TryDecode(body, DecodeLimits.Default, Now, out var write, out var error), error.Message);
        return Assert.Single(write!.Detach());
    }

    private static DecodeError Reject(byte[] body, DecodeLimits? limits = null)
    {
        Assert.False(MsgPackDecoder.TryDecode(body, limits ?? DecodeLimits.Default, Now, out var write, out var error));
        Assert.Null(write);
        return error;
    }

    private static string Text(Column column, int row) => System.Text.Encoding.UTF8.GetString(column.GetStringBytes(row));

    [Fact]
    public void Tv1_decodes_milliseconds_to_microseconds_with_typed_columns()
    {
        using var batch = Decode(MsgPack.Hex(Tv1));
        Assert.Equal("cpu", batch.Measurement);
        Assert.Equal(2, batch.RowCount);
        Assert.Equal([1_700_000_000_000_000, 1_700_000_001_000_000], batch.Time.Int64Values.ToArray());
        var host = batch.Find("host")!;
        Assert.Equal(ColumnKind.String, host.Kind);
        Assert.Equal("a", Text(host, 0));
        Assert.Equal("b", Text(host, 1));
        var usage = batch.Find("usage")!;
        Assert.Equal(ColumnKind.Float64, usage.Kind);
        Assert.Equal([1.5, 2.5], usage.Float64Values.ToArray());
    }

    [Theory]
    [InlineData(1_700_000_000L, 1_700_000_000_000_000L)] // seconds
    [InlineData(1_700_000_000_123L, 1_700_000_000_123_000L)] // milliseconds
    [InlineData(1_700_000_000_123_456L, 1_700_000_000_123_456L)] // microseconds
    [InlineData(1_700_000_000_123_456_789L, 1_700_000_000_123_456L)] // nanoseconds, truncated
    [InlineData(-5L, -5_000_000L)] // negative values are seconds
    [InlineData(0L, 0L)]
    public void Time_unit_is_detected_from_the_first_value(long raw, long micros)
    {
        using var batch = Decode(MsgPack.Columnar("m", ("time", [raw]), ("v", [1L])));
        Assert.Equal(micros, batch.Time.Int64Values[0]);
    }

    [Fact]
    public void The_first_value_decides_the_unit_for_the_whole_column()
    {
        using var batch = Decode(MsgPack.Columnar("m", ("time", [1_700_000_000_000L, 5L]), ("v", [1L, 2L])));
        Assert.Equal([1_700_000_000_000_000L, 5_000L], batch.Time.Int64Values.ToArray());
    }

    [Theory]
    [InlineData("01", 1L)] // positive fixint
    [InlineData("e0", -32L)] // negative fixint
    [InlineData("cc ff", 255L)] // uint8
    [InlineData("cd ff ff", 65535L)] // uint16
    [InlineData("ce ff ff ff ff", 4294967295L)] // uint32
    [InlineData("cf 7f ff ff ff ff ff ff ff", long.MaxValue)] // uint64
    [InlineData("d0 80", -128L)] // int8
    [InlineData("d1 80 00", -32768L)] // int16
    [InlineData("d2 80 00 00 00", -2147483648L)] // int32
    [InlineData("d3 80 00 00 00 00 00 00 00", long.MinValue)] // int64
    public void Every_integer_encoding_is_accepted(string encoded, long expected)
    {
        // {"m":"m","columns":{"v":[<encoded>]}}
        var body = MsgPack.Hex("82 a1 6d a1 6d a7 63 6f 6c 75 6d 6e 73 81 a1 76 91 " + encoded);
        using var batch = Decode(body);
        Assert.Equal(expected, batch.Find("v")!.Int64Values[0]);
        Assert.Equal(Now, batch.Time.Int64Values[0]); // no time column: server time
    }

    [Fact]
    public void Float32_and_float64_are_accepted()
    {
        var body = MsgPack.Hex("82 a1 6d a1 6d a7 63 6f 6c 75 6d 6e 73 81 a1 76 92 ca 3f c0 00 00 cb 3f f8 00 00 00 00 00 00");
        using var batch = Decode(body);
        Assert.Equal([1.5, 1.5], batch.Find("v")!.Float64Values.ToArray());
    }

    [Fact]
    public void Uint64_above_int64_is_rejected_not_wrapped()
    {
        var body = MsgPack.Hex("82 a1 6d a1 6d a7 63 6f 6c 75 6d 6e 73 81 a1 76 91 cf ff ff ff ff ff ff ff ff");
        Assert.Equal(RejectReason.IntegerOutOfRange, Reject(body).Reason);
    }

    [Fact]
    public void Integer_column_meeting_a_float_becomes_float64_without_truncation()
    {
        using var batch = Decode(MsgPack.Columnar("m", ("time", [1L, 2L, 3L]), ("v", [1L, 2.9, 3L])));
        var v = batch.Find("v")!;
        Assert.Equal(ColumnKind.Float64, v.Kind);
        Assert.Equal([1.0, 2.9, 3.0], v.Float64Values.ToArray());
    }

    [Fact]
    public void Nil_values_become_nulls_including_leading_ones()
    {
        using var batch = Decode(MsgPack.Columnar("m", ("time", [1L, 2L, 3L]), ("v", [null, 2L, null]), ("s", [null, null, null])));
        var v = batch.Find("v")!;
        Assert.Equal(ColumnKind.Int64, v.Kind);
        Assert.False(v.IsValid(0));
        Assert.True(v.IsValid(1));
        Assert.False(v.IsValid(2));
        Assert.Equal(2, v.NullCount);
        var s = batch.Find("s")!;
        Assert.Equal(ColumnKind.String, s.Kind); // all-nil column: Utf8, every value null (as Arc)
        Assert.Equal(3, s.NullCount);
    }

    [Fact]
    public void Booleans_and_strings_keep_their_kinds()
    {
        using var batch = Decode(MsgPack.Columnar("m", ("time", [1L, 2L]), ("ok", [true, false]), ("s", ["", "é"])));
        Assert.Equal([true, false], batch.Find("ok")!.BooleanValues.ToArray());
        Assert.Equal("", Text(batch.Find("s")!, 0));
        Assert.Equal("é", Text(batch.Find("s")!, 1));
    }

    [Fact]
    public void Scalar_column_values_are_dropped_as_Arc_does()
    {
        // docs/PROTOCOL.md §12 TV12 minus the int/float part: "note" is a scalar and is not stored.
        var body = MsgPack.Hex("""
            82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 84 a4 74 69 6d 65 92 cf 00 00 01 8b cf e5 68 00
            cf 00 00 01 8b cf e5 6b e8 a1 76 92 01 cb 40 07 33 33 33 33 33 33 a4 6e 6f 74 65 a6 73 63 61
            6c 61 72 a1 73 92 c0 c0
            """);
        using var batch = Decode(body);
        Assert.Null(batch.Find("note"));
        Assert.Equal([1.0, 2.9], batch.Find("v")!.Float64Values.ToArray()); // Part A: no truncation to 2
        Assert.Equal(2, batch.Find("s")!.NullCount);
    }

    [Fact]
    public void Integer_measurement_becomes_measurement_n()
    {
        var body = MsgPack.Hex("82 a1 6d 07 a7 63 6f 6c 75 6d 6e 73 81 a1 76 91 01");
        using var batch = Decode(body);
        Assert.Equal("measurement_7", batch.Measurement);
    }

    [Fact]
    public void Columns_may_come_before_m()
    {
        var body = MsgPack.Hex("82 a7 63 6f 6c 75 6d 6e 73 81 a1 76 91 01 a1 6d a3 63 70 75");
        using var batch = Decode(body);
        Assert.Equal("cpu", batch.Measurement);
    }

    [Fact]
    public void Tv7_length_mismatch_is_rejected_naming_the_column()
    {
        var error = Reject(MsgPack.Hex("82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 82 a4 74 69 6d 65 92 01 02 a1 76 91 01"));
        Assert.Equal(RejectReason.LengthMismatch, error.Reason);
        Assert.StartsWith("Invalid MessagePack payload: columnar format: array length mismatch", error.Message);
        Assert.Contains("'v'", error.Message);
    }

    [Fact]
    public void Tv8_missing_measurement()
    {
        var error = Reject(MsgPack.Hex("81 a7 63 6f 6c 75 6d 6e 73 82 a4 74 69 6d 65 91 cf 00 00 01 8b cf e5 68 00 a1 76 91 01"));
        Assert.Equal("Invalid MessagePack payload: missing required field 'm' (measurement)", error.Message);
    }

    [Fact]
    public void Tv9_dotted_measurement_is_accepted_per_part_A()
    {
        var body = MsgPack.Hex("82 a1 6d a8 63 70 75 2e 6c 6f 61 64 a7 63 6f 6c 75 6d 6e 73 82 a4 74 69 6d 65 91 cf 00 00 01 8b cf e5 68 00 a1 76 91 01");
        using var batch = Decode(body);
        Assert.Equal("cpu.load", batch.Measurement);
    }

    [Theory]
    [InlineData("1cpu")]
    [InlineData("cpu/../../etc")]
    [InlineData("cpu load")]
    [InlineData("")]
    [InlineData("..")]
    public void Measurement_names_that_could_escape_or_break_paths_are_rejected(string name)
    {
        var error = Reject(MsgPack.Columnar(name, ("v", [1L])));
        Assert.Equal(RejectReason.InvalidMeasurementName, error.Reason);
        Assert.Contains($"invalid measurement name \"{name}\"", error.Message);
    }

    [Fact]
    public void Tv10_string_time_is_rejected()
    {
        var error = Reject(MsgPack.Columnar("cpu", ("time", ["2023-11-14T22:13:20Z"]), ("v", [1L])));
        Assert.Equal(RejectReason.InvalidTimestamp, error.Reason);
        Assert.Contains("invalid timestamp type in columnar format: string", error.Message);
    }

    [Fact]
    public void Tv11_mixed_types_are_a_client_error()
    {
        var error = Reject(MsgPack.Columnar("cpu", ("time", [1L, 2L]), ("v", [1L, "x"])));
        Assert.Equal(RejectReason.MixedTypes, error.Reason);
        Assert.Contains("column 'v'", error.Message);
        Assert.Contains("row 1", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("_hidden")]
    public void Empty_and_underscore_column_names_are_rejected(string name)
    {
        Assert.Equal(RejectReason.InvalidColumnName, Reject(MsgPack.Columnar("cpu", (name, [1L]))).Reason);
    }

    [Fact]
    public void Empty_columns_map_is_rejected()
    {
        var error = Reject(MsgPack.Hex("82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 80"));
        Assert.Equal("Invalid MessagePack payload: columnar format requires non-empty 'columns' dict", error.Message);
    }

    [Fact]
    public void Duplicate_columns_are_rejected()
    {
        var error = Reject(MsgPack.Hex("82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 82 a1 76 91 01 a1 76 91 02"));
        Assert.Equal(RejectReason.DuplicateColumn, error.Reason);
    }

    [Theory]
    [InlineData("c0", "nil")]
    [InlineData("01", "integer")]
    [InlineData("a3 63 70 75", "string")]
    public void Non_map_payloads_are_rejected(string hex, string kind)
    {
        var error = Reject(MsgPack.Hex(hex));
        Assert.Equal(RejectReason.UnsupportedShape, error.Reason);
        Assert.Contains(kind, error.Message);
    }

    [Fact]
    public void Empty_body_is_rejected_as_Arc_does()
    {
        Assert.Equal("Empty payload", Reject([]).Message);
    }

    [Fact]
    public void Trailing_bytes_are_rejected_rather_than_silently_ignored()
    {
        var body = MsgPack.Hex(Tv1).Concat(MsgPack.Hex("c0")).ToArray();
        Assert.Equal(RejectReason.TrailingBytes, Reject(body).Reason);
    }

    [Fact]
    public void A_claimed_array_length_beyond_the_body_is_rejected_before_allocating()
    {
        // {"m":"m","columns":{"v": array32 of 2^31-1 elements}} with no elements present.
        var body = MsgPack.Hex("82 a1 6d a1 6d a7 63 6f 6c 75 6d 6e 73 81 a1 76 dd 7f ff ff ff");
        Ingest.Columnar.ColumnArrays.CreatePools(); // pools and the name cache are made once per process, not per decode
        Ingest.Wire.NameCache.Get("time"u8);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Reject(body);
        Assert.Equal(RejectReason.Malformed, error.Reason);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Row_limit_is_enforced()
    {
        var error = Reject(MsgPack.Columnar("m", ("v", [1L, 2L, 3L])), DecodeLimits.Default with { MaxRowsPerRequest = 2 });
        Assert.Equal(RejectReason.LimitExceeded, error.Reason);
    }

    [Fact]
    public void Deeply_nested_ignored_values_hit_the_depth_limit_not_the_stack()
    {
        var nested = string.Concat(Enumerable.Repeat("91 ", 10_000)) + "c0";
        var body = MsgPack.Hex("83 a1 6d a1 6d a7 63 6f 6c 75 6d 6e 73 81 a1 76 91 01 a1 78 " + nested);
        Assert.Equal(RejectReason.LimitExceeded, Reject(body).Reason);
    }

    [Theory]
    [InlineData("c4 01 00", "binary")]
    [InlineData("d6 ff 00 00 00 00", "extension")]
    [InlineData("91 01", "array")]
    [InlineData("80", "map")]
    public void Unsupported_value_types_are_rejected_with_their_position(string value, string kind)
    {
        var body = MsgPack.Hex("82 a1 6d a1 6d a7 63 6f 6c 75 6d 6e 73 81 a1 76 92 01 " + value);
        var error = Reject(body);
        Assert.Equal(RejectReason.UnsupportedValueType, error.Reason);
        Assert.Contains(kind, error.Message);
        Assert.Contains("row 1", error.Message);
    }

    [Fact]
    public void Time_outside_years_1_to_9999_is_rejected()
    {
        using (var latest = Decode(MsgPack.Columnar("m", ("time", [long.MaxValue]), ("v", [1L]))))
            Assert.Equal(long.MaxValue / 1000, latest.Time.Int64Values[0]); // nanoseconds: year 2262, fine
        // Negative values count as seconds (Arc's rule), so they are the ones that can leave the range.
        Assert.Equal(RejectReason.TimestampOutOfRange, Reject(MsgPack.Columnar("m", ("time", [long.MinValue]), ("v", [1L]))).Reason);
        Assert.Equal(RejectReason.TimestampOutOfRange, Reject(MsgPack.Columnar("m", ("time", [-9_000_000_000_000L]), ("v", [1L]))).Reason);
        Assert.Equal(RejectReason.TimestampOutOfRange, Reject(MsgPack.Columnar("m", ("time", [double.NaN]), ("v", [1L]))).Reason);
    }

    [Fact]
    public void Float_time_is_truncated_then_scaled()
    {
        using var batch = Decode(MsgPack.Columnar("m", ("time", [1_700_000_000.9]), ("v", [1L])));
        Assert.Equal(1_700_000_000_000_000L, batch.Time.Int64Values[0]);
    }

    [Fact]
    public void Nil_time_is_rejected()
    {
        Assert.Equal(RejectReason.InvalidTimestamp, Reject(MsgPack.Columnar("m", ("time", [1L, null]), ("v", [1L, 2L]))).Reason);
    }

    [Fact]
    public void Every_truncation_of_a_valid_body_is_rejected_and_only_the_whole_body_decodes()
    {
        var body = MsgPack.Hex(Tv1);
        for (var length = 0; length < body.Length; length++)
        {
            Assert.False(MsgPackDecoder.TryDecode(body.AsMemory(0, length), DecodeLimits.Default, Now, out var write, out _));
            Assert.Null(write);
        }
        using var whole = Decode(body);
        Assert.Equal(2, whole.RowCount);
    }
}
