using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>/metrics carries the profiling plan: per-stage time, records and bytes by endpoint, GC.</summary>
public partial class MetricsTests
{
    [Fact]
    public async Task Every_stage_and_endpoint_is_counted()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, ["--Ingest:MaxBufferAge=00:00:00.2"]);
        await daemon.WaitReadyAsync();
        var body = MsgPack.Columnar("cpu", ("time", [1_700_000_000_000_000L, 1_700_000_001_000_000L]), ("v", [1.0, 2.0]));
        using (var response = await daemon.PostMsgPackAsync(body)) Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var lines = "mem v=1 1700000000000000000\nmem v=2 1700000001000000000\nmem v=3 1700000002000000000\n";
        using var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(lines));
        using (var response = await daemon.Client.PostAsync("/write?db=x", new ByteArrayContent(gzipped.ToArray()))) Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using (var bad = await daemon.Client.PostAsync("/write?db=x", new StringContent("not line protocol"))) Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        string metrics;
        while (!(metrics = await daemon.Client.GetStringAsync("/metrics")).Contains("arcd_records_written_total 5\n"))
        {
            Assert.True(DateTime.UtcNow < deadline, metrics);
            await Task.Delay(100);
        }
        foreach (var stage in new[] { "decompress", "decode", "queue_wait", "wal_write", "wal_sync", "append", "sort", "encode", "store" })
        {
            Assert.True(Value(metrics, $"arcd_stage_operations_total{{stage=\"{stage}\"}}") > 0, stage);
            Assert.True(Value(metrics, $"arcd_stage_seconds_total{{stage=\"{stage}\"}}") > 0, stage);
        }
        Assert.Equal(2, Value(metrics, "arcd_write_records_total{endpoint=\"/api/v1/write/msgpack\"}"));
        Assert.Equal(3, Value(metrics, "arcd_write_records_total{endpoint=\"/write\"}"));
        Assert.Equal(body.Length, Value(metrics, "arcd_write_bytes_total{endpoint=\"/api/v1/write/msgpack\"}"));
        Assert.Equal(1, Value(metrics, "arcd_write_requests_total{endpoint=\"/write\",class=\"2xx\"}"));
        Assert.Equal(1, Value(metrics, "arcd_write_requests_total{endpoint=\"/write\",class=\"4xx\"}"));
        Assert.Equal(0, Value(metrics, "arcd_buffered_rows"));
        // The write latency histogram counts all three writes (the 400 too); buckets are cumulative.
        Assert.Contains("# TYPE arcd_write_duration_seconds histogram", metrics);
        Assert.Equal(3, Value(metrics, "arcd_write_duration_seconds_count"));
        Assert.Equal(3, Value(metrics, "arcd_write_duration_seconds_bucket{le=\"+Inf\"}"));
        Assert.True(Value(metrics, "arcd_write_duration_seconds_sum") > 0);
        var buckets = metrics.Split('\n').Where(l => l.StartsWith("arcd_write_duration_seconds_bucket{", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(14, buckets.Count);
        Assert.Equal(buckets.Order(), buckets);
        Assert.True(Value(metrics, "arcd_resident_memory_bytes") > 1 << 20);
        Assert.True(Value(metrics, "arcd_gc_allocated_bytes_total") > 0);
        Assert.Contains("arcd_gc_collections_total{generation=\"2\"}", metrics);
        Assert.Contains("arcd_lock_contention_total", metrics);
        Assert.Contains("arcd_shard_queue_depth", metrics);
        // Every sample line is "name[{labels}] number", every family has HELP and TYPE.
        foreach (var line in metrics.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
            Assert.Matches(SampleLine(), line);
    }

    private static double Value(string metrics, string series)
    {
        var line = metrics.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("""^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.eE+-]+$""")]
    private static partial Regex SampleLine();
}
