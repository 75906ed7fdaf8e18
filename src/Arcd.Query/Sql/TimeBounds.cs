using System.Globalization;
using Arcd.Query.Storage;

namespace Arcd.Query.Sql;

/// <summary>
/// The UTC hours a WHERE clause can touch, from its comparisons of <c>time</c> with timestamp
/// literals or <c>now() - INTERVAL …</c>. Used only when pruning is provably safe: one table,
/// one FROM, no set operations, and a WHERE that is a plain AND of conditions (no OR, no NOT),
/// so every row returned satisfies each bound. Anything not understood simply gives no bound.
/// </summary>
public static class TimeBounds
{
    private static readonly HashSet<string> ClauseEnd = new(StringComparer.OrdinalIgnoreCase)
    {
        "group", "order", "limit", "offset", "having", "window", "qualify", "union", "except", "intersect", "fetch",
    };

    public static (long FromHour, long ToHour) Find(SqlText text, DateTimeOffset now) => Find(text, SqlLexer.Tokenize(text.Masked), now);

    /// <param name="tokens">The tokens of <paramref name="text"/>'s masked form, when the caller has them already.</param>
    public static (long FromHour, long ToHour) Find(SqlText text, List<SqlToken> tokens, DateTimeOffset now)
    {
        var none = (long.MinValue, long.MaxValue);
        var froms = 0;
        var where = -1;
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Is("from") || t.Is("join")) froms++;
            if (t.Is("union") || t.Is("except") || t.Is("intersect")) return none;
            if (t.Is("where") && where < 0) where = i;
        }
        if (froms != 1 || where < 0) return none;

        var from = long.MinValue;
        var to = long.MaxValue;
        var depth = 0;
        for (var i = where + 1; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.IsPunctuation('(')) depth++;
            else if (t.IsPunctuation(')')) depth--;
            if (t.Is("or") || t.Is("not")) return none;
            if (depth == 0 && t.Kind == TokenKind.Word && ClauseEnd.Contains(t.Text)) break;
            if (!IsTimeColumn(tokens, i)) continue;
            var op = i + 1 < tokens.Count ? tokens[i + 1] : default;
            if (op.Is("between"))
            {
                var (low, afterLow) = ReadTime(text, tokens, i + 2, now, isUpper: false);
                if (afterLow < tokens.Count && tokens[afterLow].Is("and"))
                {
                    var (high, _) = ReadTime(text, tokens, afterLow + 1, now, isUpper: true);
                    if (low is { } l) from = Math.Max(from, DataRoot.HourOf(l));
                    if (high is { } h) to = Math.Min(to, DataRoot.HourOf(h));
                }
                continue;
            }
            if (op.Kind != TokenKind.Other) continue;
            var isLower = op.Text is ">" or ">=";
            var isUpper = op.Text is "<" or "<=";
            var isEqual = op.Text is "=" or "==";
            if (!isLower && !isUpper && !isEqual) continue;
            var (value, _) = ReadTime(text, tokens, i + 2, now, isUpper);
            if (value is not { } v) continue;
            if (isLower || isEqual) from = Math.Max(from, DataRoot.HourOf(v));
            if (isUpper || isEqual) to = Math.Min(to, DataRoot.HourOf(v));
        }
        return (from, to);
    }

    /// <summary><c>time</c>, <c>"time"</c> or <c>alias.time</c>, not itself a qualifier or a function name.</summary>
    private static bool IsTimeColumn(List<SqlToken> tokens, int i)
    {
        var t = tokens[i];
        if (!t.IsName || !t.Text.Equals("time", StringComparison.OrdinalIgnoreCase)) return false;
        if (i + 1 < tokens.Count && (tokens[i + 1].IsPunctuation('.') || tokens[i + 1].IsPunctuation('('))) return false;
        return true;
    }

    /// <summary>A timestamp at <paramref name="i"/>, and the index after it; null when not understood.</summary>
    private static (DateTimeOffset? Value, int Next) ReadTime(SqlText text, List<SqlToken> tokens, int i, DateTimeOffset now, bool isUpper)
    {
        if (i >= tokens.Count) return (null, i);
        if (tokens[i].Is("timestamp") || tokens[i].Is("timestamptz")) i++;
        if (i >= tokens.Count) return (null, i);
        var t = tokens[i];
        if (t.Kind == TokenKind.Other && t.Text == "'")
        {
            var literal = text.Original[(t.Start + 1)..(t.End - 1)];
            var next = i + 1;
            // '…'::TIMESTAMP[TZ]
            if (next + 1 < tokens.Count && tokens[next].Text == "::" && tokens[next + 1].Kind == TokenKind.Word) next += 2;
            var parsed = DateTimeOffset.TryParse(literal, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value);
            return (parsed ? value : null, next);
        }
        var isNow = t.Is("now") && i + 2 < tokens.Count && tokens[i + 1].IsPunctuation('(') && tokens[i + 2].IsPunctuation(')');
        var isCurrent = t.Is("current_timestamp");
        if (!isNow && !isCurrent) return (null, i);
        var j = i + (isNow ? 3 : 1);
        // DuckDB's now() is read after ours, so an upper bound gets an hour of slack.
        var at = isUpper ? now.AddHours(1) : now;
        if (j < tokens.Count && tokens[j].Kind == TokenKind.Other && tokens[j].Text is "-" or "+"
            && j + 1 < tokens.Count && tokens[j + 1].Is("interval"))
        {
            var sign = tokens[j].Text == "-" ? -1 : 1;
            var (span, after) = ReadInterval(text, tokens, j + 2);
            if (span is not { } s) return (null, after);
            // A month or year is taken at its longest, which only widens the hours read.
            return (at + sign * s, after);
        }
        return (at, j);
    }

    private static (TimeSpan? Span, int Next) ReadInterval(SqlText text, List<SqlToken> tokens, int i)
    {
        if (i >= tokens.Count) return (null, i);
        string amount, unit;
        int next;
        if (tokens[i].Kind == TokenKind.Other && tokens[i].Text == "'")
        {
            var literal = text.Original[(tokens[i].Start + 1)..(tokens[i].End - 1)].Trim();
            var pieces = literal.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            next = i + 1;
            if (pieces.Length == 2) (amount, unit) = (pieces[0], pieces[1]);
            else if (next < tokens.Count && tokens[next].Kind == TokenKind.Word) (amount, unit, next) = (literal, tokens[next].Text, next + 1);
            else return (null, next);
        }
        else if (tokens[i].Kind == TokenKind.Other && i + 1 < tokens.Count && tokens[i + 1].Kind == TokenKind.Word)
        {
            (amount, unit, next) = (tokens[i].Text, tokens[i + 1].Text, i + 2);
        }
        else return (null, i);
        if (!double.TryParse(amount, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0) return (null, next);
        var u = unit.ToLowerInvariant();
        if (u.Length > 3 && u[^1] == 's') u = u[..^1];
        TimeSpan? span = u switch
        {
            "microsecond" or "us" => TimeSpan.FromMicroseconds(n),
            "millisecond" or "ms" or "msec" => TimeSpan.FromMilliseconds(n),
            "second" or "sec" or "s" => TimeSpan.FromSeconds(n),
            "minute" or "min" => TimeSpan.FromMinutes(n),
            "hour" or "hr" or "h" => TimeSpan.FromHours(n),
            "day" or "d" => TimeSpan.FromDays(n),
            "week" or "w" => TimeSpan.FromDays(7 * n),
            "month" or "mon" => TimeSpan.FromDays(31 * n),
            "year" or "y" => TimeSpan.FromDays(366 * n),
            _ => null,
        };
        return (span, next);
    }
}
