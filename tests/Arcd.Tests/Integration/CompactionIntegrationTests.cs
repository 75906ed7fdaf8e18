using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>
/// Compaction in the real daemon, with DuckDB as the independent reader: exactly once through a
/// kill -9 at every step of the replacement while WAL segments (and their checkpoint intents)
/// are still live, last-write-wins deduplication, and queries that never see a row twice or miss
/// one while a cycle runs.
/// </summary>
public class CompactionIntegrationTests
{
    // Three hours ago, so the hour is closed; the files' own age is what Compaction:HourlyMinAge checks.
    private static readonly DateTime Hour = new DateTime(DateTime.UtcNow.Ticks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, DateTimeKind.Utc).AddHours(-3);

    private static readonly string[] Settings =
    [
        "--Ingest:MaxBufferAge=00:00:00.200",
        "--Compaction:HourlyMinAge=00:00:01",
        "--Compaction:HourlyMinFiles=4",
        "--Compaction:HourlySchedule=0 0 1 1 *", // only the trigger runs it during the test
        "--Compaction:DailyEnabled=false",
    ];

    private static long Micros(DateTime time) => (time - DateTime.UnixEpoch).Ticks / 10;

    private static string PartitionDirectory(string root) =>
        Path.Combine(root, "db", "cpu", Hour.ToString("yyyy/MM/dd/HH", CultureInfo.InvariantCulture));

    /// <summary>One request per file: each waits until its own file is there (the buffer age is 200 ms).</summary>
    private static async Task<int> WriteFilesAsync(DaemonProcess daemon, int files, int rowsPerFile, int firstId = 0)
    {
        var directory = PartitionDirectory(daemon.DataRoot);
        for (var f = 0; f < files; f++)
        {
            var body = new StringBuilder();
            for (var r = 0; r < rowsPerFile; r++)
            {
                var id = firstId + f * rowsPerFile + r;
                body.Append(CultureInfo.InvariantCulture, $"cpu,host=h{id % 7} id={id}i,value={id}.5 {Micros(Hour) * 1000 + (long)id * 1_000_000}\n");
            }
            var before = Directory.Exists(directory) ? Directory.GetFiles(directory, "*.parquet").Length : 0;
            await PostLineProtocolAsync(daemon, body.ToString());
            await WaitUntilAsync(() => Directory.Exists(directory) && Directory.GetFiles(directory, "*.parquet").Length > before, "a flush");
        }
        return files * rowsPerFile;
    }

    private static async Task PostLineProtocolAsync(DaemonProcess daemon, string lines)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/write/line-protocol") { Content = new StringContent(lines) };
        request.Headers.Add("x-arc-database", "db");
        using var response = await daemon.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {seconds} s for {what}");
            await Task.Delay(20);
        }
    }

    private static async Task<JsonElement> GetJsonAsync(DaemonProcess daemon, string path)
    {
        using var response = await daemon.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task TriggerAndWaitAsync(DaemonProcess daemon)
    {
        using var response = await daemon.Client.PostAsync("/api/v1/compaction/trigger?tier=hourly", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitUntilAsync(() => !GetJsonAsync(daemon, "/api/v1/compaction/stats").Result.GetProperty("cycle_running").GetBoolean(), "the cycle to end", 60);
    }

    private static void AssertEveryIdOnce(string root, int rows)
    {
        var files = $"read_parquet('{root}/db/cpu/**/*.parquet', union_by_name = true)";
        Assert.Equal((long)rows, DuckDb.Scalar($"SELECT count(*) FROM {files}"));
        Assert.Equal((long)rows, DuckDb.Scalar($"SELECT count(DISTINCT id) FROM {files}"));
        Assert.Equal(0L, DuckDb.Scalar($"SELECT count(*) FROM {files} WHERE value <> id + 0.5"));
    }

    [Theory]
    [InlineData("replace-before-visible")]
    [InlineData("replace-after-visible")]
    [InlineData("replace-mid-delete")]
    public async Task A_kill_at_any_step_with_live_wal_segments_ends_exactly_once(string crashPoint)
    {
        using var temp = new TempDirectory();
        int rows;
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, Settings, environment: new Dictionary<string, string> { ["ARCD_TEST_CRASH_POINT"] = crashPoint }))
        {
            rows = await WriteFilesAsync(daemon, files: 5, rowsPerFile: 40);
            await Task.Delay(1200); // the newest file must be older than HourlyMinAge
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(temp.Path, "data", "wal"), "*.wal", SearchOption.AllDirectories));
            using var response = await daemon.Client.PostAsync("/api/v1/compaction/trigger?tier=hourly", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await daemon.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"crash point {crashPoint}", daemon.Output);
        }

        // Restart: the interrupted replacement is finished or rolled back, the WAL is replayed, nothing doubles.
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, Settings))
        {
            AssertEveryIdOnce(daemon.DataRoot, rows);
            Assert.Empty(Directory.GetFiles(Path.Combine(daemon.DataRoot, ".arcd", "replacements")));
            // The next cycle finishes the job: one file, no temp file left.
            await TriggerAndWaitAsync(daemon);
            var files = Directory.GetFiles(PartitionDirectory(daemon.DataRoot));
            Assert.True(files.Length == 1, string.Join(", ", files.Select(Path.GetFileName)));
            Assert.EndsWith("_compacted.parquet", files[0]);
            AssertEveryIdOnce(daemon.DataRoot, rows);
            Assert.Equal(0, await daemon.StopAsync());
        }
        // And once more after a clean stop and start (replay of whatever the log still held).
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, Settings))
            AssertEveryIdOnce(daemon.DataRoot, rows);
    }

    [Fact]
    public async Task The_last_written_row_of_a_key_survives_and_queries_during_a_cycle_always_count_every_row_once()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        var rows = await WriteFilesAsync(daemon, files: 12, rowsPerFile: 2000);
        // The same key (host, time) as id 7, written later with another value: it replaces id 7's row.
        await PostLineProtocolAsync(daemon, $"cpu,host=h0 id=7i,value=7.5,late=true {Micros(Hour) * 1000 + 7L * 1_000_000}\n");
        await WaitUntilAsync(() => Directory.GetFiles(PartitionDirectory(daemon.DataRoot), "*.parquet").Length == 13, "the late file");
        await Task.Delay(1200);

        var counts = new List<long>();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/query")
                {
                    Content = new StringContent("{\"sql\": \"SELECT count(*) AS n FROM db.cpu\"}", Encoding.UTF8, "application/json"),
                };
                using var response = await daemon.Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                lock (counts) counts.Add(json.GetProperty("data")[0][0].GetInt64());
            }
        });
        await Task.Delay(300);
        await TriggerAndWaitAsync(daemon);
        await Task.Delay(300);
        stop.Cancel();
        await reader;

        // 12 x 2000 rows plus the late one, which replaced id 7's row when the files merged.
        Assert.True(counts.Count >= 3, $"only {counts.Count} queries ran");
        var before = counts[0];
        Assert.Equal(rows + 1, before);
        Assert.All(counts, c => Assert.True(c == rows + 1 || c == rows, $"a query counted {c}: {string.Join(",", counts)}"));
        // Once compacted the count drops by exactly the duplicate, and never comes back up.
        var firstAfter = counts.FindIndex(c => c == rows);
        Assert.True(firstAfter > 0, "no query ran after the cycle");
        Assert.All(counts.Skip(firstAfter), c => Assert.Equal(rows, c));

        var output = Assert.Single(Directory.GetFiles(PartitionDirectory(daemon.DataRoot)));
        Assert.Equal(true, DuckDb.Scalar($"SELECT late FROM '{output}' WHERE id = 7"));
        Assert.Equal((long)rows, DuckDb.Scalar($"SELECT count(*) FROM '{output}'"));

        var stats = await GetJsonAsync(daemon, "/api/v1/compaction/stats");
        Assert.Equal(1, stats.GetProperty("total_jobs_completed").GetInt64());
        Assert.Equal(13, stats.GetProperty("total_files_compacted").GetInt64());
        var history = await GetJsonAsync(daemon, "/api/v1/compaction/history");
        var job = Assert.Single(history.GetProperty("recent_jobs").EnumerateArray());
        Assert.Equal("hourly", job.GetProperty("tier").GetString());
        Assert.Equal(13, job.GetProperty("files_compacted").GetInt32());
        Assert.True(job.GetProperty("success").GetBoolean());
        var metrics = await daemon.Client.GetStringAsync("/metrics");
        Assert.Contains("arcd_compaction_files_in_total 13", metrics);
        Assert.Contains("arcd_compaction_jobs_total 1", metrics);
    }

    [Fact]
    public async Task Endpoints_answer_in_arcs_shapes()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        await WriteFilesAsync(daemon, files: 4, rowsPerFile: 3);
        await Task.Delay(1200);

        var candidates = await GetJsonAsync(daemon, "/api/v1/compaction/candidates");
        Assert.Equal(1, candidates.GetProperty("count").GetInt32());
        var candidate = candidates.GetProperty("candidates")[0];
        Assert.Equal("db", candidate.GetProperty("database").GetString());
        Assert.Equal("cpu", candidate.GetProperty("measurement").GetString());
        Assert.Equal(4, candidate.GetProperty("file_count").GetInt32());
        Assert.Equal("hourly", candidate.GetProperty("tier").GetString());

        var status = await GetJsonAsync(daemon, "/api/v1/compaction/status");
        Assert.Equal(JsonValueKind.Null, status.GetProperty("manager").GetProperty("active_jobs").ValueKind);
        Assert.Equal("0 0 1 1 *", status.GetProperty("schedulers").GetProperty("hourly").GetProperty("schedule").GetString());
        Assert.False(status.GetProperty("schedulers").TryGetProperty("daily", out _));

        var stats = await GetJsonAsync(daemon, "/api/v1/compaction/stats");
        Assert.Equal(JsonValueKind.Null, stats.GetProperty("recent_jobs").ValueKind);
        Assert.Equal(2, stats.GetProperty("tiers").GetArrayLength());

        using (var bad = await daemon.Client.PostAsync("/api/v1/compaction/trigger?database=1bad", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("Invalid database name", await bad.Content.ReadAsStringAsync());
        }
        using (var get = await daemon.Client.GetAsync("/api/v1/compaction/trigger"))
            Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);

        using var trigger = await daemon.Client.PostAsync("/api/v1/compaction/trigger?tier=hourly,weekly&database=db", null);
        var body = JsonDocument.Parse(await trigger.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Compaction triggered", body.GetProperty("message").GetString());
        Assert.Equal(["hourly", "weekly"], body.GetProperty("tiers").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("db", body.GetProperty("database").GetString());
        await WaitUntilAsync(() => Directory.GetFiles(PartitionDirectory(daemon.DataRoot)).Length == 1, "the compacted file");
    }

    [Fact]
    public async Task A_failed_batch_keeps_its_files_is_reported_and_leaves_ready_green()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        await WriteFilesAsync(daemon, files: 4, rowsPerFile: 3);
        // Not Parquet, under a Parquet name: the merge fails.
        File.WriteAllText(Path.Combine(PartitionDirectory(daemon.DataRoot), "cpu_20000101_000000_000000000.parquet"), "not parquet");
        await Task.Delay(1200);
        await TriggerAndWaitAsync(daemon);

        Assert.Equal(5, Directory.GetFiles(PartitionDirectory(daemon.DataRoot)).Length);
        using (var ready = await daemon.Client.GetAsync("/ready")) Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var history = await GetJsonAsync(daemon, "/api/v1/compaction/history");
        var job = Assert.Single(history.GetProperty("recent_jobs").EnumerateArray());
        Assert.False(job.GetProperty("success").GetBoolean());
        Assert.False(string.IsNullOrEmpty(job.GetProperty("error").GetString()));
        Assert.Contains("arcd_compaction_failures_total 1", await daemon.Client.GetStringAsync("/metrics"));
        Assert.Contains("compaction of db/cpu/", daemon.Output);
        var manifests = Path.Combine(daemon.DataRoot, ".arcd", "replacements");
        Assert.True(!Directory.Exists(manifests) || Directory.GetFiles(manifests).Length == 0);
    }
}
