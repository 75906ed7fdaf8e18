using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>
/// The SQL of <c>GET /api/v1/query/{measurement}</c> from its parameters, with Arc's checks and
/// messages (docs/PROTOCOL.md §7.8). The statement then passes the normal SQL guard and planner.
/// </summary>
public static partial class MeasurementQuery
{
    private const int MaxLimit = 1_000_000;

    // Arc rejects these as plain substrings of the upper-cased clause, so "created_at" is refused too.
    private static readonly string[] Forbidden =
        [";", "--", "/*", "*/", "DROP", "DELETE", "INSERT", "UPDATE", "TRUNCATE", "ALTER", "CREATE", "EXEC", "EXECUTE", "XP_", "SP_", "UNION"];

    /// <summary>The statement, or null with the 400 message in <paramref name="problem"/>.</summary>
    public static string? Build(IQueryCollection query, string measurement, out string? problem)
    {
        problem = null;
        var database = query["database"].ToString();
        if (database.Length == 0) database = "default";
        if (!IsName(database)) return Fail(out problem, $"Invalid database name: '{database}' must start with a letter or underscore and contain only letters, digits, underscores or hyphens (max 128 characters)");
        if (!IsName(measurement)) return Fail(out problem, $"Invalid measurement name: '{measurement}' must start with a letter or underscore and contain only letters, digits, underscores or hyphens (max 128 characters)");

        var limit = 100L;
        if (query["limit"].ToString() is { Length: > 0 } limitText
            && (!long.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit > MaxLimit))
            return Fail(out problem, $"Invalid limit: must be a positive integer up to {MaxLimit}");
        var offset = 0L;
        if (query["offset"].ToString() is { Length: > 0 } offsetText && !long.TryParse(offsetText, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            return Fail(out problem, "Invalid offset: must be a non-negative integer");

        var orderBy = query["order_by"].ToString();
        if (orderBy.Length == 0) orderBy = "time DESC";
        if (orderBy.Length > 256) return Fail(out problem, "Invalid order_by: longer than 256 characters");
        var terms = orderBy.Split(',', StringSplitOptions.TrimEntries);
        if (terms.Any(t => !OrderTerm().IsMatch(t)))
            return Fail(out problem, $"Invalid order_by: '{orderBy}' must be column names, each optionally followed by ASC or DESC");

        var where = query["where"].ToString();
        if (where.Length > 4096) return Fail(out problem, "Invalid where clause: longer than 4096 characters");
        if (where.Length > 0 && WhereProblem(where) is { } whereProblem) return Fail(out problem, "Invalid where clause: " + whereProblem);

        var sql = $"SELECT * FROM {Quote(database)}.{Quote(measurement)}";
        if (where.Length > 0) sql += $" WHERE {where}";
        return sql + $" ORDER BY {string.Join(", ", terms)} LIMIT {limit} OFFSET {offset}";
    }

    private static string? WhereProblem(string where)
    {
        var upper = where.ToUpperInvariant();
        foreach (var word in Forbidden)
            if (upper.Contains(word, StringComparison.Ordinal)) return $"contains forbidden text '{word}'";
        if (where.Count(c => c == '\'') % 2 != 0 || where.Count(c => c == '"') % 2 != 0) return "unbalanced quotes";
        var depth = 0;
        foreach (var c in where)
        {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth < 0) return "unbalanced parentheses";
        }
        return depth == 0 ? null : "unbalanced parentheses";
    }

    private static bool IsName(string name) => name.Length <= 128 && Name().IsMatch(name);

    private static string Quote(string name) => SimpleName().IsMatch(name) ? name : $"\"{name}\"";

    private static string? Fail(out string? problem, string message)
    {
        problem = message;
        return null;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex Name();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SimpleName();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\s+(ASC|DESC))?$", RegexOptions.IgnoreCase)]
    private static partial Regex OrderTerm();
}
