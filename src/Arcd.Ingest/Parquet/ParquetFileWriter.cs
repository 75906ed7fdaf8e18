using System.Buffers;
using System.Text;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Flush;
using Parquet;
using Parquet.Schema;

namespace Arcd.Ingest.Parquet;

/// <summary>
/// Writes rows [start, end) of a time-ordered buffer as one Parquet file with Parquet.Net's
/// column API: time as INT64 TIMESTAMP(MICROS, UTC), INT64, DOUBLE, BOOLEAN and dictionary-encoded
/// UTF-8 strings, every value column OPTIONAL, one row group, statistics on.
/// </summary>
internal static class ParquetFileWriter
{
    public static async Task WriteAsync(Stream output, MeasurementBuffer buffer, TimeOrder order, int start, int end,
        ParquetSettings settings, CancellationToken cancellationToken)
    {
        var rows = end - start;
        var options = settings.ToOptions();
        var timeField = new DateTimeDataField(ColumnBatch.TimeColumnName, DateTimeFormat.Timestamp, isAdjustedToUTC: true,
            unit: DateTimeTimeUnit.Micros, isNullable: false);
        var fields = new List<Field>(buffer.Columns.Count + 1) { timeField };
        foreach (var column in buffer.Columns)
        {
            fields.Add(new DataField(column.Name, ClrTypeOf(column.Kind), isNullable: true));
            if (column.Kind == ColumnKind.String) options.ColumnEncodingHints[column.Name] = EncodingHint.Dictionary;
        }
        var schema = new ParquetSchema(fields);

        await using var writer = await ParquetWriter.CreateAsync(schema, output, options, append: false, cancellationToken).ConfigureAwait(false);
        using var rowGroup = writer.CreateRowGroup();

        // Parquet.Net's timestamp field takes DateTime values (100 ns ticks, so µs convert exactly).
        var times = ArrayPool<DateTime>.Shared.Rent(rows);
        try
        {
            var sorted = order.SortedTimes;
            for (var i = 0; i < rows; i++) times[i] = DateTime.UnixEpoch.AddTicks(sorted[start + i] * 10);
            await rowGroup.WriteAsync(timeField, new ReadOnlyMemory<DateTime>(times, 0, rows), null, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<DateTime>.Shared.Return(times);
        }

        var dataFields = schema.GetDataFields();
        for (var c = 0; c < buffer.Columns.Count; c++)
        {
            var column = buffer.Columns[c];
            var field = dataFields[c + 1];
            switch (column.Kind)
            {
                case ColumnKind.Int64:
                    await WriteValuesAsync(rowGroup, field, column, order, start, rows, static (col, row) => col.Int64Values[row], cancellationToken).ConfigureAwait(false);
                    break;
                case ColumnKind.Float64:
                    await WriteValuesAsync(rowGroup, field, column, order, start, rows, static (col, row) => col.Float64Values[row], cancellationToken).ConfigureAwait(false);
                    break;
                case ColumnKind.Boolean:
                    await WriteValuesAsync(rowGroup, field, column, order, start, rows, static (col, row) => col.BooleanValues[row], cancellationToken).ConfigureAwait(false);
                    break;
                case ColumnKind.String:
                    await rowGroup.WriteAsync(field, GatherStrings(column, order, start, rows), null).ConfigureAwait(false);
                    break;
            }
        }
        rowGroup.CompleteValidate();
    }

    /// <summary>Writes the defined values densely with definition levels (0 = null, 1 = value).</summary>
    private static async Task WriteValuesAsync<T>(ParquetRowGroupWriter rowGroup, DataField field, Column column, TimeOrder order,
        int start, int rows, Func<Column, int, T> read, CancellationToken cancellationToken) where T : struct
    {
        var values = ArrayPool<T>.Shared.Rent(Math.Max(rows, 1));
        var levels = ArrayPool<int>.Shared.Rent(Math.Max(rows, 1));
        try
        {
            var defined = 0;
            for (var i = 0; i < rows; i++)
            {
                var row = order.SourceRow(start + i);
                if (column.IsValid(row))
                {
                    values[defined++] = read(column, row);
                    levels[i] = 1;
                }
                else
                {
                    levels[i] = 0;
                }
            }
            await rowGroup.WriteAllPartsAsync(field, new ReadOnlyMemory<T>(values, 0, defined), new ReadOnlyMemory<int>(levels, 0, rows), null, cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(values);
            ArrayPool<int>.Shared.Return(levels);
        }
    }

    /// <summary>Invalid UTF-8 becomes U+FFFD here, as Arc sanitises strings.</summary>
    private static ArraySegment<string> GatherStrings(Column column, TimeOrder order, int start, int rows)
    {
        var strings = new string[rows];
        string? previous = null;
        for (var i = 0; i < rows; i++)
        {
            var row = order.SourceRow(start + i);
            if (!column.IsValid(row)) continue;
            var bytes = column.GetStringBytes(row);
            // Runs of one tag value are common (sorted series); reuse the previous string when equal.
            if (previous is not null && Encoding.UTF8.GetByteCount(previous) == bytes.Length && EqualsUtf8(previous, bytes))
                strings[i] = previous;
            else
                strings[i] = previous = Encoding.UTF8.GetString(bytes);
        }
        return new ArraySegment<string>(strings);
    }

    private static bool EqualsUtf8(string text, ReadOnlySpan<byte> utf8)
    {
        Span<byte> scratch = stackalloc byte[256];
        if (utf8.Length > scratch.Length) return false;
        return Encoding.UTF8.GetBytes(text, scratch) == utf8.Length && scratch[..utf8.Length].SequenceEqual(utf8);
    }

    private static Type ClrTypeOf(ColumnKind kind) => kind switch
    {
        ColumnKind.Int64 => typeof(long),
        ColumnKind.Float64 => typeof(double),
        ColumnKind.Boolean => typeof(bool),
        _ => typeof(string),
    };
}
