using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Arcd.Tests.Support;
using static Arcd.Tests.Support.ManagementHttp;

namespace Arcd.Tests.Integration;

/// <summary>
/// Continuous queries in the real daemon: Arc's API and the Python client's shapes (the JSON its
/// pydantic models need), a scheduled query whose aggregates DuckDB checks, what /metrics and
/// /api/v1/schedulers report, and kill -9 at every step of a window (and at random) with a live WAL:
/// every window's rows appear once, with the right values.
/// </summary>
public class ContinuousQueryIntegrationTests
{
    private static readonly string[] Settings = ["--Ingest:MaxBufferAge=00:00:00.200", "--Compaction:Enabled=false", "--ContinuousQueries:Lateness=00:00:01"];

    private const string TenSeconds =
        "SELECT time_bucket(INTERVAL '10 seconds', time) AS time, host, avg(value) AS avg_value, count(*) AS n " +
        "FROM db.cpu WHERE time >= {start_time} AND time < {end_time} GROUP BY 1, 2";

    private static string Files(DaemonProcess daemon, string measurement) =>
        $"read_parquet('{daemon.DataRoot}/db/{measurement}/**/*.parquet', union_by_name = true)";

    private static string Rows(string sql) =>
        string.Join("\n", DuckDb.Query(sql).Select(r => string.Join("|", r.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)))));

    private static string Expected(DaemonProcess daemon, DateTime from, DateTime until) =>
        Rows($"SELECT time_bucket(INTERVAL '10 seconds', time) AS t, host, avg(value), count(*) FROM {Files(daemon, "cpu")} " +
             $"WHERE time >= TIMESTAMP '{from:yyyy-MM-dd HH:mm:ss}' AND time < TIMESTAMP '{until:yyyy-MM-dd HH:mm:ss}' GROUP BY 1, 2 ORDER BY 1, 2");

    private static string Actual(DaemonProcess daemon, DateTime from, DateTime until) =>
        Directory.Exists(Path.Combine(daemon.DataRoot, "db", "cpu_10s"))
            ? Rows($"SELECT time, host, avg_value, n FROM {Files(daemon, "cpu_10s")} WHERE time >= TIMESTAMP '{from:yyyy-MM-dd HH:mm:ss}' " +
                   $"AND time < TIMESTAMP '{until:yyyy-MM-dd HH:mm:ss}' ORDER BY 1, 2")
            : "";

    /// <summary>The start of the query's first window: the 10-second window holding its creation.</summary>
    private static async Task<DateTime> FirstWindowAsync(DaemonProcess daemon, long id)
    {
        var (_, body) = await GetAsync(daemon, $"/api/v1/continuous_queries/{id}");
        var created = DateTime.Parse(body.GetProperty("created_at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        return new DateTime(created.Ticks - created.Ticks % TimeSpan.FromSeconds(10).Ticks, DateTimeKind.Utc);
    }

    /// <summary>Source points every 500 ms from <paramref name="from"/> for <paramref name="seconds"/>, two hosts (future ones too: the windows run as time passes).</summary>
    private static async Task SeedAsync(DaemonProcess daemon, DateTime from, int seconds)
    {
        var lines = new StringBuilder();
        for (var i = 0; i < seconds * 2; i++)
        {
            var t = from.AddMilliseconds(500 * i);
            lines.Append(CultureInfo.InvariantCulture, $"cpu,host=h{i % 2} value={i * 0.25} {Nanos(t)}\n");
        }
        await WriteLineProtocolAsync(daemon, "db", lines.ToString());
    }

    private static async Task<DateTime?> WatermarkAsync(DaemonProcess daemon, long id)
    {
        var (_, body) = await GetAsync(daemon, $"/api/v1/continuous_queries/{id}");
        var text = body.GetProperty("last_processed_time");
        return text.ValueKind == JsonValueKind.Null ? null : DateTime.Parse(text.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
    }

    private static async Task<long> CreateAsync(DaemonProcess daemon, string query = TenSeconds, string interval = "10s")
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["name"] = "cpu-10s", ["database"] = "db", ["source_measurement"] = "cpu", ["destination_measurement"] = "cpu_10s",
            ["query"] = query, ["interval"] = interval, ["tag_columns"] = new[] { "host" }, ["is_active"] = true,
        }, ContinuousQueryJson.Default.DictionaryStringObject);
        var (status, body) = await PostAsync(daemon, "/api/v1/continuous_queries", json);
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        return body.GetProperty("id").GetInt64();
    }

    [Fact]
    public async Task The_api_serves_arcs_shapes_and_the_python_clients_models()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);

        var (status, body) = await GetAsync(daemon, "/api/v1/continuous_queries");
        Assert.Equal((HttpStatusCode.OK, 0), (status, body.GetArrayLength()));
        (_, body) = await GetAsync(daemon, "/api/v1/continuous_queries/", ClientAgent);
        Assert.Equal(0, body.GetProperty("queries").GetArrayLength());

        const string valid = "\"name\":\"n\",\"database\":\"db\",\"source_measurement\":\"cpu\",\"destination_measurement\":\"cpu_1h\",\"interval\":\"1h\"";
        foreach (var (json, message) in new[]
        {
            ("{\"database\":\"db\"}", "name is required"),
            ("{\"name\":\"n\"}", "database is required"),
            ("{\"name\":\"n\",\"database\":\"db\"}", "source_measurement is required"),
            ("{\"name\":\"n\",\"database\":\"db\",\"source_measurement\":\"cpu\"}", "destination_measurement is required"),
            ("{\"name\":\"n\",\"database\":\"db\",\"source_measurement\":\"cpu\",\"destination_measurement\":\"1h\"}", "invalid destination_measurement: must start with a letter"),
            ("{" + valid.Replace(",\"interval\":\"1h\"", "") + "}", "query is required"),
            ("{" + valid.Replace(",\"interval\":\"1h\"", "") + ",\"query\":\"SELECT 1\"}", "interval is required"),
            ("{" + valid + ",\"query\":\"SELECT * FROM cpu\"}", "query must contain {start_time} and {end_time} placeholders"),
            ("{" + valid + ",\"query\":\"SELECT 1 WHERE {start_time} < {end_time}; DROP TABLE x\"}", "invalid query: "),
            ("{" + valid + ",\"query\":\"SELECT * FROM read_csv('/etc/passwd') WHERE {start_time} < {end_time}\"}", "invalid query: "),
            ("{" + valid + ",\"query\":\"SELECT {start_time}, {end_time}\",\"tag_columns\":[\"time\"]}", "tag column \"time\" is reserved"),
            ("{" + valid + ",\"query\":\"SELECT {start_time}, {end_time}\",\"tag_columns\":[\"a b\"]}", "invalid tag column \"a b\""),
            ("{" + valid + ",\"query\":\"SELECT {start_time}, {end_time}\",\"tag_columns\":[\"\"]}", "tag column name must not be empty"),
            ("{" + valid.Replace("1h\"", "1d\"") + ",\"query\":\"SELECT {start_time}, {end_time}\"}", "invalid interval \"1d\""),
            ("{" + valid.Replace("cpu_1h", "cpu") + ",\"query\":\"SELECT {start_time}, {end_time}\"}", "destination_measurement must differ from source_measurement"),
            ("{" + valid + ",\"query\":\"SELECT {start_time}, {end_time}\",\"retention_days\":\"30\"}", "Invalid request body: json: cannot unmarshal string"),
            ("", "Invalid request body: unexpected end of JSON input"),
        })
        {
            (status, body) = await PostAsync(daemon, "/api/v1/continuous_queries", json);
            Assert.True(status == HttpStatusCode.BadRequest, $"{json}: {status} {body}");
            Assert.StartsWith(message, body.GetProperty("error").GetString());
        }

        // The client's create(): all ten keys, nulls included, never tag_columns; it reads ContinuousQuery(**data.get("query", data)).
        const string hourly = "SELECT time_bucket(INTERVAL '1 hour', time) AS time, avg(value) AS value FROM cpu WHERE time >= {start_time} AND time < {end_time} GROUP BY 1";
        var clientCreate = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["name"] = "cpu-hourly", ["database"] = "db", ["source_measurement"] = "cpu", ["destination_measurement"] = "cpu_1h", ["query"] = hourly,
            ["interval"] = "1h", ["description"] = null, ["retention_days"] = null, ["delete_source_after_days"] = null, ["is_active"] = true,
        }, ContinuousQueryJson.Default.DictionaryStringObject);
        (status, body) = await PostAsync(daemon, "/api/v1/continuous_queries", clientCreate, ClientAgent);
        Assert.Equal(HttpStatusCode.Created, status);
        var cq = body.GetProperty("query");
        AssertClientModel(cq);
        var id = cq.GetProperty("id").GetInt64();
        Assert.Equal(hourly, cq.GetProperty("query").GetString());
        Assert.True(cq.GetProperty("is_active").GetBoolean());
        Assert.Equal(JsonValueKind.Null, cq.GetProperty("last_processed_time").ValueKind);
        (status, body) = await PostAsync(daemon, "/api/v1/continuous_queries", clientCreate, ClientAgent);
        Assert.Equal("Continuous query with name 'cpu-hourly' already exists", body.GetProperty("error").GetString());
        (status, body) = await PostAsync(daemon, "/api/v1/continuous_queries", clientCreate.Replace("cpu-hourly", "other"), ClientAgent);
        Assert.StartsWith("continuous query 'cpu-hourly' already writes db.cpu_1h", body.GetProperty("error").GetString());

        // Arc's own shape: a bare object; tag_columns kept; is_active absent means false.
        (status, body) = await PostAsync(daemon, "/api/v1/continuous_queries",
            "{" + valid.Replace("cpu_1h", "mem_1h").Replace("\"n\"", "\"mem\"") + ",\"query\":\"SELECT * FROM mem WHERE time >= {start_time} AND time < {end_time}\",\"tag_columns\":[\"host\"]}");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.False(body.GetProperty("is_active").GetBoolean());
        Assert.Equal("host", body.GetProperty("tag_columns")[0].GetString());
        var memId = body.GetProperty("id").GetInt64();

        (_, body) = await GetAsync(daemon, $"/api/v1/continuous_queries/{id}");
        Assert.Equal(hourly, body.GetProperty("query").GetString()); // Arc: bare, "query" is the SQL
        (_, body) = await GetAsync(daemon, $"/api/v1/continuous_queries/{id}", ClientAgent);
        AssertClientModel(body.GetProperty("query"));
        Assert.Equal((HttpStatusCode.NotFound, "Continuous query not found"), await ErrorOf(GetAsync(daemon, "/api/v1/continuous_queries/99")));
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid query ID"), await ErrorOf(GetAsync(daemon, "/api/v1/continuous_queries/abc")));

        (_, body) = await GetAsync(daemon, "/api/v1/continuous_queries", ClientAgent);
        Assert.Equal(2, body.GetProperty("count").GetInt32());
        foreach (var item in body.GetProperty("queries").EnumerateArray()) AssertClientModel(item);
        (_, body) = await GetAsync(daemon, "/api/v1/continuous_queries?is_active=true");
        Assert.Equal(1, body.GetArrayLength());
        (_, body) = await GetAsync(daemon, "/api/v1/continuous_queries?is_active=false&database=db");
        Assert.Equal(memId, body[0].GetProperty("id").GetInt64());

        // The client's update() sends only the keys given: the rest is kept (Arc would blank it).
        (status, body) = await SendAsync(daemon, HttpMethod.Put, $"/api/v1/continuous_queries/{id}", "{\"is_active\":false,\"description\":\"hourly cpu\"}", ClientAgent);
        Assert.Equal(HttpStatusCode.OK, status);
        cq = body.GetProperty("query");
        AssertClientModel(cq);
        Assert.False(cq.GetProperty("is_active").GetBoolean());
        Assert.Equal("hourly cpu", cq.GetProperty("description").GetString());
        Assert.Equal(hourly, cq.GetProperty("query").GetString());
        Assert.Equal((HttpStatusCode.BadRequest, "Continuous query is not active"), await ErrorOf(PostAsync(daemon, $"/api/v1/continuous_queries/{id}/execute", "{}")));
        (status, body) = await SendAsync(daemon, HttpMethod.Put, $"/api/v1/continuous_queries/{id}", "{\"is_active\":true,\"description\":null}");
        Assert.Equal(JsonValueKind.Null, body.GetProperty("description").ValueKind);
        Assert.StartsWith("invalid interval", (await ErrorOf(SendAsync(daemon, HttpMethod.Put, $"/api/v1/continuous_queries/{id}", "{\"interval\":\"soon\"}"))).Item2);

        // execute: a dry run shows the substituted SQL; the client's naive datetimes are UTC; ranges widen to whole windows.
        var from = new DateTime(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc);
        await WriteLineProtocolAsync(daemon, "db", $"cpu value=1 {Nanos(from.AddMinutes(10))}\ncpu value=3 {Nanos(from.AddMinutes(70))}\ncpu value=5 {Nanos(from.AddMinutes(80))}");
        (status, body) = await PostAsync(daemon, $"/api/v1/continuous_queries/{id}/execute",
            "{\"dry_run\":true,\"start_time\":\"2026-11-30T09:30:00\",\"end_time\":\"2026-11-30T11:00:00+00:00\"}", ClientAgent);
        Assert.Equal(HttpStatusCode.OK, status);
        AssertExecuteModel(body);
        Assert.Equal(("dry_run", "2026-11-30T09:00:00Z", "2026-11-30T11:00:00Z"),
            (body.GetProperty("status").GetString(), body.GetProperty("start_time").GetString(), body.GetProperty("end_time").GetString()));
        Assert.Contains("time >= '2026-11-30T09:00:00Z' AND time < '2026-11-30T11:00:00Z'", body.GetProperty("executed_query").GetString());
        Assert.False(Directory.Exists(Path.Combine(daemon.DataRoot, "db", "cpu_1h")));
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid start_time format"), await ErrorOf(PostAsync(daemon, $"/api/v1/continuous_queries/{id}/execute", "{\"start_time\":\"yesterday\"}")));
        Assert.Equal((HttpStatusCode.BadRequest, "start_time must be before end_time"),
            await ErrorOf(PostAsync(daemon, $"/api/v1/continuous_queries/{id}/execute", "{\"start_time\":\"2026-11-30T11:00:00Z\",\"end_time\":\"2026-11-30T10:00:00Z\"}")));

        (status, body) = await PostAsync(daemon, $"/api/v1/continuous_queries/{id}/execute",
            "{\"dry_run\":false,\"start_time\":\"2026-11-30T09:00:00Z\",\"end_time\":\"2026-11-30T11:00:00Z\"}", ClientAgent);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        AssertExecuteModel(body);
        Assert.Equal(("completed", 2), (body.GetProperty("status").GetString(), body.GetProperty("records_written").GetInt32()));
        Assert.StartsWith("cq-exec-", body.GetProperty("execution_id").GetString());
        Assert.False(body.TryGetProperty("executed_query", out _));
        await WaitUntilAsync(() => ParquetFiles(Path.Combine(daemon.DataRoot, "db", "cpu_1h")).Length > 0, "the rollup's file");
        Assert.Equal("1|4", Rows($"SELECT min(value)::INT, max(value)::INT FROM {Files(daemon, "cpu_1h")}"));

        (status, body) = await GetAsync(daemon, $"/api/v1/continuous_queries/{id}/executions?limit=5", ClientAgent);
        Assert.Equal(id, body.GetProperty("query_id").GetInt64());
        var executions = body.GetProperty("executions");
        Assert.Equal(1, executions.GetArrayLength());
        foreach (var key in new[] { "id", "query_id" }) Assert.Equal(JsonValueKind.Number, executions[0].GetProperty(key).ValueKind);
        foreach (var key in new[] { "execution_id", "execution_time", "status", "start_time", "end_time" })
            Assert.Equal(JsonValueKind.String, executions[0].GetProperty(key).ValueKind);
        Assert.Equal(JsonValueKind.Number, executions[0].GetProperty("execution_duration_seconds").ValueKind);
        Assert.Equal(0, (await GetAsync(daemon, $"/api/v1/continuous_queries/{memId}/executions")).Body.GetProperty("executions").GetArrayLength());

        (status, body) = await SendAsync(daemon, HttpMethod.Delete, $"/api/v1/continuous_queries/{memId}");
        Assert.Equal("Continuous query deleted successfully", body.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(daemon, $"/api/v1/continuous_queries/{memId}")).Status);

        // Definitions and history survive a restart.
        Assert.Equal(0, await daemon.StopAsync());
        await using var again = await DaemonProcess.StartAsync(temp.Path, Settings);
        (_, body) = await GetAsync(again, "/api/v1/continuous_queries");
        Assert.Equal(1, body.GetArrayLength());
        Assert.Equal("completed", body[0].GetProperty("last_execution_status").GetString());
        Assert.Equal(2, body[0].GetProperty("last_records_written").GetInt32());
    }

    /// <summary>What arc-client-python's ContinuousQuery model requires (ARC-MANAGEMENT.md, section 2.12).</summary>
    private static void AssertClientModel(JsonElement cq)
    {
        Assert.Equal(JsonValueKind.Number, cq.GetProperty("id").ValueKind);
        foreach (var key in new[] { "name", "database", "source_measurement", "destination_measurement", "query", "interval" })
            Assert.Equal(JsonValueKind.String, cq.GetProperty(key).ValueKind);
    }

    /// <summary>What the client's ExecuteCQResponse requires.</summary>
    private static void AssertExecuteModel(JsonElement run)
    {
        Assert.Equal(JsonValueKind.Number, run.GetProperty("query_id").ValueKind);
        foreach (var key in new[] { "query_name", "execution_id", "status", "start_time", "end_time", "destination_measurement" })
            Assert.Equal(JsonValueKind.String, run.GetProperty(key).ValueKind);
        Assert.Equal(JsonValueKind.Number, run.GetProperty("records_written").ValueKind);
        Assert.Equal(JsonValueKind.Number, run.GetProperty("execution_time_seconds").ValueKind);
    }

    private static async Task<(HttpStatusCode, string)> ErrorOf(Task<(HttpStatusCode Status, JsonElement Body)> call)
    {
        var (status, body) = await call;
        return (status, body.GetProperty("error").GetString()!);
    }

    [Fact]
    public async Task A_scheduled_query_writes_exact_aggregates_once_per_window_and_reports_itself()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        await SeedAsync(daemon, DateTime.UtcNow.AddSeconds(-20), 45);
        var id = await CreateAsync(daemon);
        var first = await FirstWindowAsync(daemon, id);
        await WaitUntilAsync(() => WatermarkAsync(daemon, id).Result >= first.AddSeconds(20), "two windows", 60);
        var watermark = (await WatermarkAsync(daemon, id))!.Value;
        await WaitUntilAsync(() => Actual(daemon, first, watermark).Split('\n').Length >= 4, "the rollup's files");
        // Windows start at the one holding the query's creation: rows before it are for a backfill to add.
        Assert.Equal(Expected(daemon, first, watermark), Actual(daemon, first, watermark));
        Assert.Equal(Actual(daemon, DateTime.UnixEpoch, watermark), Actual(daemon, first, watermark));

        var metrics = await daemon.Client.GetStringAsync("/metrics");
        Assert.Matches("arcd_cq_runs_total\\{cq=\"cpu-10s\"\\} [1-9]", metrics);
        Assert.Contains("arcd_cq_failures_total{cq=\"cpu-10s\"} 0", metrics);
        Assert.Matches("arcd_cq_rows_written_total\\{cq=\"cpu-10s\"\\} [1-9]", metrics);
        Assert.Contains("arcd_cq_lag_seconds{cq=\"cpu-10s\"}", metrics);
        var (_, body) = await GetAsync(daemon, "/api/v1/schedulers");
        var scheduler = body.GetProperty("cq_scheduler");
        Assert.True(scheduler.GetProperty("running").GetBoolean());
        Assert.Equal(1, scheduler.GetProperty("job_count").GetInt32());
        Assert.Equal("cpu-10s", scheduler.GetProperty("jobs")[0].GetProperty("name").GetString());
        (_, body) = await PostAsync(daemon, "/api/v1/schedulers/cq/reload", "");
        Assert.Equal(("CQ scheduler reloaded successfully", 1), (body.GetProperty("message").GetString(), body.GetProperty("job_count").GetInt32()));
    }

    /// <summary>
    /// kill -9 at each step of a window, one after another, each re-run being cut short at the next
    /// step (the WAL holds the rows of the interrupted runs): afterwards every window is there once.
    /// </summary>
    [Fact]
    public async Task A_kill_at_every_step_of_a_window_leaves_each_window_exactly_once()
    {
        using var temp = new TempDirectory();
        long id;
        DateTime first;
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, Settings))
        {
            await SeedAsync(daemon, DateTime.UtcNow.AddSeconds(-10), 70);
            id = await CreateAsync(daemon);
            first = await FirstWindowAsync(daemon, id);
            Assert.Equal(0, await daemon.StopAsync());
        }
        foreach (var point in new[] { "cq-output-written", "replace-before-visible", "replace-mid-delete", "cq-window-cleared", "cq-output-written", "cq-window-started" })
        {
            await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings, environment: new Dictionary<string, string> { ["ARCD_TEST_CRASH_POINT"] = point },
                waitHealthy: false);
            await daemon.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"crash point {point}", daemon.Output);
        }
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, Settings))
        {
            await WaitUntilAsync(() => WatermarkAsync(daemon, id).Result >= first.AddSeconds(30), "three windows", 60);
            var watermark = (await WatermarkAsync(daemon, id))!.Value;
            var (_, body) = await GetAsync(daemon, $"/api/v1/continuous_queries/{id}/executions?limit=100");
            Assert.Contains(body.GetProperty("executions").EnumerateArray(), e => e.GetProperty("resumed_after_restart").GetBoolean());
            await WaitUntilAsync(() => Actual(daemon, first, watermark).Split('\n').Length >= 6, "the rollup's files");
            Assert.Equal(Expected(daemon, first, watermark), Actual(daemon, first, watermark));
            Assert.Equal(0L, DuckDb.Scalar($"SELECT count(*) FROM (SELECT time, host FROM {Files(daemon, "cpu_10s")} GROUP BY ALL HAVING count(*) > 1)"));
            Assert.Empty(TempFiles(daemon.DataRoot));
        }
    }

    [Fact]
    public async Task Kill_9_at_random_moments_while_windows_run_never_duplicates_or_loses_a_window()
    {
        using var temp = new TempDirectory();
        var random = new Random(42);
        long id;
        DateTime first;
        var settings = Settings.Append("--ContinuousQueries:MaxWindowsPerTick=1").ToArray();
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, settings))
        {
            await SeedAsync(daemon, DateTime.UtcNow.AddSeconds(-10), 70);
            id = await CreateAsync(daemon);
            first = await FirstWindowAsync(daemon, id);
            await daemon.KillAsync();
        }
        for (var round = 0; round < 6; round++)
        {
            await using var daemon = await DaemonProcess.StartAsync(temp.Path, settings);
            await Task.Delay(random.Next(300, 4000));
            await daemon.KillAsync();
        }
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, settings))
        {
            await WaitUntilAsync(() => WatermarkAsync(daemon, id).Result >= first.AddSeconds(30), "three windows", 60);
            var watermark = (await WatermarkAsync(daemon, id))!.Value;
            await WaitUntilAsync(() => Actual(daemon, first, watermark).Split('\n').Length >= 6, "the rollup's files");
            Assert.Equal(Expected(daemon, first, watermark), Actual(daemon, first, watermark));
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object?>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(bool))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class ContinuousQueryJson : System.Text.Json.Serialization.JsonSerializerContext;
