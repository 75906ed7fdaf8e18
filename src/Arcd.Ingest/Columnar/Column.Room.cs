namespace Arcd.Ingest.Columnar;

/// <summary>
/// The decoders' bulk path: a run of values written straight into the column's free slots, then
/// committed, instead of one bounds-checked append each (the float and time columns of a request).
/// </summary>
public sealed partial class Column
{
    /// <summary>Room for up to <paramref name="count"/> more float64 values; fill a prefix, then <see cref="Commit"/> it.</summary>
    internal Span<double> Float64Room(int count)
    {
        EnsureRoom(count);
        return _float64.AsSpan(Count, count);
    }

    /// <summary>Room for up to <paramref name="count"/> more int64 values; fill a prefix, then <see cref="Commit"/> it.</summary>
    internal Span<long> Int64Room(int count)
    {
        EnsureRoom(count);
        return _int64.AsSpan(Count, count);
    }

    /// <summary>
    /// Adds the first <paramref name="count"/> values written into the room as rows. They are valid:
    /// every validity bit at or past Count is already 1.
    /// </summary>
    internal void Commit(int count) => Count += count;

    private void EnsureRoom(int count)
    {
        // Decoders fill a request's (contiguous) columns; a buffer's chunks are filled by AppendColumn.
        if (_chunked) throw new InvalidOperationException($"column '{Name}' is chunked: it has no contiguous room");
        if (Count + count > Capacity) Grow(Count + count);
    }
}
