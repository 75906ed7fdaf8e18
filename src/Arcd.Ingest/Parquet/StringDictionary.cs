using System.Buffers;

namespace Arcd.Ingest.Parquet;

/// <summary>
/// Distinct UTF-8 values of one column chunk, in first-seen order, found by their bytes
/// (open addressing; the hash is seeded per process, so crafted tags cannot force collisions).
/// </summary>
internal sealed class StringDictionary : IDisposable
{
    private readonly PooledBuffer _bytes = new(1024);
    private int[] _starts = ArrayPool<int>.Shared.Rent(64);
    private int[] _lengths = ArrayPool<int>.Shared.Rent(64);
    private int[] _slots = CreateSlots(128);

    public int Count { get; private set; }

    public ReadOnlySpan<byte> this[int index] => _bytes.Span.Slice(_starts[index], _lengths[index]);

    public int GetOrAdd(ReadOnlySpan<byte> value)
    {
        var mask = _slots.Length - 1;
        var slot = Hash(value) & mask;
        while (true)
        {
            var index = _slots[slot];
            if (index < 0) break;
            if (this[index].SequenceEqual(value)) return index;
            slot = (slot + 1) & mask;
        }

        if (Count == _starts.Length)
        {
            _starts = Grow(_starts);
            _lengths = Grow(_lengths);
        }
        _starts[Count] = _bytes.Length;
        _lengths[Count] = value.Length;
        _bytes.Write(value);
        _slots[slot] = Count;
        Count++;
        if (Count * 2 > _slots.Length) Rehash();
        return Count - 1;
    }

    public void Dispose()
    {
        _bytes.Dispose();
        ArrayPool<int>.Shared.Return(_starts);
        ArrayPool<int>.Shared.Return(_lengths);
    }

    private void Rehash()
    {
        _slots = CreateSlots(_slots.Length * 2);
        var mask = _slots.Length - 1;
        for (var index = 0; index < Count; index++)
        {
            var slot = Hash(this[index]) & mask;
            while (_slots[slot] >= 0) slot = (slot + 1) & mask;
            _slots[slot] = index;
        }
    }

    private static int[] CreateSlots(int size)
    {
        // Rent may return a larger array; only a power-of-two prefix is used, so size it exactly.
        var slots = new int[size];
        slots.AsSpan().Fill(-1);
        return slots;
    }

    private static int[] Grow(int[] old)
    {
        var bigger = ArrayPool<int>.Shared.Rent(old.Length * 2);
        old.CopyTo(bigger, 0);
        ArrayPool<int>.Shared.Return(old);
        return bigger;
    }

    private static int Hash(ReadOnlySpan<byte> value)
    {
        var hash = new HashCode();
        hash.AddBytes(value);
        return hash.ToHashCode() & int.MaxValue;
    }
}
