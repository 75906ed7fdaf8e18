using System.Buffers;

using Arcd.Ingest.Buffers;

namespace Arcd.Ingest.Columnar;

/// <summary>
/// Distinct UTF-8 values in first-seen order, found by their bytes (open addressing; the hash is
/// seeded per process, so crafted tags cannot force collisions). A string column interns its
/// values here while it is decoded, and the Parquet writer builds dictionary pages from the codes.
/// </summary>
internal sealed class StringDictionary : IDisposable
{
    private readonly PooledBuffer _bytes = new(1024);
    private int[] _starts = ArrayPool<int>.Shared.Rent(64);
    private int[] _lengths = ArrayPool<int>.Shared.Rent(64);
    private int[] _slots = CreateSlots(128);
    private int _slotCount = 128;

    public int Count { get; private set; }

    public ReadOnlySpan<byte> this[int index] => _bytes.Span.Slice(_starts[index], _lengths[index]);

    public int GetOrAdd(ReadOnlySpan<byte> value)
    {
        var mask = _slotCount - 1;
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
        if (Count * 2 > _slotCount) Rehash();
        return Count - 1;
    }

    public void Dispose()
    {
        _bytes.Dispose();
        ArrayPool<int>.Shared.Return(_starts);
        ArrayPool<int>.Shared.Return(_lengths);
        ArrayPool<int>.Shared.Return(_slots);
    }

    private void Rehash()
    {
        ArrayPool<int>.Shared.Return(_slots);
        _slotCount *= 2;
        _slots = CreateSlots(_slotCount);
        var mask = _slotCount - 1;
        for (var index = 0; index < Count; index++)
        {
            var slot = Hash(this[index]) & mask;
            while (_slots[slot] >= 0) slot = (slot + 1) & mask;
            _slots[slot] = index;
        }
    }

    private static int[] CreateSlots(int size)
    {
        // Rent may return a larger array: only the power-of-two prefix of `size` slots is used.
        var slots = ArrayPool<int>.Shared.Rent(size);
        slots.AsSpan(0, size).Fill(-1);
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
