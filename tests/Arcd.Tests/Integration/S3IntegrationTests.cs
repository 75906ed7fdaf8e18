using System.Net;
using System.Text.Json;
using Amazon.S3.Model;
using Arcd.Ingest;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>
/// The daemon on Storage:Backend=s3 against a real Ceph RGW: files land in the bucket under Arc's
/// keys and read back with DuckDB; a kill -9 just before or just after the PUT loses and repeats
/// nothing; bad credentials stop the start with the server's reason.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class S3IntegrationTests(CephRgw rgw)
{
    private static string[] Settings(S3StorageOptions s3, string node = "node-a") =>
    [
        "--Storage:Backend=s3", $"--Storage:S3:Endpoint={s3.Endpoint}", $"--Storage:S3:Bucket={s3.Bucket}", $"--Storage:S3:Prefix={s3.Prefix}",
        $"--Storage:S3:AccessKey={s3.AccessKey}", $"--Storage:S3:SecretKey={s3.SecretKey}", $"--Node:Id={node}",
        "--Compaction:Enabled=false", "--Retention:Enabled=false", "--ContinuousQueries:Enabled=false",
        "--Wal:Mode=sync", "--Ingest:Shards=1",
    ];

    private static byte[] Rows(int from, int count, long baseMicros) =>
        MsgPack.Columnar("cpu",
            ("time", Enumerable.Range(from, count).Select(i => (object?)(baseMicros + i * 1_000_000L)).ToList()),
            ("host", Enumerable.Range(from, count).Select(i => (object?)$"server{i % 7}").ToList()),
            ("id", Enumerable.Range(from, count).Select(i => (object?)(long)i).ToList()));

    /// <summary>Runs a count with the profile on: (the count, objects downloaded for it).</summary>
    private static async Task<(long Count, long Gets)> CountAsync(DaemonProcess daemon, string sql)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/query")
        {
            Content = new StringContent("{\"sql\":\"" + JsonEncodedText.Encode(sql) + "\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-arc-profile", "true");
        using var response = await daemon.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        var data = json.RootElement.GetProperty("data");
        var count = data.GetArrayLength() == 0 ? 0 : data[0][0].GetInt64();
        var gets = json.RootElement.GetProperty("profile").TryGetProperty("object_gets", out var g) ? g.GetInt64() : -1;
        return (count, gets);
    }

    private static async Task WaitFlushedAsync(DaemonProcess daemon)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !(await daemon.Client.GetStringAsync("/metrics")).Contains("arcd_buffers_live 0\n")) await Task.Delay(50);
    }

    /// <summary>Downloads every Parquet object under the prefix and reads their ids with DuckDB.</summary>
    private static List<long> IdsInBucket(S3StorageOptions s3, string into)
    {
        Directory.CreateDirectory(into);
        using var client = CephRgw.Client(s3);
        var files = new List<string>();
        foreach (var key in CephRgw.Keys(s3).Where(k => k.EndsWith(".parquet", StringComparison.Ordinal)))
        {
            var local = Path.Combine(into, key.Replace('/', '_'));
            using (var response = client.GetObjectAsync(new GetObjectRequest { BucketName = s3.Bucket, Key = key }).GetAwaiter().GetResult())
            using (var file = File.Create(local))
                response.ResponseStream.CopyTo(file);
            files.Add(local);
        }
        if (files.Count == 0) return [];
        var list = string.Join(", ", files.Select(f => $"'{f}'"));
        return DuckDb.Query($"SELECT id FROM read_parquet([{list}]) ORDER BY id").Select(r => (long)r[0]!).ToList();
    }

    [Fact]
    public async Task A_flushed_file_is_in_the_bucket_under_arcs_key_and_duckdb_reads_it()
    {
        using var temp = new TempDirectory();
        var s3 = rgw.NewBucket(prefix: "arc");
        var hour = new DateTimeOffset(2026, 11, 30, 14, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path, [.. Settings(s3), "--Ingest:MaxBufferAge=00:00:00.100"], aot: true))
        {
            using (var response = await daemon.PostMsgPackAsync(Rows(0, 500, hour), database: "prod"))
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            await WaitFlushedAsync(daemon);
            // SQL reads the bucket through the local read cache: one GET the first time, none the second.
            var (count, gets) = await CountAsync(daemon, "SELECT count(*) FROM prod.cpu WHERE time >= '2026-11-30T14:00:00Z' AND time < '2026-11-30T15:00:00Z'");
            Assert.Equal((500L, 1L), (count, gets));
            Assert.Equal((500L, 0L), await CountAsync(daemon, "SELECT count(*) FROM prod.cpu"));
            Assert.Equal((0L, 0L), await CountAsync(daemon, "SELECT count(*) FROM prod.cpu WHERE time >= '2026-11-29T00:00:00Z' AND time < '2026-11-29T01:00:00Z'"));
            using (var show = await daemon.Client.PostAsync("/api/v1/query", new StringContent("""{"sql":"SHOW TABLES FROM prod"}""", System.Text.Encoding.UTF8, "application/json")))
                Assert.Contains("\"cpu\"", await show.Content.ReadAsStringAsync());
            var metrics = await daemon.Client.GetStringAsync("/metrics");
            Assert.Contains("arcd_query_object_gets_total 1\n", metrics);
            Assert.Contains("arcd_query_cache_hits_total 1\n", metrics);
            Assert.Equal(0, await daemon.StopAsync());
            Assert.Contains($"s3://{s3.Bucket}/arc/", daemon.Output);
        }

        var key = Assert.Single(CephRgw.Keys(s3));
        Assert.Matches(@"^arc/prod/cpu/2026/11/30/14/cpu_\d{8}_\d{6}_\d{9}-node-a\.parquet$", key);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), IdsInBucket(s3, Path.Combine(temp.Path, "download")));
        Assert.Empty(Directory.GetFiles(Path.Combine(temp.Path, "data", "arc", ".arcd", "s3-staging")));
    }

    [Theory]
    [InlineData("s3-before-put")]
    [InlineData("s3-after-put")]
    public async Task A_kill_9_around_the_put_keeps_every_acknowledged_row_exactly_once(string crashPoint)
    {
        using var temp = new TempDirectory();
        var s3 = rgw.NewBucket();
        var hour = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        await using (var crashing = await DaemonProcess.StartAsync(temp.Path, [.. Settings(s3), "--Ingest:MaxBufferAge=00:00:00.200"],
                         environment: new Dictionary<string, string> { ["ARCD_TEST_CRASH_POINT"] = crashPoint }))
        {
            using var response = await crashing.PostMsgPackAsync(Rows(0, 300, hour));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode); // acknowledged: in the synced WAL
            await crashing.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60)); // the flush hits the crash point
            Assert.Contains($"crash point {crashPoint}", crashing.Output);
        }
        Assert.Equal(crashPoint == "s3-after-put" ? 1 : 0, CephRgw.Keys(s3).Count);

        await using (var restarted = await DaemonProcess.StartAsync(temp.Path, Settings(s3)))
            Assert.Equal(0, await restarted.StopAsync());
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), IdsInBucket(s3, Path.Combine(temp.Path, "download")));
    }

    [SkippableFact]
    public async Task A_20_second_outage_under_load_loses_and_duplicates_nothing()
    {
        using var temp = new TempDirectory();
        var s3 = rgw.NewBucket(prefix: "outage");
        await using var daemon = await DaemonProcess.StartAsync(temp.Path,
            [.. Settings(s3), "--Ingest:MemoryBudgetBytes=4194304", "--Ingest:MaxBufferAge=00:00:00.100", "--Storage:S3:RequestTimeout=00:00:05"]);
        var acknowledged = new HashSet<long>();
        var random = new Random(1);
        var nextId = 0L;
        var refusals = 0;
        string? retryAfter = null;
        async Task WriteAsync()
        {
            var ids = Enumerable.Range(0, 500).Select(_ => nextId++).ToArray();
            var body = MsgPack.Columnar("fill",
                ("time", ids.Select(id => (object?)(1_700_000_000_000_000L + id * 1000)).ToList()),
                ("id", ids.Select(id => (object?)id).ToList()),
                ("noise", ids.Select(_ => (object?)random.NextDouble()).ToList()));
            using var response = await daemon.PostMsgPackAsync(body, "fault");
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                acknowledged.UnionWith(ids);
                return;
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            retryAfter = response.Headers.RetryAfter?.ToString();
            refusals++;
            await Task.Delay(50);
        }

        for (var i = 0; i < 10; i++) await WriteAsync();
        rgw.StopGateway();
        var outage = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (outage.Elapsed < TimeSpan.FromSeconds(20)) await WriteAsync();
            Assert.True(refusals > 0, $"the memory budget never ran out ({acknowledged.Count} rows acknowledged)");
            Assert.Equal("1", retryAfter);
            using (var ready = await daemon.Client.GetAsync("/ready"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                Assert.Contains("storage failing", await ready.Content.ReadAsStringAsync());
            }
            Assert.Contains("arcd_storage_failing 1", await daemon.Client.GetStringAsync("/metrics"));
        }
        finally
        {
            rgw.StartGateway();
        }

        await daemon.WaitReadyAsync(TimeSpan.FromSeconds(120)); // no restart: the retries catch up
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline && !(await daemon.Client.GetStringAsync("/metrics")).Contains("arcd_buffers_live 0\n")) await Task.Delay(100);
        var before = refusals;
        await WriteAsync();
        Assert.Equal(before, refusals);
        Assert.Equal(0, await daemon.StopAsync());

        var ids = IdsInBucket(s3, Path.Combine(temp.Path, "download"));
        var present = ids.ToHashSet();
        var lost = acknowledged.Count(id => !present.Contains(id));
        var duplicated = ids.Count - ids.Distinct().Count();
        Assert.True(lost == 0 && duplicated == 0, $"{acknowledged.Count} acknowledged, {refusals} refused: {lost} lost, {duplicated} duplicated");
    }

    [Fact]
    public async Task Two_nodes_on_one_bucket_never_collide_and_each_reads_both_and_a_compacted_away_object_is_never_requested()
    {
        using var temp = new TempDirectory();
        var s3 = rgw.NewBucket(prefix: "shared");
        string[] fast = ["--Ingest:MaxBufferAge=00:00:00.050", "--Query:ListingCacheTtl=00:00:00"];
        Directory.CreateDirectory(Path.Combine(temp.Path, "a"));
        Directory.CreateDirectory(Path.Combine(temp.Path, "b"));
        await using var a = await DaemonProcess.StartAsync(Path.Combine(temp.Path, "a"), [.. Settings(s3, "node-a"), .. fast]);
        await using var b = await DaemonProcess.StartAsync(Path.Combine(temp.Path, "b"), [.. Settings(s3, "node-b"), .. fast]);
        var hour = new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        // Both nodes write the same measurement and hour at once, many small flushes each.
        var writers = new[] { a, b }.Select((node, n) => Task.Run(async () =>
        {
            for (var batch = 0; batch < 20; batch++)
            {
                using var response = await node.PostMsgPackAsync(Rows(n * 10_000 + batch * 100, 100, hour), database: "prod");
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
                await Task.Delay(60);
            }
        })).ToArray();
        await Task.WhenAll(writers);
        await WaitFlushedAsync(a);
        await WaitFlushedAsync(b);

        var keys = CephRgw.Keys(s3).Where(k => k.EndsWith(".parquet", StringComparison.Ordinal)).ToList();
        Assert.Contains(keys, k => k.EndsWith("-node-a.parquet", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.EndsWith("-node-b.parquet", StringComparison.Ordinal));
        Assert.Equal((4000L, 4000L), ((await CountAsync(a, "SELECT count(*) FROM prod.cpu")).Count, (await CountAsync(b, "SELECT count(*) FROM prod.cpu")).Count));
        Assert.Equal(4000, IdsInBucket(s3, Path.Combine(temp.Path, "download")).Distinct().Count());

        // Another process compacts the hour: one object with every row is PUT, the inputs deleted.
        // Node a has all the inputs cached; its next query must read the new object, never a deleted one.
        var merged = Path.Combine(temp.Path, "merged.parquet");
        var inputs = Directory.GetFiles(Path.Combine(temp.Path, "download")).Select(f => $"'{f}'");
        DuckDb.Query($"COPY (SELECT * FROM read_parquet([{string.Join(", ", inputs)}]) ORDER BY time) TO '{merged}' (FORMAT parquet)");
        using (var client = CephRgw.Client(s3))
        {
            var output = "shared/prod/cpu/2026/11/30/10/cpu_20261130_110000_000000000_b1_compacted.parquet";
            await client.PutObjectAsync(new PutObjectRequest { BucketName = s3.Bucket, Key = output, FilePath = merged });
            foreach (var key in keys) await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = s3.Bucket, Key = key });
        }
        var (count, gets) = await CountAsync(a, "SELECT count(*) FROM prod.cpu");
        Assert.Equal((4000L, 1L), (count, gets));
        Assert.Equal(4000L, (await CountAsync(b, "SELECT count(DISTINCT id) FROM prod.cpu")).Count);
    }

    [SkippableFact]
    public async Task Ready_follows_real_reads_of_the_bucket_even_with_no_writes()
    {
        using var temp = new TempDirectory();
        var s3 = rgw.NewBucket();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path,
            [.. Settings(s3), "--Ingest:MaxBufferAge=00:00:00.100", "--Storage:S3:HealthCheckInterval=00:00:00.300", "--Storage:S3:RequestTimeout=00:00:02"]);
        using (var response = await daemon.PostMsgPackAsync(Rows(0, 10, 1_700_000_000_000_000L)))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await WaitFlushedAsync(daemon);

        rgw.StopGateway();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            string body = "";
            while (DateTime.UtcNow < deadline)
            {
                using var ready = await daemon.Client.GetAsync("/ready");
                body = await ready.Content.ReadAsStringAsync();
                if (ready.StatusCode == HttpStatusCode.ServiceUnavailable) break;
                await Task.Delay(100);
            }
            Assert.Contains("storage unreachable: S3", body);
            using var query = await daemon.Client.PostAsync("/api/v1/query",
                new StringContent("""{"sql":"SELECT count(*) FROM cpu"}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, query.StatusCode);
            Assert.Contains("object storage cannot be", await query.Content.ReadAsStringAsync());
        }
        finally
        {
            rgw.StartGateway();
        }
        await daemon.WaitReadyAsync(TimeSpan.FromSeconds(60));
        Assert.Equal((10L, 1L), await CountAsync(daemon, "SELECT count(*) FROM cpu"));
    }

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
        long MicrosDaysAgo(int days) => (DateTime.UtcNow.AddDays(-days) - DateTime.UnixEpoch).Ticks / 10;
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

    [Fact]
    public async Task A_wrong_secret_or_missing_bucket_stops_the_start_with_the_reason()
    {
        using var temp = new TempDirectory();
        var s3 = rgw.NewBucket();
        foreach (var (settings, reason) in new[]
                 {
                     (Settings(s3 with { SecretKey = "wrong-secret" }), "SignatureDoesNotMatch"),
                     (Settings(s3 with { Bucket = s3.Bucket + "-missing" }), "NoSuchBucket"),
                 })
        {
            await using var daemon = await DaemonProcess.StartAsync(temp.Path, settings, aot: true, waitHealthy: false);
            await daemon.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(1, daemon.Process.ExitCode);
            Assert.Contains("Storage:S3:", daemon.Output);
            Assert.Contains(reason, daemon.Output);
            Assert.DoesNotContain("wrong-secret", daemon.Output);
        }
    }
}
