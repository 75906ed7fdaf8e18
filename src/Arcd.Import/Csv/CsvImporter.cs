using System.Buffers;
using System.Globalization;
using Arcd.Import.Submission;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;
using MessagePack;
using nietras.SeparatedValues;

namespace Arcd.Import.Csv;

/// <summary>
/// Imports a CSV file in two streaming passes over the spooled upload. The first reads every row:
/// header checks, Arc's type inference over whole columns, every time parsed, column kinds checked
/// against the catalog. Only a file that passes all of it is written, by the second pass, in
/// bodies of <see cref="RowsPerBody"/> rows through the normal ingest path. Memory is one body.
/// </summary>
public sealed class CsvImporter(IngestSubmitter submitter)
{
    public const int RowsPerBody = 32_768;

    /// <summary>Validates then writes; <paramref name="open"/> opens the file from the start each time.</summary>
    public ImportSummary Import(Func<Stream> open, CsvImportOptions options, Action<long>? progress = null)
    {
        var (summary, layout) = Validate(open, options);
        Write(open, options, layout, progress);
        return summary;
    }

    /// <summary>The header and the inferred kinds the writing pass uses.</summary>
    private sealed record Layout(int TimeIndex, string[] Header, ColumnKind[] Kinds, string[] Tags);

    private (ImportSummary, Layout) Validate(Func<Stream> open, CsvImportOptions options)
    {
        using var stream = open();
        using var reader = Reader(stream, options.Delimiter);
        var header = ReadHeader(reader, options);
        var timeIndex = CheckHeader(header, options);
        var types = header.Select(name => new CsvColumnType { ForceString = options.Tags.Contains(name) }).ToArray();
        var summary = new ImportSummary();
        long row = 0;
        while (NextDataRow(reader, row + 1))
        {
            row++;
            var record = reader.Current;
            for (var c = 0; c < header.Length; c++)
            {
                var cell = c < record.ColCount ? record[c].Span : default;
                if (c == timeIndex)
                {
                    if (!ImportTime.TryParse(cell, options.TimeFormat, out var micros, out var problem))
                        throw ImportException.BadRequest($"failed to parse time column \"{options.TimeColumn}\": row {row} (line {record.LineNumberFrom}): {problem}");
                    summary.AddTime(micros);
                }
                else
                {
                    types[c].Observe(cell);
                }
            }
        }
        if (row == 0) throw ImportException.BadRequest("file contains no rows");

        var kinds = types.Select(t => t.Kind).ToArray();
        var plan = new ColumnKindPlan(submitter.Catalog, options.Database);
        for (var c = 0; c < header.Length; c++)
        {
            summary.Columns.Add(c == timeIndex ? ColumnBatch.TimeColumnName : header[c]);
            if (c != timeIndex) plan.Add(options.Measurement, header[c], kinds[c], $"column \"{header[c]}\"");
        }
        summary.Measurements.Add(options.Measurement);
        return (summary, new Layout(timeIndex, header, kinds, options.Tags.ToArray()));
    }

    private void Write(Func<Stream> open, CsvImportOptions options, Layout layout, Action<long>? progress)
    {
        using var stream = open();
        using var reader = Reader(stream, options.Delimiter);
        var valueIndexes = Enumerable.Range(0, layout.Header.Length).Where(c => c != layout.TimeIndex).ToArray();
        var chunk = new ColumnChunk(valueIndexes.Select(c => layout.Header[c]).ToArray());
        long written = 0;
        ReadHeader(reader, options);
        while (NextDataRow(reader, written + chunk.Rows + 1))
        {
            var record = reader.Current;
            var timeCell = layout.TimeIndex < record.ColCount ? record[layout.TimeIndex].Span : default;
            ImportTime.TryParse(timeCell, options.TimeFormat, out var micros, out _);
            chunk.AddTime(micros);
            for (var v = 0; v < valueIndexes.Length; v++)
            {
                var c = valueIndexes[v];
                WriteCell(chunk.Values[v], layout.Kinds[c], c < record.ColCount ? record[c].Span : default);
            }
            if (chunk.Rows == RowsPerBody)
            {
                written += submitter.Submit(options.Database, chunk, layout.Tags, options.Measurement);
                progress?.Invoke(written);
            }
        }
        written += submitter.Submit(options.Database, chunk, layout.Tags, options.Measurement);
        progress?.Invoke(written);
    }

    private static void WriteCell(ArrayBufferWriter<byte> buffer, ColumnKind kind, ReadOnlySpan<char> cell)
    {
        var writer = new MessagePackWriter(buffer);
        if (cell.IsEmpty && kind != ColumnKind.String) writer.WriteNil();
        else if (kind == ColumnKind.Int64) writer.Write(long.Parse(cell, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        else if (kind == ColumnKind.Float64) writer.Write(double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture));
        else if (kind == ColumnKind.Boolean) writer.Write(CsvColumnType.BoolValue(cell));
        else writer.Write(cell);
        writer.Flush();
    }

    private static SepReader Reader(Stream stream, char delimiter)
    {
        try
        {
            return Sep.New(delimiter).Reader(o => o with { HasHeader = false, DisableColCountCheck = true, Unescape = true }).From(stream);
        }
        catch (Exception ex) when (ex is not ImportException)
        {
            throw new ImportException(ImportFailure.Unreadable, $"failed to parse CSV at row 1: {ex.Message}");
        }
    }

    /// <summary>Skips <c>skip_rows</c> records (blank lines not counted, as Go's reader skips them) and reads the header.</summary>
    private static string[] ReadHeader(SepReader reader, CsvImportOptions options)
    {
        var skipped = 0;
        while (Next(reader, 0))
        {
            var row = reader.Current;
            if (IsBlank(row)) continue;
            if (skipped++ < options.SkipRows) continue;
            var names = new string[row.ColCount];
            for (var c = 0; c < names.Length; c++) names[c] = row[c].ToString();
            names[0] = names[0].TrimStart('\uFEFF');
            return names;
        }
        throw ImportException.BadRequest("file is empty");
    }

    /// <summary>Moves to the next non-blank record; <paramref name="row"/> is its 1-based data row number, for errors.</summary>
    private static bool NextDataRow(SepReader reader, long row)
    {
        while (Next(reader, row))
            if (!IsBlank(reader.Current)) return true;
        return false;
    }

    private static bool Next(SepReader reader, long row)
    {
        try
        {
            return reader.MoveNext();
        }
        catch (Exception ex) when (ex is not ImportException)
        {
            throw new ImportException(ImportFailure.Unreadable, $"failed to parse CSV at row {row}: {ex.Message}");
        }
    }

    private static bool IsBlank(SepReader.Row row) => row.ColCount == 1 && row[0].Span.IsEmpty;

    private static int CheckHeader(string[] header, CsvImportOptions options)
    {
        if (header.Length > ColumnKindPlan.MaxColumns + 1) throw ImportException.BadRequest($"the file has {header.Length} columns; arcd stores at most {ColumnKindPlan.MaxColumns} besides time");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var timeIndex = -1;
        for (var i = 0; i < header.Length; i++)
        {
            var name = header[i];
            if (name.Length == 0) throw ImportException.BadRequest("column name cannot be empty (check for trailing/empty delimiters in the header)");
            if (!seen.Add(name)) throw ImportException.BadRequest($"duplicate column name \"{name}\" in file; column names must be unique");
            if (name == options.TimeColumn) timeIndex = i;
            else if (!NameRules.IsValidColumnName(name)) throw ImportException.BadRequest($"column name \"{name}\" is reserved: names starting with '_' cannot be stored");
        }
        if (timeIndex < 0)
            throw ImportException.BadRequest($"time column \"{options.TimeColumn}\" not found in file; available columns: {string.Join(", ", header)}");
        if (options.TimeColumn != ColumnBatch.TimeColumnName && seen.Contains(ColumnBatch.TimeColumnName))
            throw ImportException.BadRequest($"cannot rename time column \"{options.TimeColumn}\" to \"time\": a column named \"time\" already exists in the file");
        foreach (var tag in options.Tags)
            if (!seen.Contains(tag) || tag == options.TimeColumn) throw ImportException.BadRequest($"tag column \"{tag}\" is not a column of the file (besides the time column)");
        return timeIndex;
    }
}
