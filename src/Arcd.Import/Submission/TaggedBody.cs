using Arcd.Ingest.Columnar;
using MessagePack;

namespace Arcd.Import.Submission;

/// <summary>
/// The opening of a tagged-columnar body (Wal/FORMAT.md, format 3):
/// <c>[[tag names], {"m": measurement, "columns": {"time": [µs...], name: [values...], ...}}]</c>.
/// The caller writes the time array and then each column as a name and an array.
/// </summary>
public static class TaggedBody
{
    /// <summary>Writes everything up to the "time" array's header; <paramref name="valueColumns"/> excludes time.</summary>
    public static void WriteStart(ref MessagePackWriter writer, IReadOnlyList<string> tags, string measurement, int valueColumns, int rows)
    {
        writer.WriteArrayHeader(2);
        writer.WriteArrayHeader(tags.Count);
        foreach (var tag in tags) writer.Write(tag);
        writer.WriteMapHeader(2);
        writer.Write("m");
        writer.Write(measurement);
        writer.Write("columns");
        writer.WriteMapHeader(valueColumns + 1);
        writer.Write(ColumnBatch.TimeColumnName);
        writer.WriteArrayHeader(rows);
    }
}
