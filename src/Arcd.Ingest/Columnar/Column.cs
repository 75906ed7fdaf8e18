using System.Buffers;
using System.Runtime.CompilerServices;

namespace Arcd.Ingest.Columnar;

/// <summary>
/// One named, typed, growable column whose storage is rented from <see cref="ArrayPool{T}"/>.
/// Values are dense (a null row keeps a default value in its slot) with a validity bitmap that is
/// only allocated once the first null arrives. Strings are kept as UTF-8 bytes in one arena plus
/// end offsets, so appending a string never allocates a .NET string.
/// Single writer: a column is filled by one decoder, then by one shard thread, then read by one
/// flush worker; ownership moves with the batch or buffer that holds it.
/// A column made by <see cref="Rent"/> goes back to a pool when disposed (a request's columns, one
/// allocation fewer each): its owner disposes it exactly once and never touches it again.
/// A buffer's columns are chunked instead of contiguous (<see cref="Chunked"/>, Column.Chunks.cs).
/// </summary>
public sealed partial class Column : IDisposable
{
    private const int MinCapacity = 16;

    // Enough for every column of the requests in flight (a few per request, dozens of requests).
    private static readonly Microsoft.Extensions.ObjectPool.ObjectPool<Column> Pool =
        Buffers.ObjectPools.Create(static () => new Column(), retained: 4096);

    private bool _rented; // from Pool: Dispose gives it back

    private long[]? _int64;
    private double[]? _float64;
    private bool[]? _bool;
    private int[]? _stringEnds;
    private byte[]? _stringBytes;
    private int _stringByteCount;
    private ulong[]? _validity;

    // Interned strings: each value's code in the column's dictionary, -1 for null. Dropped for good
    // when the column passes MaxInternedValues distinct values (ids, messages), which then take
    // the plain path.
    private StringDictionary? _interned;
    private int[]? _codes;

    public Column(string name, ColumnKind kind, int initialCapacity = MinCapacity)
    {
        Start(name, kind, initialCapacity);
    }

    private Column()
    {
    }

    /// <summary>A column from the pool (or new), empty; <see cref="Dispose"/> returns it.</summary>
    public static Column Rent(string name, ColumnKind kind, int initialCapacity = MinCapacity)
    {
        var column = Pool.Get();
        column.Start(name, kind, initialCapacity);
        column._rented = true;
        return column;
    }

    /// <summary>Makes this (new or disposed) column an empty one of <paramref name="kind"/>.</summary>
    internal void Start(string name, ColumnKind kind, int initialCapacity)
    {
        Name = name;
        Kind = kind;
        Count = 0;
        NullCount = 0;
        _stringByteCount = 0;
        if (_chunked) AllocateChunked(Math.Max(initialCapacity, MinCapacity));
        else Allocate(Math.Max(initialCapacity, MinCapacity));
    }

    public string Name { get; private set; } = "";
    public ColumnKind Kind { get; private set; }
    public int Count { get; private set; }
    public int NullCount { get; private set; }
    public int Capacity { get; private set; }

    /// <summary>Bytes of string payload held (0 for other kinds).</summary>
    public int StringByteCount => _stringByteCount;

    /// <summary>Approximate bytes this column holds, for the memory budget.</summary>
    public long ApproximateBytes => (long)Count * 8 + _stringByteCount;

    // The whole column as one span; a chunked column of more than one chunk is read by chunk instead.
    public ReadOnlySpan<long> Int64Values => Contiguous(_int64);
    public ReadOnlySpan<double> Float64Values => Contiguous(_float64);
    public ReadOnlySpan<bool> BooleanValues => Contiguous(_bool);

    /// <summary>True while this string column carries dictionary codes for its rows.</summary>
    internal bool HasCodes => _codes is not null;

    /// <summary>Per row: the code of its value in <see cref="InternedValue"/>, or -1 for null.</summary>
    internal ReadOnlySpan<int> Codes => Contiguous(_codes);

    internal int InternedCount => _interned?.Count ?? 0;

    internal ReadOnlySpan<byte> InternedValue(int code) => _interned![code];

    public bool IsValid(int row) => _validity is null || (_validity[row >> 6] & (1UL << row)) != 0;

    /// <summary>Per row, the end offset of its value in <see cref="StringBytes"/>.</summary>
    internal ReadOnlySpan<int> StringEnds => Contiguous(_stringEnds);

    internal ReadOnlySpan<byte> StringBytes => _stringBytes.AsSpan(0, _stringByteCount);

    public ReadOnlySpan<byte> GetStringBytes(int row)
    {
        var ends = StringEndReader;
        var start = row == 0 ? 0 : ends[row - 1];
        return _stringBytes.AsSpan(start, ends[row] - start);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AppendInt64(long value)
    {
        if (Count == Capacity) Grow(Count + 1);
        _int64![Count - _chunkBase] = value;
        Count++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AppendFloat64(double value)
    {
        if (Count == Capacity) Grow(Count + 1);
        _float64![Count - _chunkBase] = value;
        Count++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AppendBoolean(bool value)
    {
        if (Count == Capacity) Grow(Count + 1);
        _bool![Count - _chunkBase] = value;
        Count++;
    }

    public void AppendString(ReadOnlySpan<byte> utf8)
    {
        if (Count == Capacity) Grow(Count + 1);
        EnsureStringBytes(_stringByteCount + utf8.Length);
        utf8.CopyTo(_stringBytes.AsSpan(_stringByteCount));
        _stringByteCount += utf8.Length;
        _stringEnds![Count - _chunkBase] = _stringByteCount;
        Count++;
        if (_codes is not null) Intern(Count - 1, utf8);
    }

    public void AppendNull() => AppendNulls(1);

    public void AppendNulls(int count)
    {
        if (count <= 0) return;
        var newCount = Count + count;
        if (newCount > Capacity) Grow(newCount);
        EnsureValidity(newCount);
        for (var row = Count; row < newCount; row++) _validity![row >> 6] &= ~(1UL << row);
        for (var row = Count; row < newCount;)
        {
            var max = newCount - row;
            var filled = Kind switch
            {
                ColumnKind.Int64 => Fill(ValueRun(_int64!, row, max), 0L),
                ColumnKind.Float64 => Fill(ValueRun(_float64!, row, max), 0d),
                ColumnKind.Boolean => Fill(ValueRun(_bool!, row, max), false),
                _ => Fill(ValueRun(_stringEnds!, row, max), _stringByteCount),
            };
            if (_codes is not null) Fill(CodeRun(row, filled), -1);
            row += filled;
        }
        Count = newCount;
        NullCount += count;
    }

    private static int Fill<T>(Span<T> run, T value)
    {
        run.Fill(value);
        return run.Length;
    }

    /// <summary>
    /// Within one request an integer column that meets a float becomes float64 (docs/PROTOCOL.md Part A
    /// item 3: no silent truncation). Integers beyond 2^53 lose precision, as they would in any reader
    /// that widens int64 to double.
    /// </summary>
    public void PromoteInt64ToFloat64()
    {
        if (Kind != ColumnKind.Int64) throw new InvalidOperationException($"column '{Name}' is {Kind}, not Int64");
        if (_chunked) throw new InvalidOperationException($"column '{Name}' is a buffer's (chunked): only a request's columns widen");
        var doubles = ColumnArrays<double>.Rent(Capacity);
        for (var i = 0; i < Count; i++) doubles[i] = _int64![i];
        ColumnArrays<long>.Return(_int64!);
        _int64 = null;
        _float64 = doubles;
        Kind = ColumnKind.Float64;
    }

    /// <summary>Appends every row of <paramref name="source"/>, which must have the same kind.</summary>
    public void AppendColumn(Column source)
    {
        if (source.Kind != Kind) throw new InvalidOperationException($"column '{Name}': cannot append {source.Kind} to {Kind}");
        var rows = source.Count;
        if (rows == 0) return;
        var start = Count;
        var newCount = start + rows;
        if (newCount > Capacity) Grow(newCount);
        switch (Kind)
        {
            case ColumnKind.Int64: CopyIn(source.Int64Values, _int64!, start); break;
            case ColumnKind.Float64: CopyIn(source.Float64Values, _float64!, start); break;
            case ColumnKind.Boolean: CopyIn(source.BooleanValues, _bool!, start); break;
            case ColumnKind.String:
                EnsureStringBytes(_stringByteCount + source._stringByteCount);
                source._stringBytes.AsSpan(0, source._stringByteCount).CopyTo(_stringBytes.AsSpan(_stringByteCount));
                var sourceEnds = source.StringEnds;
                var offset = _stringByteCount;
                for (var done = 0; done < rows;)
                {
                    var ends = ValueRun(_stringEnds!, start + done, rows - done);
                    for (var i = 0; i < ends.Length; i++) ends[i] = sourceEnds[done + i] + offset;
                    done += ends.Length;
                }
                _stringByteCount += source._stringByteCount;
                if (_codes is not null) AppendCodes(source, start, rows);
                break;
        }
        if (source._validity is not null || _validity is not null)
        {
            EnsureValidity(newCount);
            for (var i = 0; i < rows; i++)
            {
                var row = start + i;
                if (source.IsValid(i)) _validity![row >> 6] |= 1UL << row;
                else _validity![row >> 6] &= ~(1UL << row);
            }
        }
        Count = newCount;
        NullCount += source.NullCount;
    }

    /// <summary>Appends one row of <paramref name="source"/> (same kind): the slow, general path used by WAL replay.</summary>
    public void AppendRow(Column source, int row)
    {
        if (!source.IsValid(row))
        {
            AppendNull();
            return;
        }
        switch (Kind)
        {
            case ColumnKind.Int64: AppendInt64(source.Int64Reader[row]); break;
            case ColumnKind.Float64: AppendFloat64(source.Float64Reader[row]); break;
            case ColumnKind.Boolean: AppendBoolean(source.BooleanReader[row]); break;
            default: AppendString(source.GetStringBytes(row)); break;
        }
    }

    public void Dispose()
    {
        StopInterning();
        if (_chunked) ReturnChunks();
        if (_int64 is not null) ColumnArrays<long>.Return(_int64);
        if (_float64 is not null) ColumnArrays<double>.Return(_float64);
        if (_bool is not null) ColumnArrays<bool>.Return(_bool);
        if (_stringEnds is not null) ColumnArrays<int>.Return(_stringEnds);
        if (_stringBytes is not null) ColumnArrays<byte>.Return(_stringBytes);
        if (_validity is not null) ColumnArrays<ulong>.Return(_validity);
        _int64 = null;
        _float64 = null;
        _bool = null;
        _stringEnds = null;
        _stringBytes = null;
        _validity = null;
        Count = 0;
        Capacity = 0;
        if (_rented)
        {
            _rented = false; // a second Dispose must not return it twice
            Pool.Return(this);
        }
    }

    private void Allocate(int capacity)
    {
        switch (Kind)
        {
            case ColumnKind.Int64: _int64 = ColumnArrays<long>.Rent(capacity); capacity = _int64.Length; break;
            case ColumnKind.Float64: _float64 = ColumnArrays<double>.Rent(capacity); capacity = _float64.Length; break;
            case ColumnKind.Boolean: _bool = ColumnArrays<bool>.Rent(capacity); capacity = _bool.Length; break;
            case ColumnKind.String:
                _stringEnds = ColumnArrays<int>.Rent(capacity);
                capacity = _stringEnds.Length;
                _codes = ColumnArrays<int>.Rent(capacity);
                _interned = StringDictionary.Rent();
                break;
        }
        Capacity = capacity;
    }

    private void Grow(int required)
    {
        if (_chunked) GrowChunked(required);
        else GrowContiguous(Math.Max(required, Capacity * 2));
    }

    private void GrowContiguous(int capacity)
    {
        switch (Kind)
        {
            case ColumnKind.Int64: _int64 = Regrow(_int64!, capacity, Count); capacity = _int64.Length; break;
            case ColumnKind.Float64: _float64 = Regrow(_float64!, capacity, Count); capacity = _float64.Length; break;
            case ColumnKind.Boolean: _bool = Regrow(_bool!, capacity, Count); capacity = _bool.Length; break;
            case ColumnKind.String:
                _stringEnds = Regrow(_stringEnds!, capacity, Count);
                capacity = _stringEnds.Length;
                if (_codes is not null) _codes = Regrow(_codes, capacity, Count);
                break;
        }
        Capacity = capacity;
        GrowValidity();
    }

    private void GrowValidity()
    {
        // Invariant: every bit at or past Count is 1, so appending a value needs no bitmap write.
        if (_validity is null || _validity.Length >= WordsFor(Capacity)) return;
        var used = WordsFor(Count);
        _validity = Regrow(_validity, WordsFor(Capacity), used);
        _validity.AsSpan(used).Fill(ulong.MaxValue);
    }

    private void EnsureStringBytes(int required)
    {
        if (_stringBytes is null) _stringBytes = ColumnArrays<byte>.Rent(Math.Max(required, 256));
        else if (required > _stringBytes.Length) _stringBytes = Regrow(_stringBytes, Math.Max(required, _stringBytes.Length * 2), _stringByteCount);
    }

    /// <summary>Creates the bitmap on the first null; every row before it was valid. Callers grow first.</summary>
    private void EnsureValidity(int rows)
    {
        if (_validity is not null) return;
        _validity = ColumnArrays<ulong>.Rent(WordsFor(Math.Max(Capacity, rows)));
        _validity.AsSpan().Fill(ulong.MaxValue);
    }

    private static int WordsFor(int rows) => (rows + 63) >> 6;

    private static T[] Regrow<T>(T[] old, int capacity, int used)
    {
        var next = ColumnArrays<T>.Rent(capacity);
        old.AsSpan(0, used).CopyTo(next);
        ColumnArrays<T>.Return(old);
        return next;
    }
}
