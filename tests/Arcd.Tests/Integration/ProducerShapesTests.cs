using System.Net;
using System.Text;
using Arcd.Tests.Support;
using Arcd.Tests.Wire.Compression;
using MessagePack;

namespace Arcd.Tests.Integration;

/// <summary>The payloads real producers send, byte for byte in their own encodings.</summary>
public class ProducerShapesTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private static void AssertNoContent(HttpResponseMessage response) =>
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{response.StatusCode}: {response.Content.ReadAsStringAsync().Result}");

    [Fact]
    public async Task Arc_tsdb_client_python_columnar_gzip_with_uint64_times_mixed_widths_and_nils()
    {
        // The Python client packs with msgpack-python: uint64 (cf) timestamps in µs, integers in their
        // smallest width, None as nil, and gzips with Content-Encoding: gzip.
        var body = MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(2);
            w.Write("m");
            w.Write("sensors");
            w.Write("columns");
            w.WriteMapHeader(4);
            w.Write("time");
            w.WriteArrayHeader(3);
            foreach (var t in new ulong[] { 1_700_000_000_000_000, 1_700_000_000_500_000, 1_700_000_001_000_000 }) w.WriteUInt64(t);
            w.Write("room");
            w.WriteArrayHeader(3);
            w.Write("kitchen");
            w.WriteNil();
            w.Write("hall");
            w.Write("reading");
            w.WriteArrayHeader(3);
            w.WriteInt8(5);
            w.WriteInt16(-300);
            w.WriteInt32(70_000);
            w.Write("temp");
            w.WriteArrayHeader(3);
            w.Write(21.5);
            w.WriteNil();
            w.Write(22.25f);
        });
        AssertNoContent(await fixture.PostAsync("/api/v1/write/msgpack", BodyDecompressorTests.Gzip(body), "pyclient", "gzip"));

        // Row format as a top-level array, tags carrying host and no h (Part A item 10: host is kept).
        var rows = MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            for (var i = 0; i < 2; i++)
            {
                w.WriteMapHeader(4);
                w.Write("m");
                w.Write("events");
                w.Write("t");
                w.WriteUInt64(1_700_000_000_000_000UL + (ulong)i);
                w.Write("tags");
                w.WriteMapHeader(1);
                w.Write("host");
                w.Write($"web-{i}");
                w.Write("fields");
                w.WriteMapHeader(1);
                w.Write("count");
                w.Write(i);
            }
        });
        AssertNoContent(await fixture.PostAsync("/api/v1/write/msgpack", BodyDecompressorTests.Gzip(rows), "pyclient", "gzip"));

        await fixture.WaitForRowsAsync("pyclient", "sensors", 3);
        var stored = DuckDb.Query($"SELECT epoch_us(time), room, reading, temp FROM {fixture.Source("pyclient", "sensors")} ORDER BY time");
        Assert.Equal(new object?[] { 1_700_000_000_000_000L, "kitchen", 5L, 21.5 }, stored[0]);
        Assert.Equal(new object?[] { 1_700_000_000_500_000L, null, -300L, null }, stored[1]);
        Assert.Equal(new object?[] { 1_700_000_001_000_000L, "hall", 70_000L, 22.25 }, stored[2]);

        await fixture.WaitForRowsAsync("pyclient", "events", 2);
        var events = DuckDb.Query($"SELECT host, count FROM {fixture.Source("pyclient", "events")} ORDER BY time");
        Assert.Equal(new object?[] { "web-0", 0L }, events[0]);
        Assert.Equal(new object?[] { "web-1", 1L }, events[1]);
        Assert.Equal("host", fixture.ArcTags("pyclient", "events"));
    }

    [Fact]
    public async Task Telegraf_arc_output_top_level_array_millisecond_time_and_api_key()
    {
        var body = MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            foreach (var (measurement, host, value) in new[] { ("cpu", "node1", 12.5), ("cpu", "node2", 7.25), ("mem", "node1", 1024.0) })
            {
                w.WriteMapHeader(4);
                w.Write("m");
                w.Write(measurement);
                w.Write("t");
                w.Write(1_700_000_000_123L); // milliseconds
                w.Write("tags");
                w.WriteMapHeader(2);
                w.Write("host");
                w.Write(host);
                w.Write("cpu");
                w.Write("cpu-total");
                w.Write("fields");
                w.WriteMapHeader(1);
                w.Write("value");
                w.Write(value);
            }
        });
        AssertNoContent(await fixture.PostAsync("/api/v1/write/msgpack", body, "telegraf", null, ("x-api-key", "any-token")));
        await fixture.WaitForRowsAsync("telegraf", "cpu", 2);
        await fixture.WaitForRowsAsync("telegraf", "mem", 1);
        var cpu = DuckDb.Query($"SELECT epoch_us(time), host, cpu, value FROM {fixture.Source("telegraf", "cpu")} ORDER BY host");
        Assert.Equal(new object?[] { 1_700_000_000_123_000L, "node1", "cpu-total", 12.5 }, cpu[0]);
        Assert.Equal("cpu,host", fixture.ArcTags("telegraf", "cpu"));
    }

    [Fact]
    public async Task Redpanda_connect_batch_wrapper_with_zstd()
    {
        var body = MsgPack.Build((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(1);
            w.Write("batch");
            w.WriteArrayHeader(2);
            for (var i = 0; i < 2; i++)
            {
                w.WriteMapHeader(2);
                w.Write("m");
                w.Write("orders");
                w.Write("columns");
                w.WriteMapHeader(2);
                w.Write("time");
                w.WriteArrayHeader(2);
                w.Write(1_700_000_000_000_000_000L + i * 2); // nanoseconds
                w.Write(1_700_000_000_000_001_000L + i * 2);
                w.Write("amount");
                w.WriteArrayHeader(2);
                w.Write(10L * i);
                w.Write(10L * i + 1);
            }
        });
        AssertNoContent(await fixture.PostAsync("/api/v1/write/msgpack", BodyDecompressorTests.Zstd(body), "redpanda"));
        await fixture.WaitForRowsAsync("redpanda", "orders", 4);
        Assert.Equal(22L, DuckDb.Scalar($"SELECT sum(amount)::BIGINT FROM {fixture.Source("redpanda", "orders")}"));
        Assert.Equal(1_700_000_000_000_000L, DuckDb.Scalar($"SELECT min(epoch_us(time)) FROM {fixture.Source("redpanda", "orders")}"));
    }

    [Fact]
    public async Task Influxdb_clients_line_protocol_ns_default_seconds_and_gzip()
    {
        // influxdb-client (v2): Token auth header, bucket and org, ns precision by default, gzip.
        var lines = string.Join('\n', Enumerable.Range(0, 100).Select(i => $"h2o_feet,location=coyote_creek water_level={i * 0.5},level\\ description=\"below {i} feet\" {1_700_000_000_000_000_000L + i * 1_000_000_000L}"));
        AssertNoContent(await fixture.PostAsync("/api/v2/write?org=my-org&bucket=influx2", BodyDecompressorTests.Gzip(Encoding.UTF8.GetBytes(lines)), null, "gzip",
            ("Authorization", "Token my-token")));
        // influxdb-python (1.x): u/p in the query, seconds precision.
        AssertNoContent(await fixture.PostAsync("/write?db=influx1&precision=s&u=user&p=secret&rp=autogen", "cpu_load_short,host=server01,region=us-west value=0.64 1700000000\n"u8.ToArray()));

        await fixture.WaitForRowsAsync("influx2", "h2o_feet", 100);
        var first = DuckDb.Query($"SELECT epoch_us(time), location, water_level, \"level description\" FROM {fixture.Source("influx2", "h2o_feet")} ORDER BY time LIMIT 1");
        Assert.Equal(new object?[] { 1_700_000_000_000_000L, "coyote_creek", 0.0, "below 0 feet" }, first[0]);
        await fixture.WaitForRowsAsync("influx1", "cpu_load_short", 1);
        Assert.Equal(1_700_000_000_000_000L, DuckDb.Scalar($"SELECT epoch_us(time) FROM {fixture.Source("influx1", "cpu_load_short")}"));
    }
}
