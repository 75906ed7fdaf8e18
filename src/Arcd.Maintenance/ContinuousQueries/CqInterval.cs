using System.Globalization;

namespace Arcd.Maintenance.ContinuousQueries;

/// <summary>
/// A continuous query's <c>interval</c>: Go's duration syntax (<c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>1.5h</c>;
/// units ns, us, µs, ms, s, m, h), as Arc parses it. Windows are aligned to it from the Unix epoch, so
/// a <c>1h</c> query covers whole clock hours whenever it runs.
/// </summary>
public static class CqInterval
{
    public static readonly TimeSpan Minimum = TimeSpan.FromSeconds(10);

    public static bool TryParse(string? text, out TimeSpan interval)
    {
        interval = default;
        if (string.IsNullOrEmpty(text)) return false;
        var span = text.AsSpan();
        if (span is "0") return false;
        double ticks = 0;
        var i = 0;
        while (i < span.Length)
        {
            var start = i;
            while (i < span.Length && (char.IsAsciiDigit(span[i]) || span[i] == '.')) i++;
            if (i == start || !double.TryParse(span[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)) return false;
            var unitStart = i;
            while (i < span.Length && !char.IsAsciiDigit(span[i]) && span[i] != '.') i++;
            var perUnit = span[unitStart..i] switch
            {
                "ns" => 0.01,
                "us" or "µs" or "μs" => 10,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => -1d,
            };
            if (perUnit < 0) return false;
            ticks += value * perUnit;
        }
        if (ticks < 1 || ticks > TimeSpan.MaxValue.Ticks / 2) return false;
        interval = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    /// <summary>The start of the window holding <paramref name="utc"/>.</summary>
    public static DateTime Floor(DateTime utc, TimeSpan interval)
    {
        var since = utc.Ticks - DateTime.UnixEpoch.Ticks;
        var offset = since % interval.Ticks;
        if (offset < 0) offset += interval.Ticks;
        return new DateTime(utc.Ticks - offset, DateTimeKind.Utc);
    }

    /// <summary>The first window boundary at or after <paramref name="utc"/>.</summary>
    public static DateTime Ceiling(DateTime utc, TimeSpan interval)
    {
        var floor = Floor(utc, interval);
        return floor == utc ? floor : floor + interval;
    }
}
