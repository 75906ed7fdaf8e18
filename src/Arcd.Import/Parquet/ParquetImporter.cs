using Apache.Arrow;
using Arcd.Import.Arrow;
using Arcd.Import.Submission;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;
using Arcd.Query.Engine;
using MessagePack;

namespace Arcd.Import.Parquet;

/// <summary>
/// Imports a Parquet file read by DuckDB, which streams it a row group at a time (Arc reads the whole
/// file into memory). First pass: the schema (every column must have a kind arcd stores) and every
/// time value; second pass: the rows, <see cref="RowsPerBody"/> at a time, through the normal ingest path.
/// </summary>
public sealed class ParquetImporter(IngestSubmitter submitter)
{
    public const int RowsPerBody = 32_768;

    /// <summary>DuckDB's own memory while it decodes row groups; the file itself is never held whole.</summary>
    public const string DuckDbMemoryLimit = "256MB";

    public ImportSummary Import(string path, ParquetImportOptions options, Action<long>? progress = null)
    {
        using var database = new DuckDbDatabase();
        using var connection = database.Connect();
        connection.Execute($"SET memory_limit='{DuckDbMemoryLimit}'; SET threads=1; SET preserve_insertion_order=true;");
        var source = $"read_parquet('{path.Replace("'", "''")}')";
        var (summary, timeIndex) = Validate(connection, source, options);
        Write(connection, source, options, timeIndex, progress);
        return summary;
    }

    private (ImportSummary, int) Validate(DuckDbConnection connection, string source, ParquetImportOptions options)
    {
        Schema schema;
        using (var probe = Open(connection, $"SELECT * FROM {source} LIMIT 0")) schema = probe.Schema;
        var fields = schema.FieldsList;
        var timeIndex = fields.ToList().FindIndex(f => f.Name == options.TimeColumn);
        if (timeIndex < 0)
            throw ImportException.BadRequest($"time column \"{options.TimeColumn}\" not found in file; available columns: {string.Join(", ", fields.Select(f => f.Name))}");
        if (options.TimeColumn != ColumnBatch.TimeColumnName && fields.Any(f => f.Name == ColumnBatch.TimeColumnName))
            throw ImportException.BadRequest($"cannot rename time column \"{options.TimeColumn}\" to \"time\": a column named \"time\" already exists in the file");
        if (!ArrowTime.IsSupported(fields[timeIndex].DataType))
            throw new ImportException(ImportFailure.Unreadable, $"unsupported parquet column \"{options.TimeColumn}\": a time column of type {fields[timeIndex].DataType.Name}");
        if (fields.Count - 1 > ColumnKindPlan.MaxColumns) throw ImportException.BadRequest($"the file has {fields.Count} columns; arcd stores at most {ColumnKindPlan.MaxColumns} besides time");

        var summary = new ImportSummary();
        var plan = new ColumnKindPlan(submitter.Catalog, options.Database);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            summary.Columns.Add(i == timeIndex ? ColumnBatch.TimeColumnName : field.Name);
            if (i == timeIndex) continue;
            if (!NameRules.IsValidColumnName(field.Name))
                throw ImportException.BadRequest($"column name \"{field.Name}\" cannot be stored: names starting with '_' are reserved");
            if (ArrowBodyEncoder.Kind(field.DataType) is not { } kind)
                throw new ImportException(ImportFailure.Unreadable, $"unsupported parquet column \"{field.Name}\": type {field.DataType.Name}");
            if (options.Tags.Contains(field.Name) && kind != ColumnKind.String)
                throw ImportException.BadRequest($"tag column \"{field.Name}\" must hold strings; it holds {field.DataType.Name}");
            plan.Add(options.Measurement, field.Name, kind, $"column \"{field.Name}\"");
        }
        foreach (var tag in options.Tags)
            if (!fields.Any(f => f.Name == tag) || tag == options.TimeColumn)
                throw ImportException.BadRequest($"tag column \"{tag}\" is not a column of the file (besides the time column)");

        long row = 0;
        using (var times = Open(connection, $"SELECT {Quote(options.TimeColumn)} FROM {source}"))
        {
            while (Next(times) is { } batch)
            {
                using (batch)
                {
                    var column = batch.Column(0);
                    for (var i = 0; i < batch.Length; i++)
                    {
                        row++;
                        if (!ArrowTime.TryRead(column, i, options.TimeFormat, out var micros, out var problem))
                            throw ImportException.BadRequest($"failed to parse time column \"{options.TimeColumn}\": row {row}: {problem}");
                        summary.AddTime(micros);
                    }
                }
            }
        }
        if (row == 0) throw ImportException.BadRequest("file contains no rows");
        summary.Measurements.Add(options.Measurement);
        return (summary, timeIndex);
    }

    private void Write(DuckDbConnection connection, string source, ParquetImportOptions options, int timeIndex, Action<long>? progress)
    {
        using var result = Open(connection, $"SELECT * FROM {source}");
        var fields = result.Schema.FieldsList;
        var valueIndexes = Enumerable.Range(0, fields.Count).Where(c => c != timeIndex).ToArray();
        var chunk = new ColumnChunk(valueIndexes.Select(c => fields[c].Name).ToArray());
        long written = 0;
        while (Next(result) is { } batch)
        {
            using (batch)
            {
                var time = batch.Column(timeIndex);
                for (var row = 0; row < batch.Length; row++)
                {
                    ArrowTime.TryRead(time, row, options.TimeFormat, out var micros, out _);
                    chunk.AddTime(micros);
                    for (var v = 0; v < valueIndexes.Length; v++)
                    {
                        var writer = new MessagePackWriter(chunk.Values[v]);
                        ArrowBodyEncoder.WriteValue(ref writer, batch.Column(valueIndexes[v]), row);
                        writer.Flush();
                    }
                    if (chunk.Rows == RowsPerBody)
                    {
                        written += submitter.Submit(options.Database, chunk, options.Tags, options.Measurement);
                        progress?.Invoke(written);
                    }
                }
            }
        }
        written += submitter.Submit(options.Database, chunk, options.Tags, options.Measurement);
        progress?.Invoke(written);
    }

    private static ArrowResult Open(DuckDbConnection connection, string sql)
    {
        try
        {
            return connection.Stream(sql);
        }
        catch (DuckDbException ex)
        {
            throw new ImportException(ImportFailure.Unreadable, $"failed to read parquet file: {ex.Message}");
        }
    }

    private static RecordBatch? Next(ArrowResult result)
    {
        try
        {
            return result.Next();
        }
        catch (DuckDbException ex)
        {
            throw new ImportException(ImportFailure.Unreadable, $"failed to read parquet file: {ex.Message}");
        }
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";
}
