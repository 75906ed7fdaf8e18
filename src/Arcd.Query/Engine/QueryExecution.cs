using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Arcd.Query.Output;
using Arcd.Query.Sql;

namespace Arcd.Query.Engine;

/// <summary>What the envelope's tail and the logs report about a finished query.</summary>
public sealed record QueryOutcome(long Rows, long Bytes);

/// <summary>Options of one request that shape its output.</summary>
public sealed record OutputOptions(long StartTimestamp, bool Profile, ICompressionCodecFactory? ArrowCompression = null, CompressionCodecType? ArrowCodec = null,
    bool ArrowDictionary = false);

/// <summary>
/// Runs a planned statement on a query thread and streams its Arrow batches as Arc's JSON
/// envelope or as an Arrow IPC stream, under the timeout and the row and byte caps.
/// </summary>
public static class QueryExecution
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static QueryOutcome Json(DuckDbConnection connection, QueryPlan plan, QuerySettings settings, OutputOptions options, ChunkedOutput output, CancellationToken clientGone)
    {
        using var json = new Utf8JsonWriter(output, WriterOptions);
        json.WriteStartObject();
        json.WriteBoolean("success", true);
        long rows = 0;
        var planningMs = Stopwatch.GetElapsedTime(options.StartTimestamp).TotalMilliseconds;
        if (plan.HasNoFiles)
        {
            json.WriteStartArray("columns");
            json.WriteEndArray();
            json.WriteStartArray("data");
            json.WriteEndArray();
        }
        else
        {
            Execute(connection, plan.Sql, settings, clientGone, stream =>
            {
                if (JsonValues.Unsupported(stream.Schema) is { } unsupported) throw new QueryRejectedException(unsupported);
                json.WriteStartArray("columns");
                foreach (var field in stream.Schema.FieldsList) json.WriteStringValue(field.Name);
                json.WriteEndArray();
                json.WriteStartArray("data");
                while (stream.Next() is { } batch)
                {
                    using (batch)
                    {
                        rows += batch.Length;
                        CheckCaps(rows, output.TotalBytes, settings);
                        var columns = batch.Arrays.ToArray();
                        for (var r = 0; r < batch.Length; r++)
                        {
                            json.WriteStartArray();
                            foreach (var column in columns) JsonValues.Write(json, column, r);
                            json.WriteEndArray();
                        }
                    }
                    json.Flush();
                    output.FlushIfFull();
                }
                json.WriteEndArray();
            });
        }
        json.WriteNumber("row_count", rows);
        var elapsed = Stopwatch.GetElapsedTime(options.StartTimestamp).TotalMilliseconds;
        json.WriteNumber("execution_time_ms", Math.Round(elapsed));
        json.WriteString("timestamp", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        if (options.Profile)
        {
            json.WriteStartObject("profile");
            json.WriteNumber("planning_ms", Math.Round(planningMs, 3));
            json.WriteNumber("execution_ms", Math.Round(elapsed - planningMs, 3));
            json.WriteNumber("hour_partitions", plan.HourPartitions);
            if (plan.FilesScanned is { } files) json.WriteNumber("files_scanned", files);
            if (plan.ObjectGets is { } gets) json.WriteNumber("object_gets", gets);
            json.WriteStartArray("tables");
            foreach (var table in plan.Tables) json.WriteStringValue(table);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.Flush();
        output.Complete();
        return new QueryOutcome(rows, output.TotalBytes);
    }

    public static QueryOutcome Arrow(DuckDbConnection connection, QueryPlan plan, QuerySettings settings, OutputOptions options, ChunkedOutput output, CancellationToken clientGone)
    {
        long rows = 0;
        using var stream = new ChunkedOutputStream(output);
        var ipc = new IpcOptions { CompressionCodecFactory = options.ArrowCompression, CompressionCodec = options.ArrowCodec };
        if (plan.HasNoFiles)
        {
            using var empty = new ArrowStreamWriter(stream, new Schema.Builder().Build(), leaveOpen: true, ipc);
            empty.WriteStart();
            empty.WriteEnd();
        }
        else
        {
            Execute(connection, plan.Sql, settings, clientGone, results =>
            {
                ArrowStreamWriter? writer = null;
                ArrowDictionaryEncoder? dictionary = null;
                var wroteBatch = false;
                try
                {
                    while (results.Next() is { } batch)
                    {
                        using (batch)
                        {
                            rows += batch.Length;
                            CheckCaps(rows, output.TotalBytes, settings);
                            if (writer is null)
                            {
                                if (options.ArrowDictionary) dictionary = ArrowDictionaryEncoder.For(batch);
                                writer = new ArrowStreamWriter(stream, dictionary?.Schema ?? results.Schema, leaveOpen: true, ipc);
                                writer.WriteStart();
                            }
                            if (dictionary is null)
                            {
                                writer.WriteRecordBatch(batch);
                            }
                            else
                            {
                                var encoded = dictionary.Encode(batch, out var grew);
                                // Apache.Arrow's writer sends dictionaries once; a grown one goes out as a replacement from a writer that continues the stream.
                                if (grew && wroteBatch)
                                {
                                    writer.Dispose();
                                    writer = new ContinuingStreamWriter(stream, dictionary.Schema, ipc);
                                }
                                writer.WriteRecordBatch(encoded);
                            }
                            wroteBatch = true;
                        }
                        output.FlushIfFull();
                    }
                    if (writer is null)
                    {
                        writer = new ArrowStreamWriter(stream, results.Schema, leaveOpen: true, ipc);
                        writer.WriteStart();
                    }
                    writer.WriteEnd();
                }
                finally
                {
                    writer?.Dispose();
                }
            });
        }
        output.Complete();
        return new QueryOutcome(rows, output.TotalBytes);
    }

    /// <summary>
    /// Arc's msgpack answer: one map whose <c>data</c> is column-major. Column-major needs the row
    /// count before the first value, so the batches are held (under the row and byte caps) and then
    /// written column by column.
    /// </summary>
    public static QueryOutcome MsgPack(DuckDbConnection connection, QueryPlan plan, QuerySettings settings, OutputOptions options, ChunkedOutput output, CancellationToken clientGone)
    {
        long rows = 0;
        var planningMs = Stopwatch.GetElapsedTime(options.StartTimestamp).TotalMilliseconds;
        if (plan.HasNoFiles)
        {
            WriteMsgPackMap(output, [], [], 0, options, plan, planningMs);
        }
        else
        {
            Execute(connection, plan.Sql, settings, clientGone, results =>
            {
                var batches = new List<RecordBatch>();
                try
                {
                    long held = 0;
                    while (results.Next() is { } batch)
                    {
                        batches.Add(batch);
                        rows += batch.Length;
                        held += batch.Arrays.Sum(a => a.Data.Buffers.Sum(b => (long)b.Length));
                        CheckCaps(rows, held, settings);
                    }
                    WriteMsgPackMap(output, results.Schema.FieldsList, batches, rows, options, plan, planningMs, settings);
                }
                finally
                {
                    foreach (var batch in batches) batch.Dispose();
                }
            });
        }
        output.Complete();
        return new QueryOutcome(rows, output.TotalBytes);
    }

    private static void WriteMsgPackMap(ChunkedOutput output, IReadOnlyList<Field> fields, List<RecordBatch> batches,
        long rows, OutputOptions options, QueryPlan plan, double planningMs, QuerySettings? settings = null)
    {
        var writer = new MessagePack.MessagePackWriter(output);
        writer.WriteMapHeader(options.Profile ? 8 : 7);
        writer.Write("success");
        writer.Write(true);
        writer.Write("columns");
        writer.WriteArrayHeader(fields.Count);
        foreach (var field in fields) writer.Write(field.Name);
        writer.Write("types");
        writer.WriteArrayHeader(fields.Count);
        foreach (var field in fields) writer.Write(MsgPackValues.TypeName(field.DataType));
        writer.Write("data");
        writer.WriteArrayHeader(fields.Count);
        for (var c = 0; c < fields.Count; c++)
        {
            writer.WriteArrayHeader((int)rows);
            foreach (var batch in batches)
            {
                var column = batch.Column(c);
                for (var r = 0; r < batch.Length; r++) MsgPackValues.Write(ref writer, column, r);
                writer.Flush();
                if (settings is not null) CheckCaps(rows, output.TotalBytes, settings);
                output.FlushIfFull();
            }
        }
        writer.Write("row_count");
        writer.Write((ulong)rows);
        var elapsed = Stopwatch.GetElapsedTime(options.StartTimestamp).TotalMilliseconds;
        writer.Write("execution_time_ms");
        writer.Write((ulong)elapsed);
        writer.Write("timestamp");
        writer.Write(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        if (options.Profile)
        {
            writer.Write("profile");
            writer.WriteMapHeader(4 + (plan.FilesScanned is null ? 0 : 1) + (plan.ObjectGets is null ? 0 : 1));
            writer.Write("planning_ms");
            writer.Write(Math.Round(planningMs, 3));
            writer.Write("execution_ms");
            writer.Write(Math.Round(elapsed - planningMs, 3));
            writer.Write("hour_partitions");
            writer.Write(plan.HourPartitions);
            if (plan.FilesScanned is { } files)
            {
                writer.Write("files_scanned");
                writer.Write(files);
            }
            if (plan.ObjectGets is { } gets)
            {
                writer.Write("object_gets");
                writer.Write(gets);
            }
            writer.Write("tables");
            writer.WriteArrayHeader(plan.Tables.Count);
            foreach (var table in plan.Tables) writer.Write(table);
        }
        writer.Flush();
    }

    /// <summary>The planner's estimate of the rows a statement returns (EXPLAIN), without running it.</summary>
    public static long Estimate(DuckDbConnection connection, QueryPlan plan, QuerySettings settings, CancellationToken clientGone)
    {
        if (plan.HasNoFiles) return 0;
        long estimate = 0;
        Execute(connection, "EXPLAIN (FORMAT JSON) " + plan.Sql, settings, clientGone, results =>
        {
            var text = new System.Text.StringBuilder();
            while (results.Next() is { } batch)
            {
                using (batch)
                {
                    if (batch.Arrays.ElementAt(batch.ColumnCount - 1) is StringArray plans)
                        for (var i = 0; i < batch.Length; i++) text.Append(plans.GetString(i));
                }
            }
            estimate = RootCardinality(text.ToString());
        });
        return estimate;
    }

    private static long RootCardinality(string planJson)
    {
        using var document = JsonDocument.Parse(planJson);
        var root = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement[0] : document.RootElement;
        // The first operator that carries an estimate: the top of the plan.
        return FindCardinality(root) ?? 0;
    }

    private static long? FindCardinality(JsonElement node)
    {
        if (node.ValueKind != JsonValueKind.Object) return null;
        if (node.TryGetProperty("extra_info", out var info) && info.ValueKind == JsonValueKind.Object
            && info.TryGetProperty("Estimated Cardinality", out var cardinality)
            && long.TryParse(cardinality.ValueKind == JsonValueKind.String ? cardinality.GetString() : cardinality.GetRawText(),
                System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value))
            return value;
        if (node.TryGetProperty("children", out var children) && children.ValueKind == JsonValueKind.Array)
            foreach (var child in children.EnumerateArray())
                if (FindCardinality(child) is { } found) return found;
        return null;
    }

    private static void CheckCaps(long rows, long bytes, QuerySettings settings)
    {
        if (rows > settings.MaxRows)
            throw new ResultTooLargeException($"the result has more than {settings.MaxRows} rows (Query:MaxRows); add a LIMIT or aggregate");
        if (bytes > settings.MaxResultBytes)
            throw new ResultTooLargeException($"the result is larger than {settings.MaxResultBytes} bytes (Query:MaxResultBytes); add a LIMIT or select fewer columns");
    }

    /// <summary>Runs <paramref name="sql"/> streaming, interrupting it at the timeout or when the client goes.</summary>
    private static void Execute(DuckDbConnection connection, string sql, QuerySettings settings, CancellationToken clientGone, Action<ArrowResult> consume)
    {
        var timedOut = 0;
        var timer = new Timer(_ => { Volatile.Write(ref timedOut, 1); connection.Interrupt(); }, null, settings.Timeout, Timeout.InfiniteTimeSpan);
        var registration = clientGone.Register(connection.Interrupt);
        try
        {
            using var results = connection.Stream(sql);
            consume(results);
        }
        catch (Exception ex) when (ex is not (QueryRejectedException or ResultTooLargeException))
        {
            if (Volatile.Read(ref timedOut) == 1) throw new QueryTimeoutException($"Query timed out after {settings.Timeout.TotalSeconds:0.###} s (Query:Timeout)");
            if (clientGone.IsCancellationRequested) throw new OperationCanceledException("the client went away", ex, clientGone);
            if (ex is OperationCanceledException) throw;
            throw QueryFailedException.From(ex);
        }
        finally
        {
            // A late interrupt would hit the connection's next query: wait out any callback in flight.
            registration.Dispose();
            using var timerDone = new ManualResetEvent(false);
            if (timer.Dispose(timerDone)) timerDone.WaitOne();
        }
    }
}
