using System.Runtime.CompilerServices;

namespace Arcd.Ingest.Columnar;

/// <summary>
/// Chunked storage, for the columns of a buffer (<see cref="MeasurementBuffer"/>), which grow to
/// hundreds of thousands of rows. A contiguous column doubles and copies what it holds each time it
/// fills (2.6% of the daemon's CPU went to those copies). A chunked one grows its first chunk the
/// same way up to <see cref="ChunkRows"/>, so a small buffer stays small, and from then on adds
/// pooled fixed-size chunks and copies nothing. Row r lives in chunk r / ChunkRows, at r % ChunkRows.
/// The fields of the contiguous layout (<c>_int64</c>, <c>_codes</c>...) hold the current (last) chunk;
/// <c>_chunkBase</c> is its first row. Readers take a chunk at a time (<see cref="Int64Chunk"/>) or a
/// <see cref="ColumnReader{T}"/> for rows in any order.
/// </summary>
public sealed partial class Column
{
    /// <summary>Rows per chunk: the largest array of the column pool, so chunks are pooled like request arrays.</summary>
    public const int ChunkRows = ColumnArrays.ChunkLength;

    internal const int ChunkShift = 14;
    internal const int ChunkMask = ChunkRows - 1;

    private bool _chunked;
    private int _chunkBase;
    private int _chunkCount;
    private Array[]? _valueChunks;  // long[], double[], bool[], or (strings) the ends as int[]
    private int[][]? _codeChunks;

    /// <summary>A column that stores its rows in pooled fixed-size chunks (a buffer's column).</summary>
    public static Column Chunked(string name, ColumnKind kind, int initialCapacity = MinCapacity)
    {
        var column = new Column { _chunked = true };
        column.Start(name, kind, initialCapacity);
        return column;
    }

    public bool IsChunked => _chunked;

    /// <summary>Chunks holding the rows (1 for a contiguous column).</summary>
    internal int ChunkCount => _chunked ? _chunkCount : 1;

    internal ReadOnlySpan<long> Int64Chunk(int k) => ChunkSpan(k, _int64);
    internal ReadOnlySpan<double> Float64Chunk(int k) => ChunkSpan(k, _float64);
    internal ReadOnlySpan<int> StringEndChunk(int k) => ChunkSpan(k, _stringEnds);

    internal ColumnReader<long> Int64Reader => Reader(_int64);
    internal ColumnReader<double> Float64Reader => Reader(_float64);
    internal ColumnReader<bool> BooleanReader => Reader(_bool);
    internal ColumnReader<int> StringEndReader => Reader(_stringEnds);
    internal ColumnReader<int> CodeReader => _chunked ? new ColumnReader<int>(null, _codeChunks) : new ColumnReader<int>(_codes, null);

    /// <summary>Copies every int64 value, in row order, into <paramref name="destination"/>.</summary>
    public void CopyInt64To(Span<long> destination)
    {
        for (var k = 0; k < ChunkCount; k++)
        {
            var chunk = Int64Chunk(k);
            chunk.CopyTo(destination[(k << ChunkShift)..]);
        }
    }

    private ReadOnlySpan<T> ChunkSpan<T>(int k, T[]? current) =>
        _chunked ? RowsOf(Unsafe.As<T[]>(_valueChunks![k]), k) : current.AsSpan(0, Count);

    private ReadOnlySpan<T> RowsOf<T>(T[] chunk, int k) => chunk.AsSpan(0, Math.Min(chunk.Length, Count - (k << ChunkShift)));

    private ColumnReader<T> Reader<T>(T[]? current) => _chunked ? new ColumnReader<T>(null, _valueChunks) : new ColumnReader<T>(current, null);

    /// <summary>The contiguous view the span properties give: the whole column unless it spans several chunks.</summary>
    private Span<T> Contiguous<T>(T[]? current)
    {
        if (_chunked && _chunkCount > 1)
            throw new InvalidOperationException($"column '{Name}' is chunked ({_chunkCount} chunks): read it by chunk or through a reader");
        return current.AsSpan(0, Count);
    }

    /// <summary>Writable slots for rows [row, row + at most <paramref name="max"/>) that lie in one chunk; rows below Capacity.</summary>
    private Span<T> ValueRun<T>(T[] current, int row, int max)
    {
        if (!_chunked) return current.AsSpan(row, max);
        var chunk = Unsafe.As<T[]>(_valueChunks![row >> ChunkShift]);
        var at = row & ChunkMask;
        return chunk.AsSpan(at, Math.Min(max, chunk.Length - at));
    }

    private Span<int> CodeRun(int row, int max)
    {
        if (!_chunked) return _codes.AsSpan(row, max);
        var chunk = _codeChunks![row >> ChunkShift];
        var at = row & ChunkMask;
        return chunk.AsSpan(at, Math.Min(max, chunk.Length - at));
    }

    /// <summary>Copies <paramref name="source"/> into rows from <paramref name="row"/> on (already within Capacity).</summary>
    private void CopyIn<T>(ReadOnlySpan<T> source, T[] current, int row)
    {
        while (!source.IsEmpty)
        {
            var run = ValueRun(current, row, source.Length);
            source[..run.Length].CopyTo(run);
            source = source[run.Length..];
            row += run.Length;
        }
    }

    /// <summary>Starts a chunked column's first chunk: at most <see cref="ChunkRows"/>, grown like a contiguous one until it is full.</summary>
    private void AllocateChunked(int capacity)
    {
        _valueChunks = new Array[4];
        _chunkCount = 1;
        _chunkBase = 0;
        Allocate(Math.Min(capacity, ChunkRows));
        _valueChunks[0] = CurrentValues();
        if (_codes is not null) (_codeChunks = new int[4][])[0] = _codes;
    }

    private Array CurrentValues() => Kind switch
    {
        ColumnKind.Int64 => _int64!,
        ColumnKind.Float64 => _float64!,
        ColumnKind.Boolean => _bool!,
        _ => _stringEnds!,
    };

    /// <summary>Makes room for rows up to <paramref name="required"/>: the first chunk regrows to ChunkRows, then whole chunks are added.</summary>
    private void GrowChunked(int required)
    {
        while (Capacity < required)
        {
            if (_chunkCount == 1 && Capacity < ChunkRows)
            {
                GrowContiguous(Math.Min(Math.Max(required, Capacity * 2), ChunkRows));
                _valueChunks![0] = CurrentValues();
                if (_codeChunks is not null) _codeChunks[0] = _codes!;
                continue;
            }
            AddChunk();
        }
    }

    private void AddChunk()
    {
        if (_chunkCount == _valueChunks!.Length)
        {
            Array.Resize(ref _valueChunks, _chunkCount * 2);
            if (_codeChunks is not null) Array.Resize(ref _codeChunks, _chunkCount * 2);
        }
        switch (Kind)
        {
            case ColumnKind.Int64: _int64 = RentChunk<long>(); break;
            case ColumnKind.Float64: _float64 = RentChunk<double>(); break;
            case ColumnKind.Boolean: _bool = RentChunk<bool>(); break;
            case ColumnKind.String:
                _stringEnds = RentChunk<int>();
                if (_codeChunks is not null) _codeChunks[_chunkCount] = _codes = RentChunk<int>();
                break;
        }
        _valueChunks[_chunkCount++] = CurrentValues();
        _chunkBase = Capacity;
        Capacity += ChunkRows;
        GrowValidity();
    }

    private static T[] RentChunk<T>()
    {
        var chunk = ColumnArrays<T>.Rent(ChunkRows);
        if (chunk.Length != ChunkRows) throw new InvalidOperationException($"the column pool gave {chunk.Length} slots for a {ChunkRows}-row chunk");
        return chunk;
    }

    private void ReturnChunks()
    {
        for (var k = 0; k < _chunkCount; k++)
        {
            var chunk = _valueChunks![k];
            switch (chunk)
            {
                case long[] int64: ColumnArrays<long>.Return(int64); break;
                case double[] float64: ColumnArrays<double>.Return(float64); break;
                case bool[] booleans: ColumnArrays<bool>.Return(booleans); break;
                case int[] ends: ColumnArrays<int>.Return(ends); break;
            }
            _valueChunks[k] = null!;
        }
        _valueChunks = null;
        _chunkCount = 0;
        _chunkBase = 0;
        _int64 = null;
        _float64 = null;
        _bool = null;
        _stringEnds = null;
    }
}

/// <summary>Random access to a column's rows, contiguous or chunked, without allocating (the encoder's gathers).</summary>
internal readonly struct ColumnReader<T>
{
    private readonly T[]? _single;
    private readonly Array[]? _chunks;

    internal ColumnReader(T[]? single, Array[]? chunks)
    {
        _single = single;
        _chunks = chunks;
    }

    public T this[int row]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _single is not null ? _single[row] : Unsafe.As<T[]>(_chunks![row >> Column.ChunkShift])[row & Column.ChunkMask];
    }
}
