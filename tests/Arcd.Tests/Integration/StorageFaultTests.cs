using System.Diagnostics;
using System.Net;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>
/// A full disk under the data root (a 1 MiB tmpfs): writes go on until the memory budget is used,
/// then 503 with Retry-After; /ready and /metrics show the fault; once the file system grows,
/// everything acknowledged lands exactly once, with no restart.
/// </summary>
public class StorageFaultTests
{
    [SkippableFact]
    public async Task A_full_disk_turns_into_503s_and_everything_lands_once_it_clears()
    {
        using var temp = new TempDirectory();
        var root = Path.Combine(temp.Path, "arc");
        Directory.CreateDirectory(root);
        if (!Mount($"-t tmpfs -o size=1m tmpfs {root}"))
        {
            // Mounting needs root (CI runs as root); elsewhere the storage tests above still cover retries.
            Assert.True(Environment.GetEnvironmentVariable("CI") is null, "CI must be able to mount a tmpfs for the disk-full test");
            Skip.If(true, "mounting a 1 MiB tmpfs needs root");
        }
        try
        {
            await using var daemon = await DaemonProcess.StartAsync(temp.Path,
            [
                $"--Storage:Root={root}",
                "--Ingest:MemoryBudgetBytes=4194304",
                "--Ingest:MaxBufferAge=00:00:00.100",
            ]);
            await daemon.WaitReadyAsync();

            var acknowledged = new HashSet<long>();
            var random = new Random(1);
            var nextId = 0L;
            var refusals = 0;
            string? retryAfter = null;
            var clock = Stopwatch.StartNew();
            // Random doubles do not compress: 1 MiB of Parquet fills after a few tens of thousands of rows.
            while (refusals < 5 && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                var ids = Enumerable.Range(0, 500).Select(_ => nextId++).ToArray();
                var body = MsgPack.Columnar("fill",
                    ("time", ids.Select(id => (object?)(1_700_000_000_000_000L + id)).ToList()),
                    ("id", ids.Select(id => (object?)id).ToList()),
                    ("noise", ids.Select(_ => (object?)random.NextDouble()).ToList()));
                using var response = await daemon.PostMsgPackAsync(body, "fault");
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    acknowledged.UnionWith(ids);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    retryAfter = response.Headers.RetryAfter?.ToString();
                    refusals++;
                    await Task.Delay(50);
                }
            }
            Assert.True(refusals >= 5, $"the budget never ran out in 60 s ({acknowledged.Count} rows acknowledged)");
            Assert.Equal("1", retryAfter);

            using (var ready = await daemon.Client.GetAsync("/ready"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                Assert.Contains("storage failing", await ready.Content.ReadAsStringAsync());
            }
            var metrics = await daemon.Client.GetStringAsync("/metrics");
            Assert.Contains("arcd_storage_failing 1", metrics);
            Assert.Matches(@"arcd_flush_failures_total [1-9]", metrics);

            Assert.True(Mount($"-o remount,size=256m {root}"), "remount to clear the fault failed");
            await daemon.WaitReadyAsync(TimeSpan.FromSeconds(60)); // no restart: the retries find space
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && !(await daemon.Client.GetStringAsync("/metrics")).Contains("arcd_buffers_live 0\n")) await Task.Delay(100);
            using (var after = await daemon.PostMsgPackAsync(MsgPack.Columnar("fill", ("time", [1_700_000_000_000_000L + nextId]), ("id", [nextId]), ("noise", [0.5])), "fault"))
                Assert.Equal(HttpStatusCode.NoContent, after.StatusCode);
            acknowledged.Add(nextId);
            Assert.Equal(0, await daemon.StopAsync());

            var counts = DuckDb.Query($"SELECT id, count(*) FROM {DuckDb.Files(root, "fault", "fill")} GROUP BY id").ToDictionary(r => (long)r[0]!, r => (long)r[1]!);
            var lost = acknowledged.Count(id => !counts.ContainsKey(id));
            var duplicated = counts.Count(c => c.Value != 1);
            Assert.True(lost == 0 && duplicated == 0, $"{acknowledged.Count} acknowledged: {lost} lost, {duplicated} duplicated");
            Assert.Empty(Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            Mount(null, unmount: root);
        }
    }

    private static bool Mount(string? arguments, string? unmount = null)
    {
        var start = new ProcessStartInfo(unmount is null ? "mount" : "umount") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var part in (unmount is null ? arguments! : $"-l {unmount}").Split(' ')) start.ArgumentList.Add(part);
        try
        {
            using var process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
