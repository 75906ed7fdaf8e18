using System.Globalization;
using System.Text;
using Arcd.Ingest.Wire.LineProtocol;
using Arcd.Tests.Support;

namespace Arcd.Tests.Wire;

public class FastDecimalTests
{
    [Theory]
    [InlineData("0", 0.0)]
    [InlineData("-0", -0.0)]
    [InlineData("42", 42.0)]
    [InlineData("-12.75", -12.75)]
    [InlineData("+3.5", 3.5)]
    [InlineData("0.05", 0.05)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("123456789012345", 123456789012345.0)]
    [InlineData("0.000000000000001", 1e-15)]
    [InlineData("99.99", 99.99)]
    public void Parses_simple_decimals_exactly(string text, double expected)
    {
        Assert.True(FastDecimal.TryParse(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("1e5")]
    [InlineData("1.2.3")]
    [InlineData("1234567890123456")] // 16 digits: the full parser's job
    [InlineData("0.0000000000000001")]
    [InlineData("NaN")]
    [InlineData("1_000")]
    [InlineData("--1")]
    public void Leaves_everything_else_to_the_full_parser(string text) =>
        Assert.False(FastDecimal.TryParse(Encoding.ASCII.GetBytes(text), out _));

    [Fact]
    public void Agrees_bit_for_bit_with_the_full_parser_on_random_decimals()
    {
        var random = new Random(99);
        var cases = Math.Min(FuzzSupport.Cases, 200_000);
        for (var n = 0; n < cases; n++)
        {
            var integerDigits = random.Next(0, 10);
            var fractionDigits = random.Next(0, 8);
            var text = new StringBuilder();
            if (random.Next(4) == 0) text.Append('-');
            for (var i = 0; i < integerDigits; i++) text.Append((char)('0' + random.Next(10)));
            if (fractionDigits > 0 || integerDigits == 0) text.Append('.');
            for (var i = 0; i < Math.Max(fractionDigits, integerDigits == 0 ? 1 : 0); i++) text.Append((char)('0' + random.Next(10)));
            var s = text.ToString();
            if (!FastDecimal.TryParse(Encoding.ASCII.GetBytes(s), out var fast)) continue;
            var full = double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
            Assert.True(BitConverter.DoubleToInt64Bits(full) == BitConverter.DoubleToInt64Bits(fast), $"{s}: {fast:R} vs {full:R}");
        }
    }
}
