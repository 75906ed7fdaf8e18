using System.Buffers;
using Arcd.Ingest.Columnar;
using MessagePack;

namespace Arcd.Ingest.Wire.MessagePack;

/// <summary>
/// Decodes Arc's columnar MessagePack payload <c>{"m": name, "columns": {"col": [v0, v1, ...]}}</c>
/// (PROTOCOL.md §1.3–1.5, with Part A's stricter rules) into one <see cref="ColumnBatch"/>.
/// Pure and synchronous: bytes in, batch or a reason out. Values go straight into pooled typed
/// columns; strings stay UTF-8 bytes. Every accepted request is complete or nothing is kept.
/// </summary>
public static class ColumnarMsgPackDecoder
{
    private const string Prefix = "Invalid MessagePack payload: ";

    public static bool TryDecode(ReadOnlyMemory<byte> body, DecodeLimits limits, long nowMicros,
        out ColumnBatch? batch, out DecodeError error)
    {
        batch = null;
        if (body.IsEmpty)
        {
            error = new DecodeError(RejectReason.EmptyBody, "Empty payload");
            return false;
        }

        var reader = new MessagePackReader(body);
        ColumnBatch? decoded = null;
        try
        {
            if (TryDecodePayload(ref reader, limits, nowMicros, out decoded, out error))
            {
                if (!reader.End)
                {
                    error = Reject(RejectReason.TrailingBytes,
                        $"{reader.Consumed} bytes decoded but the body has {body.Length}: one payload map per request, with nothing after it");
                }
                else
                {
                    batch = decoded;
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or MessagePackSerializationException or OverflowException or InvalidOperationException)
        {
            error = Reject(RejectReason.Malformed, $"malformed or truncated MessagePack at byte {reader.Consumed}: {ex.Message}");
        }
        decoded?.Dispose();
        return false;
    }

    private static bool TryDecodePayload(ref MessagePackReader reader, DecodeLimits limits, long nowMicros,
        out ColumnBatch? batch, out DecodeError error)
    {
        batch = null;
        var type = reader.NextMessagePackType;
        if (type != MessagePackType.Map)
        {
            error = type == MessagePackType.Array
                ? Reject(RejectReason.UnsupportedShape, "top-level arrays are not supported: send one {\"m\": ..., \"columns\": {...}} map per request")
                : Reject(RejectReason.UnsupportedShape, $"unsupported msgpack payload type: {Describe(type)} (expected a map)");
            return false;
        }

        string? measurement = null;
        var sawColumns = false;
        batch = new ColumnBatch("");
        var entries = reader.ReadMapHeader();
        for (var i = 0; i < entries; i++)
        {
            if (reader.NextMessagePackType != MessagePackType.String)
            {
                error = Reject(RejectReason.Malformed, $"payload map key at byte {reader.Consumed} is {Describe(reader.NextMessagePackType)}, expected a string");
                return false;
            }
            var key = reader.ReadString();
            switch (key)
            {
                case "m":
                    if (!TryReadMeasurement(ref reader, out measurement, out error)) return false;
                    break;
                case "columns" when reader.NextMessagePackType == MessagePackType.Map:
                    if (sawColumns)
                    {
                        error = Reject(RejectReason.Malformed, "the payload map has 'columns' twice");
                        return false;
                    }
                    sawColumns = true;
                    if (!TryReadColumns(ref reader, batch, limits, nowMicros, out error)) return false;
                    break;
                case "batch" or "fields" or "f":
                    error = Reject(RejectReason.UnsupportedShape, $"the '{key}' form is not supported yet: send the columnar form {{\"m\": ..., \"columns\": {{...}}}}");
                    return false;
                default:
                    // Arc ignores other keys (t, h, tags, unknown) in columnar payloads.
                    if (!TrySkip(ref reader, limits.MaxNestingDepth, out error)) return false;
                    break;
            }
        }

        if (!sawColumns)
        {
            error = Reject(RejectReason.UnsupportedShape, "missing 'columns' map: send the columnar form {\"m\": ..., \"columns\": {...}}");
            return false;
        }
        if (measurement is null)
        {
            error = Reject(RejectReason.MissingMeasurement, "missing required field 'm' (measurement)");
            return false;
        }
        batch.Measurement = measurement;
        error = default;
        return true;
    }

    private static bool TryReadMeasurement(ref MessagePackReader reader, out string? measurement, out DecodeError error)
    {
        measurement = null;
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.String:
                measurement = reader.ReadString();
                break;
            case MessagePackType.Integer:
                measurement = "measurement_" + ReadInteger(ref reader, out _);
                break;
            default:
                error = Reject(RejectReason.InvalidMeasurementType, $"invalid measurement type: {Describe(reader.NextMessagePackType)}");
                return false;
        }
        if (!NameRules.IsValidMeasurement(measurement))
        {
            error = new DecodeError(RejectReason.InvalidMeasurementName, $"invalid measurement name \"{measurement}\": {NameRules.MeasurementRule}");
            return false;
        }
        error = default;
        return true;
    }

    private static bool TryReadColumns(ref MessagePackReader reader, ColumnBatch batch, DecodeLimits limits, long nowMicros, out DecodeError error)
    {
        var count = reader.ReadMapHeader();
        if (count == 0)
        {
            error = Reject(RejectReason.EmptyColumns, "columnar format requires non-empty 'columns' dict");
            return false;
        }
        if (count > limits.MaxColumns)
        {
            error = Reject(RejectReason.LimitExceeded, $"{count} columns exceed the limit of {limits.MaxColumns}");
            return false;
        }

        var rows = -1;
        string? firstColumn = null;
        var sawTime = false;
        for (var c = 0; c < count; c++)
        {
            if (reader.NextMessagePackType != MessagePackType.String)
            {
                error = Reject(RejectReason.InvalidColumnName, $"column name at byte {reader.Consumed} is {Describe(reader.NextMessagePackType)}, expected a string");
                return false;
            }
            if (!TryReadColumnName(ref reader, limits, out var name, out error)) return false;
            if (name == ColumnBatch.TimeColumnName ? sawTime : batch.Find(name) is not null)
            {
                error = Reject(RejectReason.DuplicateColumn, $"column '{name}' appears twice");
                return false;
            }
            if (reader.NextMessagePackType != MessagePackType.Array)
            {
                // Arc drops non-array column values (a scalar, nil) without a word (TV12).
                if (!TrySkip(ref reader, limits.MaxNestingDepth, out error)) return false;
                continue;
            }

            var length = reader.ReadArrayHeader();
            // Every element takes at least one byte: a claimed length beyond the remaining bytes is a lie
            // we must not allocate for.
            if (length > reader.Sequence.Length - reader.Consumed)
            {
                error = Reject(RejectReason.Malformed, $"column '{name}' claims {length} rows but only {reader.Sequence.Length - reader.Consumed} bytes remain");
                return false;
            }
            if (length > limits.MaxRowsPerRequest)
            {
                error = Reject(RejectReason.LimitExceeded, $"column '{name}' has {length} rows, over the limit of {limits.MaxRowsPerRequest} per request");
                return false;
            }
            if (rows < 0)
            {
                rows = length;
                firstColumn = name;
            }
            else if (length != rows)
            {
                error = Reject(RejectReason.LengthMismatch, $"columnar format: array length mismatch (expected {rows} from '{firstColumn}', got {length} for '{name}')");
                return false;
            }

            if (name == ColumnBatch.TimeColumnName)
            {
                sawTime = true;
                if (!TryReadTime(ref reader, batch.Time, length, out error)) return false;
            }
            else
            {
                if (!TryReadValues(ref reader, name, length, limits, out var column, out error)) return false;
                batch.Add(column!);
            }
        }

        if (!sawTime)
        {
            // Arc fills a missing time column with the server's clock (PROTOCOL.md §1.4).
            for (var i = 0; i < Math.Max(rows, 0); i++) batch.Time.AppendInt64(nowMicros);
        }
        error = default;
        return true;
    }

    private static bool TryReadColumnName(ref MessagePackReader reader, DecodeLimits limits, out string name, out DecodeError error)
    {
        name = reader.ReadString() ?? "";
        if (System.Text.Encoding.UTF8.GetByteCount(name) > limits.MaxColumnNameBytes)
        {
            error = Reject(RejectReason.InvalidColumnName, $"column name '{name[..32]}...' is longer than {limits.MaxColumnNameBytes} bytes");
            return false;
        }
        if (!NameRules.IsValidColumnName(name))
        {
            error = Reject(RejectReason.InvalidColumnName, name.Length == 0
                ? "empty column name"
                : $"column name '{name}' starts with '_', which is reserved");
            return false;
        }
        error = default;
        return true;
    }

    private static bool TryReadTime(ref MessagePackReader reader, Column time, int length, out DecodeError error)
    {
        var unit = TimeUnit.Microseconds;
        for (var row = 0; row < length; row++)
        {
            long value;
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Integer:
                    value = ReadInteger(ref reader, out var overflow);
                    if (overflow)
                    {
                        error = Reject(RejectReason.TimestampOutOfRange, $"time at row {row} is above the int64 range");
                        return false;
                    }
                    break;
                case MessagePackType.Float:
                    var real = reader.ReadDouble();
                    if (!double.IsFinite(real) || real >= 9.2e18 || real <= -9.2e18)
                    {
                        error = Reject(RejectReason.TimestampOutOfRange, $"time at row {row} is not a finite int64-range number");
                        return false;
                    }
                    value = (long)real; // truncation, as Arc
                    break;
                default:
                    error = Reject(RejectReason.InvalidTimestamp,
                        $"failed to normalize timestamps: invalid timestamp type in columnar format: {Describe(reader.NextMessagePackType)} (row {row})");
                    return false;
            }
            if (row == 0) unit = TimeUnits.Detect(value);
            if (!TimeUnits.TryToMicros(value, unit, out var micros) || !TimeUnits.IsRepresentable(micros))
            {
                error = Reject(RejectReason.TimestampOutOfRange, $"time {value} at row {row} ({unit}) is outside years 0001-9999");
                return false;
            }
            time.AppendInt64(micros);
        }
        error = default;
        return true;
    }

    private static bool TryReadValues(ref MessagePackReader reader, string name, int length, DecodeLimits limits,
        out Column? column, out DecodeError error)
    {
        column = null;
        var leadingNulls = 0;
        for (var row = 0; row < length; row++)
        {
            var type = reader.NextMessagePackType;
            switch (type)
            {
                case MessagePackType.Nil:
                    reader.ReadNil();
                    if (column is null) leadingNulls++;
                    else column.AppendNull();
                    continue;
                case MessagePackType.Integer:
                {
                    var value = ReadInteger(ref reader, out var overflow);
                    if (overflow)
                    {
                        error = Fail(ref column, RejectReason.IntegerOutOfRange, $"value at row {row} of column '{name}' is above the int64 range");
                        return false;
                    }
                    column ??= Start(name, ColumnKind.Int64, length, leadingNulls);
                    if (column.Kind == ColumnKind.Int64) column.AppendInt64(value);
                    else if (column.Kind == ColumnKind.Float64) column.AppendFloat64(value);
                    else return Mixed(ref column, name, row, type, out error);
                    continue;
                }
                case MessagePackType.Float:
                {
                    var value = reader.ReadDouble();
                    column ??= Start(name, ColumnKind.Float64, length, leadingNulls);
                    if (column.Kind == ColumnKind.Int64) column.PromoteInt64ToFloat64();
                    if (column.Kind == ColumnKind.Float64) column.AppendFloat64(value);
                    else return Mixed(ref column, name, row, type, out error);
                    continue;
                }
                case MessagePackType.Boolean:
                {
                    var value = reader.ReadBoolean();
                    column ??= Start(name, ColumnKind.Boolean, length, leadingNulls);
                    if (column.Kind == ColumnKind.Boolean) column.AppendBoolean(value);
                    else return Mixed(ref column, name, row, type, out error);
                    continue;
                }
                case MessagePackType.String:
                {
                    column ??= Start(name, ColumnKind.String, length, leadingNulls);
                    if (column.Kind != ColumnKind.String) return Mixed(ref column, name, row, type, out error);
                    if (!TryAppendString(ref reader, column, limits, row, out error)) return Fail(ref column, error);
                    continue;
                }
                default:
                    error = Fail(ref column, RejectReason.UnsupportedValueType,
                        $"unsupported value type {Describe(type)} at row {row} of column '{name}' (expected int, float, bool, string or nil)");
                    return false;
            }
        }
        // A column of nothing but nils is stored as an all-null string column, as Arc.
        column ??= Start(name, ColumnKind.String, length, leadingNulls);
        error = default;
        return true;
    }

    private static bool TryAppendString(ref MessagePackReader reader, Column column, DecodeLimits limits, int row, out DecodeError error)
    {
        if (reader.TryReadStringSpan(out var span))
        {
            if (span.Length > limits.MaxStringBytes)
            {
                error = Reject(RejectReason.LimitExceeded, $"string at row {row} of column '{column.Name}' is {span.Length} bytes, over the limit of {limits.MaxStringBytes}");
                return false;
            }
            column.AppendString(span);
        }
        else
        {
            var sequence = reader.ReadStringSequence() ?? default;
            if (sequence.Length > limits.MaxStringBytes)
            {
                error = Reject(RejectReason.LimitExceeded, $"string at row {row} of column '{column.Name}' is {sequence.Length} bytes, over the limit of {limits.MaxStringBytes}");
                return false;
            }
            var length = (int)sequence.Length;
            var scratch = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
            sequence.CopyTo(scratch);
            column.AppendString(scratch.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(scratch);
        }
        error = default;
        return true;
    }

    private static Column Start(string name, ColumnKind kind, int length, int leadingNulls)
    {
        var column = new Column(name, kind, length);
        column.AppendNulls(leadingNulls);
        return column;
    }

    /// <summary>Reads any integer encoding; uint64 above int64's range sets <paramref name="overflow"/>.</summary>
    private static long ReadInteger(ref MessagePackReader reader, out bool overflow)
    {
        overflow = false;
        if (reader.NextCode == MessagePackCode.UInt64)
        {
            var unsigned = reader.ReadUInt64();
            if (unsigned > long.MaxValue)
            {
                overflow = true;
                return 0;
            }
            return (long)unsigned;
        }
        return reader.ReadInt64();
    }

    private static bool Mixed(ref Column? column, string name, int row, MessagePackType type, out DecodeError error)
    {
        var kind = column!.Kind;
        error = Fail(ref column, RejectReason.MixedTypes,
            $"column '{name}' mixes types: row {row} is {Describe(type)} but earlier rows are {Describe(kind)}");
        return false;
    }

    private static bool Fail(ref Column? column, DecodeError error)
    {
        column?.Dispose();
        column = null;
        return false;
    }

    private static DecodeError Fail(ref Column? column, RejectReason reason, string message)
    {
        column?.Dispose();
        column = null;
        return Reject(reason, message);
    }

    /// <summary>Skips one value with a depth cap, so a deeply nested ignored key cannot exhaust the stack.</summary>
    private static bool TrySkip(ref MessagePackReader reader, int depthLeft, out DecodeError error)
    {
        error = default;
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
            case MessagePackType.Map:
                if (depthLeft == 0)
                {
                    error = Reject(RejectReason.LimitExceeded, $"nesting deeper than the limit at byte {reader.Consumed}");
                    return false;
                }
                var isMap = reader.NextMessagePackType == MessagePackType.Map;
                var items = isMap ? reader.ReadMapHeader() * 2L : reader.ReadArrayHeader();
                for (long i = 0; i < items; i++)
                    if (!TrySkip(ref reader, depthLeft - 1, out error)) return false;
                return true;
            default:
                reader.Skip();
                return true;
        }
    }

    private static DecodeError Reject(RejectReason reason, string message) => new(reason, Prefix + message);

    private static string Describe(MessagePackType type) => type switch
    {
        MessagePackType.Integer => "integer",
        MessagePackType.Nil => "nil",
        MessagePackType.Boolean => "bool",
        MessagePackType.Float => "float",
        MessagePackType.String => "string",
        MessagePackType.Binary => "binary",
        MessagePackType.Array => "array",
        MessagePackType.Map => "map",
        MessagePackType.Extension => "extension",
        _ => "unknown",
    };

    private static string Describe(ColumnKind kind) => kind switch
    {
        ColumnKind.Int64 => "numbers",
        ColumnKind.Float64 => "numbers",
        ColumnKind.Boolean => "bool",
        _ => "string",
    };
}
