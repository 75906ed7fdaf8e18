using Arcd.Ingest.Wire;
using Microsoft.Win32.SafeHandles;
using Arcd.Ingest.Buffers;
using Arcd.Ingest.Platform;

namespace Arcd.Ingest.Wal;

/// <summary>
/// One shard's log, used only by that shard's thread. Records of a drain are framed into one
/// buffer and written with one write; <see cref="Sync"/> (fdatasync) is then called once for
/// all of them — group commit. Segments rotate at <c>Wal:SegmentBytes</c>; closed segments are
/// freed once every record in them is in durable Parquet: up to <c>Wal:RecycleSegments</c> of them
/// are kept as spares and reused for the next segments, the rest deleted.
/// <para>
/// Why recycle: appending to a new file makes every fdatasync commit the file's growth (block
/// allocation and size, a journal commit) as well as the data; overwriting a file's existing blocks
/// syncs the data alone. Measured on this project's VM (ext4): 420 against 115 µs of CPU and
/// 1.1–1.4 against 0.7–0.85 ms per 320 KB write and fdatasync.
/// </para>
/// </summary>
internal sealed class WalWriter : IDisposable
{
    private readonly string _directory;
    private readonly int _shard;
    private readonly long _segmentBytes;
    private readonly int _recycle;
    private readonly PooledBuffer _pending = new(1 << 16);
    private readonly List<(long FirstLsn, long LastLsn, string Path)> _closed = [];
    private readonly Queue<string> _spares = new();
    private long _spareSequence;
    private SafeFileHandle? _file;
    private string _path = "";
    private long _fileLength;
    private long _segmentFirstLsn;
    private bool _unsynced;

    /// <param name="recycle">Freed segments kept as spares for reuse (0: delete them).</param>
    public WalWriter(string directory, int shard, long nextLsn, long segmentBytes, int recycle = 0)
    {
        _directory = directory;
        _shard = shard;
        _segmentBytes = segmentBytes;
        _recycle = recycle;
        NextLsn = nextLsn;
        Directory.CreateDirectory(directory);
        // Spares of an earlier run are never reused: this log's LSNs may restart below theirs (after a
        // clean stop), and a recycled segment's end is found by its LSNs running on.
        DeleteSpares(directory);
        OpenSegment();
    }

    /// <summary>Deletes the spare segment files of a shard directory.</summary>
    public static void DeleteSpares(string directory)
    {
        foreach (var spare in WalSegment.ListSpares(directory)) File.Delete(spare);
    }

    /// <summary>Spare segment files held for reuse.</summary>
    public int SpareCount => _spares.Count;

    public long NextLsn { get; private set; }
    public long BytesWritten { get; private set; }
    public int SegmentCount => _closed.Count + 1;
    public bool HasUnsynced => _unsynced || _pending.Length > 0;

    /// <summary>Frames one record into the pending buffer and returns its LSN.</summary>
    public long Append(BodyFormat format, byte precision, long nowMicros, string database, ReadOnlySpan<byte> body)
    {
        var lsn = NextLsn++;
        var length = WalRecord.PayloadLength(database, body.Length);
        var frame = _pending.GetSpan(WalFraming.FrameHeaderBytes + length);
        var payload = frame.Slice(WalFraming.FrameHeaderBytes, length);
        WalRecord.WritePayload(payload, lsn, format, precision, nowMicros, database, body);
        WalFraming.WriteHeader(frame, payload);
        _pending.Advance(WalFraming.FrameHeaderBytes + length);
        return lsn;
    }

    /// <summary>Writes what was appended since the last call (one write call).</summary>
    public void Write()
    {
        if (_pending.Length == 0) return;
        RandomAccess.Write(_file!, _pending.Span, _fileLength);
        _fileLength += _pending.Length;
        BytesWritten += _pending.Length;
        _pending.Clear();
        _unsynced = true;
    }

    /// <summary>fdatasync; rotates to a new segment afterwards when this one is full.</summary>
    public void Sync()
    {
        Write();
        if (_unsynced)
        {
            Posix.DataSync(_file!);
            _unsynced = false;
        }
        if (_fileLength >= _segmentBytes) Rotate();
    }

    /// <summary>
    /// Frees closed segments whose every record is below <paramref name="firstNeededLsn"/>: each is
    /// renamed to a spare while fewer than the recycle count are held, else deleted. Either way its
    /// name is gone; the caller's next directory sync (the checkpoint trim) makes that durable.
    /// </summary>
    public int DeleteSegmentsBefore(long firstNeededLsn)
    {
        var deleted = 0;
        while (_closed.Count > 0 && _closed[0].LastLsn < firstNeededLsn)
        {
            var path = _closed[0].Path;
            if (_spares.Count < _recycle)
            {
                var spare = Path.Combine(_directory, (_spareSequence++).ToString("D6", System.Globalization.CultureInfo.InvariantCulture) + WalSegment.SpareExtension);
                File.Move(path, spare);
                _spares.Enqueue(spare);
            }
            else
            {
                File.Delete(path);
            }
            _closed.RemoveAt(0);
            deleted++;
        }
        // A spare's name is durable before the spare is reused (and its header overwritten).
        if (deleted > 0 && _recycle > 0) Posix.FsyncDirectory(_directory);
        return deleted;
    }

    /// <summary>First LSN still kept on disk.</summary>
    public long OldestLsn => _closed.Count > 0 ? _closed[0].FirstLsn : _segmentFirstLsn;

    public void Dispose()
    {
        if (_file is null) return;
        try
        {
            Sync();
        }
        finally
        {
            _file.Dispose();
            _file = null;
            _pending.Dispose();
        }
    }

    private void Rotate()
    {
        _closed.Add((_segmentFirstLsn, NextLsn - 1, _path));
        _file!.Dispose();
        OpenSegment();
    }

    private void OpenSegment()
    {
        _segmentFirstLsn = NextLsn;
        _path = Path.Combine(_directory, WalSegment.FileName(NextLsn));
        var recycled = _spares.TryDequeue(out var spare);
        _file = recycled ? File.OpenHandle(spare!, FileMode.Open, FileAccess.Write) : File.OpenHandle(_path, FileMode.CreateNew, FileAccess.Write);
        Span<byte> header = stackalloc byte[WalSegment.HeaderBytes];
        WalSegment.WriteHeader(header, _shard, NextLsn, recycled);
        RandomAccess.Write(_file, header, 0);
        Posix.DataSync(_file);
        // A spare takes the segment's name only once its new header is durable: a crash in between
        // leaves a spare (deleted at the next start), never a segment whose old header would vouch
        // for the records of its earlier use.
        if (recycled) File.Move(spare!, _path);
        _fileLength = WalSegment.HeaderBytes;
        Posix.FsyncDirectory(_directory); // the new file's name must survive a crash too
    }
}
