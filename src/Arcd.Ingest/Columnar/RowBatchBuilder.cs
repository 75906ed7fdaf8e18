namespace Arcd.Ingest.Columnar;

/// <summary>
/// Pivots records (row-format MessagePack, line protocol) of one measurement into columns: the
/// column set is the union over the rows, and a row that lacks a column gets a null there.
/// An integer column that meets a float becomes float64; other kind mixes are refused.
/// </summary>
public sealed class RowBatchBuilder : IDisposable
{
    private readonly Dictionary<string, Column> _columns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Column>.AlternateLookup<ReadOnlySpan<char>> _byChars;
    private readonly SortedSet<string> _tags = new(StringComparer.Ordinal);
    private ColumnBatch? _batch;
    private int _rows;

    public RowBatchBuilder(string measurement)
    {
        _batch = ColumnBatch.Rent(measurement);
        _byChars = _columns.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Measurement => _batch!.Measurement;
    public int RowCount => _rows;

    public void BeginRow(long timeMicros)
    {
        _batch!.Time.AppendInt64(timeMicros);
        _rows++;
        _position = 0;
    }

    // The column the previous rows named at each position of the row: lines of one writer repeat their
    // layout, so a name is usually matched by one comparison instead of a hash and a dictionary probe.
    private const int RememberedPositions = 64;
    private Column?[] _byPosition = new Column?[8]; // grows with the rows' width, up to RememberedPositions
    private int _position;

    /// <summary>The column the current row set at <paramref name="position"/> (its tags, then its fields, in order); null past the remembered positions.</summary>
    internal Column? ColumnAt(int position) => position < _byPosition.Length ? _byPosition[position] : null;

    /// <summary>Ends the current row: columns it did not set get a null.</summary>
    public void EndRow()
    {
        foreach (var column in _batch!.ColumnList)
            if (column.Count < _rows) column.AppendNull();
    }

    /// <summary>Drops the current row (it failed validation halfway): every column goes back to the previous row count.</summary>
    public void AbandonRow()
    {
        // Rows are only abandoned on the way to a 400, when the whole request is dropped anyway;
        // keeping the builder consistent is enough, so pad and let Dispose reclaim it.
        EndRow();
    }

    public string? SetTag(ReadOnlySpan<char> name, ReadOnlySpan<byte> utf8)
    {
        var column = Get(name, ColumnKind.String, out var error, out var created);
        if (column is null) return error;
        if (column.Kind != ColumnKind.String) return $"column '{column.Name}' is a field of kind {column.Kind} in another row, cannot hold tag values";
        if (created) _tags.Add(column.Name);
        column.AppendString(utf8);
        return null;
    }

    public string? SetInt64(ReadOnlySpan<char> name, long value)
    {
        var column = Get(name, ColumnKind.Int64, out var error, out _);
        if (column is null) return error;
        switch (column.Kind)
        {
            case ColumnKind.Int64: column.AppendInt64(value); return null;
            case ColumnKind.Float64: column.AppendFloat64(value); return null;
            default: return Mixed(column, "an integer");
        }
    }

    public string? SetFloat64(ReadOnlySpan<char> name, double value)
    {
        var column = Get(name, ColumnKind.Float64, out var error, out _);
        if (column is null) return error;
        if (column.Kind == ColumnKind.Int64) column.PromoteInt64ToFloat64();
        if (column.Kind != ColumnKind.Float64) return Mixed(column, "a float");
        column.AppendFloat64(value);
        return null;
    }

    public string? SetBoolean(ReadOnlySpan<char> name, bool value)
    {
        var column = Get(name, ColumnKind.Boolean, out var error, out _);
        if (column is null) return error;
        if (column.Kind != ColumnKind.Boolean) return Mixed(column, "a boolean");
        column.AppendBoolean(value);
        return null;
    }

    public string? SetString(ReadOnlySpan<char> name, ReadOnlySpan<byte> utf8)
    {
        var column = Get(name, ColumnKind.String, out var error, out _);
        if (column is null) return error;
        if (column.Kind != ColumnKind.String) return Mixed(column, "a string");
        if (_tags.Contains(column.Name)) return $"'{column.Name}' is a tag in another row and a string field here";
        column.AppendString(utf8);
        return null;
    }

    /// <summary>Hands over the finished batch; the builder is empty afterwards.</summary>
    public ColumnBatch Build()
    {
        var batch = _batch!;
        batch.TagNames = [.. _tags];
        _batch = null;
        return batch;
    }

    public void Dispose() => _batch?.Dispose();

    private Column? Get(ReadOnlySpan<char> name, ColumnKind kind, out string? error, out bool created)
    {
        created = false;
        var position = _position++;
        if (position == _byPosition.Length && position < RememberedPositions) Array.Resize(ref _byPosition, position * 2);
        var remembered = position < _byPosition.Length ? _byPosition[position] : null;
        if (remembered is not null && remembered.Name.AsSpan().SequenceEqual(name) || _byChars.TryGetValue(name, out remembered))
        {
            var column = remembered;
            if (position < _byPosition.Length) _byPosition[position] = column;
            if (column.Count == _rows)
            {
                error = $"'{column.Name}' is given twice in one record";
                return null;
            }
            error = null;
            return column;
        }
        var text = name.ToString();
        if (!NameRules.IsValidColumnName(text) || text == ColumnBatch.TimeColumnName)
        {
            error = text.Length == 0 ? "empty column name"
                : text == ColumnBatch.TimeColumnName ? "'time' is the timestamp and cannot be a tag or field name"
                : $"column name '{text}' starts with '_', which is reserved";
            return null;
        }
        var added = Column.Rent(text, kind, Math.Max(16, _rows));
        added.AppendNulls(_rows - 1); // earlier rows did not have it
        _columns.Add(text, added);
        if (position < _byPosition.Length) _byPosition[position] = added;
        _batch!.Add(added);
        created = true;
        error = null;
        return added;
    }

    private static string Mixed(Column column, string what) =>
        $"column '{column.Name}' mixes types: {what} where earlier values are {Describe(column.Kind)}";

    private static string Describe(ColumnKind kind) => kind switch
    {
        ColumnKind.Int64 or ColumnKind.Float64 => "numbers",
        ColumnKind.Boolean => "booleans",
        _ => "strings",
    };
}
