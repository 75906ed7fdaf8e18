namespace Arcd.Ingest.Wire.LineProtocol;

public enum TimePrecision
{
    Nanoseconds,
    Microseconds,
    Milliseconds,
    Seconds,
    Minutes,
    Hours,
}

/// <summary>The <c>precision</c> query parameter: Arc's ns/us/ms/s plus InfluxDB 1.x's n/u/m/h (Part A item 4).</summary>
public static class Precision
{
    public const string Accepted = "ns, us, ms, s (or n, u, m, h)";

    public static bool TryParse(string? text, out TimePrecision precision)
    {
        switch (text)
        {
            case null or "" or "ns" or "n": precision = TimePrecision.Nanoseconds; return true;
            case "us" or "u" or "µs": precision = TimePrecision.Microseconds; return true;
            case "ms": precision = TimePrecision.Milliseconds; return true;
            case "s": precision = TimePrecision.Seconds; return true;
            case "m": precision = TimePrecision.Minutes; return true;
            case "h": precision = TimePrecision.Hours; return true;
            default: precision = default; return false;
        }
    }

    /// <summary>Scales a timestamp to µs (nanoseconds truncate toward zero); false on overflow.</summary>
    public static bool TryToMicros(long value, TimePrecision precision, out long micros)
    {
        long factor;
        switch (precision)
        {
            case TimePrecision.Nanoseconds: micros = value / 1000; return true;
            case TimePrecision.Microseconds: micros = value; return true;
            case TimePrecision.Milliseconds: factor = 1_000; break;
            case TimePrecision.Seconds: factor = 1_000_000; break;
            case TimePrecision.Minutes: factor = 60_000_000; break;
            default: factor = 3_600_000_000; break;
        }
        var product = (Int128)value * factor;
        micros = (long)product;
        return product >= long.MinValue && product <= long.MaxValue;
    }
}
