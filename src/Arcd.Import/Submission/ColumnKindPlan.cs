using Arcd.Ingest.Catalog;
using Arcd.Ingest.Columnar;

namespace Arcd.Import.Submission;

/// <summary>
/// The column kinds a whole import will write, checked against each other and against the
/// catalog in the validating pass, so the writing pass cannot be refused half-way by a kind
/// conflict (barring a concurrent client write that registers the column first).
/// </summary>
public sealed class ColumnKindPlan(ColumnCatalog catalog, string database)
{
    /// <summary>The most columns besides time one imported file may carry.</summary>
    public const int MaxColumns = 1024;

    private readonly Dictionary<(string Measurement, string Column), KindClass> _kinds = [];

    /// <summary>Records one column; throws a 400 <see cref="ImportException"/> on a conflict.</summary>
    public void Add(string measurement, string column, ColumnKind kind, string where)
    {
        var now = ColumnCatalog.Classify(kind);
        if (_kinds.TryGetValue((measurement, column), out var seen))
        {
            if (seen != now) throw ImportException.BadRequest($"{where}: {ColumnCatalog.ConflictMessage(measurement, column, seen, now, "earlier in this file")}");
            return;
        }
        if (catalog.KnownKind(database, measurement, column) is { } known && known != now)
            throw ImportException.BadRequest($"{where}: {ColumnCatalog.ConflictMessage(measurement, column, known, now, "in earlier writes")}");
        _kinds.Add((measurement, column), now);
    }

    /// <summary>Every column of decoded batches (the line-protocol pass).</summary>
    public void Add(IReadOnlyList<ColumnBatch> batches, string where)
    {
        foreach (var batch in batches)
            foreach (var column in batch.Columns)
                if (column.NullCount != column.Count) Add(batch.Measurement, column.Name, column.Kind, where);
    }
}
