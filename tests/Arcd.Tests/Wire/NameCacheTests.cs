using System.Text;
using Arcd.Ingest.Wire;

namespace Arcd.Tests.Wire;

/// <summary>The process-wide cache of measurement, column and key names.</summary>
public class NameCacheTests
{
    [Fact]
    public void The_same_bytes_give_the_same_string_and_long_or_unusual_names_still_come_back_exactly()
    {
        var first = NameCache.Get("cpu_usage_idle"u8);
        Assert.Equal("cpu_usage_idle", first);
        Assert.Same(first, NameCache.Get(Encoding.UTF8.GetBytes("cpu_usage_idle")));
        Assert.Equal("température 漢字", NameCache.Get(Encoding.UTF8.GetBytes("température 漢字")));
        var longName = new string('n', 300);
        Assert.Equal(longName, NameCache.Get(Encoding.UTF8.GetBytes(longName)));
        Assert.Equal("", NameCache.Get(""u8));
    }
}
