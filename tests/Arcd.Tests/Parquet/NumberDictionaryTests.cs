using Arcd.Ingest.Parquet;

namespace Arcd.Tests.Parquet;

/// <summary>The 64-bit value dictionary behind INT64 and DOUBLE dictionary chunks.</summary>
public class NumberDictionaryTests
{
    [Fact]
    public void Codes_give_back_every_value_in_first_seen_order_across_growth_and_reuse()
    {
        using var dictionary = new NumberDictionary();
        var random = new Random(3);
        foreach (var distinct in new[] { 1, 5, 1000, 40_000, 7 })
        {
            var pool = Enumerable.Range(0, distinct).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)).Distinct().ToArray();
            var values = Enumerable.Range(0, distinct * 3).Select(_ => pool[random.Next(pool.Length)]).ToArray();
            var codes = new int[values.Length];
            Assert.True(dictionary.TryEncode(values, codes, NumberChunks.MaxDictionaryValues));
            Assert.Equal(values, codes.Select(c => dictionary.Values[c]));
            Assert.Equal(values.Distinct(), dictionary.Values.ToArray());
        }
    }

    [Fact]
    public void It_gives_up_past_its_limit_and_keys_doubles_by_bit_pattern()
    {
        using var dictionary = new NumberDictionary();
        var codes = new int[100];
        Assert.False(dictionary.TryEncode(Enumerable.Range(0, 100).Select(i => (long)i).ToArray(), codes, 99));
        Assert.True(dictionary.TryEncode(Enumerable.Range(0, 100).Select(i => (long)(i % 99)).ToArray(), codes, 99));

        long[] bits = [BitConverter.DoubleToInt64Bits(0.0), BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(double.NaN),
            unchecked((long)0xFFF8_0000_0000_0001), BitConverter.DoubleToInt64Bits(0.0)];
        Assert.True(dictionary.TryEncode(bits, codes, 10));
        Assert.Equal(4, dictionary.Count);
        Assert.Equal([0, 1, 2, 3, 0], codes[..5]);
    }
}
