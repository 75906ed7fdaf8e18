using System.Buffers;
using Arcd.Ingest.Columnar;

namespace Arcd.Ingest.Parquet;

/// <summary>A value column of a file's schema (the REQUIRED <c>time</c> column comes first and is implied).</summary>
public readonly record struct ParquetColumn(string Name, ColumnKind Kind);

/// <summary>
/// arcd's own Parquet encoder for its fixed column types: <c>time</c> REQUIRED INT64
/// TIMESTAMP(MICROS, UTC); value columns OPTIONAL INT64, DOUBLE, BOOLEAN, or BYTE_ARRAY UTF8 with
/// a dictionary page, INT64 and DOUBLE with one while their distinct values are few (Arc's writer does the same); otherwise PLAIN data pages (v1) with RLE definition levels; min/max/null-count
/// statistics on every chunk; snappy, zstd or no compression; one or more row groups, each sorted
/// by time. Parquet.Net 6.1 was the first writer, and it wrote the statistics of TIMESTAMP(MICROS)
/// columns in milliseconds, which made DuckDB sort and prune wrongly, so the format is ours;
/// Parquet.Net and DuckDB stay as the readers in tests. The pieces: <see cref="ValueChunks"/>, <see cref="NumberChunks"/> and
/// <see cref="StringChunks"/> (encodings per type), <see cref="PageWriter"/> (pages),
/// <see cref="FooterWriter"/> (the Thrift footer), <see cref="ParquetFormat"/> (the numbers).
/// </summary>
public sealed class ParquetFileWriter : IDisposable
{
    private readonly PageWriter _writer;
    private readonly NumberDictionary _numbers = new();
    private readonly IReadOnlyList<ParquetColumn> _schema;
    private readonly List<RowGroupInfo> _rowGroups = [];
    private bool _finished;

    public ParquetFileWriter(Stream output, IReadOnlyList<ParquetColumn> schema, ParquetSettings settings)
    {
        _schema = schema;
        _writer = new PageWriter(output, new PageCompressor(settings.Compression, settings.ZstdLevel));
        _writer.WriteRaw(ParquetFormat.Magic);
    }

    public int RowGroupCount => _rowGroups.Count;

    /// <summary>Bytes written so far (pages of the finished row groups).</summary>
    public long BytesWritten => _writer.Offset;

    /// <summary>
    /// Rows [start, start + rows) of <paramref name="order"/> as one row group; <paramref name="columns"/>
    /// are in schema order (same names and kinds) and are read through the order's permutation.
    /// </summary>
    public void WriteRowGroup(TimeOrder order, int start, int rows, IReadOnlyList<Column> columns)
    {
        if (columns.Count != _schema.Count) throw new ArgumentException($"{columns.Count} columns for a schema of {_schema.Count}", nameof(columns));
        var chunks = new List<ChunkInfo>(columns.Count + 1) { ValueChunks.WriteTime(_writer, order.SortedTimes.Slice(start, rows)) };
        var levels = ArrayPool<int>.Shared.Rent(Math.Max(rows, 1));
        try
        {
            for (var c = 0; c < columns.Count; c++)
            {
                var column = columns[c];
                if (column.Kind != _schema[c].Kind || column.Name != _schema[c].Name)
                    throw new ArgumentException($"column {c} is {column.Name} {column.Kind}, the schema says {_schema[c].Name} {_schema[c].Kind}", nameof(columns));
                var nulls = DefinitionLevels.Fill(column, order, start, rows, levels);
                chunks.Add(column.Kind switch
                {
                    ColumnKind.Int64 or ColumnKind.Float64 => NumberChunks.Write(_writer, _numbers, column, order, start, rows, levels, nulls),
                    ColumnKind.Boolean => ValueChunks.WriteBoolean(_writer, column, order, start, rows, levels, nulls),
                    _ => StringChunks.Write(_writer, column, order, start, rows, levels, nulls),
                });
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(levels);
        }
        _rowGroups.Add(new RowGroupInfo(rows, chunks));
    }

    /// <summary>Writes the footer; the file is complete once this returns.</summary>
    public void Finish(IReadOnlyList<KeyValuePair<string, string>>? keyValueMetadata)
    {
        if (_finished) throw new InvalidOperationException("the file is already finished");
        _finished = true;
        // A file with no rows still has one (empty) row group, so readers see its schema with its types.
        if (_rowGroups.Count == 0) _rowGroups.Add(new RowGroupInfo(0, EmptyChunks()));
        FooterWriter.Write(_writer, _schema, _rowGroups, keyValueMetadata);
    }

    public void Dispose()
    {
        _writer.Dispose();
        _numbers.Dispose();
    }

    /// <summary>Rows [start, end) of a time-ordered buffer as one file with one row group, with Arc's <c>arc:tags</c> when the buffer has tags.</summary>
    public static void Write(Stream output, MeasurementBuffer buffer, TimeOrder order, int start, int end, ParquetSettings settings)
    {
        // Arc records which columns are tags, so its compaction can deduplicate on (tags, time).
        IReadOnlyList<KeyValuePair<string, string>>? metadata = buffer.TagNames.Count == 0
            ? null
            : [new("arc:tags", string.Join(',', buffer.TagNames))];
        Write(output, buffer, order, start, end, settings, metadata);
    }

    public static void Write(Stream output, MeasurementBuffer buffer, TimeOrder order, int start, int end, ParquetSettings settings,
        IReadOnlyList<KeyValuePair<string, string>>? keyValueMetadata)
    {
        var schema = new ParquetColumn[buffer.Columns.Count];
        for (var c = 0; c < schema.Length; c++) schema[c] = new ParquetColumn(buffer.Columns[c].Name, buffer.Columns[c].Kind);
        using var file = new ParquetFileWriter(output, schema, settings);
        file.WriteRowGroup(order, start, end - start, buffer.Columns);
        file.Finish(keyValueMetadata);
    }

    private List<ChunkInfo> EmptyChunks()
    {
        using var none = TimeOrder.Compute([]);
        var chunks = new List<ChunkInfo> { ValueChunks.WriteTime(_writer, []) };
        foreach (var column in _schema)
        {
            using var empty = new Column(column.Name, column.Kind, 0);
            var levels = new int[1];
            chunks.Add(column.Kind switch
            {
                ColumnKind.Int64 or ColumnKind.Float64 => NumberChunks.Write(_writer, _numbers, empty, none, 0, 0, levels, 0),
                ColumnKind.Boolean => ValueChunks.WriteBoolean(_writer, empty, none, 0, 0, levels, 0),
                _ => StringChunks.Write(_writer, empty, none, 0, 0, levels, 0),
            });
        }
        return chunks;
    }
}
