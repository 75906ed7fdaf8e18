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

    /// <summary>Distinct values a string column interns before it stops (a cardinality cap on its memory).</summary>
    public const int MaxInternedValues = 65_536;

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
        Allocate(Math.Max(initialCapacity, MinCapacity));
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

    public ReadOnlySpan<long> Int64Values => _int64.AsSpan(0, Count);
    public ReadOnlySpan<double> Float64Values => _float64.AsSpan(0, Count);
    public ReadOnlySpan<bool> BooleanValues => _bool.AsSpan(0, Count);

    /// <summary>True while this string column carries dictionary codes for its rows.</summary>
    internal bool HasCodes => _codes is not null;

    /// <summary>Per row: the code of its value in <see cref="InternedValue"/>, or -1 for null.</summary>
    internal ReadOnlySpan<int> Codes => _codes.AsSpan(0, Count);

    internal int InternedCount => _interned?.Count ?? 0;

    internal ReadOnlySpan<byte> InternedValue(int code) => _interned![code];

    public bool IsValid(int row) => _validity is null || (_validity[row >> 6] & (1UL << row)) != 0;

    /// <summary>Per row, the end offset of its value in <see cref="StringBytes"/>.</summary>
    internal ReadOnlySpan<int> StringEnds => _stringEnds.AsSpan(0, Count);

    internal ReadOnlySpan<byte> StringBytes => _stringBytes.AsSpan(0, _stringByteCount);

    public ReadOnlySpan<byte> GetStringBytes(int row)
    {
        var start = row == 0 ? 0 : _stringEnds![row - 1];
        return _stringBytes.AsSpan(start, _stringEnds![row] - start);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AppendInt64(long value)
    {
        if (Count == Capacity) Grow(Count + 1);
        _int64![Count++] = value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AppendFloat64(double value)
    {
        if (Count == Capacity) Grow(Count + 1);
        _float64![Count++] = value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AppendBoolean(bool value)
    {
        if (Count == Capacity) Grow(Count + 1);
        _bool![Count++] = value;
    }

    public void AppendString(ReadOnlySpan<byte> utf8)
    {
        if (Count == Capacity) Grow(Count + 1);
        EnsureStringBytes(_stringByteCount + utf8.Length);
        utf8.CopyTo(_stringBytes.AsSpan(_stringByteCount));
        _stringByteCount += utf8.Length;
        _stringEnds![Count++] = _stringByteCount;
        if (_codes is not null) Intern(Count - 1, utf8);
    }

    private void Intern(int row, ReadOnlySpan<byte> utf8)
    {
        var code = _interned!.GetOrAdd(utf8);
        // Interning pays when values repeat (tags); a column that is still mostly new values after
        // its first rows (ids, Arc's benchmark with a random host per row) stops, and costs nothing more.
        if (_interned.Count > MaxInternedValues
            || (row == EarlyProbeRows - 1 && _interned.Count > EarlyProbeRows * 7 / 8)
            || (row == ProbeRows - 1 && _interned.Count > ProbeRows / 4))
        {
            StopInterning();
        }
        else
        {
            _codes![row] = code;
        }
    }

    /// <summary>Rows after which a column whose distinct values exceed a quarter of them stops interning.</summary>
    public const int ProbeRows = 256;

    /// <summary>
    /// A first look: a column still seven eighths new values after this many rows (a random host per
    /// row, ids) stops here instead of hashing up to <see cref="ProbeRows"/> (1.5-2% of the daemon's CPU
    /// on Arc's benchmark shape went to values interned only to be dropped).
    /// </summary>
    public const int EarlyProbeRows = 64;

    private void StopInterning()
    {
        if (_interned is not null) StringDictionary.Return(_interned);
        _interned = null;
        if (_codes is not null) ColumnArrays<int>.Return(_codes);
        _codes = null;
    }

    public void AppendNull() => AppendNulls(1);

    public void AppendNulls(int count)
    {
        if (count <= 0) return;
        var newCount = Count + count;
        if (newCount > Capacity) Grow(newCount);
        EnsureValidity(newCount);
        for (var row = Count; row < newCount; row++)
        {
            _validity![row >> 6] &= ~(1UL << row);
            switch (Kind)
            {
                case ColumnKind.Int64: _int64![row] = 0; break;
                case ColumnKind.Float64: _float64![row] = 0; break;
                case ColumnKind.Boolean: _bool![row] = false; break;
                case ColumnKind.String:
                    _stringEnds![row] = _stringByteCount;
                    if (_codes is not null) _codes[row] = -1;
                    break;
            }
        }
        Count = newCount;
        NullCount += count;
    }

    /// <summary>
    /// Within one request an integer column that meets a float becomes float64 (docs/PROTOCOL.md Part A
    /// item 3: no silent truncation). Integers beyond 2^53 lose precision, as they would in any reader
    /// that widens int64 to double.
    /// </summary>
    public void PromoteInt64ToFloat64()
    {
        if (Kind != ColumnKind.Int64) throw new InvalidOperationException($"column '{Name}' is {Kind}, not Int64");
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
            case ColumnKind.Int64: source.Int64Values.CopyTo(_int64.AsSpan(start)); break;
            case ColumnKind.Float64: source.Float64Values.CopyTo(_float64.AsSpan(start)); break;
            case ColumnKind.Boolean: source.BooleanValues.CopyTo(_bool.AsSpan(start)); break;
            case ColumnKind.String:
                EnsureStringBytes(_stringByteCount + source._stringByteCount);
                source._stringBytes.AsSpan(0, source._stringByteCount).CopyTo(_stringBytes.AsSpan(_stringByteCount));
                var ends = _stringEnds.AsSpan(start, rows);
                source._stringEnds.AsSpan(0, rows).CopyTo(ends);
                var offset = _stringByteCount;
                for (var i = 0; i < ends.Length; i++) ends[i] += offset;
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

    /// <summary>
    /// Codes for rows appended from <paramref name="source"/>: its dictionary is mapped into this one
    /// value by value (one lookup per distinct value, not per row), then its codes are translated.
    /// </summary>
    private void AppendCodes(Column source, int start, int rows)
    {
        if (source._codes is null)
        {
            // The batch stopped interning (high cardinality): so does the buffer; hashing its rows
            // here would cost what interning was meant to save.
            StopInterning();
            return;
        }
        var distinct = source._interned!.Count;
        var remap = ColumnArrays<int>.Rent(Math.Max(distinct, 1));
        try
        {
            for (var d = 0; d < distinct; d++)
            {
                remap[d] = _interned!.GetOrAdd(source._interned[d]);
                if (_interned.Count > MaxInternedValues)
                {
                    StopInterning();
                    return;
                }
            }
            var codes = source._codes.AsSpan(0, rows);
            var target = _codes.AsSpan(start, rows);
            for (var i = 0; i < codes.Length; i++) target[i] = codes[i] < 0 ? -1 : remap[codes[i]];
        }
        finally
        {
            ColumnArrays<int>.Return(remap);
        }
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
            case ColumnKind.Int64: AppendInt64(source.Int64Values[row]); break;
            case ColumnKind.Float64: AppendFloat64(source.Float64Values[row]); break;
            case ColumnKind.Boolean: AppendBoolean(source.BooleanValues[row]); break;
            default: AppendString(source.GetStringBytes(row)); break;
        }
    }

    public void Dispose()
    {
        if (_int64 is not null) ColumnArrays<long>.Return(_int64);
        if (_float64 is not null) ColumnArrays<double>.Return(_float64);
        if (_bool is not null) ColumnArrays<bool>.Return(_bool);
        if (_stringEnds is not null) ColumnArrays<int>.Return(_stringEnds);
        if (_stringBytes is not null) ColumnArrays<byte>.Return(_stringBytes);
        if (_validity is not null) ColumnArrays<ulong>.Return(_validity);
        StopInterning();
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
        var capacity = Math.Max(required, Capacity * 2);
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
        if (_validity is not null)
        {
            // Invariant: every bit at or past Count is 1, so appending a value needs no bitmap write.
            var used = WordsFor(Count);
            _validity = Regrow(_validity, WordsFor(capacity), used);
            _validity.AsSpan(used).Fill(ulong.MaxValue);
        }
        Capacity = capacity;
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
