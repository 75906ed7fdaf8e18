using Arcd.Ingest.Wire;
using Microsoft.Win32.SafeHandles;
using Arcd.Ingest.Buffers;
using Arcd.Ingest.Platform;

namespace Arcd.Ingest.Wal;

/// <summary>
/// One shard's log, used only by that shard's thread. Records of a drain are framed into one
/// buffer and written with one write; <see cref="Sync"/> (fdatasync) is then called once for
/// all of them — group commit. Segments rotate at <c>Wal:SegmentBytes</c>; closed segments are
/// deleted once every record in them is in durable Parquet.
/// </summary>
internal sealed class WalWriter : IDisposable
{
    private readonly string _directory;
    private readonly int _shard;
    private readonly long _segmentBytes;
    private readonly PooledBuffer _pending = new(1 << 16);
    private readonly List<(long FirstLsn, long LastLsn, string Path)> _closed = [];
    private SafeFileHandle? _file;
    private string _path = "";
    private long _fileLength;
    private long _segmentFirstLsn;
    private bool _unsynced;

    public WalWriter(string directory, int shard, long nextLsn, long segmentBytes)
    {
        _directory = directory;
        _shard = shard;
        _segmentBytes = segmentBytes;
        NextLsn = nextLsn;
        Directory.CreateDirectory(directory);
        OpenSegment();
    }

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

    /// <summary>Deletes closed segments whose every record is below <paramref name="firstNeededLsn"/>.</summary>
    public int DeleteSegmentsBefore(long firstNeededLsn)
    {
        var deleted = 0;
        while (_closed.Count > 0 && _closed[0].LastLsn < firstNeededLsn)
        {
            File.Delete(_closed[0].Path);
            _closed.RemoveAt(0);
            deleted++;
        }
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
        _file = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.Write);
        Span<byte> header = stackalloc byte[WalSegment.HeaderBytes];
        WalSegment.WriteHeader(header, _shard, NextLsn);
        RandomAccess.Write(_file, header, 0);
        _fileLength = WalSegment.HeaderBytes;
        Posix.DataSync(_file);
        Posix.FsyncDirectory(_directory); // the new file's name must survive a crash too
    }
}
