namespace Arcd.Ingest.Columnar;

/// <summary>
/// The decoded rows of one measurement from one request: a time column (int64 µs UTC) and value
/// columns. Built by a decoder, handed to a shard thread, appended to a buffer, then disposed so
/// its pooled arrays go back. A batch made by <see cref="Rent"/> goes back to a pool with its
/// column list and time column when disposed: its owner disposes it exactly once and never touches
/// it again.
/// </summary>
public sealed class ColumnBatch : IDisposable
{
    public const string TimeColumnName = "time";

    private static readonly Microsoft.Extensions.ObjectPool.ObjectPool<ColumnBatch> Pool =
        Buffers.ObjectPools.Create(static () => new ColumnBatch(), retained: 1024);

    private readonly List<Column> _columns = new(8);
    private bool _rented; // from Pool: Dispose gives it back

    public ColumnBatch(string measurement, int expectedRows = 16)
    {
        Measurement = measurement;
        Time = new Column(TimeColumnName, ColumnKind.Int64, expectedRows);
    }

    private ColumnBatch()
    {
        Measurement = "";
        Time = new Column(TimeColumnName, ColumnKind.Int64, 0);
        Time.Dispose(); // Rent starts it
    }

    /// <summary>An empty batch from the pool (or new); <see cref="Dispose"/> returns it, and disposes its columns.</summary>
    public static ColumnBatch Rent(string measurement, int expectedRows = 16)
    {
        var batch = Pool.Get();
        batch.Measurement = measurement;
        batch.TagNames = [];
        batch.Time.Start(TimeColumnName, ColumnKind.Int64, expectedRows);
        batch._rented = true;
        return batch;
    }

    public string Measurement { get; set; }

    /// <summary>Sorted names of the columns that are tags (row format and line protocol); written as <c>arc:tags</c>.</summary>
    public IReadOnlyList<string> TagNames { get; set; } = [];
    public Column Time { get; }
    public IReadOnlyList<Column> Columns => _columns;

    /// <summary>The same columns as a list: a foreach over it does not box an enumerator (per-row loops use this).</summary>
    internal List<Column> ColumnList => _columns;

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

    /// <summary>
    /// Column names and kinds, sorted, plus the tag names: equal for batches a buffer can hold
    /// together. Part of every WAL checkpoint intent (FORMAT.md), so it must only ever depend on
    /// what decoding the same body produces.
    /// </summary>
    public string SchemaSignature => Signature(_columns, TagNames);

    internal static string Signature(IEnumerable<Column> columns, IReadOnlyList<string> tags) =>
        string.Join(',', columns.Select(c => c.Name + ":" + (int)c.Kind).Order(StringComparer.Ordinal)) + "|" + string.Join(',', tags);

    public Column? Find(string name)
    {
        foreach (var column in _columns)
            if (column.Name == name) return column;
        return null;
    }

    /// <summary>A new batch with the rows whose time passes <paramref name="keep"/> (same columns, tags and order).</summary>
    public ColumnBatch Where(Func<long, bool> keep)
    {
        var result = Rent(Measurement, RowCount);
        result.TagNames = TagNames;
        var columns = _columns.Select(c => Column.Rent(c.Name, c.Kind, RowCount)).ToList();
        for (var row = 0; row < RowCount; row++)
        {
            var time = Time.Int64Values[row];
            if (!keep(time)) continue;
            result.Time.AppendInt64(time);
            for (var c = 0; c < columns.Count; c++) columns[c].AppendRow(_columns[c], row);
        }
        foreach (var column in columns) result.Add(column);
        return result;
    }

    public void Dispose()
    {
        Time.Dispose();
        foreach (var column in _columns) column.Dispose();
        _columns.Clear();
        if (_rented)
        {
            _rented = false; // a second Dispose must not return it twice
            TagNames = [];
            Pool.Return(this);
        }
    }
}
