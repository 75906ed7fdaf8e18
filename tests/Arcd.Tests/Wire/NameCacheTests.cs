using System.Text;
using Arcd.Ingest.Wire;
using Arcd.Tests.Support;

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

    [Fact]
    public void Names_that_share_words_lengths_or_slots_never_come_back_as_one_another()
    {
        // The per-thread table keys names of up to 16 bytes by their first and last words and length:
        // names alike in all but one byte, zero bytes, invalid UTF-8 and slot collisions must all
        // still come back exactly (as Encoding.UTF8 decodes them).
        var random = new Random(11);
        var names = AlikeBytes.Values(random, 1, 20);
        for (var length = 1; length <= 20; length++)
        {
            names.Add(Encoding.ASCII.GetBytes(new string('k', length)));
            names.Add([.. Encoding.ASCII.GetBytes(new string('k', length - 1)), 0]);
        }
        // Many names alike in their first word and length (they differ in the last), and names alike
        // in both words that differ only in length: enough of them that some share a slot.
        for (var i = 0; i < 400; i++) names.Add(Encoding.ASCII.GetBytes($"host_{i:D4}{new string('x', i % 7)}"));
        for (var length = 1; length <= 16; length++)
        {
            names.Add(Encoding.ASCII.GetBytes(new string('z', length)));
            names.Add([(byte)'z', .. new byte[length - 1]]);
        }
        for (var round = 0; round < 50_000; round++)
        {
            var name = names[random.Next(names.Count)];
            Assert.Equal(Encoding.UTF8.GetString(name), NameCache.Get(name));
        }
        // One byte repeated 8 to 16 times: the same two words at every length, looked up back to back,
        // so two lengths that share a slot meet there.
        for (var round = 0; round < 2; round++)
            for (var value = 1; value < 256; value++)
                for (var length = 8; length <= 16; length++)
                {
                    var name = Enumerable.Repeat((byte)value, length).ToArray();
                    Assert.Equal(Encoding.UTF8.GetString(name), NameCache.Get(name));
                }
    }
}
