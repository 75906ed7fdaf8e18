using System.Buffers.Binary;
using System.Globalization;

namespace Arcd.Ingest.Wal;

/// <summary>
/// Segment files: <c>{shard dir}/{first lsn, 19 digits}.wal</c> with a 24-byte header (FORMAT.md).
/// A segment is a new file (version 1: the log ends where the file ends) or a recycled one (version 2:
/// its records are exactly the consecutive LSNs from its first, and the bytes after the last of them
/// are an earlier use's).
/// </summary>
public static class WalSegment
{
    /// <summary>Byte offsets of the segment header (FORMAT.md, "Segment header"); persisted, never change.</summary>
    public static class Layout
    {
        public const int Magic = 0;      // 8 bytes, "ARCDWAL1"
        public const int Version = 8;    // u16
        public const int Reserved = 10;  // u16, 0
        public const int Shard = 12;     // i32
        public const int FirstLsn = 16;  // i64
        public const int End = 24;
    }

    public const int HeaderBytes = Layout.End;

    /// <summary>A new file, written from its start: the log ends where the file ends.</summary>
    public const ushort Version = 1;

    /// <summary>A recycled file (FORMAT.md, "Recycling segments"); an arcd that reads only version 1 refuses it rather than replay the bytes of its earlier use.</summary>
    public const ushort RecycledVersion = 2;

    public const string Extension = ".wal";

    /// <summary>A freed segment kept for reuse (<c>{seq}.spare</c>); never read, deleted when a log is opened or discarded.</summary>
    public const string SpareExtension = ".spare";
    public const string CorruptExtension = ".corrupt";
    private static ReadOnlySpan<byte> Magic => "ARCDWAL1"u8;

    public static string FileName(long firstLsn) => firstLsn.ToString("D19", CultureInfo.InvariantCulture) + Extension;

    public static void WriteHeader(Span<byte> destination, int shard, long firstLsn, bool recycled = false)
    {
        Magic.CopyTo(destination[Layout.Magic..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[Layout.Version..], recycled ? RecycledVersion : Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[Layout.Reserved..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(destination[Layout.Shard..], shard);
        BinaryPrimitives.WriteInt64LittleEndian(destination[Layout.FirstLsn..], firstLsn);
    }

    /// <summary>Checks magic and version; returns an error text or null.</summary>
    public static string? CheckHeader(ReadOnlySpan<byte> data, out int shard, out long firstLsn) => CheckHeader(data, out shard, out firstLsn, out _);

    private static string? CheckHeader(ReadOnlySpan<byte> data, out int shard, out long firstLsn, out bool recycled)
    {
        shard = 0;
        firstLsn = 0;
        recycled = false;
        if (data.Length < HeaderBytes) return $"shorter than the {HeaderBytes}-byte header";
        if (!data.Slice(Layout.Magic, Magic.Length).SequenceEqual(Magic)) return "not an arcd WAL segment (bad magic)";
        var version = BinaryPrimitives.ReadUInt16LittleEndian(data[Layout.Version..]);
        if (version is not (Version or RecycledVersion)) return $"segment version {version} is not supported (this arcd reads versions {Version} and {RecycledVersion})";
        recycled = version == RecycledVersion;
        shard = BinaryPrimitives.ReadInt32LittleEndian(data[Layout.Shard..]);
        firstLsn = BinaryPrimitives.ReadInt64LittleEndian(data[Layout.FirstLsn..]);
        return null;
    }

    /// <summary>The first LSN a segment's file name states, or null for a name that is not a segment's.</summary>
    public static long? FirstLsnOf(string path) =>
        long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var lsn) ? lsn : null;

    public enum Outcome
    {
        /// <summary>Every frame read.</summary>
        Clean,

        /// <summary>The last segment ends inside a frame (or inside its header): cut it at <see cref="ScanResult.Offset"/>.</summary>
        TornTail,

        /// <summary>A bad header, checksum or length, or a torn frame in an older segment: skip the rest, keep the file aside.</summary>
        Corrupt,

        /// <summary>
        /// The last segment is a recycled file and its log ends at <see cref="ScanResult.Offset"/>: the bytes
        /// after it do not continue the log (an earlier use of the file, or a write the crash interrupted).
        /// </summary>
        RecycledTail,
    }

    public readonly record struct ScanResult(Outcome Outcome, int Offset, string? Problem);

    /// <summary>
    /// Reads every record of a segment, stopping at the first problem; <paramref name="isLast"/> says
    /// whether an incomplete frame at the end is a torn append (last segment) or corruption.
    /// Records must carry consecutive LSNs from the header's first. For a recycled segment that is
    /// how its end is found: a closed one ends at <paramref name="lastLsn"/> (the LSN before the next
    /// segment's first), the last one at its first frame that does not continue the log.
    /// </summary>
    public static ScanResult Scan(ReadOnlySpan<byte> data, bool isLast, Action<WalRecord> onRecord, long? lastLsn = null)
    {
        var headerError = CheckHeader(data, out _, out var expected, out var recycled);
        if (headerError is not null)
        {
            return isLast && data.Length < HeaderBytes
                ? new ScanResult(Outcome.TornTail, 0, headerError)
                : new ScanResult(Outcome.Corrupt, 0, headerError);
        }
        var offset = HeaderBytes;
        while (true)
        {
            if (recycled && !isLast && lastLsn is { } last && expected > last) return new ScanResult(Outcome.Clean, offset, null);
            var status = WalFraming.TryRead(data, offset, out var payload, out var next);
            WalRecord? record = null;
            if (status == WalFraming.ReadStatus.Ok && WalRecord.TryParse(payload, out record) && record!.Lsn == expected)
            {
                onRecord(record);
                offset = next;
                expected++;
                continue;
            }
            if (recycled)
            {
                if (status == WalFraming.ReadStatus.End && (isLast || lastLsn is null)) return new ScanResult(Outcome.Clean, offset, null);
                if (isLast) return new ScanResult(Outcome.RecycledTail, offset, null);
                return new ScanResult(Outcome.Corrupt, offset, $"a recycled segment that is not the last ends before LSN {lastLsn}, at LSN {expected - 1}");
            }
            switch (status)
            {
                case WalFraming.ReadStatus.End:
                    return new ScanResult(Outcome.Clean, offset, null);
                case WalFraming.ReadStatus.Ok when record is not null:
                    return new ScanResult(Outcome.Corrupt, offset, $"record LSN {record.Lsn} where {expected} was next");
                case WalFraming.ReadStatus.Torn when isLast:
                    return new ScanResult(Outcome.TornTail, offset, "the last frame is incomplete");
                case WalFraming.ReadStatus.Torn:
                    return new ScanResult(Outcome.Corrupt, offset, "a frame runs past the end of a segment that is not the last");
                default:
                    return new ScanResult(Outcome.Corrupt, offset, status == WalFraming.ReadStatus.Corrupt ? "checksum mismatch or impossible length" : "unreadable record");
            }
        }
    }

    /// <summary>Segment files of a shard directory, oldest first.</summary>
    public static string[] List(string directory) =>
        Directory.Exists(directory)
            ? [.. Directory.GetFiles(directory, "*" + Extension).Where(p => p.EndsWith(Extension, StringComparison.Ordinal)).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>Spare (freed, kept for reuse) segment files of a shard directory.</summary>
    public static string[] ListSpares(string directory) =>
        Directory.Exists(directory)
            ? [.. Directory.GetFiles(directory, "*" + SpareExtension).Where(p => p.EndsWith(SpareExtension, StringComparison.Ordinal))]
            : [];
}
