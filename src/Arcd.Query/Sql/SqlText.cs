namespace Arcd.Query.Sql;

/// <summary>
/// A statement with its string literals and comments blanked out (same length, same positions),
/// so keyword checks and table rewriting never look inside a literal or a comment, and a match
/// found in <see cref="Masked"/> can be replaced at the same offsets in <see cref="Original"/>.
/// </summary>
public sealed class SqlText
{
    public string Original { get; }

    /// <summary>Literals ('…', E'…', $tag$…$tag$) and comments replaced by spaces; quoted identifiers kept.</summary>
    public string Masked { get; }

    /// <summary>As <see cref="Masked"/>, with the insides of quoted identifiers blanked too: for keyword checks.</summary>
    public string KeywordView { get; }

    /// <summary>False when a literal, quoted identifier or block comment is not closed.</summary>
    public bool IsWellFormed { get; }

    public SqlText(string sql)
    {
        Original = sql;
        var masked = sql.ToCharArray();
        var keywords = sql.ToCharArray();
        var wellFormed = true;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '-' && At(sql, i + 1, '-'))
            {
                var end = sql.IndexOf('\n', i);
                if (end < 0) end = sql.Length;
                Blank(masked, keywords, i, end);
                i = end;
            }
            else if (c == '/' && At(sql, i + 1, '*'))
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0) { wellFormed = false; end = sql.Length; } else end += 2;
                Blank(masked, keywords, i, end);
                i = end;
            }
            else if (c == '\'')
            {
                var end = ClosingQuote(sql, i, '\'');
                if (end < 0) { wellFormed = false; end = sql.Length - 1; }
                // Keep the quotes so "time >= '…'" still reads as a comparison with a literal.
                Blank(masked, keywords, i + 1, end);
                i = end + 1;
            }
            else if (c == '"')
            {
                var end = ClosingQuote(sql, i, '"');
                if (end < 0) { wellFormed = false; end = sql.Length - 1; }
                Blank(keywords, null, i + 1, end);
                i = end + 1;
            }
            else if (c == '$' && TryDollarTag(sql, i, out var tag))
            {
                var close = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                var end = close < 0 ? sql.Length : close + tag.Length;
                if (close < 0) wellFormed = false;
                Blank(masked, keywords, i, end);
                i = end;
            }
            else i++;
        }
        Masked = new string(masked);
        KeywordView = new string(keywords);
        IsWellFormed = wellFormed;
    }

    private static bool At(string s, int i, char c) => i < s.Length && s[i] == c;

    /// <summary>Index of the quote that closes the one at <paramref name="open"/>; a doubled quote is an escape.</summary>
    private static int ClosingQuote(string s, int open, char quote)
    {
        for (var i = open + 1; i < s.Length; i++)
        {
            if (s[i] != quote) continue;
            if (At(s, i + 1, quote)) { i++; continue; }
            return i;
        }
        return -1;
    }

    /// <summary>A dollar-quote opener: <c>$$</c> or <c>$tag$</c> not preceded by an identifier character (so <c>$1</c> is not one).</summary>
    private static bool TryDollarTag(string s, int i, out string tag)
    {
        tag = "";
        if (i > 0 && (char.IsAsciiLetterOrDigit(s[i - 1]) || s[i - 1] == '_')) return false;
        var j = i + 1;
        while (j < s.Length && (char.IsAsciiLetter(s[j]) || s[j] == '_')) j++;
        if (j >= s.Length || s[j] != '$') return false;
        tag = s[i..(j + 1)];
        return true;
    }

    private static void Blank(char[] a, char[]? b, int from, int to)
    {
        for (var k = from; k < to && k < a.Length; k++)
        {
            if (a[k] != '\n') a[k] = ' ';
            if (b is not null && b[k] != '\n') b[k] = ' ';
        }
    }
}
