using Arcd.Ingest.Buffers;
using Arcd.Ingest.Columnar;

namespace Arcd.Ingest.Parquet;

/// <summary>Definition levels of OPTIONAL columns: 1 for a value, 0 for a null, RLE/bit-packed at width 1.</summary>
internal static class DefinitionLevels
{
    /// <summary>Fills <paramref name="levels"/> for rows [start, start + rows) in time order; returns the null count.</summary>
    public static int Fill(Column column, TimeOrder order, int start, int rows, int[] levels)
    {
        if (column.NullCount == 0)
        {
            // The common case: no nulls, every level is 1 (vectorized fill, no per-row validity lookup).
            levels.AsSpan(0, rows).Fill(1);
            return 0;
        }
        var nulls = 0;
        for (var i = 0; i < rows; i++)
        {
            var valid = column.IsValid(order.SourceRow(start + i));
            levels[i] = valid ? 1 : 0;
            if (!valid) nulls++;
        }
        return nulls;
    }

    /// <summary>Starts an OPTIONAL column's data page in the writer's body: a 4-byte length, then the levels.</summary>
    public static PooledBuffer BeginPage(PageWriter writer, int[] levels, int rows, int nulls)
    {
        var body = writer.Body;
        body.Clear();
        body.WriteInt32LittleEndian(0);
        if (nulls == 0 && rows > 0) RleBitPackedHybrid.WriteRun(rows, 1, body); // all defined: one run of 1s
        else RleBitPackedHybrid.Encode(levels.AsSpan(0, rows), 1, body);
        body.PatchInt32LittleEndian(0, body.Length - 4);
        return body;
    }
}
