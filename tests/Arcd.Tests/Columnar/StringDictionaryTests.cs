using Arcd.Ingest.Columnar;

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
        var values = new List<byte[]>();
        for (var length = 0; length <= 40; length++)
        {
            var basis = new byte[length];
            random.NextBytes(basis);
            values.Add(basis);
            // The same bytes with one byte changed, at every position: middles of short values too.
            for (var at = 0; at < length; at++)
            {
                var changed = (byte[])basis.Clone();
                changed[at] ^= 0x20;
                values.Add(changed);
            }
            // The same value with a zero byte appended or prepended: words that read alike, another length.
            values.Add([.. basis, 0]);
            values.Add([0, .. basis]);
        }
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
