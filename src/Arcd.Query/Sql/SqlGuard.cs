using System.Text.RegularExpressions;

namespace Arcd.Query.Sql;

/// <summary>
/// The first line of the query sandbox (docs/PROTOCOL.md §7.1): one read-only statement, no file
/// functions. It is not the only line: DuckDB itself runs with external access off, reads
/// confined to the data root and its configuration locked, and (on Linux) its threads cannot
/// write any file (see <c>Engine/QuerySandbox</c>).
/// </summary>
public static partial class SqlGuard
{
    public const int MaxLength = 10_000;

    /// <summary>Null when <paramref name="text"/> may run; otherwise the 400 message.</summary>
    public static string? Check(SqlText text)
    {
        var sql = text.Original;
        if (string.IsNullOrWhiteSpace(sql)) return "SQL query is required";
        if (sql.Length > MaxLength) return $"SQL query exceeds maximum length ({MaxLength} characters)";
        if (!text.IsWellFormed) return "SQL query has an unterminated string literal, quoted identifier or comment";
        if (HasSecondStatement(text.Masked)) return "Multiple SQL statements are not allowed";

        var view = text.KeywordView;
        var dangerous = DangerousOperation().Match(view);
        if (dangerous.Success) return $"Dangerous SQL operation not allowed: {Collapse(dangerous.Value)}";
        var leading = LeadingKeyword(view);
        var first = Leading().Match(view) is { Success: true } m ? m.Groups[1].Value.ToUpperInvariant() : "";
        if (leading is null && StatementWords.Contains(first)) return $"Dangerous SQL operation not allowed: {first}";
        if (leading is null) return "SQL query must be a SELECT (or WITH/FROM/VALUES/EXPLAIN/DESCRIBE/SUMMARIZE of one)";
        var function = FileFunction().Match(view);
        if (function.Success)
            return $"Function {function.Groups[1].Value}() is not allowed: name a measurement (db.measurement) and arcd reads its files";
        return null;
    }

    /// <summary>
    /// arcd's check of a predicate that runs inside a rewrite (a delete's WHERE): one expression over
    /// the row's columns, no statement separator, no subquery, no file or SQL-text function. Null when
    /// it may run; otherwise the 400 message.
    /// </summary>
    public static string? CheckPredicate(string predicate)
    {
        var text = new SqlText(predicate);
        if (predicate.Length > MaxLength) return $"WHERE clause exceeds maximum length ({MaxLength} characters)";
        if (!text.IsWellFormed) return "WHERE clause has an unterminated string literal, quoted identifier or comment";
        if (text.Masked.Contains(';')) return "WHERE clause must be one expression: ';' is not allowed";
        var function = FileFunction().Match(text.KeywordView);
        if (function.Success) return $"WHERE clause may not call {function.Groups[1].Value}(): it reads files or runs SQL text";
        var tokens = SqlLexer.Tokenize(text.Masked);
        var depth = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.IsPunctuation('(')) depth++;
            else if (token.IsPunctuation(')') && --depth < 0) return "WHERE clause has unmatched parentheses";
            else if (token.IsPunctuation(',') && depth == 0) return "WHERE clause must be one expression, not a list";
            else if (SubqueryWords.Contains(token.Text) && token.Kind == TokenKind.Word && i > 0 && tokens[i - 1].IsPunctuation('('))
                return "WHERE clause may not contain a subquery";
            else if (token.Is("SELECT")) return "WHERE clause may not contain a subquery";
        }
        return depth != 0 ? "WHERE clause has unmatched parentheses" : null;
    }

    // DuckDB accepts FROM-first and bare-VALUES subqueries: (FROM t), (VALUES (1)), (WITH ...), (TABLE t).
    private static readonly HashSet<string> SubqueryWords = new(StringComparer.OrdinalIgnoreCase) { "SELECT", "FROM", "VALUES", "WITH", "TABLE", "SUMMARIZE", "DESCRIBE", "PIVOT", "UNPIVOT" };

    private static readonly HashSet<string> StatementWords =
    [
        "SET", "RESET", "LOAD", "INSTALL", "UPDATE", "FORCE", "CALL", "USE", "CHECKPOINT", "VACUUM", "PRAGMA", "ATTACH", "DETACH",
        "COPY", "EXPORT", "IMPORT", "INSERT", "DELETE", "DROP", "CREATE", "ALTER", "TRUNCATE", "MERGE", "BEGIN", "COMMIT",
        "ROLLBACK", "ABORT", "PREPARE", "EXECUTE", "DEALLOCATE", "ANALYZE", "COMMENT",
    ];

    /// <summary>Text without the trailing semicolons a single statement may carry.</summary>
    public static string WithoutTrailingSemicolons(string sql, string masked)
    {
        var end = masked.Length;
        while (end > 0 && (char.IsWhiteSpace(masked[end - 1]) || masked[end - 1] == ';')) end--;
        return sql[..end];
    }

    private static bool HasSecondStatement(string masked)
    {
        var semicolon = masked.IndexOf(';');
        if (semicolon < 0) return false;
        for (var i = semicolon; i < masked.Length; i++)
            if (masked[i] != ';' && !char.IsWhiteSpace(masked[i])) return true;
        return false;
    }

    /// <summary>The statement's first keyword when it is one that only reads; null otherwise.</summary>
    private static string? LeadingKeyword(string view)
    {
        var match = Leading().Match(view);
        if (!match.Success) return null;
        var word = match.Groups[1].Value.ToUpperInvariant();
        if (word is "SELECT" or "WITH" or "FROM" or "VALUES") return word;
        // EXPLAIN [ANALYZE] / DESCRIBE / SUMMARIZE must wrap a query, never a COPY or a table name.
        var rest = view[(match.Index + match.Length)..];
        var next = Leading().Match(rest);
        if (!next.Success) return null;
        var inner = next.Groups[1].Value.ToUpperInvariant();
        if (word == "EXPLAIN" && inner == "ANALYZE")
        {
            next = Leading().Match(rest[(next.Index + next.Length)..]);
            if (!next.Success) return null;
            inner = next.Groups[1].Value.ToUpperInvariant();
        }
        return word is "EXPLAIN" or "DESCRIBE" or "SUMMARIZE" && inner is "SELECT" or "WITH" or "FROM" ? word : null;
    }

    private static string Collapse(string s) => Whitespace().Replace(s.Trim(), " ").ToUpperInvariant();

    [GeneratedRegex(@"^[\s(]*([A-Za-z]+)\b")]
    private static partial Regex Leading();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // Arc's list (§7.1) in the forms that can hide after a leading SELECT/WITH; a statement that
    // starts with one of the words below is refused by the leading-keyword check instead, so a
    // column named "load" or "copy" stays usable.
    [GeneratedRegex(@"\b(DROP\s+(TABLE|DATABASE|SCHEMA|INDEX|VIEW|SEQUENCE|MACRO|FUNCTION|TYPE|SECRET)|DELETE\s+FROM|TRUNCATE\s+TABLE|ALTER\s+(TABLE|VIEW|SEQUENCE|DATABASE)|CREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+|TEMPORARY\s+|PERSISTENT\s+)?(TABLE|DATABASE|SCHEMA|INDEX|VIEW|SEQUENCE|MACRO|FUNCTION|TYPE|SECRET)|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\S+\s+SET|MERGE\s+INTO|COPY\s*\(|COPY\s+\S+\s+(TO|FROM)|EXPORT\s+DATABASE|IMPORT\s+DATABASE)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DangerousOperation();

    // Table functions that open files or run SQL text of their own. Reads are confined to the data
    // root by DuckDB anyway; refusing them keeps every read going through the table rewriting.
    [GeneratedRegex(@"\b(read_\w+|parquet_\w+|glob|sniff_csv|query|query_table|iceberg_\w+|delta_scan|getenv|which_secret|duckdb_secrets)\s*\(",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FileFunction();
}
