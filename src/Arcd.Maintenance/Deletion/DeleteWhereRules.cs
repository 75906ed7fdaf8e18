using System.Text.RegularExpressions;
using Arcd.Query.Sql;

namespace Arcd.Maintenance.Deletion;

/// <summary>
/// The checks a delete's WHERE passes (ARC-MANAGEMENT §3.3 step 6, in Arc's order and with its
/// messages), then arcd's own predicate guard (<see cref="SqlGuard.CheckPredicate"/>: one expression,
/// no subquery, no file function), which also catches what Arc's substring checks miss.
/// </summary>
public static partial class DeleteWhereRules
{
    private static readonly string[] ForbiddenPatterns = [";", "--", "/*"];

    private static readonly string[] FileFunctions =
    [
        "read_parquet", "parquet_scan", "read_csv_auto", "read_csv", "read_json_auto", "read_json", "read_ndjson_auto", "read_ndjson",
        "read_text", "read_blob", "read_xlsx", "glob", "parquet_metadata", "parquet_schema", "parquet_file_metadata", "parquet_kv_metadata",
        "parquet_bloom_probe", "delta_scan", "iceberg_scan", "iceberg_metadata", "iceberg_snapshots", "arc_partition_agg",
    ];

    /// <summary>Null when <paramref name="where"/> may run; otherwise the 400 message. <paramref name="fullTable"/>: it is <c>1=1</c>, <c>TRUE</c> or <c>1</c>.</summary>
    public static string? Check(string where, out bool fullTable)
    {
        fullTable = false;
        if (string.IsNullOrWhiteSpace(where)) return "WHERE clause is required. To delete all data, use WHERE clause '1=1' with confirm=true";
        var upper = StripWhere(where.Trim().ToUpperInvariant());
        foreach (var pattern in ForbiddenPatterns)
            if (upper.Contains(pattern, StringComparison.Ordinal)) return $"WHERE clause contains forbidden pattern: {pattern}";
        var keyword = ForbiddenKeyword().Match(upper);
        if (keyword.Success) return $"WHERE clause contains forbidden keyword: {keyword.Value}";
        var unquoted = upper.Replace("\"", "", StringComparison.Ordinal).Replace("`", "", StringComparison.Ordinal);
        foreach (var function in FileFunctions)
            if (Regex.IsMatch(unquoted, $@"\b{function.ToUpperInvariant()}\s*\(", RegexOptions.CultureInvariant))
                return $"WHERE clause contains forbidden file I/O function: {function}()";
        if (where.Count(c => c == '\'') % 2 != 0) return "WHERE clause has unmatched quotes";
        if (where.Count(c => c == '(') != where.Count(c => c == ')')) return "WHERE clause has unmatched parentheses";
        fullTable = upper.Trim() is "1=1" or "TRUE" or "1";
        return SqlGuard.CheckPredicate(Predicate(where));
    }

    /// <summary>The predicate to evaluate: the text with one leading <c>WHERE </c> removed (Arc forgets this when it counts).</summary>
    public static string Predicate(string where)
    {
        var trimmed = where.Trim();
        return trimmed.StartsWith("WHERE ", StringComparison.OrdinalIgnoreCase) ? trimmed[6..].Trim() : trimmed;
    }

    private static string StripWhere(string upper) => upper.StartsWith("WHERE ", StringComparison.Ordinal) ? upper[6..] : upper;

    [GeneratedRegex(@"\b(DROP|DELETE|INSERT|UPDATE|EXEC|EXECUTE|UNION|SELECT|CREATE|ALTER|COPY|ATTACH|DETACH|LOAD|INSTALL|PRAGMA|CALL|SET)\b", RegexOptions.CultureInvariant)]
    private static partial Regex ForbiddenKeyword();
}
