using System.Net;
using System.Text.Json;
using Amazon.S3.Model;
using Arcd.Ingest;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>Compaction, retention, deletes and continuous queries on the bucket, on one node and two.</summary>
public sealed partial class S3IntegrationTests
{
    private static string[] CompactionSettings(S3StorageOptions s3, string node = "node-a") =>
    [
        .. Settings(s3, node).Where(a => a != "--Compaction:Enabled=false"),
        "--Ingest:MaxBufferAge=00:00:00.200", "--Compaction:HourlyMinAge=00:00:01", "--Compaction:HourlyMinFiles=4",
        "--Compaction:HourlySchedule=0 0 1 1 *", "--Compaction:DailyEnabled=false", "--Query:ListingCacheTtl=00:00:00",
    ];

    /// <summary>Five requests, each waited for until its own object is in the bucket (one file each); returns the ids.</summary>
    private static async Task<int> WriteObjectsAsync(DaemonProcess daemon, S3StorageOptions s3, long hour, int objects, int rowsPerObject)
    {
        for (var f = 0; f < objects; f++)
        {
            var before = CephRgw.Keys(s3).Count(k => k.EndsWith(".parquet", StringComparison.Ordinal));
            using (var response = await daemon.PostMsgPackAsync(Rows(f * rowsPerObject, rowsPerObject, hour), database: "db"))
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (CephRgw.Keys(s3).Count(k => k.EndsWith(".parquet", StringComparison.Ordinal)) == before && DateTime.UtcNow < deadline) await Task.Delay(20);
        }
        return objects * rowsPerObject;
    }

    private static async Task TriggerAndWaitAsync(DaemonProcess daemon)
    {
        using (var response = await daemon.Client.PostAsync("/api/v1/compaction/trigger?tier=hourly", null))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            using var stats = JsonDocument.Parse(await daemon.Client.GetStringAsync("/api/v1/compaction/stats"));
            if (!stats.RootElement.GetProperty("cycle_running").GetBoolean()) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("the compaction cycle did not end");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("replace-before-visible")]
    [InlineData("replace-after-visible")]
    [InlineData("replace-mid-delete")]
    public async Task Compaction_on_the_bucket_is_exactly_once_through_a_kill_at_any_step(string? crashPoint)
    {
        using var temp = new TempDirectory();
        var s3 = rgw.NewBucket(prefix: "arc");
        var hourStart = new DateTime(DateTime.UtcNow.Ticks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, DateTimeKind.Utc).AddHours(-3);
        var hour = (hourStart - DateTime.UnixEpoch).Ticks / 10;
        var partition = $"arc/db/cpu/{hourStart:yyyy/MM/dd/HH}/";
        int rows;
        var environment = crashPoint is null ? null : new Dictionary<string, string> { ["ARCD_TEST_CRASH_POINT"] = crashPoint };
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, CompactionSettings(s3), environment: environment))
        {
            rows = await WriteObjectsAsync(daemon, s3, hour, objects: 5, rowsPerObject: 40);
            Assert.Equal(5, CephRgw.Keys(s3).Count(k => k.StartsWith(partition, StringComparison.Ordinal)));
            await Task.Delay(1200); // older than HourlyMinAge
            if (crashPoint is null)
            {
                await TriggerAndWaitAsync(daemon);
            }
            else
            {
                using (var response = await daemon.Client.PostAsync("/api/v1/compaction/trigger?tier=hourly", null))
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await daemon.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.Contains($"crash point {crashPoint}", daemon.Output);
            }
        }

        // Restart: the interrupted replacement is finished or rolled back, the WAL replayed, nothing doubles; the next cycle finishes.
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, CompactionSettings(s3)))
        {
            Assert.Equal(Enumerable.Range(0, rows).Select(i => (long)i), IdsInBucket(s3, Path.Combine(temp.Path, "after-restart")));
            Assert.DoesNotContain(CephRgw.Keys(s3), k => k.Contains("/.arcd/replacements/", StringComparison.Ordinal));
            await TriggerAndWaitAsync(daemon);
            var compacted = Assert.Single(CephRgw.Keys(s3), k => k.StartsWith(partition, StringComparison.Ordinal));
            Assert.EndsWith("_compacted.parquet", compacted);
            Assert.DoesNotContain(CephRgw.Keys(s3), k => k.Contains("/.arcd/leases/", StringComparison.Ordinal));
            Assert.Equal(((long)rows, 1L), await CountAsync(daemon, "SELECT count(DISTINCT id) FROM db.cpu"));
            Assert.Equal(0, await daemon.StopAsync());
        }
        Assert.Equal(Enumerable.Range(0, rows).Select(i => (long)i), IdsInBucket(s3, Path.Combine(temp.Path, "final")));
    }

    [Fact]
    public async Task Two_nodes_compacting_one_partition_at_once_keep_every_row_once()
    {
        using var temp = new TempDirectory();
        var s3 = rgw.NewBucket(prefix: "arc");
        var hourStart = new DateTime(DateTime.UtcNow.Ticks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, DateTimeKind.Utc).AddHours(-3);
        var hour = (hourStart - DateTime.UnixEpoch).Ticks / 10;
        Directory.CreateDirectory(Path.Combine(temp.Path, "a"));
        Directory.CreateDirectory(Path.Combine(temp.Path, "b"));
        await using var a = await DaemonProcess.StartAsync(Path.Combine(temp.Path, "a"), CompactionSettings(s3, "node-a"));
        await using var b = await DaemonProcess.StartAsync(Path.Combine(temp.Path, "b"), CompactionSettings(s3, "node-b"));
        var rows = await WriteObjectsAsync(a, s3, hour, objects: 3, rowsPerObject: 50);
        for (var f = 0; f < 3; f++)
        {
            using var response = await b.PostMsgPackAsync(Rows(rows + f * 50, 50, hour), database: "db");
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
        await WaitFlushedAsync(b);
        rows += 150;
        await Task.Delay(1200);

        await Task.WhenAll(TriggerAndWaitAsync(a), TriggerAndWaitAsync(b));
        await Task.WhenAll(TriggerAndWaitAsync(a), TriggerAndWaitAsync(b)); // whatever one skipped, the other or a later cycle does
        Assert.Equal(Enumerable.Range(0, rows).Select(i => (long)i), IdsInBucket(s3, Path.Combine(temp.Path, "download")));
        Assert.Equal((long)rows, (await CountAsync(a, "SELECT count(*) FROM db.cpu")).Count);
        Assert.Equal((long)rows, (await CountAsync(b, "SELECT count(DISTINCT id) FROM db.cpu")).Count);
        Assert.DoesNotContain(CephRgw.Keys(s3), k => k.Contains("/.arcd/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retention_deletes_exactly_the_expired_objects_from_the_bucket()
    {
        using var temp = new TempDirectory();
        var s3 = rgw.NewBucket(prefix: "arc");
        string[] settings = [.. Settings(s3).Where(a => a != "--Retention:Enabled=false"), "--Ingest:MaxBufferAge=00:00:00.100", "--Query:ListingCacheTtl=00:00:00"];
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, settings);
        // Each batch's 100 seconds sit inside one hour (one object each), whatever the clock reads.
        var thisHour = DateTime.UtcNow.Ticks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour;
        long MicrosDaysAgo(int days) => (new DateTime(thisHour, DateTimeKind.Utc).AddDays(-days) - DateTime.UnixEpoch).Ticks / 10;
        foreach (var (days, first) in new[] { (50, 0), (40, 100), (2, 200) })
        {
            using var response = await daemon.PostMsgPackAsync(Rows(first, 100, MicrosDaysAgo(days)), database: "db");
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            await WaitFlushedAsync(daemon);
        }
        Assert.Equal(3, CephRgw.Keys(s3).Count(k => k.EndsWith(".parquet", StringComparison.Ordinal)));

        using var created = await daemon.Client.PostAsync("/api/v1/retention", new StringContent(
            """{"name":"p","database":"db","measurement":"cpu","retention_days":30,"buffer_days":0,"is_active":true}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        using var executed = await daemon.Client.PostAsync($"/api/v1/retention/{id}/execute",
            new StringContent("""{"confirm":true}""", System.Text.Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await executed.Content.ReadAsStringAsync()).RootElement;
        Assert.True(executed.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal((200L, 2), (body.GetProperty("deleted_count").GetInt64(), body.GetProperty("files_deleted").GetInt32()));

        Assert.Equal(Enumerable.Range(200, 100).Select(i => (long)i), IdsInBucket(s3, Path.Combine(temp.Path, "download")));
        Assert.Equal((100L, 1L), await CountAsync(daemon, "SELECT count(*) FROM db.cpu")); // only the kept object is fetched
        Assert.DoesNotContain(CephRgw.Keys(s3), k => k.Contains("/.arcd/", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "data", "arc", ".arcd", "retention-tmp")) &&
                     Directory.EnumerateFileSystemEntries(Path.Combine(temp.Path, "data", "arc", ".arcd", "retention-tmp")).Any());
    }

    [Fact]
    public async Task A_delete_rewrites_and_removes_objects_in_the_bucket_and_queries_see_it()
    {
        using var temp = new TempDirectory();
        var s3 = rgw.NewBucket(prefix: "arc");
        string[] settings = [.. Settings(s3), "--Delete:Enabled=true", "--Ingest:MaxBufferAge=00:00:00.100", "--Query:ListingCacheTtl=00:00:00"];
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, settings);
        var hour = new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        for (var f = 0; f < 2; f++)
        {
            using var response = await daemon.PostMsgPackAsync(Rows(f * 70, 70, hour + f * 600_000_000L), database: "db");
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            await WaitFlushedAsync(daemon);
        }
        Assert.Equal((140L, 2L), await CountAsync(daemon, "SELECT count(*) FROM db.cpu")); // both objects cached now

        // Rows 0-69 are the first object whole (removed); ids 70-99 part of the second (rewritten).
        using var deleted = await daemon.Client.PostAsync("/api/v1/delete", new StringContent(
            """{"database":"db","measurement":"cpu","where":"id < 100","confirm":true}""", System.Text.Encoding.UTF8, "application/json"));
        var body = await deleted.Content.ReadAsStringAsync();
        Assert.True(deleted.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(100, JsonDocument.Parse(body).RootElement.GetProperty("deleted_count").GetInt64());

        Assert.Equal(Enumerable.Range(100, 40).Select(i => (long)i), IdsInBucket(s3, Path.Combine(temp.Path, "download")));
        var key = Assert.Single(CephRgw.Keys(s3), k => k.EndsWith(".parquet", StringComparison.Ordinal));
        Assert.EndsWith("_r1.parquet", key);
        // This node's own rewrite refreshed its listing: the cached objects that are gone are never read.
        Assert.Equal((40L, 1L), await CountAsync(daemon, "SELECT count(*) FROM db.cpu"));
        Assert.DoesNotContain(CephRgw.Keys(s3), k => k.Contains("/.arcd/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_continuous_query_reads_the_bucket_and_writes_its_rollup_there_and_a_rerun_replaces_it()
    {
        using var temp = new TempDirectory();
        var s3 = rgw.NewBucket(prefix: "arc");
        string[] settings = [.. Settings(s3).Where(a => a != "--ContinuousQueries:Enabled=false"), "--Delete:Enabled=true",
            "--Ingest:MaxBufferAge=00:00:00.100", "--Query:ListingCacheTtl=00:00:00"];
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, settings);
        var hour = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        using (var response = await daemon.PostMsgPackAsync(Rows(0, 120, hour), database: "db")) // one row a second, 7 hosts
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await WaitFlushedAsync(daemon);

        async Task<JsonElement> PostJsonAsync(string path, string json)
        {
            using var response = await daemon.Client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        var created = await PostJsonAsync("/api/v1/continuous_queries",
            "{\"name\":\"cpu-1m\",\"database\":\"db\",\"source_measurement\":\"cpu\",\"destination_measurement\":\"cpu_1m\",\"interval\":\"1m\",\"is_active\":true," +
            "\"query\":\"SELECT time_bucket(INTERVAL '1 minute', time) AS time, count(*) AS n FROM cpu WHERE time >= {start_time} AND time < {end_time} GROUP BY 1\"}");
        var id = created.GetProperty("id").GetInt64();
        const string window = """{"dry_run":false,"start_time":"2026-11-30T09:00:00Z","end_time":"2026-11-30T09:02:00Z"}""";
        for (var run = 0; run < 2; run++) // the second run replaces the first's rows (the delete path on the bucket)
        {
            var executed = await PostJsonAsync($"/api/v1/continuous_queries/{id}/execute", window);
            Assert.Equal(("completed", 2), (executed.GetProperty("status").GetString(), executed.GetProperty("records_written").GetInt32()));
            await WaitFlushedAsync(daemon);
            Assert.Equal(2L, (await CountAsync(daemon, "SELECT count(*) FROM db.cpu_1m")).Count);
        }
        Assert.Equal(120L, (await CountAsync(daemon, "SELECT sum(n) FROM db.cpu_1m")).Count);
        Assert.Contains(CephRgw.Keys(s3), k => k.StartsWith("arc/db/cpu_1m/2026/11/30/09/", StringComparison.Ordinal));
    }
}
