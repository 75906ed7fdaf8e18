using System.Net;
using Arcd.Ingest.Storage;
using Arcd.Tests.Maintenance;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary><c>arcd compact</c>: one cycle without a daemon, and its refusals.</summary>
public class CompactCommandTests
{
    private static (int Exit, string Output) Compact(string workDir, params string[] args) =>
        ChildProcess.Run("dotnet", [RepoPaths.DaemonDll, "compact", .. args], workDir);

    [Fact]
    public async Task Compacts_offline_and_refuses_beside_a_daemon_or_an_unreplayed_log()
    {
        using var temp = new TempDirectory();
        var root = Path.Combine(temp.Path, "data", "arc");
        var storage = new LocalFileStorage(root);
        var hour = CompactionFixture.Hour;
        for (var f = 0; f < 10; f++) CompactionFixture.WriteFile(storage, "db", "cpu", hour, hour.AddMinutes(f + 1), CompactionFixture.Rows(hour, f * 10, 10, f));
        string[] settings = [$"--Storage:Root={root}", $"--Wal:Dir={Path.Combine(temp.Path, "data", "wal")}"];

        Assert.Equal(2, Compact(temp.Path, [.. settings, "--tier", "weekly"]).Exit);

        // A daemon holds the data root: refused, nothing touched.
        await using (var daemon = await DaemonProcess.StartAsync(temp.Path))
        {
            var (exit, said) = Compact(temp.Path, settings);
            Assert.Equal(1, exit);
            Assert.Contains("a running arcd holds", said);
            using (var response = await daemon.Client.GetAsync("/ready")) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(0, await daemon.StopAsync());
        }
        var partition = Path.Combine(root, "db", "cpu", hour.ToString("yyyy/MM/dd/HH", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(10, Directory.GetFiles(partition).Length);

        // A log with records not yet replayed: refused.
        var shard = Path.Combine(temp.Path, "data", "wal", "shard-0");
        Directory.CreateDirectory(shard);
        File.WriteAllBytes(Path.Combine(shard, "0000000000000000001.wal"), new byte[100]);
        var refused = Compact(temp.Path, settings);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("not yet replayed", refused.Output);
        File.Delete(Path.Combine(shard, "0000000000000000001.wal"));

        var done = Compact(temp.Path, [.. settings, "--tier", "hourly", "--database", "db"]);
        Assert.True(done.Exit == 0, done.Output);
        Assert.Contains("1 batches compacted, 10 files into 1", done.Output);
        var output = Assert.Single(Directory.GetFiles(partition));
        Assert.Equal(100L, DuckDb.Scalar($"SELECT count(DISTINCT id) FROM '{output}'"));
    }
}
