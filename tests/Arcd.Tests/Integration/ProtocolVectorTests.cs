using System.Net;
using System.Text;
using System.Text.Json;
using Arcd.Tests.Support;
using Arcd.Tests.Wire;
using Arcd.Tests.Wire.Compression;

namespace Arcd.Tests.Integration;

/// <summary>
/// docs/PROTOCOL.md §12's test vectors against the running daemon, adjusted by Part A (all-or-nothing,
/// 4xx for client errors, dotted measurements, strict line protocol), checked down to the Parquet.
/// </summary>
public class ProtocolVectorTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private const string MsgPackPath = "/api/v1/write/msgpack";

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {status}, got {response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    private static void AssertNoContent(HttpResponseMessage response) =>
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{response.StatusCode}: {response.Content.ReadAsStringAsync().Result}");

    [Fact]
    public async Task Tv1_and_tv2_columnar_plain_and_gzip_without_header()
    {
        AssertNoContent(await fixture.PostAsync(MsgPackPath, MsgPack.Hex(ColumnarMsgPackDecoderTests.Tv1), "tv1"));
        AssertNoContent(await fixture.PostAsync(MsgPackPath, MsgPack.Hex(BodyDecompressorTests.Tv2), "tv2"));
        foreach (var db in new[] { "tv1", "tv2" })
        {
            await fixture.WaitForRowsAsync(db, "cpu", 2);
            var rows = DuckDb.Query($"SELECT epoch_us(time), host, usage FROM {fixture.Source(db, "cpu")} ORDER BY time");
            Assert.Equal(new object?[] { 1_700_000_000_000_000L, "a", 1.5 }, rows[0]);
            Assert.Equal(new object?[] { 1_700_000_001_000_000L, "b", 2.5 }, rows[1]);
            Assert.Equal("", fixture.ArcTags(db, "cpu")); // columnar writes carry no arc:tags
            Assert.Single(Directory.GetDirectories(Path.Combine(fixture.Daemon.DataRoot, db, "cpu", "2023", "11", "14"), "22"));
        }
    }

    [Fact]
    public async Task Tv3_row_format_lands_with_arc_tags()
    {
        AssertNoContent(await fixture.PostAsync(MsgPackPath, MsgPack.Hex(MsgPackShapesTests.Tv3), "tv3"));
        await fixture.WaitForRowsAsync("tv3", "cpu", 1);
        var row = Assert.Single(DuckDb.Query($"SELECT epoch_us(time), host, region, usage FROM {fixture.Source("tv3", "cpu")}"));
        Assert.Equal(new object?[] { 1_700_000_000_000_000L, "srv1", "eu", 1.5 }, row);
        Assert.Equal("host,region", fixture.ArcTags("tv3", "cpu"));
        Assert.True(Directory.Exists(Path.Combine(fixture.Daemon.DataRoot, "tv3", "cpu", "2023", "11", "14", "22")));
    }

    [Fact]
    public async Task Tv4_compact_row_integer_measurement_no_host()
    {
        AssertNoContent(await fixture.PostAsync(MsgPackPath, MsgPack.Hex(MsgPackShapesTests.Tv4), "tv4"));
        await fixture.WaitForRowsAsync("tv4", "measurement_7", 1);
        var row = Assert.Single(DuckDb.Query($"SELECT epoch_us(time), host, field_0, field_1 FROM {fixture.Source("tv4", "measurement_7")}"));
        Assert.Equal(new object?[] { 1_700_000_000_123_000L, "unknown", 1.5, "x" }, row);
        var types = DuckDb.Types(fixture.Source("tv4", "measurement_7"));
        Assert.Equal("DOUBLE", types["field_0"]);
        Assert.Equal("VARCHAR", types["field_1"]);
    }

    [Fact]
    public async Task Tv5_array_of_payloads_goes_to_two_measurements()
    {
        AssertNoContent(await fixture.PostAsync(MsgPackPath, MsgPack.Hex(MsgPackShapesTests.Tv5), "tv5"));
        await fixture.WaitForRowsAsync("tv5", "cpu", 1);
        await fixture.WaitForRowsAsync("tv5", "mem", 1);
        Assert.Equal("BIGINT", DuckDb.Types(fixture.Source("tv5", "cpu"))["v"]);
        Assert.Equal("DOUBLE", DuckDb.Types(fixture.Source("tv5", "mem"))["v"]);
    }

    [Fact]
    public async Task Tv6_batch_with_a_bad_element_is_400_and_nothing_is_stored()
    {
        var error = await ErrorOf(await fixture.PostAsync(MsgPackPath, MsgPack.Hex(MsgPackShapesTests.Tv6), "tv6"), HttpStatusCode.BadRequest);
        var detail = Assert.Single(error.GetProperty("details").EnumerateArray());
        Assert.Equal(1, detail.GetProperty("index").GetInt32());
        Assert.Equal("v", detail.GetProperty("column").GetString());
        Assert.Contains("array length mismatch", detail.GetProperty("reason").GetString());
        await fixture.AssertNothingStoredAsync("tv6");
    }

    [Theory]
    [InlineData("82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 82 a4 74 69 6d 65 92 01 02 a1 76 91 01", "Invalid MessagePack payload: columnar format: array length mismatch")] // TV7
    [InlineData("81 a7 63 6f 6c 75 6d 6e 73 82 a4 74 69 6d 65 91 cf 00 00 01 8b cf e5 68 00 a1 76 91 01", "Invalid MessagePack payload: missing required field 'm' (measurement)")] // TV8
    [InlineData("82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 82 a4 74 69 6d 65 91 b4 32 30 32 33 2d 31 31 2d 31 34 54 32 32 3a 31 33 3a 32 30 5a a1 76 91 01", "Invalid MessagePack payload: failed to normalize timestamps: invalid timestamp type in columnar format: string")] // TV10
    [InlineData("82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 82 a4 74 69 6d 65 92 cf 00 00 01 8b cf e5 68 00 cf 00 00 01 8b cf e5 6b e8 a1 76 92 01 a1 78", "Invalid MessagePack payload: column 'v' mixes types")] // TV11: 400, not Arc's 500
    [InlineData("1f 8b 08 00 00 00 00 00 00 ff 00 01 02", "Invalid gzip compression: ")] // TV14
    public async Task Client_errors_are_400_with_arcs_messages(string hex, string message)
    {
        var database = "err" + Math.Abs(hex.GetHashCode()) % 100000;
        var error = await ErrorOf(await fixture.PostAsync(MsgPackPath, MsgPack.Hex(hex), database), HttpStatusCode.BadRequest);
        Assert.StartsWith(message, error.GetProperty("error").GetString());
        await fixture.AssertNothingStoredAsync(database);
    }

    [Fact]
    public async Task Tv9_dotted_measurement_is_stored_per_part_A()
    {
        var body = MsgPack.Hex("82 a1 6d a8 63 70 75 2e 6c 6f 61 64 a7 63 6f 6c 75 6d 6e 73 82 a4 74 69 6d 65 91 cf 00 00 01 8b cf e5 68 00 a1 76 91 01");
        AssertNoContent(await fixture.PostAsync(MsgPackPath, body, "tv9"));
        await fixture.WaitForRowsAsync("tv9", "cpu.load", 1);
    }

    [Fact]
    public async Task Tv12_scalar_dropped_int_meeting_float_is_float_and_all_nil_is_null_strings()
    {
        var body = MsgPack.Hex("""
            82 a1 6d a3 63 70 75 a7 63 6f 6c 75 6d 6e 73 84 a4 74 69 6d 65 92 cf 00 00 01 8b cf e5 68 00
            cf 00 00 01 8b cf e5 6b e8 a1 76 92 01 cb 40 07 33 33 33 33 33 33 a4 6e 6f 74 65 a6 73 63 61
            6c 61 72 a1 73 92 c0 c0
            """);
        AssertNoContent(await fixture.PostAsync(MsgPackPath, body, "tv12"));
        await fixture.WaitForRowsAsync("tv12", "cpu", 2);
        var types = DuckDb.Types(fixture.Source("tv12", "cpu"));
        Assert.False(types.ContainsKey("note"));
        Assert.Equal("DOUBLE", types["v"]);
        Assert.Equal("VARCHAR", types["s"]);
        var rows = DuckDb.Query($"SELECT v, s FROM {fixture.Source("tv12", "cpu")} ORDER BY time");
        Assert.Equal(new object?[] { 1.0, null }, rows[0]);
        Assert.Equal(new object?[] { 2.9, null }, rows[1]);
    }

    [Fact]
    public async Task Tv13_empty_body_is_400_and_empty_array_is_204()
    {
        var error = await ErrorOf(await fixture.PostAsync(MsgPackPath, [], "tv13"), HttpStatusCode.BadRequest);
        Assert.Equal("Empty payload", error.GetProperty("error").GetString());
        AssertNoContent(await fixture.PostAsync(MsgPackPath, [0x90], "tv13"));
        await fixture.AssertNothingStoredAsync("tv13");
    }

    [Fact]
    public async Task Tv17_strict_line_protocol_rejects_the_bogus_line_and_stores_the_good_body()
    {
        const string Good = "cpu,host=a,region=eu usage=1.5,count=3i,ok=true,msg=\"hi there\" 1700000000\ncpu,host=b usage=2 1700000060\n# comment\n";
        var bad = await ErrorOf(await fixture.PostAsync("/write?db=telegraf1&precision=s&u=any&p=T", Encoding.UTF8.GetBytes(Good + "bogus_line_without_fields\n")), HttpStatusCode.BadRequest);
        Assert.Equal(4, Assert.Single(bad.GetProperty("details").EnumerateArray()).GetProperty("line").GetInt32());
        await fixture.AssertNothingStoredAsync("telegraf1");

        AssertNoContent(await fixture.PostAsync("/write?db=telegraf2&precision=s&u=any&p=T", Encoding.UTF8.GetBytes(Good)));
        await fixture.WaitForRowsAsync("telegraf2", "cpu", 2);
        var types = DuckDb.Types(fixture.Source("telegraf2", "cpu"));
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["time"]);
        Assert.Equal(("VARCHAR", "VARCHAR", "DOUBLE", "BIGINT", "BOOLEAN", "VARCHAR"),
            (types["host"], types["region"], types["usage"], types["count"], types["ok"], types["msg"]));
        var rows = DuckDb.Query($"SELECT epoch_us(time), host, region, usage, count, ok, msg FROM {fixture.Source("telegraf2", "cpu")} ORDER BY time");
        Assert.Equal(new object?[] { 1_700_000_000_000_000L, "a", "eu", 1.5, 3L, true, "hi there" }, rows[0]);
        Assert.Equal(new object?[] { 1_700_000_060_000_000L, "b", null, 2.0, null, null, null }, rows[1]);
        Assert.Equal("host,region", fixture.ArcTags("telegraf2", "cpu"));
    }

    [Fact]
    public async Task Tv18_line_protocol_errors_and_acceptances()
    {
        // Part A: the Influx 1.x spelling "n" is accepted.
        AssertNoContent(await fixture.PostAsync("/api/v2/write?org=o&bucket=tv18a&precision=n", "m v=1 1700000000000000000"u8.ToArray()));
        await fixture.WaitForRowsAsync("tv18a", "m", 1);

        var bogus = await ErrorOf(await fixture.PostAsync("/api/v2/write?bucket=tv18a&precision=x", "m v=1"u8.ToArray()), HttpStatusCode.BadRequest);
        Assert.Equal("invalid precision \"x\": must be ns, us, ms, s (or n, u, m, h)", bogus.GetProperty("error").GetString());

        var noFields = await ErrorOf(await fixture.PostAsync("/api/v1/write/line-protocol", "cpu\n# only comment\n"u8.ToArray(), "tv18b"), HttpStatusCode.BadRequest);
        Assert.Equal(1, noFields.GetProperty("details")[0].GetProperty("line").GetInt32());

        AssertNoContent(await fixture.PostAsync("/api/v1/write/line-protocol", "cpu.load v=1"u8.ToArray(), "tv18c"));
        await fixture.WaitForRowsAsync("tv18c", "cpu.load", 1);

        await ErrorOf(await fixture.PostAsync("/api/v1/write/line-protocol", "cpu,host=a host=1i,v=abc 1700000000000000000"u8.ToArray(), "tv18d"), HttpStatusCode.BadRequest);
        AssertNoContent(await fixture.PostAsync("/api/v1/write/line-protocol", "cpu,host=a host=1i,v=\"abc\" 1700000000000000000"u8.ToArray(), "tv18d"));
        await fixture.WaitForRowsAsync("tv18d", "cpu", 1);
        Assert.Equal(new object?[] { "a", 1L, "abc" }, Assert.Single(DuckDb.Query($"SELECT host, host_value, v FROM {fixture.Source("tv18d", "cpu")}")));

        await ErrorOf(await fixture.PostAsync("/api/v1/write/line-protocol", "cpu v=1 notanumber"u8.ToArray(), "tv18e"), HttpStatusCode.BadRequest);
        await fixture.AssertNothingStoredAsync("tv18e");
    }

    [Fact]
    public async Task Database_comes_from_the_header_then_the_endpoint_parameter_then_default()
    {
        AssertNoContent(await fixture.PostAsync("/write?db=fromquery", "dbsel1 v=1"u8.ToArray(), "fromheader"));
        AssertNoContent(await fixture.PostAsync("/api/v2/write?bucket=frombucket", "dbsel2 v=1"u8.ToArray()));
        AssertNoContent(await fixture.PostAsync("/api/v1/write/line-protocol?db=ignored", "dbsel3 v=1"u8.ToArray()));
        await fixture.WaitForRowsAsync("fromheader", "dbsel1", 1);
        await fixture.WaitForRowsAsync("frombucket", "dbsel2", 1);
        await fixture.WaitForRowsAsync("default", "dbsel3", 1);
        var badBucket = await ErrorOf(await fixture.PostAsync("/api/v2/write?bucket=db/rp", "m v=1"u8.ToArray()), HttpStatusCode.BadRequest);
        Assert.StartsWith("invalid database name", badBucket.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Tv20_and_caps_oversize_is_413_unknown_encoding_is_415_and_a_bomb_is_413()
    {
        var tooBig = await ErrorOf(await fixture.PostAsync("/api/v1/write/line-protocol", new byte[DaemonFixture.MaxRequestBytes + 1], "caps"), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("MaxRequestBytes", tooBig.GetProperty("error").GetString());

        var brotli = await ErrorOf(await fixture.PostAsync("/api/v1/write/line-protocol", "m v=1"u8.ToArray(), "caps", "br"), HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("'br'", brotli.GetProperty("error").GetString());

        var bomb = BodyDecompressorTests.Gzip(new byte[DaemonFixture.MaxDecompressedBytes * 4]);
        var inflated = await ErrorOf(await fixture.PostAsync("/api/v1/write/line-protocol", bomb, "caps", "gzip"), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("MaxDecompressedBytes", inflated.GetProperty("error").GetString());
        await fixture.AssertNothingStoredAsync("caps");
    }

    [Fact]
    public async Task A_column_that_changes_kind_across_requests_is_400_naming_it()
    {
        AssertNoContent(await fixture.PostAsync("/api/v1/write/line-protocol", "kinds v=1i 1"u8.ToArray(), "kinds"));
        AssertNoContent(await fixture.PostAsync("/api/v1/write/line-protocol", "kinds v=2.5 2"u8.ToArray(), "kinds")); // numeric both
        var conflict = await ErrorOf(await fixture.PostAsync(MsgPackPath, MsgPack.Columnar("kinds", ("time", [3L]), ("v", ["text"])), "kinds"), HttpStatusCode.BadRequest);
        Assert.Contains("column 'v'", conflict.GetProperty("error").GetString());
        Assert.Equal("v", conflict.GetProperty("details")[0].GetProperty("column").GetString());
        await fixture.WaitForRowsAsync("kinds", "kinds", 2);
    }
}
