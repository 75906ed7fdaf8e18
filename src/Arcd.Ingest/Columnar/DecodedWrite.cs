namespace Arcd.Ingest.Columnar;

/// <summary>
/// Everything one request decoded to: one or more batches (one per measurement and payload shape).
/// One made by <see cref="Rent"/> goes back to a pool when disposed, with its list; its owner disposes
/// it exactly once and never touches it again.
/// </summary>
public sealed class DecodedWrite : IDisposable
{
    private static readonly Microsoft.Extensions.ObjectPool.ObjectPool<DecodedWrite> Pool =
        Buffers.ObjectPools.Create(static () => new DecodedWrite(), retained: 1024);

    // Null once detached: the batches belong to the engine then.
    private List<ColumnBatch>? _batches = new(1);
    private bool _rented; // from Pool: Dispose gives it back

    /// <summary>An empty write from the pool (or new).</summary>
    public static DecodedWrite Rent()
    {
        var write = Pool.Get();
        write._batches ??= new(1);
        write._rented = true;
        return write;
    }

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

    /// <summary>
    /// The batches were handed over (to the engine, which copied the list): this object forgets them
    /// without disposing them, and keeps its list for the next request.
    /// </summary>
    public void HandOver()
    {
        if (_batches is null) throw new InvalidOperationException("the batches were handed over already");
        _batches.Clear();
        TotalRows = 0;
    }

    public void Dispose()
    {
        if (_batches is not null)
        {
            foreach (var batch in _batches) batch.Dispose();
            _batches.Clear();
        }
        TotalRows = 0;
        if (_rented)
        {
            _rented = false; // a second Dispose must not return it twice
            Pool.Return(this);
        }
    }
}
