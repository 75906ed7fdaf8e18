using Arcd.Ingest.Columnar;
using Arcd.Tests.Support;

namespace Arcd.Tests.Columnar;

/// <summary>
/// The UTF-8 dictionary behind interned string columns and string dictionary pages. Values up to 16
/// bytes are matched by their first and last words and length, so near-identical values of every
/// length must still get codes of their own.
/// </summary>
public class StringDictionaryTests
{
    [Fact]
    public void Every_distinct_value_of_every_length_gets_its_own_code_in_first_seen_order()
    {
        var random = new Random(11);
        var values = AlikeBytes.Values(random, 0, 40);
        var distinct = values.Select(v => Convert.ToHexString(v)).Distinct().ToList();

        using var dictionary = new StringDictionary();
        var draws = Enumerable.Range(0, values.Count * 4).Select(_ => values[random.Next(values.Count)]).Concat(values).ToList();
        var codes = draws.Select(v => dictionary.GetOrAdd(v)).ToList();

        Assert.Equal(distinct.Count, dictionary.Count);
        for (var i = 0; i < draws.Count; i++) Assert.Equal(draws[i], dictionary[codes[i]].ToArray());
        var firstSeen = draws.Select(v => Convert.ToHexString(v)).Distinct().ToList();
        Assert.Equal(firstSeen, Enumerable.Range(0, dictionary.Count).Select(c => Convert.ToHexString(dictionary[c])));
    }
}
