using System.Globalization;
using System.Net;
using System.Text;
using Arcd.Tests.Support;
using static Arcd.Tests.Support.ManagementHttp;

namespace Arcd.Tests.Integration;

/// <summary>
/// <c>POST /api/v1/delete</c> in the real daemon, read back with DuckDB: Arc's validation and
/// envelope, exact row removal (NULL-predicate rows kept), rewritten files sorted with statistics,
/// buffered rows covered, 207 on a file that cannot be rewritten, and exactly-once through kill -9
/// with live WAL segments.
/// </summary>
public class DeleteIntegrationTests
{
    private static readonly DateTime Hour = new DateTime(DateTime.UtcNow.Ticks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, DateTimeKind.Utc).AddHours(-5);

    private static readonly string[] Settings = ["--Ingest:MaxBufferAge=00:00:00.200", "--Delete:Enabled=true", "--Compaction:Enabled=false"];

    private static string Files(DaemonProcess daemon) => $"read_parquet('{daemon.DataRoot}/db/cpu/**/*.parquet', union_by_name = true)";

    /// <summary>Three hours of rows: id, host a/b/c by id, region set on even ids only; one file per hour.</summary>
    private static async Task<int> WriteAsync(DaemonProcess daemon, int perHour = 30)
    {
        for (var h = 0; h < 3; h++)
        {
            var body = new StringBuilder();
            for (var i = 0; i < perHour; i++)
            {
                var id = h * perHour + i;
                var host = "abc"[id % 3];
                var region = id % 2 == 0 ? ",region=eu" : "";
                body.Append(CultureInfo.InvariantCulture, $"cpu,host={host}{region} id={id}i,value={id}.5 {Nanos(Hour.AddHours(h)) + (perHour - i) * 1_000_000_000L}\n");
            }
            await WriteLineProtocolAsync(daemon, "db", body.ToString());
        }
        await WaitUntilAsync(() => ParquetFiles(Path.Combine(daemon.DataRoot, "db", "cpu")).Length == 3, "three files");
        return 3 * perHour;
    }

    private static string Body(string where, bool dryRun, bool confirm, string measurement = "cpu") =>
        $"{{\"database\":\"db\",\"measurement\":\"{measurement}\",\"where\":\"{System.Text.Json.JsonEncodedText.Encode(where, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\",\"dry_run\":{(dryRun ? "true" : "false")},\"confirm\":{(confirm ? "true" : "false")}}}";

    [Fact]
    public async Task Disabled_by_default_with_arcs_403_and_the_config_says_so()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path);
        var (status, body) = await PostAsync(daemon, "/api/v1/delete", Body("host = 'a'", true, false));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Contains("Delete:Enabled=true", body.GetProperty("error").GetString());
        Assert.Equal(0, body.GetProperty("files_processed").GetArrayLength());
        var (configStatus, config) = await GetAsync(daemon, "/api/v1/delete/config");
        Assert.Equal(HttpStatusCode.OK, configStatus);
        Assert.False(config.GetProperty("enabled").GetBoolean());
        Assert.Equal(10000, config.GetProperty("confirmation_threshold").GetInt64());
        Assert.Equal(1000000, config.GetProperty("max_rows_per_delete").GetInt64());
        Assert.Equal("rewrite-based", config.GetProperty("implementation").GetString());
    }

    [Theory]
    [InlineData("", "WHERE clause is required. To delete all data, use WHERE clause '1=1' with confirm=true")]
    [InlineData("host = 'a'; DROP TABLE x", "WHERE clause contains forbidden pattern: ;")]
    [InlineData("host = 'a' -- x", "WHERE clause contains forbidden pattern: --")]
    [InlineData("host = 'a' /* x */", "WHERE clause contains forbidden pattern: /*")]
    [InlineData("host IN (select host from t)", "WHERE clause contains forbidden keyword: SELECT")]
    [InlineData("host = 'a' union all", "WHERE clause contains forbidden keyword: UNION")]
    [InlineData("len(read_text('x')) > 0", "WHERE clause contains forbidden file I/O function: read_text()")]
    [InlineData("host = 'a", "WHERE clause has unmatched quotes")]
    [InlineData("(host = 'a'", "WHERE clause has unmatched parentheses")]
    [InlineData("host IN (FROM t)", "WHERE clause may not contain a subquery")]
    [InlineData("getenv('HOME') = 'x'", "WHERE clause may not call getenv()")]
    [InlineData("host = 'a', id = 1", "WHERE clause must be one expression, not a list")]
    [InlineData("1=1", "Full table delete detected (WHERE 1=1). Set confirm=true to proceed.")]
    [InlineData("host = 'a' AND id > 3", "Confirmation required for delete operation. Set confirm=true or use dry_run=true to preview.", false)]
    public async Task Bad_requests_get_arcs_messages_in_the_envelope(string where, string message, bool dryRun = true)
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        var (status, body) = await PostAsync(daemon, "/api/v1/delete", Body(where, dryRun, confirm: false));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(message, body.GetProperty("error").GetString());
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal(0, body.GetProperty("files_processed").GetArrayLength());

        (status, body) = await PostAsync(daemon, "/api/v1/delete", "{\"database\":\"db\",\"measurement\":\"../x\",\"where\":\"a=1\",\"dry_run\":true}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("measurement name contains invalid characters", body.GetProperty("error").GetString());
        (status, body) = await PostAsync(daemon, "/api/v1/delete", "{\"measurement\":\"cpu\"}");
        Assert.Equal("database is required", body.GetProperty("error").GetString());
        (status, body) = await PostAsync(daemon, "/api/v1/delete", "{\"database\":\"db\",\"dry_run\":\"yes\"}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("Invalid request body: json: cannot unmarshal string", body.GetProperty("error").GetString());
        (status, body) = await SendAsync(daemon, HttpMethod.Post, "/api/v1/delete", "database=db", contentType: "text/plain");
        Assert.Equal("Invalid request body: Unprocessable Entity", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_delete_removes_exactly_the_matching_rows_keeps_null_predicate_rows_and_covers_buffered_rows()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, ["--Ingest:MaxBufferAge=00:10:00", "--Delete:Enabled=true", "--Compaction:Enabled=false"]);
        // Long buffer age: the rows are still in buffers when the delete starts; it flushes them first.
        var total = 90;
        var lines = new StringBuilder();
        for (var id = 0; id < total; id++)
        {
            var host = "abc"[id % 3];
            var region = id % 2 == 0 ? ",region=eu" : "";
            lines.Append(CultureInfo.InvariantCulture, $"cpu,host={host}{region} id={id}i,value={id}.5 {Nanos(Hour.AddHours(id / 30)) + (30 - id % 30) * 1_000_000_000L}\n");
        }
        await WriteLineProtocolAsync(daemon, "db", lines.ToString());
        Assert.Empty(ParquetFiles(Path.Combine(daemon.DataRoot, "db", "cpu")));

        // region = 'eu' is NULL on odd ids: those rows stay, so the dry run counts what the real run removes.
        const string where = "region = 'eu' AND host <> 'c'";
        var expected = Enumerable.Range(0, total).Count(id => id % 2 == 0 && "abc"[id % 3] != 'c');
        var (status, dry) = await PostAsync(daemon, "/api/v1/delete", Body(where, dryRun: true, confirm: false));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(dry.GetProperty("success").GetBoolean());
        Assert.True(dry.GetProperty("dry_run").GetBoolean());
        Assert.Equal(expected, dry.GetProperty("deleted_count").GetInt64());
        Assert.Equal(3, dry.GetProperty("affected_files").GetInt32());
        Assert.Equal(0, dry.GetProperty("rewritten_files").GetInt32());
        Assert.Equal((long)total, DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon)}"));

        var (realStatus, real) = await PostAsync(daemon, "/api/v1/delete", Body(where, dryRun: false, confirm: true));
        Assert.Equal(HttpStatusCode.OK, realStatus);
        Assert.Equal(expected, real.GetProperty("deleted_count").GetInt64());
        Assert.Equal(3, real.GetProperty("rewritten_files").GetInt32());
        Assert.Equal(3, real.GetProperty("files_processed").GetArrayLength());
        Assert.False(real.TryGetProperty("failed_files", out _));
        Assert.False(real.TryGetProperty("error", out _));
        Assert.Equal((long)(total - expected), DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon)}"));
        Assert.Equal(0L, DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon)} WHERE region = 'eu' AND host <> 'c'"));
        Assert.Equal((long)(total - expected), DuckDb.Scalar($"SELECT count(DISTINCT id) FROM {Files(daemon)}"));

        // Each rewritten file: a new name, sorted by time, with statistics and arcd's key-value metadata.
        foreach (var file in ParquetFiles(Path.Combine(daemon.DataRoot, "db", "cpu")))
        {
            Assert.EndsWith("_r1.parquet", file);
            Assert.Equal(0L, DuckDb.Scalar($"SELECT count(*) FROM (SELECT time, lag(time) OVER () AS previous FROM '{file}') WHERE time < previous"));
            Assert.Equal(0L, DuckDb.Scalar($"SELECT count(*) FROM parquet_metadata('{file}') WHERE path_in_schema = 'time' AND stats_min_value IS NULL"));
            Assert.Equal("host,region", DuckDb.Scalar($"SELECT decode(value) FROM parquet_kv_metadata('{file}') WHERE decode(key) = 'arc:tags'"));
        }

        // The query path sees the same rows.
        var (queryStatus, query) = await PostAsync(daemon, "/api/v1/query", "{\"sql\":\"SELECT count(*) AS n FROM db.cpu\"}");
        Assert.Equal(HttpStatusCode.OK, queryStatus);
        Assert.Equal(total - expected, query.GetProperty("data")[0][0].GetInt64());

        // A predicate matching every row of one file removes that file.
        var hourTwo = Hour.AddHours(2).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var (wholeStatus, whole) = await PostAsync(daemon, "/api/v1/delete", Body($"time >= '{hourTwo}'", dryRun: false, confirm: true));
        Assert.Equal(HttpStatusCode.OK, wholeStatus);
        Assert.Equal(1, whole.GetProperty("rewritten_files").GetInt32());
        Assert.Equal(2, ParquetFiles(Path.Combine(daemon.DataRoot, "db", "cpu")).Length);
        Assert.False(Directory.Exists(Path.Combine(daemon.DataRoot, "db", "cpu", Hour.AddHours(2).ToString("yyyy/MM/dd/HH", CultureInfo.InvariantCulture))));
        Assert.Empty(TempFiles(daemon.DataRoot));
        var metrics = await daemon.Client.GetStringAsync("/metrics");
        Assert.Contains("arcd_delete_files_removed_total 1", metrics);
        Assert.Contains("arcd_delete_files_rewritten_total 3", metrics);
    }

    [Fact]
    public async Task Row_limits_refuse_before_anything_changes_and_an_unknown_column_is_a_400()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, [.. Settings, "--Delete:ConfirmationThreshold=10", "--Delete:MaxRowsPerDelete=50"]);
        var total = await WriteAsync(daemon);
        var (status, body) = await PostAsync(daemon, "/api/v1/delete", Body("id < 20", dryRun: true, confirm: false));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Delete would affect 20 rows (threshold: 10). Set confirm=true to proceed.", body.GetProperty("error").GetString());
        (status, body) = await PostAsync(daemon, "/api/v1/delete", Body("id < 60", dryRun: false, confirm: true));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("Delete would affect 60 rows, exceeding maximum of 50.", body.GetProperty("error").GetString());
        (status, body) = await PostAsync(daemon, "/api/v1/delete", Body("nosuchcolumn = 1", dryRun: true, confirm: true));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("WHERE clause cannot be evaluated:", body.GetProperty("error").GetString());
        (status, body) = await PostAsync(daemon, "/api/v1/delete", Body("id < 0", dryRun: false, confirm: true));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetProperty("deleted_count").GetInt64());
        Assert.Equal(0, body.GetProperty("files_processed").GetArrayLength());
        Assert.Equal((long)total, DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon)}"));
    }

    [Fact]
    public async Task A_file_that_cannot_be_rewritten_gives_207_and_stays_while_the_others_are_done()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        await WriteAsync(daemon);
        // A file another tool wrote, with a DATE column arcd's encoder does not write: counting works, rewriting cannot.
        var foreignDirectory = Path.Combine(daemon.DataRoot, "db", "cpu", Hour.ToString("yyyy/MM/dd/HH", CultureInfo.InvariantCulture));
        var foreign = Path.Combine(foreignDirectory, "cpu_foreign.parquet");
        DuckDb.Query($"COPY (SELECT TIMESTAMPTZ '{Hour:yyyy-MM-dd HH:mm:ss}+00' + INTERVAL (i) SECOND AS time, CASE WHEN i < 2 THEN 'a' ELSE 'z' END AS host, i::BIGINT + 1000 AS id, DATE '2026-01-01' AS day FROM range(4) t(i)) TO '{foreign}' (FORMAT parquet)");
        var (status, body) = await PostAsync(daemon, "/api/v1/delete", Body("host = 'a'", dryRun: false, confirm: true));
        Assert.Equal((HttpStatusCode)207, status);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal("cpu_foreign.parquet", Assert.Single(body.GetProperty("failed_files").EnumerateArray()).GetString());
        Assert.Equal("1 of 4 files failed to process", body.GetProperty("error").GetString());
        Assert.Equal(3, body.GetProperty("rewritten_files").GetInt32());
        Assert.True(File.Exists(foreign));
        Assert.Equal(2L, DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon)} WHERE host = 'a'"));
    }

    [Theory]
    [InlineData("replace-before-visible")]
    [InlineData("replace-after-visible")]
    [InlineData("replace-mid-delete")]
    public async Task A_kill_during_a_rewrite_leaves_old_or_new_and_replay_never_brings_deleted_rows_back(string crashPoint)
    {
        using var temp = new TempDirectory();
        int total;
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, Settings, environment: new Dictionary<string, string> { ["ARCD_TEST_CRASH_POINT"] = crashPoint }))
        {
            total = await WriteAsync(daemon);
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(temp.Path, "data", "wal"), "*.wal", SearchOption.AllDirectories));
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/delete") { Content = new StringContent(Body("host = 'b'", false, true), Encoding.UTF8, "application/json") };
            try
            {
                using var response = await daemon.Client.SendAsync(request);
            }
            catch (HttpRequestException)
            {
                // The daemon died under the request.
            }
            await daemon.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"crash point {crashPoint}", daemon.Output);
        }
        var others = (long)Enumerable.Range(0, total).Count(i => i % 3 != 1);
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, Settings))
        {
            Assert.Equal(DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon)}"), DuckDb.Scalar($"SELECT count(DISTINCT id) FROM {Files(daemon)}"));
            // Either the first file's rewrite happened or it did not; the other rows are all there, once.
            Assert.Equal(others, DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon)} WHERE host <> 'b'"));
            var b = (long)DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon)} WHERE host = 'b'")!;
            Assert.True(b == (crashPoint == "replace-before-visible" ? 30 : 20), $"{b} rows of host b");
            Assert.Empty(TempFiles(daemon.DataRoot));
            Assert.Empty(Directory.GetFiles(Path.Combine(daemon.DataRoot, ".arcd", "replacements")));

            // Finish the delete; then write more and delete again, and kill while the WAL still holds every one of those rows.
            var (status, body) = await PostAsync(daemon, "/api/v1/delete", Body("host = 'b'", false, true));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(b, body.GetProperty("deleted_count").GetInt64());
            await WriteLineProtocolAsync(daemon, "db", $"cpu,host=b id=1000i,value=1.5 {Nanos(Hour) + 1}\ncpu,host=z id=1001i,value=1.5 {Nanos(Hour) + 2}\n");
            (status, body) = await PostAsync(daemon, "/api/v1/delete", Body("host = 'b'", false, true));
            Assert.Equal(1, body.GetProperty("deleted_count").GetInt64());
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(temp.Path, "data", "wal"), "*.wal", SearchOption.AllDirectories));
            await daemon.KillAsync();
        }
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, Settings))
        {
            Assert.Equal(0L, DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon)} WHERE host = 'b'"));
            Assert.Equal(others + 1, DuckDb.Scalar($"SELECT count(DISTINCT id) FROM {Files(daemon)}"));
            Assert.Equal(others + 1, DuckDb.Scalar($"SELECT count(*) FROM {Files(daemon)}"));
        }
    }
}
