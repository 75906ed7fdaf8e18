using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Arcd.Tests.Support;
using Xunit.Abstractions;

namespace Arcd.Tests.Integration;

/// <summary>
/// The durability contract under kill -9: the published AOT binary under concurrent load, each
/// row carrying a unique id, killed at random moments and restarted. Every id that got a 204 must
/// be in Parquet exactly once; no id may be there twice. `make crash-test` runs 200 kills.
/// </summary>
public class CrashTests(ITestOutputHelper output)
{
    private static int Kills => int.TryParse(Environment.GetEnvironmentVariable("ARCD_CRASH_KILLS"), out var kills) ? kills : 20;

    [Fact]
    public async Task Every_acknowledged_record_survives_sigkill_exactly_once()
    {
        using var temp = new TempDirectory();
        var settings = new[]
        {
            "--Wal:Mode=sync",
            "--Wal:SegmentBytes=65536", // rotation and deletion happen many times per run
            // Flushes every half second or 2000 rows: kills land before, during and after flushes, and the
            // number of files stays small enough for the final check over hundreds of cycles.
            "--Ingest:MaxBufferAge=00:00:00.500",
            "--Ingest:MaxBufferRows=2000",
        };
        var random = new Random(20261124);
        var acknowledged = new ConcurrentDictionary<long, byte>();
        var nextId = 0L;
        for (var kill = 0; kill < Kills; kill++)
        {
            await using var daemon = await DaemonProcess.StartAsync(temp.Path, settings, aot: true, waitReady: false);
            await daemon.WaitReadyAsync();
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 3).Select(w => Writer(daemon, w, () => Interlocked.Add(ref nextId, 25) - 25, acknowledged, stop.Token)).ToArray();
            await Task.Delay(random.Next(50, 600));
            await daemon.KillAsync();
            stop.Cancel();
            await Task.WhenAll(writers);
        }

        await using (var final = await DaemonProcess.StartAsync(temp.Path, settings, aot: true, waitReady: false))
        {
            await final.WaitReadyAsync();
            Assert.Equal(0, await final.StopAsync());
        }

        var counts = DuckDb.Query($"SELECT id, count(*) FROM read_parquet('{temp.Path}/data/arc/crash/*/**/*.parquet', union_by_name=true) GROUP BY id")
            .ToDictionary(r => (long)r[0]!, r => (long)r[1]!);
        var lost = acknowledged.Keys.Where(id => !counts.ContainsKey(id)).Order().ToList();
        var duplicated = counts.Where(c => c.Value > 1).Select(c => c.Key).Order().ToList();
        output.WriteLine($"crash test: {Kills} kills, {acknowledged.Count} rows acknowledged, {counts.Count} distinct ids stored, {lost.Count} lost, {duplicated.Count} duplicated");
        Assert.True(acknowledged.Count > 1000, $"only {acknowledged.Count} rows acknowledged over {Kills} kills: the load did not run");
        Assert.True(lost.Count == 0 && duplicated.Count == 0,
            $"{Kills} kills, {acknowledged.Count} acknowledged rows: {lost.Count} lost (e.g. {string.Join(",", lost.Take(5))}), {duplicated.Count} duplicated (e.g. {string.Join(",", duplicated.Take(5))})");
    }

    /// <summary>One client: alternates MessagePack columnar, MessagePack rows and line protocol; 25 ids per request over 3 hours.</summary>
    private static async Task Writer(DaemonProcess daemon, int writer, Func<long> takeIds, ConcurrentDictionary<long, byte> acknowledged, CancellationToken stop)
    {
        using var client = new HttpClient { BaseAddress = daemon.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        for (var request = 0; !stop.IsCancellationRequested; request++)
        {
            var first = takeIds();
            var ids = Enumerable.Range(0, 25).Select(i => first + i).ToArray();
            HttpContent content;
            string path;
            switch ((request + writer) % 3)
            {
                case 0:
                    path = "/api/v1/write/msgpack";
                    content = new ByteArrayContent(MsgPack.Columnar($"m{first % 3}",
                        ("time", ids.Select(id => (object?)Time(id)).ToList()),
                        ("id", ids.Select(id => (object?)id).ToList()),
                        ("w", ids.Select(_ => (object?)$"w{writer}").ToList())));
                    break;
                case 1:
                    path = "/api/v1/write/line-protocol?precision=us";
                    content = new ByteArrayContent(Encoding.UTF8.GetBytes(string.Join('\n',
                        ids.Select(id => $"m{first % 3},w=w{writer} id={id}i {Time(id).ToString(CultureInfo.InvariantCulture)}"))));
                    break;
                default:
                    // Each id in its own measurement row record, grouped by arcd per measurement.
                    path = "/api/v1/write/msgpack";
                    content = new ByteArrayContent(RowRecords(ids, writer));
                    break;
            }
            content.Headers.Add("x-arc-database", "crash");
            try
            {
                using var response = await client.PostAsync(path, content, stop);
                if (response.StatusCode == HttpStatusCode.NoContent)
                    foreach (var id in ids) acknowledged.TryAdd(id, 0);
                else if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    throw new InvalidOperationException($"unexpected {response.StatusCode}: {await response.Content.ReadAsStringAsync(stop)}");
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                return; // killed mid-request: this request's outcome is unknown, which the check allows
            }
        }
    }

    private static long Time(long id) => 1_700_000_000_000_000L + id % 3 * 3_600_000_000L + id;

    private static byte[] RowRecords(long[] ids, int writer)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new MessagePack.MessagePackWriter(buffer);
        w.WriteArrayHeader(ids.Length);
        foreach (var id in ids)
        {
            w.WriteMapHeader(4);
            w.Write("m");
            w.Write($"m{id % 3}");
            w.Write("t");
            w.Write(Time(id));
            w.Write("tags");
            w.WriteMapHeader(1);
            w.Write("w");
            w.Write($"w{writer}");
            w.Write("fields");
            w.WriteMapHeader(1);
            w.Write("id");
            w.Write(id);
        }
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
