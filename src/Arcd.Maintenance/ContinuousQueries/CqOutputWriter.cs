using System.Buffers;
using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Types;
using Arcd.Ingest.Buffers;
using Arcd.Ingest.Catalog;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Shards;
using Arcd.Ingest.Wal;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;
using Arcd.Query.Engine;
using MessagePack;

namespace Arcd.Maintenance.ContinuousQueries;

/// <summary>A run's output broke a rule (a row outside its window, a type arcd cannot store): the run fails with this message.</summary>
public sealed class CqOutputException(string message) : Exception(message);

/// <summary>
/// Streams a continuous query's result into the destination through the normal ingest path, one
/// result chunk at a time: each chunk becomes one tagged-columnar body (Wal/FORMAT.md, format 3),
/// decoded by the same decoder replay uses, admitted by the column catalog, logged in the WAL and
/// buffered like a request. Memory is one chunk. Every row must fall inside the window, so a
/// re-run can replace the window's output by deleting that time range.
/// </summary>
public sealed class CqOutputWriter(IngestEngine engine, ColumnCatalog catalog, TimeSpan submitTimeout)
{
    private const string TimeColumn = ColumnBatch.TimeColumnName;

    /// <summary>Writes every row of <paramref name="result"/>; returns the rows written.</summary>
    public long Write(ArrowResult result, string database, string measurement, IReadOnlyList<string> tagColumns, DateTime windowStart, DateTime windowEnd)
    {
        var startMicros = Micros(windowStart);
        var endMicros = Micros(windowEnd);
        var fields = result.Schema.FieldsList.ToList();
        var timeIndex = fields.FindIndex(f => string.Equals(f.Name, TimeColumn, StringComparison.OrdinalIgnoreCase));
        for (var i = 0; i < fields.Count; i++)
        {
            if (i == timeIndex) continue;
            if (!NameRules.IsValidColumnName(fields[i].Name))
                throw new CqOutputException($"result column '{fields[i].Name}' cannot be stored: {(fields[i].Name.Length == 0 ? "it has no name" : "names starting with '_' are reserved")}; alias it (AS name)");
            if (Kind(fields[i].DataType) is null)
                throw new CqOutputException($"result column '{fields[i].Name}' has type {fields[i].DataType.Name}, which arcd does not store outside 'time'; cast it (to BIGINT, DOUBLE or VARCHAR)");
        }
        if (fields.Count - (timeIndex >= 0 ? 1 : 0) == 0)
            throw new CqOutputException("the result has no columns besides time: nothing to store");
        var tags = tagColumns.Where(t => fields.Any(f => f.Name == t)).ToArray();

        long rows = 0;
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        while (result.Next() is { } batch)
        {
            using (batch)
            {
                if (batch.Length == 0) continue;
                buffer.ResetWrittenCount();
                Encode(buffer, batch, fields, timeIndex, tags, measurement, startMicros, endMicros);
                Submit(database, buffer.WrittenSpan);
                rows += batch.Length;
            }
        }
        return rows;
    }

    private static void Encode(ArrayBufferWriter<byte> buffer, RecordBatch batch, List<Field> fields, int timeIndex, string[] tags,
        string measurement, long startMicros, long endMicros)
    {
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.WriteArrayHeader(tags.Length);
        foreach (var tag in tags) writer.Write(tag);
        writer.WriteMapHeader(2);
        writer.Write("m");
        writer.Write(measurement);
        writer.Write("columns");
        writer.WriteMapHeader(fields.Count + (timeIndex < 0 ? 1 : 0));
        writer.Write(TimeColumn);
        writer.WriteArrayHeader(batch.Length);
        var time = timeIndex >= 0 ? batch.Column(timeIndex) : null;
        for (var row = 0; row < batch.Length; row++)
        {
            var micros = time is null ? startMicros : TimeMicros(time, row);
            if (micros < startMicros || micros >= endMicros)
                throw new CqOutputException($"a result row has time {Format(micros)}, outside the window [{Format(startMicros)}, {Format(endMicros)}): " +
                    "a continuous query's rows must fall inside its window (bucket by the interval or a divisor of it), so a re-run can replace them");
            writer.Write(micros);
        }
        for (var c = 0; c < fields.Count; c++)
        {
            if (c == timeIndex) continue;
            writer.Write(fields[c].Name);
            var column = batch.Column(c);
            writer.WriteArrayHeader(batch.Length);
            for (var row = 0; row < batch.Length; row++) WriteValue(ref writer, column, row);
        }
        writer.Flush();
    }

    private void Submit(string database, ReadOnlySpan<byte> bytes)
    {
        var now = TimeUnits.NowMicros();
        var body = new PooledBuffer(bytes.Length);
        body.Write(bytes);
        try
        {
            if (!BodyDecoder.TryDecode(BodyFormat.TaggedColumnar, body.Memory, TimePrecision.Microseconds, now, DecodeLimits.Default, out var write, out var error))
                throw new CqOutputException($"the result could not be encoded for ingest: {error.Message}");
            using (write)
            {
                if (!catalog.TryAdmit(database, write!.Batches, out var conflict, out _))
                    throw new CqOutputException(conflict!);
                var logged = engine.WalMode != WalMode.Off ? new WalBody(body, BodyFormat.TaggedColumnar, (byte)TimePrecision.Microseconds, now) : null;
                var batches = write.Detach();
                var deadline = DateTime.UtcNow + submitTimeout;
                while (true)
                {
                    var status = engine.TrySubmit(database, batches, logged, out var appended);
                    if (status == SubmitStatus.Accepted)
                    {
                        if (logged is not null) body = null; // the engine owns it now
                        appended.GetAwaiter().GetResult();
                        return;
                    }
                    if (status is SubmitStatus.Stopping or SubmitStatus.Replaying || DateTime.UtcNow > deadline)
                    {
                        foreach (var batch in batches) batch.Dispose();
                        throw new CqOutputException(status is SubmitStatus.Stopping or SubmitStatus.Replaying
                            ? $"the ingest engine is not taking writes ({status})"
                            : $"the ingest engine stayed full for {submitTimeout.TotalSeconds:F0} s ({status})");
                    }
                    // Memory budget or queue full: ingest comes first; wait for its flushes.
                    Thread.Sleep(20);
                }
            }
        }
        finally
        {
            body?.Dispose();
        }
    }

    /// <summary>How a value column is written: null when arcd has no column kind for the type.</summary>
    private static ColumnKind? Kind(IArrowType type) => type.TypeId switch
    {
        ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64 or ArrowTypeId.UInt8 or ArrowTypeId.UInt16
            or ArrowTypeId.UInt32 or ArrowTypeId.UInt64 => ColumnKind.Int64,
        ArrowTypeId.HalfFloat or ArrowTypeId.Float or ArrowTypeId.Double => ColumnKind.Float64,
        ArrowTypeId.Decimal128 or ArrowTypeId.Decimal256 => Scale(type) == 0 ? ColumnKind.Int64 : ColumnKind.Float64,
        ArrowTypeId.Boolean => ColumnKind.Boolean,
        ArrowTypeId.String or ArrowTypeId.LargeString or ArrowTypeId.StringView => ColumnKind.String,
        _ => null,
    };

    private static void WriteValue(ref MessagePackWriter writer, IArrowArray column, int row)
    {
        if (column.IsNull(row))
        {
            writer.WriteNil();
            return;
        }
        switch (column)
        {
            case Int8Array a: writer.Write((long)a.GetValue(row)!.Value); break;
            case Int16Array a: writer.Write((long)a.GetValue(row)!.Value); break;
            case Int32Array a: writer.Write((long)a.GetValue(row)!.Value); break;
            case Int64Array a: writer.Write(a.GetValue(row)!.Value); break;
            case UInt8Array a: writer.Write((long)a.GetValue(row)!.Value); break;
            case UInt16Array a: writer.Write((long)a.GetValue(row)!.Value); break;
            case UInt32Array a: writer.Write((long)a.GetValue(row)!.Value); break;
            case UInt64Array a:
                var unsigned = a.GetValue(row)!.Value;
                if (unsigned > long.MaxValue) throw new CqOutputException($"value {unsigned} does not fit a 64-bit integer column; cast it to DOUBLE");
                writer.Write((long)unsigned);
                break;
            case HalfFloatArray a: writer.Write((double)a.GetValue(row)!.Value); break;
            case FloatArray a: writer.Write((double)a.GetValue(row)!.Value); break;
            case DoubleArray a: writer.Write(a.GetValue(row)!.Value); break;
            case Decimal128Array a: WriteDecimal(ref writer, a.GetString(row)!, Scale(a.Data.DataType) == 0); break;
            case Decimal256Array a: WriteDecimal(ref writer, a.GetString(row)!, Scale(a.Data.DataType) == 0); break;
            case BooleanArray a: writer.Write(a.GetValue(row)!.Value); break;
            case StringArray a: writer.Write(a.GetString(row)); break;
            case LargeStringArray a: writer.Write(a.GetString(row)); break;
            case StringViewArray a: writer.Write(a.GetString(row)); break;
            default: throw new CqOutputException($"values of type {column.Data.DataType.Name} cannot be stored");
        }
    }

    private static int Scale(IArrowType type) => type switch
    {
        Decimal128Type d => d.Scale,
        Decimal256Type d => d.Scale,
        _ => 0,
    };

    private static void WriteDecimal(ref MessagePackWriter writer, string text, bool integral)
    {
        if (integral)
        {
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                throw new CqOutputException($"value {text} does not fit a 64-bit integer column; cast it to DOUBLE");
            writer.Write(value);
        }
        else
        {
            writer.Write(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }

    private static long TimeMicros(IArrowArray column, int row)
    {
        if (column.IsNull(row)) throw new CqOutputException("a result row has a NULL time");
        switch (column)
        {
            case TimestampArray t:
                var value = t.GetValue(row)!.Value;
                return ((TimestampType)t.Data.DataType).Unit switch
                {
                    Apache.Arrow.Types.TimeUnit.Second => value * 1_000_000,
                    Apache.Arrow.Types.TimeUnit.Millisecond => value * 1_000,
                    Apache.Arrow.Types.TimeUnit.Microsecond => value,
                    _ => Math.DivRem(value, 1_000) is var (q, r) && r < 0 ? q - 1 : q,
                };
            case Int64Array a: return a.GetValue(row)!.Value;
            case Date32Array d: return d.GetValue(row)!.Value * 86_400_000_000L;
            case StringArray s:
                if (DateTimeOffset.TryParse(s.GetString(row), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                    return Micros(parsed.UtcDateTime);
                throw new CqOutputException($"time value '{s.GetString(row)}' is not an RFC 3339 timestamp");
            default:
                throw new CqOutputException($"the time column has type {column.Data.DataType.Name}; return a TIMESTAMP");
        }
    }

    private static long Micros(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static string Format(long micros) => DateTime.UnixEpoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);
}
