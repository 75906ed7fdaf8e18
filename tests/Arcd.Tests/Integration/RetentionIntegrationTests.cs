using System.Globalization;
using System.Net;
using System.Text;
using Arcd.Tests.Support;
using static Arcd.Tests.Support.ManagementHttp;

namespace Arcd.Tests.Integration;

/// <summary>
/// The retention API in the real daemon (Arc's shapes and messages, the client's shapes by
/// User-Agent, merge PUT), what execution deletes (exactly the files past the cutoff; dry runs
/// change nothing), the history, the trigger, and a kill -9 mid-run with live WAL segments.
/// </summary>
public class RetentionIntegrationTests
{
    private static readonly string[] Settings = ["--Ingest:MaxBufferAge=00:00:00.200", "--Compaction:Enabled=false"];

    private static string Files(DaemonProcess daemon, string measurement) =>
        $"read_parquet('{daemon.DataRoot}/db/{measurement}/**/*.parquet', union_by_name = true)";

    [Fact]
    public async Task Policies_are_created_listed_updated_and_deleted_with_arcs_messages()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);

        // Empty lists: [] for Arc's consumers, {"policies":[],"count":0} for the Python client.
        var (status, body) = await GetAsync(daemon, "/api/v1/retention");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetArrayLength());
        (_, body) = await GetAsync(daemon, "/api/v1/retention/", ClientAgent);
        Assert.Equal(0, body.GetProperty("policies").GetArrayLength());

        foreach (var (json, message) in new[]
        {
            ("{\"database\":\"db\",\"retention_days\":3}", "name is required"),
            ("{\"name\":\"p\",\"retention_days\":3}", "database is required"),
            ("{\"name\":\"p\",\"database\":\"db\"}", "retention_days must be greater than 0"),
            ("{\"name\":\"p\",\"database\":\"db\",\"retention_days\":7,\"buffer_days\":7}", "retention_days must be greater than buffer_days"),
            ("{\"name\":\"p\",\"database\":\"db\",\"retention_days\":\"30\"}", "Invalid request body: json: cannot unmarshal string into Go struct field .retention_days of type int"),
            ("", "Invalid request body: unexpected end of JSON input"),
            ("{\"name\":\"p\",\"database\":\"../etc\",\"retention_days\":3}", "database name is not valid"),
        })
        {
            (status, body) = await PostAsync(daemon, "/api/v1/retention", json);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.StartsWith(message, body.GetProperty("error").GetString());
        }

        (status, body) = await PostAsync(daemon, "/api/v1/retention", "{\"name\":\"" + new string('x', 2 << 20) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.StartsWith("Invalid request body: larger than", body.GetProperty("error").GetString());
        (status, body) = await SendAsync(daemon, HttpMethod.Post, "/api/v1/retention", "name=p", contentType: "application/x-www-form-urlencoded");
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid request body: Unprocessable Entity"), (status, body.GetProperty("error").GetString()));
        Assert.Equal(0, (await GetAsync(daemon, "/api/v1/retention")).Body.GetArrayLength()); // nothing was stored

        (status, body) = await PostAsync(daemon, "/api/v1/retention", "{\"name\":\"logs-30d\",\"database\":\"db\",\"measurement\":\"logs\",\"retention_days\":30,\"buffer_days\":7,\"is_active\":true}");
        Assert.Equal(HttpStatusCode.Created, status);
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal("logs", body.GetProperty("measurement").GetString());
        Assert.Equal(JsonValueKindNull, body.GetProperty("last_execution_time").ValueKind);
        Assert.EndsWith("Z", body.GetProperty("created_at").GetString());
        (status, body) = await PostAsync(daemon, "/api/v1/retention", "{\"name\":\"logs-30d\",\"database\":\"db\",\"retention_days\":30}");
        Assert.Equal("Retention policy with name 'logs-30d' already exists", body.GetProperty("error").GetString());
        // Absent keys take Go's zero values on create: buffer_days 0, is_active false, measurement null.
        (status, body) = await PostAsync(daemon, "/api/v1/retention", "{\"NAME\":\"all\",\"database\":\"db\",\"retention_days\":2}");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.False(body.GetProperty("is_active").GetBoolean());
        Assert.Equal(0, body.GetProperty("buffer_days").GetInt32());
        Assert.Equal(JsonValueKindNull, body.GetProperty("measurement").ValueKind);

        (_, body) = await GetAsync(daemon, "/api/v1/retention");
        Assert.Equal(2, body.GetArrayLength());
        Assert.Equal("all", body[0].GetProperty("name").GetString()); // newest first
        (_, body) = await GetAsync(daemon, "/api/v1/retention", ClientAgent);
        Assert.Equal(2, body.GetProperty("count").GetInt32());

        // PUT merges: the client's update(id, retention_days=60) keeps the rest.
        (status, body) = await SendAsync(daemon, HttpMethod.Put, $"/api/v1/retention/{id}", "{\"retention_days\":60}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(60, body.GetProperty("retention_days").GetInt32());
        Assert.Equal("logs-30d", body.GetProperty("name").GetString());
        Assert.Equal(7, body.GetProperty("buffer_days").GetInt32());
        Assert.True(body.GetProperty("is_active").GetBoolean());
        (status, body) = await SendAsync(daemon, HttpMethod.Put, $"/api/v1/retention/{id}", "{\"buffer_days\":60}");
        Assert.Equal("retention_days must be greater than buffer_days", body.GetProperty("error").GetString());
        (status, body) = await SendAsync(daemon, HttpMethod.Put, $"/api/v1/retention/{id}", "{\"name\":\"all\"}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Retention policy with name 'all' already exists", body.GetProperty("error").GetString());
        (status, body) = await SendAsync(daemon, HttpMethod.Put, $"/api/v1/retention/{id}", "{\"measurement\":null}");
        Assert.Equal(JsonValueKindNull, body.GetProperty("measurement").ValueKind);

        (status, body) = await GetAsync(daemon, "/api/v1/retention/abc");
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid policy ID"), (status, body.GetProperty("error").GetString()));
        (status, body) = await GetAsync(daemon, "/api/v1/retention/999");
        Assert.Equal((HttpStatusCode.NotFound, "Retention policy not found"), (status, body.GetProperty("error").GetString()));
        // Confirmation is checked before the policy is looked up, as in Arc.
        (status, body) = await PostAsync(daemon, "/api/v1/retention/999/execute", "{}");
        Assert.Equal("Confirmation required for retention policy execution. Set confirm=true", body.GetProperty("error").GetString());
        (status, body) = await PostAsync(daemon, "/api/v1/retention/999/execute", "{\"confirm\":true}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        var inactive = (await GetAsync(daemon, "/api/v1/retention")).Body[0].GetProperty("id").GetInt64();
        (status, body) = await PostAsync(daemon, $"/api/v1/retention/{inactive}/execute", "{\"dry_run\":true}");
        Assert.Equal((HttpStatusCode.BadRequest, "Retention policy is not active"), (status, body.GetProperty("error").GetString()));
        (status, body) = await GetAsync(daemon, $"/api/v1/retention/{id}/executions");
        Assert.Equal(0, body.GetProperty("executions").GetArrayLength());

        (status, body) = await SendAsync(daemon, HttpMethod.Delete, $"/api/v1/retention/{id}");
        Assert.Equal("Retention policy deleted successfully", body.GetProperty("message").GetString());
        (status, _) = await SendAsync(daemon, HttpMethod.Delete, $"/api/v1/retention/{id}");
        Assert.Equal(HttpStatusCode.NotFound, status);

        // Durable: the remaining policy is there after a restart.
        Assert.Equal(0, await daemon.StopAsync());
        await using var again = await DaemonProcess.StartAsync(temp.Path, Settings);
        (_, body) = await GetAsync(again, "/api/v1/retention");
        Assert.Equal("all", Assert.Single(body.EnumerateArray()).GetProperty("name").GetString());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    /// <summary>
    /// Rows in hours 50 and 40 days ago (whole partitions past a 30-day cutoff), in the hour that holds
    /// the cutoff (one file all before it, one with a row after it), and 10 days ago.
    /// </summary>
    private static async Task<(DateTime Cutoff, long Expired, long Kept)> WriteAgesAsync(DaemonProcess daemon, string measurement)
    {
        var now = DateTime.UtcNow;
        // Keep clear of an hour boundary: the cutoff moves with the clock while the test runs.
        var intoHour = TimeSpan.FromTicks(now.Ticks % TimeSpan.TicksPerHour);
        if (intoHour < TimeSpan.FromMinutes(1) || intoHour > TimeSpan.FromMinutes(58))
        {
            await Task.Delay(TimeSpan.FromMinutes(2.5) - (intoHour > TimeSpan.FromMinutes(58) ? intoHour - TimeSpan.FromMinutes(58) : TimeSpan.Zero));
            now = DateTime.UtcNow;
        }
        var cutoff = now.AddDays(-30);
        var cutoffHour = new DateTime(cutoff.Ticks - cutoff.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
        var batches = new (DateTime Time, int Rows, bool Expired)[]
        {
            (now.AddDays(-50), 5, true),
            (now.AddDays(-40), 7, true),
            (cutoffHour.AddSeconds(10), 3, true),
            (cutoffHour.AddMinutes(59).AddSeconds(50), 4, false), // shares the hour, newest row after the cutoff
            (now.AddDays(-10), 6, false),
        };
        var id = 0;
        var root = Path.Combine(daemon.DataRoot, "db", measurement);
        foreach (var (time, rows, _) in batches)
        {
            var before = ParquetFiles(root).Length;
            var lines = new StringBuilder();
            for (var r = 0; r < rows; r++) lines.Append(CultureInfo.InvariantCulture, $"{measurement},host=h id={id++}i {Nanos(time) - r * 1_000_000_000L}\n");
            await WriteLineProtocolAsync(daemon, "db", lines.ToString());
            await WaitUntilAsync(() => ParquetFiles(root).Length > before, "a flush");
        }
        return (cutoff, batches.Where(b => b.Expired).Sum(b => b.Rows), batches.Where(b => !b.Expired).Sum(b => b.Rows));
    }

    [Fact]
    public async Task Execution_deletes_exactly_the_files_past_the_cutoff_and_a_dry_run_changes_nothing()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        var (_, expired, kept) = await WriteAgesAsync(daemon, "logs");
        await WriteAgesAsync(daemon, "other");
        var (status, body) = await PostAsync(daemon, "/api/v1/retention", "{\"name\":\"p\",\"database\":\"db\",\"measurement\":\"logs\",\"retention_days\":30,\"buffer_days\":0,\"is_active\":true}");
        Assert.Equal(HttpStatusCode.Created, status);
        var id = body.GetProperty("id").GetInt64();
        var filesBefore = ParquetFiles(Path.Combine(daemon.DataRoot, "db", "logs")).Length;

        (status, body) = await PostAsync(daemon, $"/api/v1/retention/{id}/execute", "{\"dry_run\":true,\"confirm\":false}", ClientAgent);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("dry_run").GetBoolean());
        Assert.Equal(expired, body.GetProperty("deleted_count").GetInt64());
        Assert.Equal(3, body.GetProperty("files_deleted").GetInt32());
        Assert.Equal("logs", Assert.Single(body.GetProperty("affected_measurements").EnumerateArray()).GetString());
        Assert.Equal(filesBefore, ParquetFiles(Path.Combine(daemon.DataRoot, "db", "logs")).Length);
        Assert.Equal(0, (await GetAsync(daemon, $"/api/v1/retention/{id}/executions")).Body.GetProperty("executions").GetArrayLength());

        (status, body) = await PostAsync(daemon, $"/api/v1/retention/{id}/execute", "{\"confirm\":true}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expired, body.GetProperty("deleted_count").GetInt64());
        Assert.Equal(3, body.GetProperty("files_deleted").GetInt32());
        Assert.Equal(kept, DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon, "logs")}"));
        Assert.Equal(expired + kept, DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon, "other")}"));
        // Emptied hour directories (and their emptied parents) are gone.
        var fifty = DateTime.UtcNow.AddDays(-50);
        Assert.False(Directory.Exists(Path.Combine(daemon.DataRoot, "db", "logs", fifty.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture))));

        (_, body) = await GetAsync(daemon, $"/api/v1/retention/{id}/executions");
        var execution = Assert.Single(body.GetProperty("executions").EnumerateArray());
        Assert.Equal("completed", execution.GetProperty("status").GetString());
        Assert.Equal(expired, execution.GetProperty("deleted_count").GetInt64());
        Assert.Equal("", execution.GetProperty("error_message").GetString());
        (_, body) = await GetAsync(daemon, $"/api/v1/retention/{id}");
        Assert.Equal("completed", body.GetProperty("last_execution_status").GetString());
        Assert.Equal(expired, body.GetProperty("last_deleted_count").GetInt64());

        // A database-wide policy through the trigger: "other" loses its expired files too.
        (status, _) = await PostAsync(daemon, "/api/v1/retention", "{\"name\":\"db-wide\",\"database\":\"db\",\"retention_days\":30,\"is_active\":true}");
        (status, body) = await PostAsync(daemon, "/api/v1/schedulers/retention/trigger", "");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Retention triggered successfully", body.GetProperty("message").GetString());
        Assert.Equal(kept, DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon, "other")}"));
        (_, body) = await GetAsync(daemon, "/api/v1/schedulers");
        var scheduler = body.GetProperty("retention_scheduler");
        Assert.True(scheduler.GetProperty("running").GetBoolean());
        Assert.Equal("0 3 * * *", scheduler.GetProperty("schedule").GetString());
        Assert.EndsWith("Z", scheduler.GetProperty("next_run").GetString());
        var metrics = await daemon.Client.GetStringAsync("/metrics");
        Assert.Contains("arcd_retention_files_deleted_total 6", metrics);
        Assert.Contains("arcd_retention_next_run_timestamp_seconds", metrics);
    }

    [Theory]
    [InlineData("replace-before-visible")]
    [InlineData("replace-mid-delete")]
    public async Task A_kill_during_a_run_is_finished_at_the_next_start_and_replay_brings_nothing_back(string crashPoint)
    {
        using var temp = new TempDirectory();
        long expired, kept;
        long id;
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, Settings, environment: new Dictionary<string, string> { ["ARCD_TEST_CRASH_POINT"] = crashPoint }))
        {
            (_, expired, kept) = await WriteAgesAsync(daemon, "logs");
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(temp.Path, "data", "wal"), "*.wal", SearchOption.AllDirectories));
            var (_, body) = await PostAsync(daemon, "/api/v1/retention", "{\"name\":\"p\",\"database\":\"db\",\"retention_days\":30,\"is_active\":true}");
            id = body.GetProperty("id").GetInt64();
            try
            {
                await PostAsync(daemon, $"/api/v1/retention/{id}/execute", "{\"confirm\":true}");
            }
            catch (HttpRequestException)
            {
                // The daemon died under the request.
            }
            await daemon.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"crash point {crashPoint}", daemon.Output);
        }
        for (var start = 0; start < 2; start++)
        {
            await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
            await WaitUntilAsync(() => GetAsync(daemon, $"/api/v1/retention/{id}/executions").Result.Body.GetProperty("executions").GetArrayLength() == 1, "the resumed run");
            var execution = (await GetAsync(daemon, $"/api/v1/retention/{id}/executions")).Body.GetProperty("executions")[0];
            Assert.Equal("completed", execution.GetProperty("status").GetString());
            Assert.True(execution.GetProperty("resumed_after_restart").GetBoolean());
            Assert.Equal(expired, execution.GetProperty("deleted_count").GetInt64());
            Assert.Equal(kept, DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon, "logs")}"));
            Assert.Equal(kept, DuckDb.Scalar($"SELECT count(DISTINCT id) FROM {Files(daemon, "logs")}"));
            Assert.Empty(TempFiles(daemon.DataRoot));
            Assert.Empty(Directory.GetFiles(Path.Combine(daemon.DataRoot, ".arcd", "replacements")));
            await daemon.KillAsync();
        }
    }
}
