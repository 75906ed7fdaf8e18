using System.Globalization;

namespace Arcd.Maintenance.Scheduling;

/// <summary>
/// A five-field cron expression (minute hour day-of-month month day-of-week), UTC, as Arc's
/// schedules are written: <c>*</c>, numbers, ranges <c>a-b</c>, steps <c>*/n</c> and <c>a-b/n</c>,
/// lists <c>a,b</c>; day-of-week 0-7 with 0 and 7 Sunday. When both day fields are restricted a
/// day matches either (Vixie cron's rule).
/// </summary>
public sealed class CronSchedule : IJobSchedule
{
    private readonly bool[] _minutes = new bool[60];
    private readonly bool[] _hours = new bool[24];
    private readonly bool[] _days = new bool[32];
    private readonly bool[] _months = new bool[13];
    private readonly bool[] _weekdays = new bool[7];
    private readonly bool _anyDay;
    private readonly bool _anyWeekday;

    private CronSchedule(string text, string[] fields)
    {
        Text = text;
        Fill(_minutes, fields[0], 0, 59, "minute");
        Fill(_hours, fields[1], 0, 23, "hour");
        _anyDay = Fill(_days, fields[2], 1, 31, "day of month");
        Fill(_months, fields[3], 1, 12, "month");
        var weekdays = new bool[8];
        _anyWeekday = Fill(weekdays, fields[4], 0, 7, "day of week");
        for (var d = 0; d < 7; d++) _weekdays[d] = weekdays[d] || d == 0 && weekdays[7];
    }

    public string Text { get; }

    public static CronSchedule Parse(string text)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (fields.Length != 5) throw new FormatException($"cron '{text}': expected 5 fields (minute hour day-of-month month day-of-week), found {fields.Length}");
        return new CronSchedule(text, fields);
    }

    public static bool TryParse(string text, out CronSchedule? schedule, out string? error)
    {
        try
        {
            schedule = Parse(text);
            error = null;
            return true;
        }
        catch (FormatException ex)
        {
            schedule = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>The first matching minute strictly after <paramref name="afterUtc"/>.</summary>
    public DateTime Next(DateTime afterUtc)
    {
        var t = new DateTime(afterUtc.Year, afterUtc.Month, afterUtc.Day, afterUtc.Hour, afterUtc.Minute, 0, DateTimeKind.Utc).AddMinutes(1);
        // Five years of minutes bound the search (a schedule like "0 0 30 2 *" never matches).
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!_months[t.Month]) { t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1); continue; }
            if (!DayMatches(t)) { t = t.Date.AddDays(1); continue; }
            if (!_hours[t.Hour]) { t = t.Date.AddHours(t.Hour + 1); continue; }
            if (!_minutes[t.Minute]) { t = t.AddMinutes(1); continue; }
            return t;
        }
        throw new InvalidOperationException($"cron '{Text}' never matches");
    }

    private bool DayMatches(DateTime t)
    {
        var day = _days[t.Day];
        var weekday = _weekdays[(int)t.DayOfWeek];
        if (_anyDay && _anyWeekday) return true;
        if (_anyDay) return weekday;
        if (_anyWeekday) return day;
        return day || weekday;
    }

    /// <summary>Marks the allowed values; returns whether the field was <c>*</c> (unrestricted).</summary>
    private static bool Fill(bool[] allowed, string field, int min, int max, string name)
    {
        foreach (var part in field.Split(','))
        {
            var step = 1;
            var range = part;
            var slash = part.IndexOf('/');
            if (slash >= 0)
            {
                if (!int.TryParse(part.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out step) || step <= 0)
                    throw new FormatException($"cron {name} '{field}': bad step in '{part}'");
                range = part[..slash];
            }
            int from, to;
            if (range == "*")
            {
                (from, to) = (min, max);
                if (slash < 0 && field == "*")
                {
                    for (var v = min; v <= max; v++) allowed[v] = true;
                    return true;
                }
            }
            else
            {
                var dash = range.IndexOf('-');
                from = Number(dash < 0 ? range : range[..dash], min, max, name, field);
                to = dash < 0 ? (slash >= 0 ? max : from) : Number(range[(dash + 1)..], min, max, name, field);
                if (to < from) throw new FormatException($"cron {name} '{field}': range {from}-{to} runs backwards");
            }
            for (var v = from; v <= to; v += step) allowed[v] = true;
        }
        return false;
    }

    private static int Number(string text, int min, int max, string name, string field)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new FormatException($"cron {name} '{field}': '{text}' is not a number from {min} to {max}");
        return value;
    }
}
