namespace Arcd.Ingest.Columnar;

/// <summary>The value types a column can hold. Persisted later (catalog, WAL): never renumber.</summary>
public enum ColumnKind : byte
{
    Int64 = 1,
    Float64 = 2,
    Boolean = 3,
    String = 4,
}
