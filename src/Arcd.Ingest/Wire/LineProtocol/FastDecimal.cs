namespace Arcd.Ingest.Wire.LineProtocol;

/// <summary>
/// Clinger's fast path for the decimals telemetry sends (<c>-12.75</c>, <c>0.5</c>, <c>42</c>):
/// with at most 15 significant digits and no exponent, the digits form an integer that a double
/// holds exactly, and so is 10^k for k ≤ 22; one IEEE division of two exact values is correctly
/// rounded, so the result is bit-for-bit what a full parser gives. Anything else (exponents, more
/// digits, odd syntax) returns false and goes to the full parser.
/// </summary>
public static class FastDecimal
{
    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];

    public static bool TryParse(ReadOnlySpan<byte> text, out double value) => TryParse(text, out value, out var used) && used == text.Length;

    /// <summary>
    /// Parses the decimal at the start of <paramref name="text"/> up to the first ',' or ' ' (or the end),
    /// so a line-protocol field value is read in the same pass that finds its end. False for anything else.
    /// </summary>
    public static bool TryParseToDelimiter(ReadOnlySpan<byte> text, out double value, out int used) => TryParse(text, out value, out used);

    private static bool TryParse(ReadOnlySpan<byte> text, out double value, out int used)
    {
        used = 0;
        value = 0;
        var i = 0;
        var negative = false;
        if (text.Length > 0 && text[0] is (byte)'-' or (byte)'+')
        {
            negative = text[0] == '-';
            i = 1;
        }
        long mantissa = 0;
        var digits = 0;
        var fractionDigits = 0;
        var seenPoint = false;
        var seenDigit = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                seenDigit = true;
                if (mantissa == 0 && c == '0')
                {
                    if (seenPoint) fractionDigits++; // leading zeros cost no precision
                    continue;
                }
                if (++digits > 15) return false;
                mantissa = mantissa * 10 + (c - '0');
                if (seenPoint) fractionDigits++;
            }
            else if (c == '.' && !seenPoint) seenPoint = true;
            else if (c is (byte)',' or (byte)' ') break;
            else return false;
        }
        used = i;
        if (!seenDigit || fractionDigits >= PowersOfTen.Length) return false;
        value = mantissa / PowersOfTen[fractionDigits];
        if (negative) value = -value;
        return true;
    }
}
