namespace Arcd.Ingest.Wire;

/// <summary>Arc's time-unit detection (docs/PROTOCOL.md §1.4): the first value of a column decides the unit.</summary>
public enum TimeUnit
{
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

public static class TimeUnits
{
    public static TimeUnit Detect(long first) => first switch
    {
        < 10_000_000_000L => TimeUnit.Seconds,
        < 10_000_000_000_000L => TimeUnit.Milliseconds,
        < 10_000_000_000_000_000L => TimeUnit.Microseconds,
        _ => TimeUnit.Nanoseconds,
    };

    /// <summary>Scales to microseconds; false when the result does not fit in int64.</summary>
    public static bool TryToMicros(long value, TimeUnit unit, out long micros)
    {
        switch (unit)
        {
            case TimeUnit.Seconds: return TryMultiply(value, 1_000_000, out micros);
            case TimeUnit.Milliseconds: return TryMultiply(value, 1_000, out micros);
            case TimeUnit.Microseconds: micros = value; return true;
            default: micros = value / 1_000; return true; // truncation toward zero, as Arc
        }
    }

    private const long MinMicros = -62_135_596_800_000_000L; // 0001-01-01T00:00:00Z
    private const long MaxMicros = 253_402_300_799_999_999L; // 9999-12-31T23:59:59.999999Z

    /// <summary>Readers and writers map time to calendar types; outside years 0001–9999 they cannot.</summary>
    public static bool IsRepresentable(long micros) => micros is >= MinMicros and <= MaxMicros;

    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static bool TryMultiply(long value, long factor, out long result)
    {
        var product = (Int128)value * factor;
        if (product > long.MaxValue || product < long.MinValue)
        {
            result = 0;
            return false;
        }
        result = (long)product;
        return true;
    }
}
