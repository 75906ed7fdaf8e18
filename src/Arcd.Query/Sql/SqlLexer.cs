namespace Arcd.Query.Sql;

public enum TokenKind
{
    Word,
    QuotedIdentifier,
    Punctuation,
    Other,
}

/// <summary>A token of masked SQL: its kind, its span in the statement, and its text (a quoted identifier unquoted).</summary>
public readonly record struct SqlToken(TokenKind Kind, int Start, int End, string Text)
{
    public bool Is(string word) => Kind == TokenKind.Word && Text.Equals(word, StringComparison.OrdinalIgnoreCase);

    public bool IsPunctuation(char c) => Kind == TokenKind.Punctuation && Text.Length == 1 && Text[0] == c;

    public bool IsName => Kind is TokenKind.Word or TokenKind.QuotedIdentifier;
}

/// <summary>Splits masked SQL (<see cref="SqlText.Masked"/>) into the few token kinds table rewriting needs.</summary>
public static class SqlLexer
{
    public static List<SqlToken> Tokenize(string masked)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < masked.Length)
        {
            var c = masked[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            var start = i;
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < masked.Length && (char.IsAsciiLetterOrDigit(masked[i]) || masked[i] is '_' or '$')) i++;
                tokens.Add(new SqlToken(TokenKind.Word, start, i, masked[start..i]));
            }
            else if (c == '"')
            {
                var text = new System.Text.StringBuilder();
                i++;
                while (i < masked.Length)
                {
                    if (masked[i] == '"')
                    {
                        if (i + 1 < masked.Length && masked[i + 1] == '"') { text.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    text.Append(masked[i++]);
                }
                tokens.Add(new SqlToken(TokenKind.QuotedIdentifier, start, i, text.ToString()));
            }
            else if (c is '(' or ')' or ',' or '.' or ';')
            {
                i++;
                tokens.Add(new SqlToken(TokenKind.Punctuation, start, i, c.ToString()));
            }
            else if (c == '\'')
            {
                // A masked literal: its quotes survive, its contents are blanks.
                var close = masked.IndexOf('\'', i + 1);
                i = close < 0 ? masked.Length : close + 1;
                tokens.Add(new SqlToken(TokenKind.Other, start, i, "'"));
            }
            else
            {
                i++;
                while (i < masked.Length && !char.IsWhiteSpace(masked[i]) && !char.IsAsciiLetterOrDigit(masked[i])
                       && masked[i] is not ('(' or ')' or ',' or '.' or ';' or '"' or '\'' or '_')) i++;
                if (char.IsAsciiDigit(c))
                    while (i < masked.Length && (char.IsAsciiLetterOrDigit(masked[i]) || masked[i] is '_' or '.')) i++;
                tokens.Add(new SqlToken(TokenKind.Other, start, i, masked[start..i]));
            }
        }
        return tokens;
    }
}
