using System.Globalization;
using Arcd.Ingest.Columnar;

namespace Arcd.Import.Csv;

/// <summary>
/// Arc's type inference for one CSV column, over every cell of it: int64 if every non-empty cell
/// is a base-10 integer, else float64, else bool (<c>true</c>, <c>false</c>, <c>1</c>, <c>0</c>, any
/// case), else string. An all-empty column is a string column. Empty numeric and bool cells are
/// null; empty string cells are empty strings.
/// </summary>
public sealed class CsvColumnType
{
    private bool _int = true, _float = true, _bool = true, _hasValue;

    /// <summary>A tag column is always a string, whatever its cells look like.</summary>
    public bool ForceString { get; init; }

    public void Observe(ReadOnlySpan<char> cell)
    {
        if (cell.IsEmpty || ForceString) return;
        _hasValue = true;
        if (!_int && !_float && !_bool) return;
        if (_int && !IsInteger(cell)) _int = false;
        if (!_int && _float && !double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) _float = false;
        if (_bool && !IsBool(cell)) _bool = false;
    }

    public ColumnKind Kind =>
        ForceString || !_hasValue ? ColumnKind.String
        : _int ? ColumnKind.Int64
        : _float ? ColumnKind.Float64
        : _bool ? ColumnKind.Boolean
        : ColumnKind.String;

    public static bool IsInteger(ReadOnlySpan<char> cell) =>
        long.TryParse(cell, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    public static bool IsBool(ReadOnlySpan<char> cell) =>
        cell is "1" or "0" || cell.Equals("true", StringComparison.OrdinalIgnoreCase) || cell.Equals("false", StringComparison.OrdinalIgnoreCase);

    public static bool BoolValue(ReadOnlySpan<char> cell) => cell is "1" || cell.Equals("true", StringComparison.OrdinalIgnoreCase);
}
