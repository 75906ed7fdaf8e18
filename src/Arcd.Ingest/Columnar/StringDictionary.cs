using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
        var slots = _slots;
        var bytes = _bytes.Array;
        while (true)
        {
            var index = slots[slot];
            if (index < 0) break;
            if (_lengths[index] == value.Length && bytes.AsSpan(_starts[index], value.Length).SequenceEqual(value)) return index;
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

    // wyhash's multiply-fold over the value's bytes, keyed per process: a few cycles for a tag value of
    // 8 to 16 bytes (HashCode.AddBytes took several times longer), still seeded against crafted collisions.
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64() | 1;
    private static readonly ulong Secret = (ulong)Random.Shared.NextInt64() | 1;

    private static int Hash(ReadOnlySpan<byte> value)
    {
        var length = value.Length;
        ref var start = ref MemoryMarshal.GetReference(value);
        ulong a, b, seed = Seed;
        if (length <= 16)
        {
            if (length >= 8)
            {
                a = Unsafe.ReadUnaligned<ulong>(ref start);
                b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8));
            }
            else if (length >= 4)
            {
                a = Unsafe.ReadUnaligned<uint>(ref start);
                b = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, length - 4));
            }
            else
            {
                a = length == 0 ? 0 : ((ulong)start << 16) | ((ulong)Unsafe.Add(ref start, length >> 1) << 8) | Unsafe.Add(ref start, length - 1);
                b = 0;
            }
        }
        else
        {
            var at = 0;
            for (; length - at > 16; at += 16)
                seed = Fold(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, at)) ^ Secret, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, at + 8)) ^ seed);
            a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 16));
            b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8));
        }
        return (int)Fold(a ^ Secret ^ (ulong)length, b ^ seed) & int.MaxValue;
    }

    private static ulong Fold(ulong a, ulong b)
    {
        var high = Math.BigMul(a, b, out var low);
        return high ^ low;
    }
}
