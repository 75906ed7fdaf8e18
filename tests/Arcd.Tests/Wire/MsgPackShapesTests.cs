using System.Buffers;
using System.Text;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.MessagePack;
using Arcd.Tests.Support;
using MessagePack;

namespace Arcd.Tests.Wire;

/// <summary>Every MessagePack shape of docs/PROTOCOL.md §1.3 beyond the single columnar map.</summary>
public class MsgPackShapesTests
{
    private const long Now = 1_750_000_000_000_000;

    internal const string Tv3 = """
        85 a1 6d a3 63 70 75 a1 74 ce 65 53 f1 00 a1 68 a4 73 72 76 31 a6 66 69 65 6c 64 73 81 a5 75
        73 61 67 65 cb 3f f8 00 00 00 00 00 00 a4 74 61 67 73 81 a6 72 65 67 69 6f 6e a2 65 75
        """;
    internal const string Tv4 = "83 a1 6d 07 a1 74 cf 00 00 01 8b cf e5 68 7b a1 66 92 cb 3f f8 00 00 00 00 00 00 a1 78";
    internal const string Tv5 = """
        92 82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 82 a4 74 69 6d 65 91 cf 00 06 0a 24 18 1e 40
        00 a1 76 91 01 82 a1 6d a3 6d 65 6d a7 63 6f 6c 75 6d 6e 73 82 a4 74 69 6d 65 91 cf 00 06 0a
        24 18 1e 40 00 a1 76 91 cb 40 00 00 00 00 00 00 00
        """;
    internal const string Tv6 = """
        81 a5 62 61 74 63 68 92 82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 82 a4 74 69 6d 65 91 cf
        00 00 01 8b cf e5 68 00 a1 76 91 01 82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 82 a4 74 69
        6d 65 92 01 02 a1 76 91 01
        """;

    internal static DecodedWrite Decode(byte[] body)
    {
        Assert.True(MsgPackDecoder.TryDecode(body, DecodeLimits.Default, Now, out var write, out var error), error.Message);
        return write!;
    }

    private static DecodeError Reject(byte[] body)
    {
        Assert.False(MsgPackDecoder.TryDecode(body, DecodeLimits.Default, Now, out var write, out var error));
        Assert.Null(write);
        return error;
    }

    private static string? Text(Column column, int row) => column.IsValid(row) ? Encoding.UTF8.GetString(column.GetStringBytes(row)) : null;

    /// <summary>A body built with MessagePack-CSharp's writer.</summary>
    private static void Map(ref MessagePackWriter writer, params (string Key, object? Value)[] entries)
    {
        writer.WriteMapHeader(entries.Length);
        foreach (var (key, value) in entries)
        {
            writer.Write(key);
            WriteAny(ref writer, value);
        }
    }

    private static void WriteAny(ref MessagePackWriter writer, object? value)
    {
        switch (value)
        {
            case (string, object?)[] map: Map(ref writer, map); break;
            case object?[] array:
                writer.WriteArrayHeader(array.Length);
                foreach (var item in array) WriteAny(ref writer, item);
                break;
            default: MsgPack.WriteValue(ref writer, value); break;
        }
    }

    private static byte[] Row(params (string, object?)[] entries) => MsgPack.Build((ref MessagePackWriter w) => Map(ref w, entries));

    [Fact]
    public void Tv3_row_with_seconds_host_and_tags()
    {
        using var write = Decode(MsgPack.Hex(Tv3));
        var batch = Assert.Single(write.Batches);
        Assert.Equal("cpu", batch.Measurement);
        Assert.Equal(1_700_000_000_000_000L, batch.Time.Int64Values[0]);
        Assert.Equal("srv1", Text(batch.Find("host")!, 0));
        Assert.Equal("eu", Text(batch.Find("region")!, 0));
        Assert.Equal(1.5, batch.Find("usage")!.Float64Values[0]);
        Assert.Equal(["host", "region"], batch.TagNames);
    }

    [Fact]
    public void Tv4_compact_row_with_integer_measurement_and_no_host()
    {
        using var write = Decode(MsgPack.Hex(Tv4));
        var batch = Assert.Single(write.Batches);
        Assert.Equal("measurement_7", batch.Measurement);
        Assert.Equal(1_700_000_000_123_000L, batch.Time.Int64Values[0]);
        Assert.Equal("unknown", Text(batch.Find("host")!, 0));
        Assert.Equal(1.5, batch.Find("field_0")!.Float64Values[0]);
        Assert.Equal("x", Text(batch.Find("field_1")!, 0));
    }

    [Fact]
    public void Tv5_array_of_two_columnar_payloads()
    {
        using var write = Decode(MsgPack.Hex(Tv5));
        Assert.Equal(2, write.Batches.Count);
        var cpu = write.Batches.Single(b => b.Measurement == "cpu");
        var mem = write.Batches.Single(b => b.Measurement == "mem");
        Assert.Equal(ColumnKind.Int64, cpu.Find("v")!.Kind);
        Assert.Equal(ColumnKind.Float64, mem.Find("v")!.Kind);
        Assert.Equal(1_700_000_000_000_000L, cpu.Time.Int64Values[0]);
    }

    [Fact]
    public void Tv6_batch_with_one_bad_element_is_rejected_whole_naming_the_element()
    {
        var error = Reject(MsgPack.Hex(Tv6));
        var detail = Assert.Single(error.Details!);
        Assert.Equal(1, detail.Index);
        Assert.Equal("v", detail.Column);
        Assert.Contains("array length mismatch", detail.Reason);
        Assert.StartsWith("Invalid MessagePack payload: 1 of 2 payloads rejected", error.Message);
    }

    [Fact]
    public void Tv13_empty_array_and_empty_batch_decode_to_nothing()
    {
        using (var write = Decode([0x90])) Assert.Empty(write.Batches);
        using (var write = Decode(Row(("batch", Array.Empty<object?>())))) Assert.Empty(write.Batches);
    }

    [Fact]
    public void Non_map_array_elements_are_rejected_not_skipped()
    {
        var error = Reject(MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            Map(ref w, ("m", "cpu"), ("columns", new (string, object?)[] { ("v", new object?[] { 1L }) }));
            w.Write(5);
        }));
        var detail = Assert.Single(error.Details!);
        Assert.Equal(1, detail.Index);
        Assert.Contains("expected a payload map", detail.Reason);
    }

    [Fact]
    public void An_element_refused_part_way_is_skipped_whole_and_the_elements_after_it_are_read()
    {
        // Element 1 fails at its first key, with the reader in the middle of its map: the elements
        // after it must still be found where they start (a misplaced reader would refuse them too).
        var error = Reject(MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(5);
            Map(ref w, ("m", "cpu"), ("fields", new (string, object?)[] { ("v", 1L) }));
            w.WriteMapHeader(3);
            w.Write(7L);
            w.Write("not a string key");
            w.Write("m");
            w.Write("cpu");
            w.Write("fields");
            Map(ref w, ("v", new object?[] { new object?[] { 1L, 2L }, "x" }));
            w.Write(5);
            Map(ref w, ("m", "cpu"), ("tags", new (string, object?)[] { ("host", "a") }), ("fields", new (string, object?)[] { ("v", 3L) }));
            Map(ref w, ("m", "mem"), ("columns", new (string, object?)[] { ("time", new object?[] { 1_700_000_000_000L }), ("v", new object?[] { 4.5 }) }));
        }));
        Assert.Equal([1, 2], error.Details!.Select(d => d.Index));
        Assert.Contains("expected a string", error.Details![0].Reason);
        Assert.Contains("expected a payload map", error.Details![1].Reason);
        Assert.StartsWith("Invalid MessagePack payload: 2 of 5 payloads rejected", error.Message);
    }

    [Fact]
    public void Row_records_ending_with_fields_tags_or_f_are_read_once_and_the_next_element_follows()
    {
        // The value that ends a record's map is read by the record, not skipped first; the next
        // element must start right after it, whichever value it was (and an ignored trailing f is skipped).
        const long t = 1_700_000_000_000_000L;
        using var write = Decode(MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(5);
            Map(ref w, ("m", "cpu"), ("t", t), ("fields", new (string, object?)[] { ("v", 1L) }), ("tags", new (string, object?)[] { ("region", "eu") }));
            Map(ref w, ("m", "cpu"), ("t", t + 1), ("tags", new (string, object?)[] { ("region", "us") }), ("fields", new (string, object?)[] { ("v", 2L) }));
            Map(ref w, ("m", "cpu"), ("t", t + 2), ("f", new object?[] { 3L }));
            Map(ref w, ("m", "cpu"), ("t", t + 3), ("fields", new (string, object?)[] { ("v", 4L) }), ("f", new object?[] { 99L, 98L }));
            Map(ref w, ("m", "cpu"), ("t", t + 4), ("fields", new (string, object?)[] { ("v", 5L) }));
        }));
        var batch = Assert.Single(write.Batches);
        Assert.Equal(5, batch.RowCount);
        var v = batch.Find("v")!;
        Assert.Equal([true, true, false, true, true], Enumerable.Range(0, 5).Select(v.IsValid));
        Assert.Equal([1L, 2L, 4L, 5L], new[] { 0, 1, 3, 4 }.Select(r => v.Int64Values[r]));
        var compact = batch.Find("field_0")!;
        Assert.Equal(3L, compact.Int64Values[2]);
        Assert.Equal([false, false, true, false, false], Enumerable.Range(0, 5).Select(compact.IsValid));
        Assert.Null(batch.Find("field_1"));
        var region = batch.Find("region")!;
        Assert.Equal("eu", Text(region, 0));
        Assert.Equal("us", Text(region, 1));
    }

    [Fact]
    public void An_element_nested_too_deep_refuses_the_whole_request()
    {
        object? deep = 1L;
        for (var level = 0; level < DecodeLimits.Default.MaxNestingDepth + 2; level++) deep = new object?[] { deep };
        var error = Reject(MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            Map(ref w, ("m", "cpu"), ("fields", new (string, object?)[] { ("v", 1L) }));
            Map(ref w, ("m", "cpu"), ("extra", deep), ("fields", new (string, object?)[] { ("v", 2L) }));
            Map(ref w, ("m", "cpu"), ("fields", new (string, object?)[] { ("v", 3L) }));
        }));
        Assert.Contains($"element 1 nests deeper than {DecodeLimits.Default.MaxNestingDepth} levels", error.Message);
    }

    [Fact]
    public void Host_rules_h_wins_then_tags_host_then_unknown()
    {
        // Part A item 10: a client's tags.host is kept when there is no h.
        using var write = Decode(MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(4);
            Map(ref w, ("m", "cpu"), ("h", "from-h"), ("tags", new (string, object?)[] { ("host", "from-tags") }), ("fields", new (string, object?)[] { ("v", 1L) }));
            Map(ref w, ("m", "cpu"), ("tags", new (string, object?)[] { ("host", "from-tags") }), ("fields", new (string, object?)[] { ("v", 2L) }));
            Map(ref w, ("m", "cpu"), ("fields", new (string, object?)[] { ("v", 3L) }));
            Map(ref w, ("m", "cpu"), ("h", 42L), ("fields", new (string, object?)[] { ("v", 4L) }));
        }));
        var batch = Assert.Single(write.Batches);
        var host = batch.Find("host")!;
        Assert.Equal("from-h", Text(host, 0));
        Assert.Equal("from-tags", Text(host, 1));
        Assert.Equal("unknown", Text(host, 2));
        Assert.Equal("host_42", Text(host, 3));
    }

    [Fact]
    public void Rows_are_grouped_per_measurement_with_union_of_columns_and_field_value_renaming()
    {
        using var write = Decode(MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            Map(ref w, ("m", "cpu"), ("t", 1_700_000_000_000L), ("h", "a"), ("tags", new (string, object?)[] { ("dc", "x"), ("rack", 7L) }),
                ("fields", new (string, object?)[] { ("dc", 1.5), ("load", 2L) }));
            Map(ref w, ("m", "cpu"), ("t", 1_700_000_001_000_000L), ("h", "b"), ("fields", new (string, object?)[] { ("load", 2.5), ("up", true) }));
            Map(ref w, ("m", "mem"), ("t", 1_700_000_000_000_000_000L), ("fields", new (string, object?)[] { ("free", null), ("used", "lots") }));
        }));
        var cpu = write.Batches.Single(b => b.Measurement == "cpu");
        Assert.Equal(["dc", "host", "rack"], cpu.TagNames);
        Assert.Equal([1_700_000_000_000_000L, 1_700_000_001_000_000L], cpu.Time.Int64Values.ToArray()); // ms and µs
        Assert.Equal("7", Text(cpu.Find("rack")!, 0)); // non-string tags are stringified
        Assert.Equal(1.5, cpu.Find("dc_value")!.Float64Values[0]);
        Assert.Equal([2.0, 2.5], cpu.Find("load")!.Float64Values.ToArray());
        Assert.False(cpu.Find("up")!.IsValid(0));
        Assert.Null(Text(cpu.Find("dc")!, 1));
        var mem = write.Batches.Single(b => b.Measurement == "mem");
        Assert.Equal(1_700_000_000_000_000L, mem.Time.Int64Values[0]); // ns
        Assert.Null(mem.Find("free")); // nil field: absent
        Assert.Equal("lots", Text(mem.Find("used")!, 0));
    }

    [Fact]
    public void Row_without_time_uses_server_time_and_bad_rows_are_reported_per_element()
    {
        using (var write = Decode(Row(("m", "cpu"), ("fields", new (string, object?)[] { ("v", 1L) }))))
            Assert.Equal(Now, write.Batches[0].Time.Int64Values[0]);

        var error = Reject(MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(4);
            Map(ref w, ("m", "cpu"), ("fields", new (string, object?)[] { ("v", 1L) }));
            Map(ref w, ("m", "cpu"), ("t", "yesterday"), ("fields", new (string, object?)[] { ("v", 1L) }));
            Map(ref w, ("m", "cpu"), ("tags", new (string, object?)[] { ("a", "b") }));
            Map(ref w, ("m", "cpu"), ("fields", new (string, object?)[] { ("v", "text") }));
        }));
        Assert.Equal([1, 2, 3], error.Details!.Select(d => d.Index!.Value));
        Assert.Contains("invalid timestamp type", error.Details![0].Reason);
        Assert.Contains("'fields' or 'f'", error.Details![1].Reason);
        Assert.Contains("mixes types", error.Details![2].Reason);
    }

    [Fact]
    public void Nested_batch_is_rejected()
    {
        var error = Reject(Row(("batch", new object?[] { new (string, object?)[] { ("batch", Array.Empty<object?>()) } })));
        Assert.Contains("not allowed", Assert.Single(error.Details!).Reason);
    }

    [Fact]
    public void Batch_takes_precedence_over_columns()
    {
        using var write = Decode(Row(("columns", new (string, object?)[] { ("v", new object?[] { 1L }) }),
            ("batch", new object?[] { new (string, object?)[] { ("m", "mem"), ("columns", new (string, object?)[] { ("v", new object?[] { 2L }) }) } })));
        Assert.Equal("mem", Assert.Single(write.Batches).Measurement);
    }

    [Fact]
    public void A_body_split_across_sequence_segments_decodes_the_same()
    {
        var body = MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            Map(ref w, ("m", "cpu"), ("columns", new (string, object?)[] { ("time", new object?[] { 1L, 2L }), ("host", new object?[] { "alpha-long-host-name", null }) }));
            Map(ref w, ("m", "cpu"), ("t", 5L), ("h", "srv"), ("fields", new (string, object?)[] { ("note", "a string that will be split") }));
        });
        var expected = Describe(new ReadOnlySequence<byte>(body));
        var random = new Random(11);
        for (var trial = 0; trial < 300; trial++)
        {
            var segments = new List<byte[]>();
            for (var offset = 0; offset < body.Length;)
            {
                var size = trial == 0 ? 1 : Math.Min(body.Length - offset, random.Next(1, 9));
                segments.Add(body[offset..(offset + size)]);
                offset += size;
            }
            Assert.Equal(expected, Describe(Segments.Of(segments)));
        }
    }

    private static string Describe(ReadOnlySequence<byte> body)
    {
        Assert.True(MsgPackDecoder.TryDecode(body, DecodeLimits.Default, Now, out var write, out var error), error.Message);
        using (write)
        {
            var text = new StringBuilder();
            foreach (var batch in write!.Batches)
            {
                text.Append(batch.Measurement).Append(':').Append(string.Join(',', batch.Time.Int64Values.ToArray()));
                foreach (var column in batch.Columns)
                    for (var r = 0; r < column.Count; r++)
                        text.Append(column.Name).Append('=').Append(column.Kind == ColumnKind.String ? Text(column, r) : "v").Append(';');
                text.Append('\n');
            }
            return text.ToString();
        }
    }
}

/// <summary>A ReadOnlySequence over several arrays, as a body arriving in pieces would be.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Of(IReadOnlyList<byte[]> parts)
    {
        var first = new Segments(parts[0], 0);
        var last = first;
        for (var i = 1; i < parts.Count; i++)
        {
            var next = new Segments(parts[i], last.RunningIndex + last.Memory.Length);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
