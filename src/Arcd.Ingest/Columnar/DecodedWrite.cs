namespace Arcd.Ingest.Columnar;

/// <summary>Everything one request decoded to: one or more batches (one per measurement and payload shape).</summary>
public sealed class DecodedWrite : IDisposable
{
    // Null once detached: the batches belong to the engine then.
    private List<ColumnBatch>? _batches = new(1);

    public IReadOnlyList<ColumnBatch> Batches => (IReadOnlyList<ColumnBatch>?)_batches ?? [];

    public int TotalRows { get; private set; }

    public void Add(ColumnBatch batch)
    {
        if (batch.RowCount == 0)
        {
            batch.Dispose();
            return;
        }
        if (_batches is null) throw new InvalidOperationException("the batches were handed over already");
        _batches.Add(batch);
        TotalRows += batch.RowCount;
    }

    /// <summary>Hands the batches over (to the engine); this object no longer disposes them.</summary>
    public List<ColumnBatch> Detach()
    {
        var batches = _batches ?? throw new InvalidOperationException("the batches were handed over already");
        _batches = null;
        TotalRows = 0;
        return batches;
    }

    public void Dispose()
    {
        if (_batches is null) return;
        foreach (var batch in _batches) batch.Dispose();
        _batches.Clear();
    }
}
