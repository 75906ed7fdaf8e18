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
    /// <summary>Values up to this length are compared by their <see cref="ShortKey"/> instead of their bytes.</summary>
    private const int ShortLength = 16;

    private readonly PooledBuffer _bytes = new(1024);
    private int[] _starts = ArrayPool<int>.Shared.Rent(64);
    private int[] _lengths = ArrayPool<int>.Shared.Rent(64);
    private ShortKey[] _keys = ArrayPool<ShortKey>.Shared.Rent(64);
    private int[] _slots = CreateSlots(128);
    private int _slotCount = 128;

    public int Count { get; private set; }

    // Every string column of every request interns into one of these until it gives up: kept for the
    // next request instead of allocated anew (with their pooled arrays), while they stay small.
    private const int MaxPooled = 256;
    private const int MaxPooledSlots = 2048; // 512 values at the quarter load below
    private static readonly StringDictionary?[] Pool = new StringDictionary?[MaxPooled];
    private static int s_pooled;

    /// <summary>An empty dictionary, reused when one is free.</summary>
    public static StringDictionary Rent()
    {
        lock (Pool)
        {
            if (s_pooled > 0)
            {
                var kept = Pool[--s_pooled]!;
                Pool[s_pooled] = null;
                return kept;
            }
        }
        return new StringDictionary();
    }

    /// <summary>Gives a dictionary back: emptied and kept for <see cref="Rent"/>, or released when large or the pool is full.</summary>
    public static void Return(StringDictionary dictionary)
    {
        if (dictionary._slotCount <= MaxPooledSlots)
        {
            dictionary.Count = 0;
            dictionary._bytes.Clear();
            dictionary._slots.AsSpan(0, dictionary._slotCount).Fill(-1);
            lock (Pool)
            {
                if (s_pooled < MaxPooled)
                {
                    Pool[s_pooled++] = dictionary;
                    return;
                }
            }
        }
        dictionary.Dispose();
    }

    public ReadOnlySpan<byte> this[int index] => _bytes.Span.Slice(_starts[index], _lengths[index]);

    public int GetOrAdd(ReadOnlySpan<byte> value)
    {
        var key = ShortKey.Of(value);
        var mask = _slotCount - 1;
        var slot = Hash(value, key) & mask;
        var slots = _slots;
        var length = value.Length;
        if (length <= ShortLength)
        {
            // Tags are short: two words and a length identify the value exactly, with no byte compare.
            while (true)
            {
                var index = slots[slot];
                if (index < 0) break;
                if (_lengths[index] == length && _keys[index].SameAs(key)) return index;
                slot = (slot + 1) & mask;
            }
        }
        else
        {
            var bytes = _bytes.Array;
            while (true)
            {
                var index = slots[slot];
                if (index < 0) break;
                if (_lengths[index] == length && bytes.AsSpan(_starts[index], length).SequenceEqual(value)) return index;
                slot = (slot + 1) & mask;
            }
        }

        if (Count == _starts.Length)
        {
            _starts = Grow(_starts);
            _lengths = Grow(_lengths);
            _keys = Grow(_keys);
        }
        _starts[Count] = _bytes.Length;
        _lengths[Count] = length;
        _keys[Count] = key;
        _bytes.Write(value);
        _slots[slot] = Count;
        Count++;
        // At most a quarter full: a lookup then nearly always ends at its first slot. Half full, the
        // probe loop's exit mispredicted often enough to cost 10% of EncodeParquetSnappy (alternating
        // loops, 7 x 3 s: median 47.1 -> 41.9 ns/row).
        if (Count * 4 > _slotCount) Rehash();
        return Count - 1;
    }

    public void Dispose()
    {
        _bytes.Dispose();
        ArrayPool<int>.Shared.Return(_starts);
        ArrayPool<int>.Shared.Return(_lengths);
        ArrayPool<ShortKey>.Shared.Return(_keys);
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
            var slot = Hash(this[index], _keys[index]) & mask;
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

    private static T[] Grow<T>(T[] old)
    {
        var bigger = ArrayPool<T>.Shared.Rent(old.Length * 2);
        old.CopyTo(bigger, 0);
        ArrayPool<T>.Shared.Return(old);
        return bigger;
    }

    // Keyed per process against crafted collisions. Only 64-bit multiplies: the native build targets
    // x86-64-v2, where Math.BigMul's 128-bit product runs a software fallback (it showed in the profile).
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64() | 1;
    private static readonly ulong Secret = (ulong)Random.Shared.NextInt64() | 1;
    private const ulong K1 = 0x9E3779B97F4A7C15;
    private const ulong K2 = 0xC2B2AE3D27D4EB4F;

    private static int Hash(ReadOnlySpan<byte> value, ShortKey key)
    {
        var length = value.Length;
        var seed = Seed;
        if (length > ShortLength)
        {
            ref var start = ref MemoryMarshal.GetReference(value);
            for (var at = 0; length - at > ShortLength; at += ShortLength)
                seed = Mix(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, at)), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, at + 8)), seed);
        }
        return (int)Mix(key.A ^ (ulong)length, key.B, seed) & int.MaxValue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong a, ulong b, ulong seed)
    {
        var h = ((a ^ seed) * K1) ^ ((b ^ Secret) * K2);
        h ^= h >> 31;
        h *= K1;
        return h ^ (h >> 29);
    }
}
