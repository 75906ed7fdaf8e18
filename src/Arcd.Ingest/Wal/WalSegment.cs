using System.Buffers.Binary;
using System.Globalization;

namespace Arcd.Ingest.Wal;

/// <summary>Segment files: <c>{shard dir}/{first lsn, 19 digits}.wal</c> with a 24-byte header (FORMAT.md).</summary>
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
    public const ushort Version = 1;
    public const string Extension = ".wal";
    public const string CorruptExtension = ".corrupt";
    private static ReadOnlySpan<byte> Magic => "ARCDWAL1"u8;

    public static string FileName(long firstLsn) => firstLsn.ToString("D19", CultureInfo.InvariantCulture) + Extension;

    public static void WriteHeader(Span<byte> destination, int shard, long firstLsn)
    {
        Magic.CopyTo(destination[Layout.Magic..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[Layout.Version..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[Layout.Reserved..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(destination[Layout.Shard..], shard);
        BinaryPrimitives.WriteInt64LittleEndian(destination[Layout.FirstLsn..], firstLsn);
    }

    /// <summary>Checks magic and version; returns an error text or null.</summary>
    public static string? CheckHeader(ReadOnlySpan<byte> data, out int shard, out long firstLsn)
    {
        shard = 0;
        firstLsn = 0;
        if (data.Length < HeaderBytes) return $"shorter than the {HeaderBytes}-byte header";
        if (!data.Slice(Layout.Magic, Magic.Length).SequenceEqual(Magic)) return "not an arcd WAL segment (bad magic)";
        var version = BinaryPrimitives.ReadUInt16LittleEndian(data[Layout.Version..]);
        if (version != Version) return $"segment version {version} is not supported (this arcd reads version {Version})";
        shard = BinaryPrimitives.ReadInt32LittleEndian(data[Layout.Shard..]);
        firstLsn = BinaryPrimitives.ReadInt64LittleEndian(data[Layout.FirstLsn..]);
        return null;
    }

    public enum Outcome
    {
        /// <summary>Every frame read.</summary>
        Clean,

        /// <summary>The last segment ends inside a frame (or inside its header): cut it at <see cref="ScanResult.Offset"/>.</summary>
        TornTail,

        /// <summary>A bad header, checksum or length, or a torn frame in an older segment: skip the rest, keep the file aside.</summary>
        Corrupt,
    }

    public readonly record struct ScanResult(Outcome Outcome, int Offset, string? Problem);

    /// <summary>
    /// Reads every record of a segment, stopping at the first problem; <paramref name="isLast"/> says
    /// whether an incomplete frame at the end is a torn append (last segment) or corruption.
    /// </summary>
    public static ScanResult Scan(ReadOnlySpan<byte> data, bool isLast, Action<WalRecord> onRecord)
    {
        var headerError = CheckHeader(data, out _, out _);
        if (headerError is not null)
        {
            return isLast && data.Length < HeaderBytes
                ? new ScanResult(Outcome.TornTail, 0, headerError)
                : new ScanResult(Outcome.Corrupt, 0, headerError);
        }
        var offset = HeaderBytes;
        while (true)
        {
            var status = WalFraming.TryRead(data, offset, out var payload, out var next);
            switch (status)
            {
                case WalFraming.ReadStatus.End:
                    return new ScanResult(Outcome.Clean, offset, null);
                case WalFraming.ReadStatus.Ok when WalRecord.TryParse(payload, out var record):
                    onRecord(record!);
                    offset = next;
                    continue;
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
            ? [.. Directory.GetFiles(directory, "*" + Extension).Order(StringComparer.Ordinal)]
            : [];
}
