using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>The real daemon on 127.0.0.1, read back by DuckDB.</summary>
public class EndToEndIngestTests
{
    private static readonly string[] Databases = ["alpha", "beta"];
    private static readonly string[] Measurements = ["cpu", "mem", "disk"];
    private const long BaseMicros = 1_700_002_800_000_000; // 2023-11-14T23:00:00Z, an hour boundary
    private const long HourMicros = 3_600_000_000;
    private const int Requests = 6;
    private const int RowsPerRequest = 50;

    private sealed record Row(long Time, string Host, double Value, long? Count, bool Ok);

    /// <summary>Rows of one request: times scattered over 3 hours and deliberately out of order.</summary>
    private static List<Row> RowsFor(int db, int m, int request)
    {
        var rows = new List<Row>();
        for (var i = 0; i < RowsPerRequest; i++)
        {
            var serial = request * RowsPerRequest + i;
            var hour = (serial * 7 + db + m) % 3;
            var time = BaseMicros + hour * HourMicros + (RowsPerRequest - i) * 1_000_000L + request * 13 + db * 1000 + m;
            rows.Add(new Row(time, $"host{serial % 5}", serial * 0.25 + db + m / 10.0, serial % 4 == 0 ? null : serial, serial % 2 == 0));
        }
        return rows;
    }

    private static byte[] Body(string measurement, List<Row> rows) => MsgPack.Columnar(measurement,
        ("time", rows.Select(r => (object?)r.Time).ToList()),
        ("host", rows.Select(r => (object?)r.Host).ToList()),
        ("value", rows.Select(r => (object?)r.Value).ToList()),
        ("count", rows.Select(r => (object?)r.Count).ToList()),
        ("ok", rows.Select(r => (object?)r.Ok).ToList()));

    [Fact]
    public async Task Batches_over_three_hours_two_databases_and_three_measurements_land_sorted_in_the_right_files()
    {
        using var temp = new TempDirectory();
        // Age trigger far away: everything is flushed once, at shutdown, so the file count is exact.
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, ["--Ingest:MaxBufferAge=01:00:00"]);
        var expected = new Dictionary<(string, string), List<Row>>();
        for (var d = 0; d < Databases.Length; d++)
        for (var m = 0; m < Measurements.Length; m++)
        {
            var all = new List<Row>();
            for (var r = 0; r < Requests; r++)
            {
                var rows = RowsFor(d, m, r);
                all.AddRange(rows);
                using var response = await daemon.PostMsgPackAsync(Body(Measurements[m], rows), Databases[d]);
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            }
            expected[(Databases[d], Measurements[m])] = all;
        }

        Assert.Equal(0, await daemon.StopAsync());

        foreach (var ((db, m), rows) in expected)
        {
            var source = DuckDb.Files(daemon.DataRoot, db, m);
            var types = DuckDb.Types(source);
            Assert.Equal("TIMESTAMP WITH TIME ZONE", types["time"]);
            Assert.Equal("VARCHAR", types["host"]);
            Assert.Equal("DOUBLE", types["value"]);
            Assert.Equal("BIGINT", types["count"]);
            Assert.Equal("BOOLEAN", types["ok"]);

            var stored = DuckDb.Query($"SELECT epoch_us(time), host, value, count, ok FROM {source} ORDER BY 1")
                .Select(r => new Row((long)r[0]!, (string)r[1]!, (double)r[2]!, (long?)r[3], (bool)r[4]!)).ToList();
            Assert.Equal(rows.OrderBy(r => r.Time).ToList(), stored);

            // Within every file rows are in time order.
            var backwards = DuckDb.Scalar($"""
                SELECT count(*) FROM (
                  SELECT time < lag(time) OVER (PARTITION BY filename ORDER BY file_row_number) AS back
                  FROM read_parquet('{daemon.DataRoot}/{db}/{m}/**/*.parquet', filename=true, file_row_number=true))
                WHERE back
                """);
            Assert.Equal(0L, Convert.ToInt64(backwards, CultureInfo.InvariantCulture));

            // Each file sits in the directory of its data's UTC hour, named after the flush clock.
            var files = DuckDb.Query($"""
                SELECT filename, min(epoch_us(time)), max(epoch_us(time)), count(*)
                FROM read_parquet('{daemon.DataRoot}/{db}/{m}/**/*.parquet', filename=true) GROUP BY filename
                """);
            Assert.Equal(3, files.Count); // one flush at shutdown, split into three hours
            foreach (var file in files)
            {
                var path = (string)file[0]!;
                var match = Regex.Match(path, $@"^{Regex.Escape(daemon.DataRoot)}/{db}/{m}/(\d{{4}})/(\d{{2}})/(\d{{2}})/(\d{{2}})/{m}_\d{{8}}_\d{{6}}_\d{{9}}-[a-z0-9-]+\.parquet$");
                Assert.True(match.Success, path);
                var hourStart = new DateTimeOffset(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), int.Parse(match.Groups[3].Value),
                    int.Parse(match.Groups[4].Value), 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
                Assert.InRange((long)file[1]!, hourStart, hourStart + HourMicros - 1);
                Assert.InRange((long)file[2]!, hourStart, hourStart + HourMicros - 1);
            }
        }
        Assert.Empty(Directory.GetFiles(daemon.DataRoot, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Tv1_is_stored_with_exact_microseconds_and_types()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path);
        using (var response = await daemon.PostMsgPackAsync(MsgPack.Hex(Wire.ColumnarMsgPackDecoderTests.Tv1), "production"))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, await daemon.StopAsync());
        await Tv1Check.AssertStoredAsync(daemon.DataRoot);
    }

    [Fact]
    public async Task Buffers_are_flushed_by_age_while_running()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, ["--Ingest:MaxBufferAge=00:00:00.200"]);
        using (var response = await daemon.PostMsgPackAsync(MsgPack.Hex(Wire.ColumnarMsgPackDecoderTests.Tv1), "production"))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && Directory.GetFiles(daemon.DataRoot, "*.parquet", SearchOption.AllDirectories).Length == 0) await Task.Delay(50);
        Assert.Single(Directory.GetFiles(daemon.DataRoot, "*.parquet", SearchOption.AllDirectories));
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact]
    public async Task Buffers_are_flushed_by_row_count_and_a_schema_change_starts_a_new_file()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, ["--Ingest:MaxBufferRows=100", "--Ingest:MaxBufferAge=01:00:00"]);
        for (var i = 0; i < 3; i++)
        {
            var times = Enumerable.Range(0, 50).Select(r => (object?)(BaseMicros + i * 50 + r)).ToList();
            using var response = await daemon.PostMsgPackAsync(MsgPack.Columnar("m", ("time", times), ("v", times.Select(_ => (object?)1.0).ToList())));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
        // 100 rows sealed by count; the third request waits in a buffer (age is an hour).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && Directory.GetFiles(daemon.DataRoot, "*.parquet", SearchOption.AllDirectories).Length == 0) await Task.Delay(50);
        Assert.Single(Directory.GetFiles(daemon.DataRoot, "*.parquet", SearchOption.AllDirectories));

        // int64 instead of float64 for v: allowed (both numeric), but a new schema, so a new buffer and file.
        using (var response = await daemon.PostMsgPackAsync(MsgPack.Columnar("m", ("time", [BaseMicros]), ("v", [7L]))))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, await daemon.StopAsync());
        Assert.Equal(3, Directory.GetFiles(daemon.DataRoot, "*.parquet", SearchOption.AllDirectories).Length);
        Assert.Equal(151L, DuckDb.Scalar($"SELECT count(*) FROM {DuckDb.Files(daemon.DataRoot, "default", "m")}"));
    }
}

internal static class Tv1Check
{
    /// <summary>Acceptance 1: one file at production/cpu/2023/11/14/22/, two rows, exact µs, TIMESTAMPTZ/VARCHAR/DOUBLE.</summary>
    public static Task AssertStoredAsync(string dataRoot)
    {
        var files = Directory.GetFiles(dataRoot, "*.parquet", SearchOption.AllDirectories);
        var file = Assert.Single(files);
        Assert.Matches($@"^{Regex.Escape(dataRoot)}/production/cpu/2023/11/14/22/cpu_\d{{8}}_\d{{6}}_\d{{9}}-[a-z0-9-]+\.parquet$", file);
        var source = $"read_parquet('{file}')";
        var types = DuckDb.Types(source);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["time"]);
        Assert.Equal("VARCHAR", types["host"]);
        Assert.Equal("DOUBLE", types["usage"]);
        var rows = DuckDb.Query($"SELECT epoch_us(time), host, usage FROM {source} ORDER BY time");
        Assert.Equal(2, rows.Count);
        Assert.Equal(new object?[] { 1_700_000_000_000_000L, "a", 1.5 }, rows[0]);
        Assert.Equal(new object?[] { 1_700_000_001_000_000L, "b", 2.5 }, rows[1]);
        return Task.CompletedTask;
    }
}
