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
public sealed partial class S3IntegrationTests(CephRgw rgw)
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
