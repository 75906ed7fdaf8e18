using System.Buffers;

namespace Arcd.Ingest.Flush;

/// <summary>
/// Rows of a buffer in time order: the sorted times plus the permutation that puts every other
/// column in the same order. Already-sorted input (the common case: one writer, increasing time)
/// costs one pass and no permutation.
/// </summary>
internal sealed class TimeOrder : IDisposable
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
        var count = times.Length;
        var sorted = ArrayPool<long>.Shared.Rent(Math.Max(count, 1));
        times.CopyTo(sorted);
        if (IsSorted(times)) return new TimeOrder(sorted, null, count);

        var permutation = ArrayPool<int>.Shared.Rent(count);
        for (var i = 0; i < count; i++) permutation[i] = i;
        // Ties keep no particular order, as in Arc (PROTOCOL.md §4.3).
        Array.Sort(sorted, permutation, 0, count);
        return new TimeOrder(sorted, permutation, count);
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
