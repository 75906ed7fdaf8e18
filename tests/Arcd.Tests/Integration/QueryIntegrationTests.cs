using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>SQL over what the ingest endpoints wrote, through the real daemon (§7).</summary>
public sealed partial class QueryIntegrationTests : IAsyncLifetime
{
    private const long BaseMicros = 1_700_002_800_000_000; // 2023-11-14T23:00:00Z
    private const long HourMicros = 3_600_000_000;
    private const int RowsPerHour = 100;
    private readonly TempDirectory _temp = new();
    private DaemonProcess _daemon = null!;

    public async Task InitializeAsync()
    {
        _daemon = await DaemonProcess.StartAsync(_temp.Path, ["--Ingest:MaxBufferAge=00:00:00.2", "--Query:Timeout=00:00:02"]);
        await _daemon.WaitReadyAsync();
        // Before any query: DuckDB is not in the process.
        Assert.False(LibDuckDbLoaded(), "libduckdb was loaded at start-up");
        for (var hour = 0; hour < 3; hour++)
        {
            var times = Enumerable.Range(0, RowsPerHour).Select(i => (object?)(BaseMicros + hour * HourMicros + i * 1_000_000L)).ToList();
            var body = MsgPack.Columnar("cpu",
                ("time", times),
                ("host", Enumerable.Range(0, RowsPerHour).Select(i => (object?)$"h{i % 2}").ToList()),
                ("usage", Enumerable.Range(0, RowsPerHour).Select(i => (object?)(i == 0 ? double.NaN : i * 0.5)).ToList()),
                ("n", Enumerable.Range(0, RowsPerHour).Select(i => (object?)(i % 10 == 0 ? null : (long)i)).ToList()));
            using var response = await _daemon.PostMsgPackAsync(body, "prod");
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
        using var lp = await _daemon.Client.PostAsync("/write?db=prod", new StringContent("mem,host=h0 used=7 1700002800000000000\n"));
        Assert.Equal(HttpStatusCode.NoContent, lp.StatusCode);
        Assert.False(LibDuckDbLoaded(), "libduckdb was loaded by ingest");
        // Data is queryable once its buffer is flushed (Ingest:MaxBufferAge here): wait for all of it.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await CountAsync("SELECT count(*) FROM prod.cpu") < 3 * RowsPerHour || await CountAsync("SELECT count(*) FROM prod.mem") < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "rows did not become queryable");
            await Task.Delay(100);
        }
    }

    private bool LibDuckDbLoaded() => File.ReadAllText($"/proc/{_daemon.Process.Id}/maps").Contains("libduckdb", StringComparison.Ordinal);

    private async Task<long> CountAsync(string sql)
    {
        var (status, body) = await QueryAsync(sql);
        Assert.Equal(HttpStatusCode.OK, status);
        using var doc = JsonDocument.Parse(body);
        var data = doc.RootElement.GetProperty("data");
        return data.GetArrayLength() == 0 ? 0 : data[0][0].GetInt64();
    }

    private async Task<(HttpStatusCode Status, string Body)> QueryAsync(string sql, string path = "/api/v1/query", params (string, string)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(SqlBody(sql), Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers) request.Headers.Add(name, value);
        using var response = await _daemon.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string SqlBody(string sql)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("sql", sql);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The envelope with its two clock-dependent fields replaced, for exact comparison.</summary>
    private static string Stable(string json) => Clock().Replace(json, "\"execution_time_ms\":0,\"timestamp\":\"T\"");

    [GeneratedRegex("\"execution_time_ms\":[0-9.]+,\"timestamp\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\"")]
    private static partial Regex Clock();

    [Fact]
    public async Task Json_envelope_is_exactly_arcs()
    {
        Assert.True(LibDuckDbLoaded());
        var (status, body) = await QueryAsync("SELECT time, host, usage, n FROM cpu ORDER BY time LIMIT 3", headers: ("x-arc-database", "prod"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            """{"success":true,"columns":["time","host","usage","n"],"data":[["2023-11-14T23:00:00Z","h0",null,null],["2023-11-14T23:00:01Z","h1",0.5,1],["2023-11-14T23:00:02Z","h0",1,2]],"row_count":3,"execution_time_ms":0,"timestamp":"T"}""",
            Stable(body));
    }

    [Fact]
    public async Task Group_by_host_over_every_hour()
    {
        var (status, body) = await QueryAsync("SELECT host, count(*) AS c, sum(n) AS s, max(time) AS last FROM prod.cpu GROUP BY host ORDER BY host");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            """{"success":true,"columns":["host","c","s","last"],"data":[["h0",150,6000,"2023-11-15T01:01:38Z"],["h1",150,7500,"2023-11-15T01:01:39Z"]],"row_count":2,"execution_time_ms":0,"timestamp":"T"}""",
            Stable(body));
    }

    [Fact]
    public async Task Pruning_reads_only_the_hour_directories_a_time_range_touches()
    {
        var all = await ProfileAsync("SELECT count(*) FROM prod.cpu");
        var one = await ProfileAsync("SELECT count(*) FROM prod.cpu WHERE time >= '2023-11-15 00:00:00' AND time < '2023-11-15 00:59:59'");
        var hourFiles = Directory.GetFiles(Path.Combine(_daemon.DataRoot, "prod", "cpu", "2023", "11", "15", "00"), "*.parquet").Length;
        var allFiles = Directory.GetFiles(Path.Combine(_daemon.DataRoot, "prod", "cpu"), "*.parquet", SearchOption.AllDirectories).Length;
        Assert.Equal(3 * RowsPerHour, all.Count);
        Assert.Equal(3, all.Partitions);
        Assert.Equal(allFiles, all.Files);
        Assert.Equal(RowsPerHour, one.Count);
        Assert.Equal(1, one.Partitions);
        Assert.Equal(hourFiles, one.Files);
        Assert.True(one.Files < all.Files);
    }

    private async Task<(long Count, int Partitions, int Files)> ProfileAsync(string sql)
    {
        var (status, body) = await QueryAsync(sql, headers: ("x-arc-profile", "true"));
        Assert.Equal(HttpStatusCode.OK, status);
        using var doc = JsonDocument.Parse(body);
        var profile = doc.RootElement.GetProperty("profile");
        return (doc.RootElement.GetProperty("data")[0][0].GetInt64(), profile.GetProperty("hour_partitions").GetInt32(), profile.GetProperty("files_scanned").GetInt32());
    }

    [Theory]
    [InlineData("")]
    [InlineData("zstd")]
    [InlineData("lz4")]
    public async Task Arrow_ipc_stream_reads_back_with_apache_arrow(string compression)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/query/arrow")
        {
            Content = new StringContent("""{"sql":"SELECT time, host, usage, n FROM prod.cpu ORDER BY time"}""", Encoding.UTF8, "application/json"),
        };
        if (compression.Length > 0) request.Headers.Add("x-arc-arrow-compression", compression);
        using var response = await _daemon.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.apache.arrow.stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new ArrowStreamReader(await response.Content.ReadAsStreamAsync(), new Apache.Arrow.Compression.CompressionCodecFactory());
        var rows = 0;
        while (await reader.ReadNextRecordBatchAsync() is { } batch)
        {
            using (batch)
            {
                var time = (TimestampArray)batch.Column("time");
                var host = (StringArray)batch.Column("host");
                var n = (Int64Array)batch.Column("n");
                for (var i = 0; i < batch.Length; i++, rows++)
                {
                    var hour = rows / RowsPerHour;
                    var k = rows % RowsPerHour;
                    Assert.Equal(BaseMicros + hour * HourMicros + k * 1_000_000L, time.GetValue(i));
                    Assert.Equal($"h{k % 2}", host.GetString(i));
                    Assert.Equal(k % 10 == 0 ? null : k, n.GetValue(i));
                }
            }
        }
        Assert.Equal(3 * RowsPerHour, rows);
        Assert.Equal(["time", "host", "usage", "n"], reader.Schema.FieldsList.Select(f => f.Name));
    }

    [Fact]
    public async Task Arrow_errors_are_json()
    {
        var (status, body) = await QueryAsync("SELECT 1", "/api/v1/query/arrow", ("x-arc-arrow-compression", "brotli"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("""{"success":false,"error":"invalid x-arc-arrow-compression: must be zstd or lz4"}""", body);
        (status, body) = await QueryAsync("SELECT nope FROM prod.cpu", "/api/v1/query/arrow");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("\"success\":false", body);
    }

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')", "Function read_csv() is not allowed")]
    [InlineData("COPY (SELECT 1) TO '/tmp/arcd-evil.csv'", "Dangerous SQL operation not allowed: COPY")]
    [InlineData("ATTACH '/tmp/arcd-evil.db'", "Dangerous SQL operation not allowed: ATTACH")]
    [InlineData("INSTALL httpfs", "Dangerous SQL operation not allowed: INSTALL")]
    [InlineData("LOAD httpfs", "Dangerous SQL operation not allowed: LOAD")]
    [InlineData("SET enable_external_access = true", "Dangerous SQL operation not allowed: SET")]
    [InlineData("SELECT 1; SELECT 2", "Multiple SQL statements are not allowed")]
    [InlineData("DROP TABLE cpu", "Dangerous SQL operation not allowed: DROP")]
    [InlineData("SELECT nope FROM prod.cpu", "Binder Error")]
    [InlineData("SELECT * FROM prod.\"../../etc\"", "Invalid measurement name")]
    public async Task Refused_statements_get_a_400_envelope(string sql, string error)
    {
        var (status, body) = await QueryAsync(sql);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var doc = JsonDocument.Parse(body);
        Assert.False(doc.RootElement.GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("columns").ValueKind);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("data").ValueKind);
        Assert.Equal(0, doc.RootElement.GetProperty("row_count").GetInt32());
        Assert.Contains(error, doc.RootElement.GetProperty("error").GetString());
        Assert.False(File.Exists("/tmp/arcd-evil.csv"));
    }

    [Fact]
    public async Task Bad_requests_are_400s()
    {
        using var noJson = await _daemon.Client.PostAsync("/api/v1/query", new StringContent("SELECT 1"));
        Assert.Equal(HttpStatusCode.BadRequest, noJson.StatusCode);
        Assert.Contains("Content-Type: application/json", await noJson.Content.ReadAsStringAsync());
        using var broken = await _daemon.Client.PostAsync("/api/v1/query", new StringContent("{\"sql\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        using var empty = await _daemon.Client.PostAsync("/api/v1/query", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Contains("SQL query is required", await empty.Content.ReadAsStringAsync());
        var (status, body) = await QueryAsync("SELECT * FROM cpu", headers: ("x-arc-database", "../x"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Invalid x-arc-database header", body);
        using var get = await _daemon.Client.GetAsync("/api/v1/query");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    [Fact]
    public async Task A_query_over_the_timeout_is_a_504()
    {
        var (status, body) = await QueryAsync("SELECT count(*) FROM range(1000000000000) a WHERE a.range = -1");
        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        Assert.Contains("Query timed out", body);
        // The daemon goes on answering.
        Assert.Equal(3 * RowsPerHour, await CountAsync("SELECT count(*) FROM prod.cpu"));
    }

    [Fact]
    public async Task No_files_is_an_empty_200()
    {
        var (status, body) = await QueryAsync("SELECT * FROM prod.nothing");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"success":true,"columns":[],"data":[],"row_count":0,"execution_time_ms":0,"timestamp":"T"}""", Stable(body));
    }

    [Fact]
    public async Task Show_and_listings()
    {
        var (_, databases) = await QueryAsync("SHOW DATABASES");
        Assert.Equal("""{"success":true,"columns":["database"],"data":[["prod"]],"row_count":1,"execution_time_ms":0,"timestamp":"T"}""", Stable(databases));
        var (_, tables) = await QueryAsync("SHOW TABLES FROM prod");
        using (var doc = JsonDocument.Parse(tables))
        {
            Assert.Equal(["database", "table_name", "storage_path", "file_count", "total_size_mb"],
                doc.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal(["cpu", "mem"], doc.RootElement.GetProperty("data").EnumerateArray().Select(r => r[1].GetString()));
        }
        using (var doc = JsonDocument.Parse(await _daemon.Client.GetStringAsync("/api/v1/databases")))
        {
            Assert.Equal(1, doc.RootElement.GetProperty("count").GetInt32());
            Assert.Equal("prod", doc.RootElement.GetProperty("databases")[0].GetProperty("name").GetString());
            Assert.Equal(2, doc.RootElement.GetProperty("databases")[0].GetProperty("measurement_count").GetInt32());
        }
        using (var doc = JsonDocument.Parse(await _daemon.Client.GetStringAsync("/api/v1/measurements")))
        {
            var cpu = doc.RootElement.GetProperty("measurements").EnumerateArray().Single(m => m.GetProperty("measurement").GetString() == "cpu");
            Assert.Equal("prod", cpu.GetProperty("database").GetString());
            Assert.Equal(Directory.GetFiles(Path.Combine(_daemon.DataRoot, "prod", "cpu"), "*.parquet", SearchOption.AllDirectories).Length,
                cpu.GetProperty("file_count").GetInt32());
        }
        using (var doc = JsonDocument.Parse(await _daemon.Client.GetStringAsync("/api/v1/databases/prod/measurements")))
        {
            Assert.Equal("prod", doc.RootElement.GetProperty("database").GetString());
            Assert.Equal(2, doc.RootElement.GetProperty("count").GetInt32());
        }
        using var missing = await _daemon.Client.GetAsync("/api/v1/databases/nope/measurements");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Estimate_reports_the_planners_row_estimate()
    {
        var (status, body) = await QueryAsync("SELECT * FROM prod.cpu", "/api/v1/query/estimate");
        Assert.Equal(HttpStatusCode.OK, status);
        using var doc = JsonDocument.Parse(body);
        Assert.True(doc.RootElement.GetProperty("success").GetBoolean());
        Assert.Equal(3 * RowsPerHour, doc.RootElement.GetProperty("estimated_rows").GetInt64());
        Assert.Equal("none", doc.RootElement.GetProperty("warning_level").GetString());
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        _temp.Dispose();
    }
}
