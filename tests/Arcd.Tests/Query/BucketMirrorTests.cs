using Arcd.Ingest.Storage;
using Arcd.Query.Storage;
using Arcd.Tests.Support;

namespace Arcd.Tests.Query;

/// <summary>
/// The queries' read cache over any storage (a local directory stands in for the bucket): only the
/// hours a query can touch are fetched, the byte budget is kept by evicting least recently used files
/// that no query holds, and a file the bucket no longer lists is never read from the cache.
/// </summary>
public sealed class BucketMirrorTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalFileStorage _bucket;

    public BucketMirrorTests()
    {
        _bucket = new LocalFileStorage(Path.Combine(_temp.Path, "bucket"));
    }

    public void Dispose() => _temp.Dispose();

    private static long Hour(int day, int hour) => (long)(new DateTime(2026, 11, day, hour, 0, 0, DateTimeKind.Utc) - DateTime.UnixEpoch).TotalHours;

    private string Put(int day, int hour, string name, int bytes)
    {
        var path = $"db/m/2026/11/{day:D2}/{hour:D2}/{name}.parquet";
        _bucket.Put(path, s => s.Write(new byte[bytes]));
        return path;
    }

    private BucketMirror Mirror(long maxBytes, TimeSpan? ttl = null) =>
        new(_bucket, Path.Combine(_temp.Path, "cache"), maxBytes, ttl ?? TimeSpan.FromMinutes(10));

    [Fact]
    public void Only_the_hours_a_query_can_touch_are_fetched_and_a_second_query_hits_the_cache()
    {
        var a = Put(30, 10, "a", 100);
        var b = Put(30, 11, "b", 100);
        var daily = $"db/m/2026/11/29/m_daily.parquet";
        _bucket.Put(daily, s => s.Write(new byte[50]));
        var mirror = Mirror(1 << 20);
        mirror.RefreshTree();
        Assert.True(Directory.Exists(mirror.Root + "db/m"));

        using (mirror.Fetch([new MeasurementHours("db", "m", Hour(30, 10), Hour(30, 10))], out var gets)) Assert.Equal(1, gets);
        Assert.True(File.Exists(mirror.Root + a));
        Assert.False(File.Exists(mirror.Root + b));
        Assert.False(File.Exists(mirror.Root + daily));
        using (mirror.Fetch([new MeasurementHours("db", "m", long.MinValue, long.MaxValue)], out var gets)) Assert.Equal(2, gets);
        using (mirror.Fetch([new MeasurementHours("db", "m", long.MinValue, long.MaxValue)], out var gets)) Assert.Equal(0, gets);
        Assert.Equal((3L, 4L), (mirror.Gets, mirror.Hits)); // hits: hour 10 on the second fetch, all three on the third
        Assert.Equal(250, mirror.CachedBytes);
    }

    [Fact]
    public void The_budget_evicts_least_recently_used_files_but_never_one_a_running_query_holds()
    {
        var files = Enumerable.Range(0, 4).Select(h => Put(30, h, $"f{h}", 400)).ToList();
        var mirror = Mirror(1000);
        mirror.RefreshTree();
        MeasurementHours HourOf(int h) => new("db", "m", Hour(30, h), Hour(30, h));

        var held = mirror.Fetch([HourOf(0)], out _);
        mirror.Fetch([HourOf(1)], out _).Dispose();
        mirror.Fetch([HourOf(2)], out _).Dispose(); // 1200 bytes: hour 1 (least recent, free) goes; hour 0 is held
        Assert.True(File.Exists(mirror.Root + files[0]));
        Assert.False(File.Exists(mirror.Root + files[1]));
        Assert.True(File.Exists(mirror.Root + files[2]));
        Assert.Equal(800, mirror.CachedBytes);

        // Everything held at once may go over the budget for the query's duration, then shrinks back.
        using (mirror.Fetch([new MeasurementHours("db", "m", long.MinValue, long.MaxValue)], out _))
            Assert.Equal(1600, mirror.CachedBytes);
        held.Dispose();
        Assert.True(mirror.CachedBytes <= 1000);
    }

    [Fact]
    public void A_file_the_bucket_no_longer_lists_is_dropped_before_the_next_query_and_listings_follow_changes()
    {
        var a = Put(30, 10, "a", 100);
        var b = Put(30, 10, "b", 100);
        var mirror = Mirror(1 << 20);
        mirror.RefreshTree();
        var hour = new MeasurementHours("db", "m", Hour(30, 10), Hour(30, 10));
        mirror.Fetch([hour], out _).Dispose();

        // Compacted elsewhere: one output, the inputs deleted. Within the TTL the listing is reused...
        var merged = Put(30, 10, "m_compacted", 150);
        _bucket.Delete(a);
        _bucket.Delete(b);
        // ...until this node learns of the change (its own writes report them), or the TTL passes.
        mirror.Changed(merged);
        using (mirror.Fetch([hour], out var gets)) Assert.Equal(1, gets);
        Assert.False(File.Exists(mirror.Root + a));
        Assert.False(File.Exists(mirror.Root + b));
        Assert.True(File.Exists(mirror.Root + merged));
        Assert.Equal(150, mirror.CachedBytes);

        // A measurement gone from the bucket leaves the mirror (SHOW and name resolution follow).
        var expiring = Mirror(1 << 20, TimeSpan.Zero);
        expiring.RefreshTree();
        _bucket.Delete(merged);
        Directory.Delete(Path.Combine(_temp.Path, "bucket", "db", "m"), recursive: true);
        expiring.RefreshTree();
        Assert.False(Directory.Exists(expiring.Root + "db/m"));
    }
}
