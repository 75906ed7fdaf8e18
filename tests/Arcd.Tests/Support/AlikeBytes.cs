namespace Arcd.Tests.Support;

/// <summary>
/// Byte strings that read alike to a first-and-last-word key (ShortKey): for every length, a random
/// value, the same value with each one byte changed in turn (middles of short values too), and with
/// a zero byte appended or prepended (words that read alike at another length).
/// </summary>
internal static class AlikeBytes
{
    public static List<byte[]> Values(Random random, int minLength, int maxLength)
    {
        var values = new List<byte[]>();
        for (var length = minLength; length <= maxLength; length++)
        {
            var basis = new byte[length];
            random.NextBytes(basis);
            values.Add(basis);
            for (var at = 0; at < length; at++)
            {
                var changed = (byte[])basis.Clone();
                changed[at] ^= 0x20;
                values.Add(changed);
            }
            values.Add([.. basis, 0]);
            values.Add([0, .. basis]);
        }
        return values;
    }
}
