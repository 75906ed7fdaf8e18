namespace Arcd.Import.Csv;

/// <summary>
/// One CSV import's parameters (ARC-MANAGEMENT §5.2): the target, the time column and its format,
/// the delimiter, rows to skip before the header, and (arcd's addition) the columns that are tags.
/// </summary>
public sealed record CsvImportOptions(string Database, string Measurement, string TimeColumn, string TimeFormat, char Delimiter, int SkipRows,
    IReadOnlyList<string> Tags);
