using System.Buffers;

namespace Arcd.Ingest.Columnar;

/// <summary>
/// Rows of a buffer in time order: the sorted times plus the permutation that puts every other
/// column in the same order. Already-sorted input (the common case: one writer, increasing time)
/// costs one pass and no permutation.
/// </summary>
public sealed class TimeOrder : IDisposable
{
    private long[]? _sortedTimes;
    private int[]? _permutation;

    private TimeOrder(long[] sortedTimes, int[]? permutation, int count)
    {
        _sortedTimes = sortedTimes;
        _permutation = permutation;
        Count = count;
    }

    public int Count { get; }
    public ReadOnlySpan<long> SortedTimes => _sortedTimes.AsSpan(0, Count);

    /// <summary>Source row for sorted position <paramref name="i"/>.</summary>
    public int SourceRow(int i) => _permutation is null ? i : _permutation[i];

    public bool IsIdentity => _permutation is null;

    public static TimeOrder Compute(ReadOnlySpan<long> times)
    {
        var sorted = ArrayPool<long>.Shared.Rent(Math.Max(times.Length, 1));
        times.CopyTo(sorted);
        return Order(sorted, times.Length);
    }

    /// <summary>The order of a (possibly chunked) time column.</summary>
    public static TimeOrder Compute(Column time)
    {
        var sorted = ArrayPool<long>.Shared.Rent(Math.Max(time.Count, 1));
        time.CopyInt64To(sorted);
        return Order(sorted, time.Count);
    }

    /// <summary>
    /// Sorts <paramref name="sorted"/> (a copy of the times, which it reads as its input too: every
    /// sort below reads all of its input before it writes its output there).
    /// </summary>
    private static TimeOrder Order(long[] sorted, int count)
    {
        ReadOnlySpan<long> times = sorted.AsSpan(0, count);
        if (IsSorted(times)) return new TimeOrder(sorted, null, count);

        var permutation = ArrayPool<int>.Shared.Rent(count);
        var min = long.MaxValue;
        var max = long.MinValue;
        foreach (var t in times)
        {
            if (t < min) min = t;
            if (t > max) max = t;
        }
        // Stable, so rows with equal timestamps keep their arrival order (docs/PROTOCOL.md §4.3): compaction
        // keeps the last written of duplicate rows, which needs that order. A stable LSD radix sort on the
        // offsets from the minimum (2-4 passes for a buffer's span of seconds to hours, at most 6) is several
        // times faster than a comparison sort, which was the largest single hot spot of the profile (9.5% of
        // CPU); small buffers use insertion sort.
        if (count < RadixThreshold)
        {
            for (var i = 0; i < count; i++) permutation[i] = i;
            InsertionSort(sorted.AsSpan(0, count), permutation.AsSpan(0, count));
        }
        else if (!TryRadixSort(times, min, (ulong)(max - min), sorted, permutation))
        {
            ComparisonSort(times, sorted, permutation);
        }
        return new TimeOrder(sorted, permutation, count);
    }

    private const int RadixThreshold = 256;

    /// <summary>Stable: an element moves left only past strictly greater times.</summary>
    private static void InsertionSort(Span<long> keys, Span<int> rows)
    {
        for (var i = 1; i < keys.Length; i++)
        {
            var key = keys[i];
            var row = rows[i];
            var j = i - 1;
            while (j >= 0 && keys[j] > key)
            {
                keys[j + 1] = keys[j];
                rows[j + 1] = rows[j];
                j--;
            }
            keys[j + 1] = key;
            rows[j + 1] = row;
        }
    }
    private const int DigitBits = 11;
    private const int Buckets = 1 << DigitBits;

    /// <summary>
    /// Stable LSD radix sort of (time - min) with 11-bit digits. Each element is one word, the offset
    /// above its row number, so a pass moves 8 bytes instead of a key and a row in two arrays (the
    /// sort was 4% of the daemon's CPU). The row number below the key keeps equal times in arrival
    /// order. False when offset and row number do not fit in 64 bits together (a span of centuries).
    /// </summary>
    private static bool TryRadixSort(ReadOnlySpan<long> times, long min, ulong span, long[] sortedOut, int[] permutationOut)
    {
        var count = times.Length;
        var rowBits = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(count - 1));
        var keyBits = 64 - System.Numerics.BitOperations.LeadingZeroCount(span);
        if (rowBits + keyBits > 64) return false;
        var passes = Math.Max(1, (keyBits + DigitBits - 1) / DigitBits);
        var words = ArrayPool<ulong>.Shared.Rent(count);
        var wordsB = ArrayPool<ulong>.Shared.Rent(count);
        var counts = ArrayPool<int>.Shared.Rent(Buckets);
        try
        {
            for (var i = 0; i < count; i++) words[i] = ((ulong)(times[i] - min) << rowBits) | (uint)i;
            for (var pass = 0; pass < passes; pass++)
            {
                var shift = rowBits + pass * DigitBits;
                Array.Clear(counts, 0, Buckets);
                for (var i = 0; i < count; i++) counts[(int)(words[i] >> shift) & (Buckets - 1)]++;
                var total = 0;
                for (var b = 0; b < Buckets; b++)
                {
                    var c = counts[b];
                    counts[b] = total;
                    total += c;
                }
                for (var i = 0; i < count; i++)
                {
                    var w = words[i];
                    wordsB[counts[(int)(w >> shift) & (Buckets - 1)]++] = w;
                }
                (words, wordsB) = (wordsB, words);
            }
            var rowMask = (1UL << rowBits) - 1;
            for (var i = 0; i < count; i++)
            {
                var w = words[i];
                sortedOut[i] = (long)(w >> rowBits) + min;
                permutationOut[i] = (int)(w & rowMask);
            }
            return true;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(words);
            ArrayPool<ulong>.Shared.Return(wordsB);
            ArrayPool<int>.Shared.Return(counts);
        }
    }

    /// <summary>For spans the radix sort cannot pack: (time, row) pairs, so equal times keep arrival order.</summary>
    private static void ComparisonSort(ReadOnlySpan<long> times, long[] sortedOut, int[] permutationOut)
    {
        var pairs = new (long Time, int Row)[times.Length];
        for (var i = 0; i < pairs.Length; i++) pairs[i] = (times[i], i);
        Array.Sort(pairs, static (x, y) => x.Time != y.Time ? x.Time.CompareTo(y.Time) : x.Row.CompareTo(y.Row));
        for (var i = 0; i < pairs.Length; i++)
        {
            sortedOut[i] = pairs[i].Time;
            permutationOut[i] = pairs[i].Row;
        }
    }

    public void Dispose()
    {
        if (_sortedTimes is not null) ArrayPool<long>.Shared.Return(_sortedTimes);
        if (_permutation is not null) ArrayPool<int>.Shared.Return(_permutation);
        _sortedTimes = null;
        _permutation = null;
    }

    private static bool IsSorted(ReadOnlySpan<long> times)
    {
        for (var i = 1; i < times.Length; i++)
            if (times[i] < times[i - 1]) return false;
        return true;
    }
}
