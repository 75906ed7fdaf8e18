using Arcd.Ingest.Shards;

namespace Arcd.Tests.Shards;

public class ShardRouterTests
{
    [Fact]
    public void Measurements_are_dealt_evenly_in_arrival_order_and_keep_their_shard()
    {
        var router = new ShardRouter(2);
        string[] measurements = ["cpu", "mem", "disk", "net"];
        var first = measurements.Select(m => router.ShardOf("telegraf", m)).ToArray();
        Assert.Equal([0, 1, 0, 1], first);
        for (var round = 0; round < 3; round++)
            Assert.Equal(first, measurements.Select(m => router.ShardOf("telegraf", new string(m.ToCharArray()))).ToArray());
    }

    [Fact]
    public void The_same_measurement_in_another_database_is_another_key()
    {
        var router = new ShardRouter(4);
        Assert.Equal(0, router.ShardOf("a", "cpu"));
        Assert.Equal(1, router.ShardOf("b", "cpu"));
        Assert.Equal(0, router.ShardOf("a", "cpu"));
    }

    [Fact]
    public void One_shard_takes_everything()
    {
        var router = new ShardRouter(1);
        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(0, router.ShardOf("db", $"m{i}")));
    }

    [Fact]
    public void Past_the_cap_new_keys_are_hashed_into_range_and_stay_put()
    {
        var router = new ShardRouter(3);
        for (var i = 0; i < ShardRouter.MaxAssigned; i++) router.ShardOf("db", $"m{i}");
        var counts = new int[3];
        for (var i = 0; i < 3000; i++)
        {
            var shard = router.ShardOf("db", $"late{i}");
            Assert.InRange(shard, 0, 2);
            Assert.Equal(shard, router.ShardOf("db", $"late{i}"));
            counts[shard]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
        Assert.Equal(1, router.ShardOf("db", "m1")); // dealt before the cap: unchanged
    }

    [Fact]
    public void Concurrent_first_arrivals_agree_on_one_shard_per_key()
    {
        var router = new ShardRouter(2);
        var seen = new System.Collections.Concurrent.ConcurrentBag<(string, int)>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 1000; i++) seen.Add(($"m{i}", router.ShardOf("db", $"m{i}")));
        });
        Assert.All(seen.GroupBy(s => s.Item1), g => Assert.Single(g.Select(s => s.Item2).Distinct()));
    }
}
