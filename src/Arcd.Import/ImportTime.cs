using System.Globalization;
using Arcd.Ingest.Wire;

namespace Arcd.Import;

/// <summary>
/// Arc's import time rules (ARC-MANAGEMENT §5.2): <c>time_format</c> epoch_s|ms|us|ns, or auto —
/// integers and decimals by magnitude (&lt; 1e10 s, &lt; 1e13 ms, &lt; 1e16 µs, else ns), else an
/// RFC 3339 or <c>YYYY-MM-DD[ T]HH:MM:SS[.f]</c> or <c>YYYY-MM-DD</c> string, UTC when it has no zone.
/// </summary>
public static class ImportTime
{
    public static readonly string[] Formats = ["", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"];

    private static readonly string[] Layouts =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd",
    ];

    public static bool IsValidFormat(string format) => Array.IndexOf(Formats, format) >= 0;

    /// <summary>A text cell to µs; false with a reason the caller puts after "row N: ".</summary>
    public static bool TryParse(ReadOnlySpan<char> text, string format, out long micros, out string? problem)
    {
        micros = 0;
        text = text.Trim();
        if (text.IsEmpty)
        {
            problem = "empty value in time column";
            return false;
        }
        if (!text.Contains('.') && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return Checked(FromInteger(integer, format), out micros, out problem);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
            return Checked(FromReal(real, format), out micros, out problem);
        if (format.Length > 0)
        {
            problem = $"invalid epoch value \"{text}\"";
            return false;
        }
        if (DateTime.TryParseExact(text, Layouts, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
            return Checked((parsed.Ticks - DateTime.UnixEpoch.Ticks) / 10, out micros, out problem);
        problem = $"unrecognized timestamp \"{text}\" (supported: RFC3339, 'YYYY-MM-DD[ T]HH:MM:SS[.fff]', 'YYYY-MM-DD', or set time_format)";
        return false;
    }

    /// <summary>An integer epoch in <paramref name="format"/>'s unit, or by magnitude when auto.</summary>
    public static long FromInteger(long value, string format) => format switch
    {
        "epoch_s" => Saturate((Int128)value * 1_000_000),
        "epoch_ms" => Saturate((Int128)value * 1_000),
        "epoch_us" => value,
        "epoch_ns" => value / 1_000,
        _ => Math.Abs((double)value) switch
        {
            < 1e10 => value * 1_000_000,
            < 1e13 => value * 1_000,
            < 1e16 => value,
            _ => value / 1_000,
        },
    };

    public static long FromReal(double value, string format) => (long)(format switch
    {
        "epoch_s" => value * 1_000_000,
        "epoch_ms" => value * 1_000,
        "epoch_us" => value,
        "epoch_ns" => value / 1_000,
        _ => Math.Abs(value) switch
        {
            < 1e10 => value * 1_000_000,
            < 1e13 => value * 1_000,
            < 1e16 => value,
            _ => value / 1_000,
        },
    });

    /// <summary>False with a reason when <paramref name="value"/> is outside what arcd stores.</summary>
    public static bool Checked(long value, out long micros, out string? problem)
    {
        micros = value;
        if (TimeUnits.IsRepresentable(value))
        {
            problem = null;
            return true;
        }
        problem = $"time {value} µs is outside the range arcd stores (years 0001 to 9999)";
        return false;
    }

    private static long Saturate(Int128 value) => value > long.MaxValue ? long.MaxValue : value < long.MinValue ? long.MinValue : (long)value;
}
