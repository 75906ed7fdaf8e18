using System.Net;
using Arcd.Ingest.Wal;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>Replay after kill -9 with a damaged log: the daemon still starts and keeps what can be kept.</summary>
public class WalRecoveryTests
{
    private static readonly string[] Settings = ["--Wal:Mode=sync", "--Ingest:MaxBufferAge=01:00:00", "--Ingest:Shards=1"];

    private static async Task<string> WriteThenKillAsync(string workDir, int requests)
    {
        await using var daemon = await DaemonProcess.StartAsync(workDir, Settings, waitReady: false);
        await daemon.WaitReadyAsync();
        for (var r = 0; r < requests; r++)
        {
            using var response = await daemon.PostMsgPackAsync(MsgPack.Columnar("m", ("time", [1_700_000_000_000_000L + r]), ("id", [(long)r])));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
        await daemon.KillAsync(); // nothing flushed: the hour-long buffer age keeps every row in memory and the log
        return Assert.Single(WalSegment.List(Path.Combine(workDir, "data", "wal", "shard-0")));
    }

    private static async Task<long[]> RestartAndReadIdsAsync(string workDir)
    {
        await using var daemon = await DaemonProcess.StartAsync(workDir, Settings, waitReady: false);
        await daemon.WaitReadyAsync();
        Assert.Equal(0, await daemon.StopAsync());
        var files = Path.Combine(workDir, "data", "arc", "default", "m");
        return Directory.Exists(files)
            ? DuckDb.Query($"SELECT id FROM {DuckDb.Files(Path.Combine(workDir, "data", "arc"), "default", "m")} ORDER BY id").Select(r => (long)r[0]!).ToArray()
            : [];
    }

    [Fact]
    public async Task Every_acknowledged_record_is_replayed_after_kill_9()
    {
        using var temp = new TempDirectory();
        await WriteThenKillAsync(temp.Path, 5);
        var ids = await RestartAndReadIdsAsync(temp.Path);
        Assert.Equal([0L, 1, 2, 3, 4], ids);
        // The replayed segments are gone once their rows are durable; a clean stop leaves no log behind.
        Assert.Empty(WalSegment.List(Path.Combine(temp.Path, "data", "wal", "shard-0")));
    }

    [Fact]
    public async Task A_torn_tail_is_cut_and_the_complete_records_are_replayed()
    {
        using var temp = new TempDirectory();
        var segment = await WriteThenKillAsync(temp.Path, 5);
        var bytes = File.ReadAllBytes(segment);
        File.WriteAllBytes(segment, bytes[..^7]); // the last append, half written
        var ids = await RestartAndReadIdsAsync(temp.Path);
        Assert.Equal([0L, 1, 2, 3], ids);
    }

    [Fact]
    public async Task A_corrupt_record_in_the_middle_is_reported_the_rest_of_the_segment_skipped_and_the_daemon_starts()
    {
        using var temp = new TempDirectory();
        var segment = await WriteThenKillAsync(temp.Path, 5);
        var bytes = File.ReadAllBytes(segment);
        WalFraming.TryRead(bytes, WalSegment.HeaderBytes, out _, out var second);
        WalFraming.TryRead(bytes, second, out _, out var third);
        bytes[third + 12] ^= 0xFF; // inside the third record
        File.WriteAllBytes(segment, bytes);

        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings, waitReady: false);
        await daemon.WaitReadyAsync();
        Assert.Equal(0, await daemon.StopAsync());
        Assert.Contains("corrupt", daemon.Output);
        Assert.True(File.Exists(segment + WalSegment.CorruptExtension), "the damaged segment is kept for inspection");
        var ids = DuckDb.Query($"SELECT id FROM {DuckDb.Files(Path.Combine(temp.Path, "data", "arc"), "default", "m")} ORDER BY id").Select(r => (long)r[0]!);
        Assert.Equal([0L, 1], ids);
    }
}
