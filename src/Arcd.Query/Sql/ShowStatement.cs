using System.Text.RegularExpressions;

namespace Arcd.Query.Sql;

public enum ShowKind
{
    Databases,
    Tables,
}

/// <summary><c>SHOW DATABASES</c> and <c>SHOW TABLES|MEASUREMENTS [FROM db]</c>, answered from the data root (§7.1).</summary>
public sealed partial record ShowStatement(ShowKind Kind, string? Database)
{
    public static bool TryParse(string sql, out ShowStatement? show)
    {
        var match = Pattern().Match(sql);
        show = null;
        if (!match.Success) return false;
        var kind = match.Groups[1].Value.Equals("databases", StringComparison.OrdinalIgnoreCase) ? ShowKind.Databases : ShowKind.Tables;
        var database = match.Groups[2].Success ? match.Groups[2].Value.Trim('"') : null;
        show = new ShowStatement(kind, database);
        return true;
    }

    [GeneratedRegex(@"^\s*SHOW\s+(DATABASES|TABLES|MEASUREMENTS)(?:\s+(?:FROM|IN)\s+(""[^""]+""|[A-Za-z0-9_-]+))?\s*;?\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
