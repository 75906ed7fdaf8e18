using System.Collections.Concurrent;
using System.Net;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>Acceptance 4: SIGTERM while writes are in flight loses nothing that got a 204.</summary>
public class ShutdownDurabilityTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_acknowledged_record_is_in_parquet_after_sigterm(bool aot)
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, ["--Ingest:MaxBufferAge=00:00:00.300"], aot);
        var acknowledged = new ConcurrentBag<long>();
        var refused = new ConcurrentBag<long>();
        var nextId = 0L;
        using var stop = new CancellationTokenSource();

        async Task Writer(int writer)
        {
            using var client = new HttpClient { BaseAddress = daemon.Client.BaseAddress };
            while (!stop.IsCancellationRequested)
            {
                var first = Interlocked.Add(ref nextId, 20) - 20;
                var ids = Enumerable.Range(0, 20).Select(i => (object?)(first + i)).ToList();
                var body = MsgPack.Columnar("events",
                    ("time", ids.Select(id => (object?)(1_700_000_000_000_000L + (long)id! * 1000)).ToList()),
                    ("id", ids),
                    ("writer", ids.Select(_ => (object?)$"w{writer}").ToList()));
                try
                {
                    using var response = await client.PostAsync("/api/v1/write/msgpack", new ByteArrayContent(body));
                    var target = response.StatusCode == HttpStatusCode.NoContent ? acknowledged : refused;
                    foreach (var id in ids) target.Add((long)id!);
                    if (response.StatusCode != HttpStatusCode.NoContent && response.StatusCode != HttpStatusCode.ServiceUnavailable)
                        Assert.Fail($"unexpected {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
                catch (HttpRequestException)
                {
                    // The listener is gone: outcome unknown for this request, which is allowed either way.
                    return;
                }
            }
        }

        var writers = Enumerable.Range(0, 4).Select(Writer).ToArray();
        await Task.Delay(1500);
        Assert.NotEmpty(acknowledged);
        var exit = daemon.StopAsync();
        Assert.Equal(0, await exit);
        stop.Cancel();
        await Task.WhenAll(writers);

        var stored = DuckDb.Query($"SELECT id, count(*) FROM {DuckDb.Files(daemon.DataRoot, "default", "events")} GROUP BY id")
            .ToDictionary(r => (long)r[0]!, r => (long)r[1]!);
        var missing = acknowledged.Where(id => !stored.ContainsKey(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged ids missing, e.g. {string.Join(",", missing.Take(5))}\n{daemon.Output}");
        Assert.All(stored, pair => Assert.Equal(1, pair.Value));
        Assert.DoesNotContain(refused, stored.ContainsKey);
    }
}
