namespace Arcd.Ingest.Columnar;

/// <summary>
/// Names that become directory names. Checked before any path is built, so a name can never
/// climb out of the data root.
/// </summary>
public static class NameRules
{
    public const int MaxDatabaseLength = 64;
    public const int MaxMeasurementLength = 128;

    public const string DatabaseRule =
        "must start with a letter and contain only alphanumeric characters, underscores, or hyphens (max 64 characters)";

    public const string MeasurementRule =
        "must start with a letter or underscore and contain only alphanumeric characters, underscores, dots, or hyphens (max 128 characters)";

    /// <summary>Arc's database rule: <c>^[A-Za-z][A-Za-z0-9_-]{0,63}$</c>.</summary>
    public static bool IsValidDatabase(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > MaxDatabaseLength || !char.IsAsciiLetter(name[0])) return false;
        foreach (var c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-') return false;
        return true;
    }

    /// <summary>docs/PROTOCOL.md Part A item 4: <c>^[A-Za-z_][A-Za-z0-9_.-]{0,127}$</c> (dots allowed, unlike Arc).</summary>
    public static bool IsValidMeasurement(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > MaxMeasurementLength) return false;
        if (!char.IsAsciiLetter(name[0]) && name[0] != '_') return false;
        foreach (var c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '.' && c != '-') return false;
        return true;
    }

    /// <summary>Column names: non-empty, not reserved (<c>_</c> prefix), not the time column's kind of clash.</summary>
    public static bool IsValidColumnName(string name) => name.Length > 0 && name[0] != '_';
}
