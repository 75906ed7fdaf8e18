using System.Text;
using Arcd.Ingest.Wal;
using Arcd.Ingest.Wire;
using Arcd.Tests.Support;

namespace Arcd.Tests.Wal;

/// <summary>
/// Recycled WAL segments (FORMAT.md, "Recycling segments"): a freed segment is reused for a later one
/// without being emptied, so what replay reads must end where the new log ends, never run on into
/// the records of the file's earlier use (those are already in Parquet: replaying them would
/// duplicate rows).
/// </summary>
public class SegmentRecyclingTests
{
    // The same size for every LSN, so the earlier use's frames line up with the new ones.
    private static byte[] Body(long lsn) => Encoding.UTF8.GetBytes($"cpu,host=h{new string('x', 150)} v={lsn:D8} {1_700_000_000 + lsn}");

    /// <summary>Records in groups of 20 per write and fdatasync, as group commit writes them.</summary>
    private static void Append(WalWriter writer, int records)
    {
        for (var i = 0; i < records; i++)
        {
            var lsn = writer.NextLsn;
            writer.Append(BodyFormat.LineProtocol, 3, 1_700_000_000_000_000L, "db", Body(lsn));
            if (i % 20 == 19 || i == records - 1) writer.Sync();
        }
    }

    /// <summary>Reads a shard directory as replay does: segments in order, each closed one up to the next one's first LSN.</summary>
    private static (List<long> Lsns, List<WalSegment.Outcome> Outcomes) ReplayAll(string directory)
    {
        var lsns = new List<long>();
        var outcomes = new List<WalSegment.Outcome>();
        var files = WalSegment.List(directory);
        for (var s = 0; s < files.Length; s++)
        {
            var isLast = s == files.Length - 1;
            var scan = WalSegment.Scan(File.ReadAllBytes(files[s]), isLast, record =>
            {
                Assert.Equal(Body(record.Lsn), record.Body.ToArray());
                lsns.Add(record.Lsn);
            }, isLast ? null : WalSegment.FirstLsnOf(files[s + 1]) - 1);
            outcomes.Add(scan.Outcome);
        }
        return (lsns, outcomes);
    }

    [Fact]
    public void Freed_segments_are_reused_and_replay_reads_only_the_records_of_the_current_use()
    {
        using var temp = new TempDirectory();
        using var writer = new WalWriter(temp.Path, 0, 0, 1 << 16, recycle: 2);
        Append(writer, 1200); // about 230 bytes a record: several 64 KiB segments
        Assert.True(writer.SegmentCount >= 3);

        for (var round = 0; round < 6; round++)
        {
            // Everything but the open segment is durable: free it, then write on into reused files.
            var keepFrom = writer.NextLsn;
            writer.DeleteSegmentsBefore(keepFrom);
            Assert.InRange(writer.SpareCount, 1, 2);
            Assert.InRange(WalSegment.ListSpares(temp.Path).Length, 1, 2);
            Append(writer, 700); // fewer bytes than the freed files held, so stale records follow each new end

            var (lsns, outcomes) = ReplayAll(temp.Path);
            var open = WalSegment.List(temp.Path);
            var first = WalSegment.FirstLsnOf(open[0])!.Value;
            Assert.Equal(Enumerable.Range((int)first, (int)(writer.NextLsn - first)).Select(i => (long)i), lsns);
            Assert.DoesNotContain(WalSegment.Outcome.Corrupt, outcomes);
        }
        // At least one segment in use is a reused file, its stale bytes after the log's end.
        var versions = WalSegment.List(temp.Path).Select(p => File.ReadAllBytes(p)[8]).ToList();
        Assert.Contains((byte)WalSegment.RecycledVersion, versions);
    }

    [Fact]
    public void A_recycled_last_segment_ends_at_its_first_frame_that_does_not_continue_the_log()
    {
        using var temp = new TempDirectory();
        using (var writer = new WalWriter(temp.Path, 0, 0, 1 << 20))
            Append(writer, 10); // LSNs 0-9: the earlier use
        var path = Assert.Single(WalSegment.List(temp.Path));
        var old = File.ReadAllBytes(path);
        var frames = FrameEnds(old);

        // Reused from LSN 100 on: a new header, three new records over the first three old ones.
        using var temp2 = new TempDirectory();
        using (var writer = new WalWriter(temp2.Path, 0, 100, 1 << 20))
            Append(writer, 3);
        var fresh = File.ReadAllBytes(Assert.Single(WalSegment.List(temp2.Path)));
        var reused = (byte[])old.Clone();
        fresh.CopyTo(reused, 0);
        reused[8] = (byte)WalSegment.RecycledVersion;

        var read = new List<long>();
        var scan = WalSegment.Scan(reused, isLast: true, r => read.Add(r.Lsn));
        Assert.Equal([100L, 101, 102], read);
        Assert.Equal(WalSegment.Outcome.RecycledTail, scan.Outcome);
        Assert.Equal(fresh.Length, scan.Offset);
        // Old records whose frames line up with the new end are valid frames, but not the next LSN.
        Assert.Contains(fresh.Length, frames);

        // Cut anywhere (a torn write of the new records): exactly the complete new records are read.
        var newEnds = FrameEnds(fresh);
        for (var cut = WalSegment.HeaderBytes; cut <= fresh.Length; cut++)
        {
            var torn = (byte[])reused.Clone();
            old.AsSpan(cut).CopyTo(torn.AsSpan(cut)); // from the cut on, the earlier use's bytes
            var got = new List<long>();
            WalSegment.Scan(torn, isLast: true, r => got.Add(r.Lsn));
            // A new record is readable iff its bytes are all there (a cut among bytes the old record shares loses nothing).
            var complete = newEnds.Count(end => torn.AsSpan(WalSegment.HeaderBytes, end - WalSegment.HeaderBytes).SequenceEqual(fresh.AsSpan(WalSegment.HeaderBytes, end - WalSegment.HeaderBytes)));
            Assert.True(complete == got.Count, $"cut {cut}: {got.Count} read, {complete} complete, ends {string.Join(",", newEnds)} fresh {fresh.Length} old {old.Length}");
            Assert.True(complete >= newEnds.Count(end => end <= cut));
        }

        // The same file as an older segment: it must reach the LSN before the next segment's first.
        Assert.Equal(WalSegment.Outcome.Clean, WalSegment.Scan(reused, isLast: false, _ => { }, lastLsn: 102).Outcome);
        Assert.Equal(WalSegment.Outcome.Corrupt, WalSegment.Scan(reused, isLast: false, _ => { }, lastLsn: 105).Outcome);
    }

    [Fact]
    public void A_new_file_with_a_gap_in_its_LSNs_is_corruption()
    {
        using var temp = new TempDirectory();
        using (var writer = new WalWriter(temp.Path, 0, 0, 1 << 20))
            Append(writer, 3);
        var data = File.ReadAllBytes(Assert.Single(WalSegment.List(temp.Path)));
        // The header says the log starts at 5, the records at 0.
        BitConverter.TryWriteBytes(data.AsSpan(WalSegment.Layout.FirstLsn), 5L);
        var scan = WalSegment.Scan(data, isLast: true, _ => { });
        Assert.Equal(WalSegment.Outcome.Corrupt, scan.Outcome);
        Assert.Contains("LSN 0 where 5", scan.Problem);
    }

    [Fact]
    public void Spares_are_never_reused_across_runs_and_a_clean_start_removes_them()
    {
        using var temp = new TempDirectory();
        using (var writer = new WalWriter(temp.Path, 0, 0, 1 << 16, recycle: 4))
        {
            Append(writer, 1200);
            writer.DeleteSegmentsBefore(writer.NextLsn);
            Assert.NotEmpty(WalSegment.ListSpares(temp.Path));
        }
        // LSNs may restart low after a clean stop: a spare's stale records could then look like the
        // log's next ones, so a new writer deletes them.
        using var next = new WalWriter(temp.Path, 0, 0, 1 << 16, recycle: 4);
        Assert.Empty(WalSegment.ListSpares(temp.Path));
        Assert.Equal(0, next.SpareCount);
    }

    [Fact]
    public void Without_recycling_freed_segments_are_deleted()
    {
        using var temp = new TempDirectory();
        using var writer = new WalWriter(temp.Path, 0, 0, 1 << 16, recycle: 0);
        Append(writer, 1200);
        writer.DeleteSegmentsBefore(writer.NextLsn);
        Assert.Empty(WalSegment.ListSpares(temp.Path));
        Assert.Single(WalSegment.List(temp.Path));
    }

    private static List<int> FrameEnds(byte[] data)
    {
        var ends = new List<int>();
        var offset = WalSegment.HeaderBytes;
        while (WalFraming.TryRead(data, offset, out _, out var next) == WalFraming.ReadStatus.Ok)
        {
            ends.Add(next);
            offset = next;
        }
        return ends;
    }
}
