using Arcd.Ingest.Flush;

namespace Arcd.Tests.Flush;

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
}
