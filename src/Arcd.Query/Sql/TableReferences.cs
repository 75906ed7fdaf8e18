namespace Arcd.Query.Sql;

/// <summary>A table named after FROM or JOIN: where it sits in the statement and its dotted parts.</summary>
public sealed record TableReference(int Start, int End, IReadOnlyList<string> Parts, bool HasAlias);

/// <summary>
/// Finds the tables a statement reads (after FROM, JOIN and the commas of a FROM list), skipping
/// subqueries, table functions, CTE names, catalog views, and the FROM inside
/// EXTRACT(… FROM …)-style calls and IS [NOT] DISTINCT FROM.
/// </summary>
public static class TableReferences
{
    private static readonly HashSet<string> FunctionsWithFrom = new(StringComparer.OrdinalIgnoreCase)
    {
        "extract", "substring", "trim", "overlay", "position",
    };

    // Words that end a table reference rather than alias it.
    private static readonly HashSet<string> ClauseWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "where", "group", "order", "limit", "offset", "join", "inner", "left", "right", "full", "outer", "cross", "natural",
        "on", "using", "union", "except", "intersect", "window", "having", "qualify", "sample", "tablesample", "asof",
        "positional", "anti", "semi", "lateral", "pivot", "unpivot", "returning", "fetch", "select", "from", "with", "as",
    };

    public static (List<TableReference> Tables, HashSet<string> CteNames) Find(string masked) => Find(SqlLexer.Tokenize(masked));

    public static (List<TableReference> Tables, HashSet<string> CteNames) Find(List<SqlToken> tokens)
    {
        var cteNames = FindCteNames(tokens);
        var tables = new List<TableReference>();
        // For each open parenthesis, the function it belongs to (null for a subquery or grouping).
        var openers = new Stack<string?>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.IsPunctuation('('))
            {
                openers.Push(i > 0 && tokens[i - 1].Kind == TokenKind.Word ? tokens[i - 1].Text : null);
                continue;
            }
            if (token.IsPunctuation(')'))
            {
                if (openers.Count > 0) openers.Pop();
                continue;
            }
            if (!token.Is("from") && !token.Is("join")) continue;
            if (openers.TryPeek(out var function) && function is not null && FunctionsWithFrom.Contains(function)) continue;
            if (token.Is("from") && i > 0 && tokens[i - 1].Is("distinct")) continue;
            i = ReadFromList(tokens, i + 1, cteNames, tables) - 1;
        }
        return (tables, cteNames);
    }

    /// <summary>Reads "t [alias] [, t2 [alias]]…" from <paramref name="i"/>; returns the index after it.</summary>
    private static int ReadFromList(List<SqlToken> tokens, int i, HashSet<string> cteNames, List<TableReference> tables)
    {
        while (i < tokens.Count)
        {
            if (tokens[i].Is("lateral")) i++;
            if (i >= tokens.Count) return i;
            if (tokens[i].IsPunctuation('('))
            {
                // A subquery: its own FROMs are found by the caller's scan, so step inside, not over it.
                return i;
            }
            if (!tokens[i].IsName) return i;
            var start = tokens[i].Start;
            var parts = new List<string> { tokens[i].Text };
            var j = i + 1;
            while (j + 1 < tokens.Count && tokens[j].IsPunctuation('.') && tokens[j + 1].IsName)
            {
                parts.Add(tokens[j + 1].Text);
                j += 2;
            }
            var end = tokens[j - 1].End;
            if (j < tokens.Count && tokens[j].IsPunctuation('(')) return j; // a table function; its arguments are scanned by the caller
            var hasAlias = false;
            if (j < tokens.Count && tokens[j].Is("as")) { hasAlias = true; j += 2; }
            else if (j < tokens.Count && tokens[j].IsName && !(tokens[j].Kind == TokenKind.Word && ClauseWords.Contains(tokens[j].Text))) { hasAlias = true; j++; }
            if (hasAlias && j < tokens.Count && tokens[j].IsPunctuation('(')) j = SkipParentheses(tokens, j); // alias column list
            if (!IsSystemName(parts, tokens[i].Kind) && !(parts.Count == 1 && cteNames.Contains(parts[0])))
                tables.Add(new TableReference(start, end, parts, hasAlias));
            if (j < tokens.Count && tokens[j].IsPunctuation(',')) { i = j + 1; continue; }
            return j;
        }
        return i;
    }

    private static bool IsSystemName(List<string> parts, TokenKind firstKind)
    {
        var first = parts[0];
        if (first.Equals("information_schema", StringComparison.OrdinalIgnoreCase) || first.Equals("pg_catalog", StringComparison.OrdinalIgnoreCase)) return true;
        if (firstKind == TokenKind.Word && parts.Count == 1
            && (first.StartsWith("pg_", StringComparison.OrdinalIgnoreCase) || first.StartsWith("duckdb_", StringComparison.OrdinalIgnoreCase))) return true;
        return false;
    }

    private static HashSet<string> FindCteNames(List<SqlToken> tokens)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!tokens[i].Is("with")) continue;
            var j = i + 1;
            if (j < tokens.Count && tokens[j].Is("recursive")) j++;
            while (j < tokens.Count && tokens[j].IsName)
            {
                var name = tokens[j].Text;
                j++;
                if (j < tokens.Count && tokens[j].IsPunctuation('(')) j = SkipParentheses(tokens, j);
                if (j >= tokens.Count || !tokens[j].Is("as")) break;
                j++;
                if (j < tokens.Count && tokens[j].Is("not")) j++;
                if (j < tokens.Count && tokens[j].Is("materialized")) j++;
                if (j >= tokens.Count || !tokens[j].IsPunctuation('(')) break;
                names.Add(name);
                j = SkipParentheses(tokens, j);
                if (j < tokens.Count && tokens[j].IsPunctuation(',')) { j++; continue; }
                break;
            }
        }
        return names;
    }

    /// <summary>Index after the parenthesis that closes the one at <paramref name="open"/>.</summary>
    private static int SkipParentheses(List<SqlToken> tokens, int open)
    {
        var depth = 0;
        for (var k = open; k < tokens.Count; k++)
        {
            if (tokens[k].IsPunctuation('(')) depth++;
            else if (tokens[k].IsPunctuation(')') && --depth == 0) return k + 1;
        }
        return tokens.Count;
    }
}
