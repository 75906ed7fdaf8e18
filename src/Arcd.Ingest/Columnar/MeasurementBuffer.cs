namespace Arcd.Ingest.Columnar;

/// <summary>
/// The rows buffered for one (database, measurement) with one schema (same column names and
/// kinds). Exactly one writer: the shard thread that owns the key. Once sealed it belongs to a
/// flush worker, which disposes it after the rows are durable.
/// </summary>
public sealed class MeasurementBuffer : IDisposable
{
    private readonly Column[] _columns;
    private readonly Dictionary<string, int> _columnIndex;

    private static long s_nextId;

    private MeasurementBuffer(string database, string measurement, ColumnBatch shape, long createdTimestamp)
    {
        Id = Interlocked.Increment(ref s_nextId);
        Database = database;
        Measurement = measurement;
        CreatedTimestamp = createdTimestamp;
        Time = Column.Chunked(ColumnBatch.TimeColumnName, ColumnKind.Int64, shape.RowCount);
        TagNames = shape.TagNames;
        SchemaSignature = shape.SchemaSignature;
        _columns = new Column[shape.Columns.Count];
        _columnIndex = new Dictionary<string, int>(shape.Columns.Count, StringComparer.Ordinal);
        for (var i = 0; i < _columns.Length; i++)
        {
            var source = shape.Columns[i];
            _columns[i] = Column.Chunked(source.Name, source.Kind, source.Count);
            _columnIndex[source.Name] = i;
        }
    }

    public string Database { get; }
    public string Measurement { get; }
    public Column Time { get; }
    public IReadOnlyList<Column> Columns => _columns;
    public IReadOnlyList<string> TagNames { get; }
    public string SchemaSignature { get; }
    public int RowCount => Time.Count;

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the first append (age trigger).</summary>
    public long CreatedTimestamp { get; }

    /// <summary>Memory-budget bytes charged for the batches in this buffer; released after the flush.</summary>
    public long ReservedBytes { get; private set; }

    public long Id { get; }

    /// <summary>The shard thread that filled it (flush completions go back there).</summary>
    public int OwnerShard { get; set; }

    /// <summary>Set when someone waits for this buffer to be durable (a delete flushes first); completed with whether it was.</summary>
    public TaskCompletionSource<bool>? Flushed { get; set; }

    /// <summary>
    /// WAL positions of the first and last batch appended (all from one shard's log, in order), or
    /// null when the WAL is off. Every batch of this (database, measurement) from that log between
    /// the two is in this buffer, which is what makes a checkpoint entry exact (FORMAT.md).
    /// </summary>
    public WalPosition? FirstPosition { get; private set; }
    public WalPosition? LastPosition { get; private set; }

    public static MeasurementBuffer StartWith(string database, ColumnBatch batch, long reservedBytes, long nowTimestamp, WalPosition? position = null)
    {
        var buffer = new MeasurementBuffer(database, batch.Measurement, batch, nowTimestamp);
        buffer.Append(batch, reservedBytes, position);
        return buffer;
    }

    /// <summary>Same column names with the same kinds: the batch can be appended without a new file schema.</summary>
    public bool HasSameSchema(ColumnBatch batch)
    {
        if (batch.Columns.Count != _columns.Length || !batch.TagNames.SequenceEqual(TagNames)) return false;
        foreach (var column in batch.ColumnList)
        {
            if (!_columnIndex.TryGetValue(column.Name, out var index) || _columns[index].Kind != column.Kind) return false;
        }
        return true;
    }

    public void Append(ColumnBatch batch, long reservedBytes, WalPosition? position = null)
    {
        if (position is { } p)
        {
            FirstPosition ??= p;
            LastPosition = p;
        }
        Time.AppendColumn(batch.Time);
        foreach (var column in batch.ColumnList) _columns[_columnIndex[column.Name]].AppendColumn(column);
        ReservedBytes += reservedBytes;
    }

    public void Dispose()
    {
        Time.Dispose();
        foreach (var column in _columns) column.Dispose();
    }
}
