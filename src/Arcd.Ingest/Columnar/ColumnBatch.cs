namespace Arcd.Ingest.Columnar;

/// <summary>
/// The decoded rows of one measurement from one request: a time column (int64 µs UTC) and value
/// columns. Built by a decoder, handed to a shard thread, appended to a buffer, then disposed so
/// its pooled arrays go back.
/// </summary>
public sealed class ColumnBatch : IDisposable
{
    public const string TimeColumnName = "time";

    private readonly List<Column> _columns = [];

    public ColumnBatch(string measurement, int expectedRows = 16)
    {
        Measurement = measurement;
        Time = new Column(TimeColumnName, ColumnKind.Int64, expectedRows);
    }

    public string Measurement { get; set; }

    /// <summary>Sorted names of the columns that are tags (row format and line protocol); written as <c>arc:tags</c>.</summary>
    public IReadOnlyList<string> TagNames { get; set; } = [];
    public Column Time { get; }
    public IReadOnlyList<Column> Columns => _columns;
    public int RowCount => Time.Count;

    /// <summary>Bytes the batch holds once buffered, charged against the memory budget.</summary>
    public long ApproximateBytes
    {
        get
        {
            var bytes = Time.ApproximateBytes;
            foreach (var column in _columns) bytes += column.ApproximateBytes;
            return bytes;
        }
    }

    public void Add(Column column) => _columns.Add(column);

    public Column? Find(string name)
    {
        foreach (var column in _columns)
            if (column.Name == name) return column;
        return null;
    }

    public void Dispose()
    {
        Time.Dispose();
        foreach (var column in _columns) column.Dispose();
        _columns.Clear();
    }
}
