using Arcd.Ingest.Columnar;

namespace Arcd.Tests.Columnar;

public class TimeOrderTests
{
    [Fact]
    public void Sorted_input_needs_no_permutation()
    {
        using var order = TimeOrder.Compute([1, 2, 2, 5]);
        Assert.True(order.IsIdentity);
        Assert.Equal([1L, 2, 2, 5], order.SortedTimes.ToArray());
    }

    [Fact]
    public void Unsorted_input_yields_times_in_order_and_a_matching_permutation()
    {
        var random = new Random(3);
        var times = Enumerable.Range(0, 5_000).Select(_ => (long)random.Next(-1000, 1000)).ToArray();
        using var order = TimeOrder.Compute(times);
        Assert.False(order.IsIdentity);
        var sorted = order.SortedTimes.ToArray();
        Assert.Equal(times.Order().ToArray(), sorted);
        for (var i = 0; i < times.Length; i++) Assert.Equal(sorted[i], times[order.SourceRow(i)]);
        Assert.Equal(times.Length, Enumerable.Range(0, times.Length).Select(order.SourceRow).Distinct().Count());
    }

    [Theory]
    [InlineData(1_000L)]                 // one pass
    [InlineData(3_600_000_000L)]         // an hour of microseconds: 3 passes
    [InlineData(1L << 43)]               // 44-bit offsets above 17-bit row numbers: still one word
    [InlineData(long.MaxValue)]          // the comparison sort's case
    public void Radix_and_comparison_paths_give_a_correct_stable_order(long span)
    {
        var random = new Random((int)(span % 1000) + 5);
        foreach (var count in new[] { 255, 256, 257, 5000, 100_000 })
        {
            var times = new long[count];
            var origin = random.NextInt64(-1_000_000_000_000, 1_000_000_000_000);
            for (var i = 0; i < count; i++)
                times[i] = span == long.MaxValue ? random.NextInt64(long.MinValue, long.MaxValue) : origin + random.NextInt64(0, span + 1) / 3 * 3; // with ties
            times[0] = span == long.MaxValue ? long.MinValue : origin; // pin the extremes
            using var order = TimeOrder.Compute(times);
            var seen = new bool[count];
            for (var i = 0; i < count; i++)
            {
                var row = order.SourceRow(i);
                Assert.False(seen[row]);
                seen[row] = true;
                Assert.Equal(times[row], order.SortedTimes[i]);
                if (i > 0) Assert.True(order.SortedTimes[i - 1] <= order.SortedTimes[i]);
                // The radix sort is stable: equal times keep their arrival order.
                if (i > 0 && span != long.MaxValue && count >= 256 && order.SortedTimes[i - 1] == order.SortedTimes[i])
                    Assert.True(order.SourceRow(i - 1) < row);
            }
        }
    }

    [Theory]
    [InlineData(10, 5L)]                    // insertion sort
    [InlineData(5_000, 50L)]                // radix, one pass
    [InlineData(5_000, long.MaxValue / 2)]  // comparison sort: offset and row number do not fit one word
    public void Equal_times_keep_their_arrival_order(int count, long spread)
    {
        var random = new Random(count);
        var times = Enumerable.Range(0, count).Select(_ => random.NextInt64(-spread, spread) / Math.Max(1, spread / 8) * Math.Max(1, spread / 8)).ToArray();
        using var order = TimeOrder.Compute(times);
        for (var i = 1; i < count; i++)
        {
            var (previous, current) = (order.SourceRow(i - 1), order.SourceRow(i));
            Assert.True(times[previous] < times[current] || times[previous] == times[current] && previous < current,
                $"position {i}: row {previous} ({times[previous]}) before row {current} ({times[current]})");
        }
    }
}
