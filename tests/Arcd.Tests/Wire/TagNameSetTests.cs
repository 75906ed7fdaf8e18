using Arcd.Ingest.Wire.MessagePack;

namespace Arcd.Tests.Wire;

/// <summary>The row record's tag names: a small array that hands over to a HashSet past eight names.</summary>
public class TagNameSetTests
{
    [Fact]
    public void Membership_holds_below_and_past_the_inline_names_and_clear_forgets_both()
    {
        var set = new TagNameSet();
        foreach (var count in new[] { 0, 1, 3, 8, 9, 40 })
        {
            set.Clear();
            var names = Enumerable.Range(0, count).Select(i => $"tag{i}").ToList();
            foreach (var name in names) set.Add(name);
            foreach (var name in names) set.Add(new string(name.AsSpan())); // duplicates (equal, not the same instance)
            foreach (var name in names) Assert.True(set.Contains(new string(name.AsSpan())), $"{count}: {name}");
            Assert.False(set.Contains($"tag{count}"));
            Assert.False(set.Contains("host"));
        }
        set.Clear();
        Assert.False(set.Contains("tag0"));
        Assert.False(set.Contains("tag39"));
    }
}
