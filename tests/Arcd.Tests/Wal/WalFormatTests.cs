using Arcd.Ingest.Wire;
using System.Text;
using Arcd.Ingest.Wal;
using Arcd.Ingest.Wire.LineProtocol;
using Arcd.Tests.Support;
using Arcd.Ingest.Columnar;

namespace Arcd.Tests.Wal;

public class WalFormatTests
{
    [Fact]
    public void Persisted_enum_values_are_frozen()
    {
        Assert.Equal(1, (byte)BodyFormat.MessagePack);
        Assert.Equal(2, (byte)BodyFormat.LineProtocol);
        Assert.Equal([0, 1, 2, 3, 4, 5], new[] { TimePrecision.Nanoseconds, TimePrecision.Microseconds, TimePrecision.Milliseconds, TimePrecision.Seconds, TimePrecision.Minutes, TimePrecision.Hours }.Select(p => (int)p));
        Assert.Equal(1, WalSegment.Version);
        Assert.Equal(2, WalSegment.RecycledVersion);
        Assert.Equal(24, WalSegment.HeaderBytes);
        Assert.Equal("0000000000000000042.wal", WalSegment.FileName(42));
    }

    [Fact]
    public void Crc32c_matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, WalFraming.Checksum("123456789"u8));
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        // The table path and the instruction path agree (odd lengths exercise the byte tail).
        for (var length = 0; length < 40; length++)
        {
            var expected = 0xFFFFFFFFu;
            foreach (var b in data.AsSpan(0, length))
            {
                expected ^= b;
                for (var bit = 0; bit < 8; bit++) expected = (expected & 1) != 0 ? (expected >> 1) ^ 0x82F63B78u : expected >> 1;
            }
            Assert.Equal(~expected, WalFraming.Checksum(data.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Crc32c_of_long_inputs_matches_a_bitwise_reference_at_every_chain_boundary()
    {
        // Inputs of three or more strides run as three interleaved chains joined by a shift table.
        var random = new Random(5);
        var data = new byte[100_003];
        random.NextBytes(data);
        static uint Reference(ReadOnlySpan<byte> bytes)
        {
            var crc = 0xFFFFFFFFu;
            foreach (var b in bytes)
            {
                crc ^= b;
                for (var bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
            return ~crc;
        }
        var stride = 1024;
        int[] lengths = [3 * stride - 1, 3 * stride, 3 * stride + 1, 3 * stride + 7, 6 * stride, 6 * stride + 13, 46_137, data.Length];
        foreach (var length in lengths)
            Assert.Equal(Reference(data.AsSpan(0, length)), WalFraming.Checksum(data.AsSpan(0, length)));
        for (var i = 0; i < 50; i++)
        {
            var start = random.Next(1000);
            var length = random.Next(data.Length - start);
            Assert.Equal(Reference(data.AsSpan(start, length)), WalFraming.Checksum(data.AsSpan(start, length)));
        }
    }

    [Fact]
    public void Records_round_trip_through_a_segment()
    {
        using var temp = new TempDirectory();
        var bodies = WriteSegment(temp.Path, 3);
        var path = Assert.Single(WalSegment.List(temp.Path));
        var read = new List<WalRecord>();
        var scan = WalSegment.Scan(File.ReadAllBytes(path), isLast: true, read.Add);
        Assert.Equal(WalSegment.Outcome.Clean, scan.Outcome);
        Assert.Equal([0L, 1, 2], read.Select(r => r.Lsn));
        Assert.Equal(bodies, read.Select(r => Encoding.UTF8.GetString(r.Body.Span)));
        Assert.All(read, r => Assert.Equal("db1", r.Database));
        Assert.Equal(BodyFormat.LineProtocol, read[1].Format);
        Assert.Equal((byte)TimePrecision.Seconds, read[1].Precision);
        Assert.Equal(1_700_000_000_000_001L, read[1].NowMicros);
    }

    [Fact]
    public void A_torn_tail_cut_at_every_byte_offset_recovers_exactly_the_complete_records()
    {
        using var temp = new TempDirectory();
        WriteSegment(temp.Path, 4);
        var whole = File.ReadAllBytes(Assert.Single(WalSegment.List(temp.Path)));
        var ends = new List<int>();
        WalSegment.Scan(whole, true, _ => { });
        // Frame boundaries: where each complete record ends.
        for (int offset = WalSegment.HeaderBytes, n = 0; n < 4; n++)
        {
            WalFraming.TryRead(whole, offset, out _, out var next);
            ends.Add(next);
            offset = next;
        }
        for (var cut = 0; cut <= whole.Length; cut++)
        {
            var read = new List<WalRecord>();
            var scan = WalSegment.Scan(whole.AsSpan(0, cut), isLast: true, read.Add);
            var complete = ends.Count(end => end <= cut);
            Assert.Equal(complete, read.Count);
            var atBoundary = cut == WalSegment.HeaderBytes || ends.Contains(cut);
            Assert.Equal(atBoundary ? WalSegment.Outcome.Clean : WalSegment.Outcome.TornTail, scan.Outcome);
            if (!atBoundary) Assert.Equal(complete == 0 ? (cut < WalSegment.HeaderBytes ? 0 : WalSegment.HeaderBytes) : ends[complete - 1], scan.Offset);
            // The same cut in an older segment is corruption, never a silent truncation.
            if (!atBoundary && cut >= WalSegment.HeaderBytes) Assert.Equal(WalSegment.Outcome.Corrupt, WalSegment.Scan(whole.AsSpan(0, cut), isLast: false, _ => { }).Outcome);
        }
    }

    [Fact]
    public void A_flipped_byte_in_a_middle_record_is_corruption_that_stops_at_that_record()
    {
        using var temp = new TempDirectory();
        WriteSegment(temp.Path, 3);
        var data = File.ReadAllBytes(Assert.Single(WalSegment.List(temp.Path)));
        WalFraming.TryRead(data, WalSegment.HeaderBytes, out _, out var second);
        data[second + WalFraming.FrameHeaderBytes + 5] ^= 0x40;
        var read = new List<WalRecord>();
        var scan = WalSegment.Scan(data, isLast: true, read.Add);
        Assert.Equal(WalSegment.Outcome.Corrupt, scan.Outcome);
        Assert.Equal(second, scan.Offset);
        Assert.Single(read);
    }

    [Fact]
    public void A_foreign_or_newer_file_is_refused_by_its_header()
    {
        var data = new byte[64];
        Assert.Equal(WalSegment.Outcome.Corrupt, WalSegment.Scan(data, true, _ => { }).Outcome);
        WalSegment.WriteHeader(data, 0, 0);
        data[8] = 3; // version 3: not written by any arcd yet
        Assert.Contains("version 3", WalSegment.Scan(data, true, _ => { }).Problem);
    }

    [Fact]
    public void Checkpoint_entries_round_trip_and_a_torn_last_entry_is_cut()
    {
        using var temp = new TempDirectory();
        var first = new CheckpointEntry("db", "cpu", "v:2|", new WalPosition(3, 10, 0), new WalPosition(3, 12, 1), 472_222, "db/cpu/2023/11/14/22/cpu_x.parquet");
        var second = first with { Hour = 472_223, RelativePath = "db/cpu/2023/11/14/23/cpu_y.parquet" };
        using (var log = CheckpointLog.Open(temp.Path, 3))
        {
            log.Append(first);
            log.Append(second);
        }
        var path = Path.Combine(temp.Path, CheckpointLog.FileName);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^3]);
        var reports = new List<string>();
        using (var log = CheckpointLog.Open(temp.Path, 3, reports.Add))
        {
            Assert.Equal([first], log.Entries);
            Assert.Contains("torn", Assert.Single(reports));
            log.Append(second); // appends after the cut, not after the garbage
        }
        using (var log = CheckpointLog.Open(temp.Path, 3))
        {
            Assert.Equal([first, second], log.Entries);
            log.Trim(11);
            Assert.Equal([first, second], log.Entries); // both still cover lsn >= 11
            log.Trim(13);
            Assert.Empty(log.Entries);
        }
    }

    [Fact]
    public void Covers_is_by_key_schema_hour_and_position_range()
    {
        var entry = new CheckpointEntry("db", "cpu", "v:2|", new WalPosition(0, 10, 2), new WalPosition(0, 12, 0), 5, "p");
        Assert.True(entry.Covers("db", "cpu", "v:2|", new WalPosition(0, 10, 2), 5));
        Assert.True(entry.Covers("db", "cpu", "v:2|", new WalPosition(0, 11, 7), 5));
        Assert.True(entry.Covers("db", "cpu", "v:2|", new WalPosition(0, 12, 0), 5));
        Assert.False(entry.Covers("db", "cpu", "v:2|", new WalPosition(0, 10, 1), 5));
        Assert.False(entry.Covers("db", "cpu", "v:2|", new WalPosition(0, 12, 1), 5));
        Assert.False(entry.Covers("db", "cpu", "v:2|", new WalPosition(0, 11, 0), 6));
        Assert.False(entry.Covers("db", "mem", "v:2|", new WalPosition(0, 11, 0), 5));
        Assert.False(entry.Covers("db", "cpu", "v:1|", new WalPosition(0, 11, 0), 5)); // another schema, another buffer
    }

    private static List<string> WriteSegment(string directory, int records)
    {
        var bodies = Enumerable.Range(0, records).Select(i => $"cpu,host=h{i} v={i} {1_700_000_000 + i}").ToList();
        using var writer = new WalWriter(directory, 0, 0, 1 << 20);
        for (var i = 0; i < records; i++)
            writer.Append(i % 2 == 1 ? BodyFormat.LineProtocol : BodyFormat.MessagePack, (byte)TimePrecision.Seconds, 1_700_000_000_000_000L + i, "db1", Encoding.UTF8.GetBytes(bodies[i]));
        writer.Sync();
        return bodies;
    }
}
