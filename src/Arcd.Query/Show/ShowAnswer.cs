using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Arcd.Query.Sql;
using Arcd.Query.Storage;
using MessagePack;

namespace Arcd.Query.Show;

/// <summary>
/// The answer to <c>SHOW DATABASES</c> or <c>SHOW TABLES|MEASUREMENTS [FROM db]</c>, read from the
/// data root, in the three shapes of the query paths: Arc's JSON envelope, an Arrow IPC stream and
/// Arc's msgpack map. Columns and types are Arc's: <c>database</c> (utf8); or <c>database</c>,
/// <c>table_name</c>, <c>storage_path</c> (utf8), <c>file_count</c> (int64), <c>total_size_mb</c> (float64).
/// </summary>
public sealed class ShowAnswer
{
    private readonly List<string> _databases = [];
    private readonly List<MeasurementInfo> _tables = [];

    public ShowKind Kind { get; }

    private ShowAnswer(ShowKind kind) => Kind = kind;

    public int RowCount => Kind == ShowKind.Databases ? _databases.Count : _tables.Count;

    public string[] Columns => Kind == ShowKind.Databases ? ["database"] : ["database", "table_name", "storage_path", "file_count", "total_size_mb"];

    public string[] Types => Kind == ShowKind.Databases ? ["utf8"] : ["utf8", "utf8", "utf8", "int64", "float64"];

    /// <summary>Lists what <paramref name="show"/> asks for; <paramref name="headerDatabase"/> (x-arc-database) scopes SHOW TABLES without FROM.</summary>
    public static ShowAnswer From(ShowStatement show, DataRoot root, string? headerDatabase)
    {
        var answer = new ShowAnswer(show.Kind);
        if (show.Kind == ShowKind.Databases)
        {
            answer._databases.AddRange(root.Databases());
            return answer;
        }
        var database = show.Database ?? headerDatabase;
        foreach (var db in database is null ? root.Databases() : [database])
            answer._tables.AddRange(root.Measurements(db).Select(m => root.Describe(db, m)));
        return answer;
    }

    /// <summary>The envelope's <c>columns</c> and row-major <c>data</c>.</summary>
    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartArray("columns");
        foreach (var column in Columns) json.WriteStringValue(column);
        json.WriteEndArray();
        json.WriteStartArray("data");
        if (Kind == ShowKind.Databases)
        {
            foreach (var db in _databases)
            {
                json.WriteStartArray();
                json.WriteStringValue(db);
                json.WriteEndArray();
            }
        }
        else
        {
            foreach (var m in _tables)
            {
                json.WriteStartArray();
                json.WriteStringValue(m.Database);
                json.WriteStringValue(m.Measurement);
                json.WriteStringValue(m.StoragePath);
                json.WriteNumberValue(m.FileCount);
                json.WriteNumberValue(Megabytes(m.TotalBytes));
                json.WriteEndArray();
            }
        }
        json.WriteEndArray();
    }

    /// <summary>An Arrow IPC stream: one batch (none when empty) under the schema of <see cref="Columns"/>.</summary>
    public byte[] ToArrowStream()
    {
        RecordBatch batch;
        if (Kind == ShowKind.Databases)
        {
            batch = new RecordBatch.Builder().Append("database", false, new StringArray.Builder().AppendRange(_databases).Build()).Build();
        }
        else
        {
            batch = new RecordBatch.Builder()
                .Append("database", false, new StringArray.Builder().AppendRange(_tables.Select(t => t.Database)).Build())
                .Append("table_name", false, new StringArray.Builder().AppendRange(_tables.Select(t => t.Measurement)).Build())
                .Append("storage_path", false, new StringArray.Builder().AppendRange(_tables.Select(t => t.StoragePath)).Build())
                .Append("file_count", false, new Int64Array.Builder().AppendRange(_tables.Select(t => (long)t.FileCount)).Build())
                .Append("total_size_mb", false, new DoubleArray.Builder().AppendRange(_tables.Select(t => Megabytes(t.TotalBytes))).Build())
                .Build();
        }
        using (batch)
        using (var stream = new MemoryStream())
        {
            using (var writer = new ArrowStreamWriter(stream, batch.Schema, leaveOpen: true))
            {
                writer.WriteStart();
                if (batch.Length > 0) writer.WriteRecordBatch(batch);
                writer.WriteEnd();
            }
            return stream.ToArray();
        }
    }

    /// <summary>Arc's 7-key msgpack map, <c>data</c> column-major.</summary>
    public void WriteMsgPack(ref MessagePackWriter writer, ulong executionMs, string timestamp)
    {
        writer.WriteMapHeader(7);
        writer.Write("success");
        writer.Write(true);
        writer.Write("columns");
        WriteStrings(ref writer, Columns);
        writer.Write("types");
        WriteStrings(ref writer, Types);
        writer.Write("data");
        if (Kind == ShowKind.Databases)
        {
            writer.WriteArrayHeader(1);
            WriteStrings(ref writer, _databases);
        }
        else
        {
            writer.WriteArrayHeader(5);
            WriteStrings(ref writer, _tables.Select(t => t.Database).ToList());
            WriteStrings(ref writer, _tables.Select(t => t.Measurement).ToList());
            WriteStrings(ref writer, _tables.Select(t => t.StoragePath).ToList());
            writer.WriteArrayHeader(_tables.Count);
            foreach (var t in _tables) Output.MsgPackValues.WriteInt64Block(ref writer, t.FileCount);
            writer.WriteArrayHeader(_tables.Count);
            foreach (var t in _tables) writer.Write(Megabytes(t.TotalBytes));
        }
        writer.Write("row_count");
        writer.Write((ulong)RowCount);
        writer.Write("execution_time_ms");
        writer.Write(executionMs);
        writer.Write("timestamp");
        writer.Write(timestamp);
    }

    private static void WriteStrings(ref MessagePackWriter writer, IReadOnlyList<string> values)
    {
        writer.WriteArrayHeader(values.Count);
        foreach (var value in values) writer.Write(value);
    }

    private static double Megabytes(long bytes) => Math.Round(bytes / (1024.0 * 1024.0), 2);
}
