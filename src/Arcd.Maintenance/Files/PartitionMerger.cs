using System.Globalization;
using System.Text;
using Apache.Arrow;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Parquet;
using Arcd.Query.Engine;
using Arcd.Query.Sql;
using Column = Arcd.Ingest.Columnar.Column;

namespace Arcd.Maintenance.Files;

/// <summary>What one merge read and wrote.</summary>
public sealed record MergeResult(long RowsIn, long RowsOut, int RowGroups, bool Deduplicated, IReadOnlyList<string> Tags);

/// <summary>Inputs that cannot be merged as they are (a type arcd cannot write, no time column): the batch is skipped, nothing is touched.</summary>
public sealed class UnmergeableException(string message) : Exception(message);

/// <summary>
/// Merges Parquet files into one time-sorted file with several row groups: compaction's merge of a
/// batch, and a delete's rewrite of one file without the rows it removes. DuckDB reads the inputs
/// (union by name), filters, deduplicates and sorts within the memory limit, spilling to its temp
/// directory beyond it, and streams the rows back as Arrow; arcd's own encoder writes them a row
/// group at a time, with statistics and the inputs' key-value metadata. Memory is DuckDB's limit
/// plus one row group, however large the partition.
/// </summary>
public sealed class PartitionMerger(DuckDbConnection connection, RewriteSettings options)
{
    private const string FileColumn = "__arcd_file";
    private const string RowColumn = "__arcd_row";

    /// <summary>Applies the merge session's limits; once per connection.</summary>
    public static void Configure(DuckDbConnection connection, RewriteSettings options)
    {
        connection.Execute("SET TimeZone = 'UTC'");
        connection.Execute(string.Create(CultureInfo.InvariantCulture, $"SET memory_limit = '{options.MemoryLimitBytes}B'"));
        connection.Execute(string.Create(CultureInfo.InvariantCulture, $"SET threads = {Math.Max(1, options.Threads)}"));
        connection.Execute($"SET temp_directory = {QueryPlanner.QuoteLiteral(options.TempDirectory)}");
        connection.Execute("SET preserve_insertion_order = true");
        // Each batch reads its files' footers three times (schema, metadata, rows): read them once.
        connection.Execute("SET parquet_metadata_cache = true");
        connection.Execute("SET autoinstall_known_extensions = false");
        connection.Execute("SET autoload_known_extensions = false");
    }

    /// <summary>
    /// Writes the merge of <paramref name="inputs"/> (absolute paths, oldest written first) to
    /// <paramref name="output"/>. With deduplication, of the rows sharing tags and time the one written
    /// last survives: the later file, and within a file the later row (files are sorted stably).
    /// With <paramref name="removeWhere"/> (a predicate checked by the delete guard), the rows for which
    /// it is true are left out; rows where it is false or NULL stay.
    /// </summary>
    public MergeResult Merge(IReadOnlyList<string> inputs, Stream output, DeduplicationMode deduplication, string? removeWhere = null)
    {
        var files = "[" + string.Join(", ", inputs.Select(QueryPlanner.QuoteLiteral)) + "]";
        var schema = ReadSchema(files);
        var metadata = ReadMetadata(files);
        var tags = metadata.TryGetValue("arc:tags", out var tagLists)
            ? tagLists.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().Order(StringComparer.Ordinal).ToList()
            : [];
        var dedupTime = metadata.TryGetValue("arc:dedup_time", out var marks) && marks.Contains("true");
        var deduplicate = deduplication switch
        {
            DeduplicationMode.Always => true,
            DeduplicationMode.Never => false,
            _ => tags.Count > 0 || dedupTime,
        };
        var keyColumns = tags.Where(t => schema.Any(c => c.Name == t)).ToList();

        var select = new StringBuilder("SELECT epoch_us(\"time\"::TIMESTAMPTZ) AS \"time\"");
        foreach (var column in schema) select.Append(", ").Append(Cast(column));
        var source = $"(SELECT *, list_position({files}, {FileColumn}) AS __arcd_order FROM read_parquet({files}, union_by_name = true, hive_partitioning = false, filename = '{FileColumn}', file_row_number = true))";
        select.Append(" FROM ").Append(source);
        if (removeWhere is not null) select.Append(" WHERE (").Append(removeWhere).Append(") IS NOT TRUE");
        if (deduplicate)
        {
            select.Append(" QUALIFY row_number() OVER (PARTITION BY ");
            foreach (var key in keyColumns) select.Append(QueryPlanner.QuoteIdentifier(key)).Append(", ");
            select.Append("\"time\" ORDER BY __arcd_order DESC, file_row_number DESC) = 1");
        }
        select.Append(" ORDER BY \"time\", __arcd_order, file_row_number");

        var rowsIn = Scalar($"SELECT sum(num_rows)::BIGINT FROM parquet_file_metadata({files})");
        var kv = new List<KeyValuePair<string, string>>();
        foreach (var (key, values) in metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
            if (key != "arc:tags") kv.Add(new(key, values[^1]));
        if (tags.Count > 0) kv.Insert(0, new("arc:tags", string.Join(',', tags)));

        var parquetSchema = schema.Select(c => new ParquetColumn(c.Name, c.Kind)).ToList();
        using var writer = new ParquetFileWriter(output, parquetSchema, new ParquetSettings(ParquetCompression.Zstd, options.ZstdLevel));
        using var result = connection.Stream(select.ToString());
        var group = new RowGroupBuffer(schema, options.RowGroupRows);
        long rowsOut = 0;
        try
        {
            while (result.Next() is { } batch)
            {
                using (batch)
                {
                    var offset = 0;
                    while (offset < batch.Length)
                    {
                        var taken = group.Append(batch, offset);
                        offset += taken;
                        rowsOut += taken;
                        if (group.IsFull) group.Flush(writer);
                    }
                }
            }
            if (group.Count > 0 || writer.RowGroupCount == 0) group.Flush(writer);
        }
        finally
        {
            group.Dispose();
        }
        writer.Finish(kv);
        return new MergeResult(rowsIn, rowsOut, writer.RowGroupCount, deduplicate, tags);
    }

    private sealed record SourceColumn(string Name, ColumnKind Kind, string DuckType);

    private List<SourceColumn> ReadSchema(string files)
    {
        var columns = new List<SourceColumn>();
        var sawTime = false;
        using var result = connection.Stream($"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet({files}, union_by_name = true, hive_partitioning = false))");
        while (result.Next() is { } batch)
        {
            using (batch)
            {
                var names = (StringArray)batch.Column(0);
                var types = (StringArray)batch.Column(1);
                for (var i = 0; i < batch.Length; i++)
                {
                    var name = names.GetString(i);
                    var type = types.GetString(i);
                    if (name == ColumnBatch.TimeColumnName)
                    {
                        if (!type.StartsWith("TIMESTAMP", StringComparison.Ordinal)) throw new UnmergeableException($"column time is {type}, not a timestamp");
                        sawTime = true;
                        continue;
                    }
                    columns.Add(new SourceColumn(name, KindOf(type) ?? throw new UnmergeableException($"column {name} is {type}, which arcd does not write"), type));
                }
            }
        }
        if (!sawTime) throw new UnmergeableException("no time column");
        return columns;
    }

    private Dictionary<string, List<string>> ReadMetadata(string files)
    {
        var metadata = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using var result = connection.Stream(
            $"SELECT decode(key) AS key, decode(value) AS value, list_position({files}, file_name) AS position FROM parquet_kv_metadata({files}) ORDER BY position");
        while (result.Next() is { } batch)
        {
            using (batch)
            {
                var keys = (StringArray)batch.Column(0);
                var values = (StringArray)batch.Column(1);
                for (var i = 0; i < batch.Length; i++)
                {
                    if (keys.IsNull(i) || values.IsNull(i)) continue;
                    var key = keys.GetString(i);
                    if (!metadata.TryGetValue(key, out var list)) metadata.Add(key, list = []);
                    list.Add(values.GetString(i));
                }
            }
        }
        return metadata;
    }

    private long Scalar(string sql)
    {
        using var result = connection.Stream(sql);
        using var batch = result.Next() ?? throw new InvalidOperationException($"no row from {sql}");
        return ((Int64Array)batch.Column(0)).GetValue(0) ?? 0;
    }

    private static ColumnKind? KindOf(string duckType) => duckType switch
    {
        "BIGINT" or "INTEGER" or "SMALLINT" or "TINYINT" or "UINTEGER" or "USMALLINT" or "UTINYINT" => ColumnKind.Int64,
        "DOUBLE" or "FLOAT" => ColumnKind.Float64,
        "BOOLEAN" => ColumnKind.Boolean,
        "VARCHAR" => ColumnKind.String,
        _ => null,
    };

    private static string Cast(SourceColumn column)
    {
        var name = QueryPlanner.QuoteIdentifier(column.Name);
        var type = column.Kind switch
        {
            ColumnKind.Int64 => "BIGINT",
            ColumnKind.Float64 => "DOUBLE",
            ColumnKind.Boolean => "BOOLEAN",
            _ => "VARCHAR",
        };
        return $"{name}::{type} AS {name}";
    }

    /// <summary>One row group's worth of rows in arcd's columns, filled from Arrow batches.</summary>
    private sealed class RowGroupBuffer(List<SourceColumn> schema, int capacity) : IDisposable
    {
        private Column _time = Column.Chunked(ColumnBatch.TimeColumnName, ColumnKind.Int64, capacity);
        private List<Column> _columns = New(schema, capacity);

        public int Count => _time.Count;
        public bool IsFull => _time.Count >= capacity;

        /// <summary>Appends rows of <paramref name="batch"/> from <paramref name="offset"/> until the group is full; returns how many.</summary>
        public int Append(RecordBatch batch, int offset)
        {
            var take = Math.Min(batch.Length - offset, capacity - _time.Count);
            var times = (Int64Array)batch.Column(0);
            for (var i = offset; i < offset + take; i++) _time.AppendInt64(times.GetValue(i) ?? throw new UnmergeableException("a row has no time"));
            for (var c = 0; c < _columns.Count; c++)
            {
                var target = _columns[c];
                var array = batch.Column(c + 1);
                for (var i = offset; i < offset + take; i++)
                {
                    if (array.IsNull(i))
                    {
                        target.AppendNull();
                        continue;
                    }
                    switch (target.Kind)
                    {
                        case ColumnKind.Int64: target.AppendInt64(((Int64Array)array).GetValue(i)!.Value); break;
                        case ColumnKind.Float64: target.AppendFloat64(((DoubleArray)array).GetValue(i)!.Value); break;
                        case ColumnKind.Boolean: target.AppendBoolean(((BooleanArray)array).GetValue(i)!.Value); break;
                        default: target.AppendString(((StringArray)array).GetBytes(i)); break;
                    }
                }
            }
            return take;
        }

        public void Flush(ParquetFileWriter writer)
        {
            using var order = TimeOrder.Compute(_time);
            writer.WriteRowGroup(order, 0, _time.Count, _columns);
            Dispose();
            _time = Column.Chunked(ColumnBatch.TimeColumnName, ColumnKind.Int64, capacity);
            _columns = New(schema, capacity);
        }

        public void Dispose()
        {
            _time.Dispose();
            foreach (var column in _columns) column.Dispose();
        }

        private static List<Column> New(List<SourceColumn> schema, int capacity) =>
            schema.Select(c => Column.Chunked(c.Name, c.Kind, capacity)).ToList();
    }
}
