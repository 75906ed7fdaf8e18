using System.Buffers.Binary;
using System.Text;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Platform;

namespace Arcd.Ingest.Wal;

/// <summary>
/// An intent written before a Parquet file is renamed into place: the rows of
/// (<see cref="Database"/>, <see cref="Measurement"/>) at WAL positions
/// [<see cref="First"/>, <see cref="Last"/>] in UTC hour <see cref="Hour"/> are in the file at
/// <see cref="RelativePath"/>. If that file exists, those rows are durable and replay skips them.
/// </summary>
public sealed record CheckpointEntry(string Database, string Measurement, string Schema, WalPosition First, WalPosition Last, long Hour, string RelativePath)
{
    /// <summary>
    /// The path of an intent whose file was deleted on purpose (retention, delete): its rows are
    /// settled, and replay must skip them although no file exists. No real file has this path.
    /// </summary>
    public const string DeletedPath = "";

    /// <summary>Whether replay may skip the intent's rows: its file exists, or it was deleted on purpose.</summary>
    public bool IsSettled(Func<string, bool> fileExists) => RelativePath == DeletedPath || fileExists(RelativePath);

    public bool Covers(string database, string measurement, string schema, WalPosition position, long hour) =>
        Hour == hour && position >= First && position <= Last && Measurement == measurement && Database == database && Schema == schema;
}

/// <summary>
/// One shard's <c>checkpoint.log</c> (FORMAT.md): framed entries, appended and fdatasync'ed by the
/// flush workers before each rename. Trimmed (rewritten) when segments are deleted.
/// </summary>
public sealed class CheckpointLog : IDisposable
{
    public const string FileName = "checkpoint.log";
    private const byte EntryVersion = 1;

    /// <summary>Byte offsets of an intent's fixed part (FORMAT.md, "Checkpoints"); persisted, never change.</summary>
    private static class Layout
    {
        public const int Version = 0;     // u8
        public const int Hour = 1;        // i64
        public const int FirstLsn = 9;    // i64
        public const int FirstIndex = 17; // i32
        public const int LastLsn = 21;    // i64
        public const int LastIndex = 29;  // i32
        public const int Strings = 33;    // 4 × (u16 length + UTF-8): database, measurement, schema, path
    }

    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly int _shard;
    private readonly List<CheckpointEntry> _entries;
    private FileStream _file;

    private CheckpointLog(string path, int shard, List<CheckpointEntry> entries, FileStream file)
    {
        _path = path;
        _shard = shard;
        _entries = entries;
        _file = file;
    }

    public IReadOnlyList<CheckpointEntry> Entries
    {
        get
        {
            lock (_lock) return [.. _entries];
        }
    }

    /// <summary>Opens the log in <paramref name="directory"/>, loading its entries; an interrupted last append is cut off.</summary>
    public static CheckpointLog Open(string directory, int shard, Action<string>? report = null)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        var data = new byte[file.Length];
        file.ReadExactly(data);
        var entries = new List<CheckpointEntry>();
        var offset = 0;
        while (true)
        {
            var status = WalFraming.TryRead(data, offset, out var payload, out var next);
            if (status == WalFraming.ReadStatus.End) break;
            if (status != WalFraming.ReadStatus.Ok || !TryParse(payload, shard, out var entry))
            {
                // Only the last append can be torn: its rename never happened, so dropping it is exact.
                // A bad entry in the middle loses intents: replay may then store those rows twice.
                if (status == WalFraming.ReadStatus.Torn) report?.Invoke($"{path}: torn last entry at byte {offset} cut off");
                else report?.Invoke($"{path}: unreadable entry at byte {offset}; the {data.Length - offset} bytes after it are ignored (rows they covered may be replayed twice)");
                file.SetLength(offset);
                break;
            }
            entries.Add(entry!);
            offset = next;
        }
        file.Seek(0, SeekOrigin.End);
        return new CheckpointLog(path, shard, entries, file);
    }

    public void Append(CheckpointEntry entry)
    {
        var payload = Serialize(entry);
        var frame = new byte[WalFraming.FrameHeaderBytes + payload.Length];
        WalFraming.WriteHeader(frame, payload);
        payload.CopyTo(frame.AsSpan(WalFraming.FrameHeaderBytes));
        lock (_lock)
        {
            _file.Write(frame);
            _file.Flush();
            Posix.DataSync(_file.SafeFileHandle);
            _entries.Add(entry);
        }
    }

    /// <summary>
    /// Files are being replaced (compaction, delete) or deleted (retention, delete): every intent naming
    /// one of <paramref name="inputs"/> gets a copy naming <paramref name="output"/>, or
    /// <see cref="CheckpointEntry.DeletedPath"/> when <paramref name="output"/> is null, appended and
    /// synced in one write. Replay then finds the rows settled whichever way the replacement ended; the
    /// copies must be durable before any input is deleted. Returns the number of intents copied.
    /// </summary>
    public int Repoint(IReadOnlySet<string> inputs, string? output)
    {
        lock (_lock)
        {
            var moved = _entries.Where(e => inputs.Contains(e.RelativePath)).Select(e => e with { RelativePath = output ?? CheckpointEntry.DeletedPath }).ToList();
            if (moved.Count == 0) return 0;
            using var frames = new MemoryStream();
            WriteFrames(frames, moved);
            _file.Write(frames.GetBuffer(), 0, (int)frames.Length);
            _file.Flush();
            Posix.DataSync(_file.SafeFileHandle);
            _entries.AddRange(moved);
            return moved.Count;
        }
    }

    /// <summary>Rewrites the log without the entries that only cover records below <paramref name="firstNeededLsn"/>.</summary>
    public void Trim(long firstNeededLsn)
    {
        lock (_lock)
        {
            var kept = _entries.Where(e => e.Last.Lsn >= firstNeededLsn).ToList();
            if (kept.Count == _entries.Count) return;
            AtomicFile.Write(_path, output => WriteFrames(output, kept), beforeReplace: _file.Dispose);
            _file = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            _file.Seek(0, SeekOrigin.End);
            _entries.Clear();
            _entries.AddRange(kept);
        }
    }

    public void Dispose()
    {
        lock (_lock) _file.Dispose();
    }

    private static void WriteFrames(Stream output, IEnumerable<CheckpointEntry> entries)
    {
        Span<byte> header = stackalloc byte[WalFraming.FrameHeaderBytes];
        foreach (var entry in entries)
        {
            var payload = Serialize(entry);
            WalFraming.WriteHeader(header, payload);
            output.Write(header);
            output.Write(payload);
        }
    }

    // version u8 | hour i64 | first lsn i64 | first index i32 | last lsn i64 | last index i32 | 4 × (u16 length + UTF-8): database, measurement, schema, path
    private static byte[] Serialize(CheckpointEntry entry)
    {
        var strings = new[] { entry.Database, entry.Measurement, entry.Schema, entry.RelativePath }.Select(Encoding.UTF8.GetBytes).ToArray();
        var payload = new byte[Layout.Strings + strings.Sum(s => 2 + s.Length)];
        payload[Layout.Version] = EntryVersion;
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(Layout.Hour), entry.Hour);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(Layout.FirstLsn), entry.First.Lsn);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(Layout.FirstIndex), entry.First.Index);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(Layout.LastLsn), entry.Last.Lsn);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(Layout.LastIndex), entry.Last.Index);
        var offset = Layout.Strings;
        foreach (var text in strings)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(offset), (ushort)text.Length);
            text.CopyTo(payload, offset + 2);
            offset += 2 + text.Length;
        }
        return payload;
    }

    private static bool TryParse(ReadOnlySpan<byte> payload, int shard, out CheckpointEntry? entry)
    {
        entry = null;
        if (payload.Length < Layout.Strings || payload[Layout.Version] != EntryVersion) return false;
        var strings = new string[4];
        var offset = Layout.Strings;
        for (var i = 0; i < 4; i++)
        {
            if (payload.Length < offset + 2) return false;
            var length = BinaryPrimitives.ReadUInt16LittleEndian(payload[offset..]);
            if (payload.Length < offset + 2 + length) return false;
            strings[i] = Encoding.UTF8.GetString(payload.Slice(offset + 2, length));
            offset += 2 + length;
        }
        entry = new CheckpointEntry(strings[0], strings[1], strings[2],
            new WalPosition(shard, BinaryPrimitives.ReadInt64LittleEndian(payload[Layout.FirstLsn..]), BinaryPrimitives.ReadInt32LittleEndian(payload[Layout.FirstIndex..])),
            new WalPosition(shard, BinaryPrimitives.ReadInt64LittleEndian(payload[Layout.LastLsn..]), BinaryPrimitives.ReadInt32LittleEndian(payload[Layout.LastIndex..])),
            BinaryPrimitives.ReadInt64LittleEndian(payload[Layout.Hour..]), strings[3]);
        return true;
    }
}
