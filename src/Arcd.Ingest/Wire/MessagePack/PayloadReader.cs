using Arcd.Ingest.Columnar;
using MessagePack;

namespace Arcd.Ingest.Wire.MessagePack;

/// <summary>Why one payload was refused; <see cref="Elements"/> is set when a batch wrapper's elements failed.</summary>
internal readonly record struct PayloadFailure(RejectReason Reason, string Message, string? Column = null, bool IsStructural = false,
    List<ErrorDetail>? Elements = null, int ElementCount = 0);

/// <summary>
/// One payload map: a single pass notes where each known key's value starts (reader copies),
/// then the shape decides how they are read — batch wrapper, columnar, or row record.
/// </summary>
internal static class PayloadReader
{
    public static bool TryRead(ref MessagePackReader reader, DecodeContext context, bool allowBatch, out PayloadFailure failure)
    {
        MessagePackReader m = default, columns = default, batch = default, fields = default, compact = default, tags = default, t = default, h = default;
        bool hasM = false, hasColumns = false, hasBatch = false, hasFields = false, hasCompact = false, hasTags = false, hasT = false, hasH = false;
        var columnsLast = false;
        var rowValueLast = RowValue.None;

        var entries = reader.ReadMapHeader();
        for (var i = 0; i < entries; i++)
        {
            if (reader.NextMessagePackType != MessagePackType.String)
            {
                failure = new(RejectReason.Malformed, $"payload map key at byte {reader.Consumed} is {MsgPackValues.Describe(reader.NextMessagePackType)}, expected a string");
                return false;
            }
            var key = ReadKey(ref reader);
            var type = reader.NextMessagePackType;
            switch (key)
            {
                case "m": m = reader; hasM = true; break;
                case "columns" when type == MessagePackType.Map: columns = reader; hasColumns = true; break;
                case "batch" when type == MessagePackType.Array: batch = reader; hasBatch = true; break;
                case "fields" when type == MessagePackType.Map: fields = reader; hasFields = true; break;
                case "f" when type == MessagePackType.Array: compact = reader; hasCompact = true; break;
                case "tags" when type == MessagePackType.Map: tags = reader; hasTags = true; break;
                case "t": t = reader; hasT = true; break;
                case "h": h = reader; hasH = true; break;
            }
            if (hasColumns && !hasBatch && i == entries - 1 && key == "columns")
            {
                // Arc's shape ends with the columns: reading them is the walk to the end of the map,
                // so they are not skipped first (that double walk was 12% of columnar ingest CPU).
                columnsLast = true;
                break;
            }
            if (!hasColumns && !hasBatch && i == entries - 1)
            {
                // The same for a row record ending with its fields or tags (Arc's clients end with one
                // of them): the record's read of that value ends where the map ends.
                rowValueLast = key switch
                {
                    "fields" when type == MessagePackType.Map => RowValue.Fields,
                    "tags" when type == MessagePackType.Map => RowValue.Tags,
                    "f" when type == MessagePackType.Array && !hasFields => RowValue.Compact,
                    _ => RowValue.None,
                };
                if (rowValueLast != RowValue.None) break;
            }
            if (!MsgPackValues.TrySkip(ref reader, context.Limits.MaxNestingDepth))
            {
                failure = new(RejectReason.LimitExceeded, $"nesting deeper than {context.Limits.MaxNestingDepth} levels at key '{key}'", IsStructural: true);
                return false;
            }
        }

        if (hasBatch)
        {
            // Arc: "batch" wins over "columns" in the same map.
            if (!allowBatch)
            {
                failure = new(RejectReason.UnsupportedShape, "a 'batch' wrapper inside a batch or array element is not allowed");
                return false;
            }
            if (TryReadElements(ref batch, context, out var details, out var count, out var fatal)) return Ok(out failure);
            failure = fatal is { } f
                ? new PayloadFailure(f.Reason, f.Message[MsgPackDecoder.Prefix.Length..], IsStructural: true)
                : new PayloadFailure(RejectReason.Malformed, "batch elements rejected", Elements: details, ElementCount: count);
            return false;
        }

        if (!hasM)
        {
            failure = new(RejectReason.MissingMeasurement, "missing required field 'm' (measurement)");
            return false;
        }
        if (!TryReadMeasurement(ref m, context, out var measurement, out failure)) return false;

        if (hasColumns)
        {
            if (!ColumnarPayload.TryRead(ref columns, measurement, context, out var decoded, out failure)) return false;
            if (columnsLast) reader = columns;
            context.Output.Add(decoded!);
            if (!context.TryCount(decoded!.RowCount, out var limit)) return Fail(out failure, RejectReason.LimitExceeded, limit!);
            return Ok(out failure);
        }
        if (!hasFields && !hasCompact)
        {
            failure = new(RejectReason.UnsupportedShape, "missing required field 'fields' or 'f' (or a 'columns' map for the columnar form)");
            return false;
        }
        if (!RowPayload.TryRead(measurement, context, hasT, ref t, hasH, ref h, hasTags, ref tags, hasFields, ref fields, ref compact, out failure)) return false;
        switch (rowValueLast)
        {
            case RowValue.Fields: reader = fields; break;
            case RowValue.Tags: reader = tags; break;
            case RowValue.Compact: reader = compact; break;
        }
        if (!context.TryCount(1, out var rowLimit)) return Fail(out failure, RejectReason.LimitExceeded, rowLimit!);
        return Ok(out failure);
    }

    /// <summary>Which row-record value ended the payload map and was left for the record's read to walk.</summary>
    private enum RowValue { None, Fields, Tags, Compact }

    /// <summary>
    /// A payload map key: a known key as its literal without allocating (by length, then bytes),
    /// any other key through the name cache (a client repeating an extra key every row allocates nothing).
    /// </summary>
    private static string ReadKey(ref MessagePackReader reader)
    {
        if (!reader.TryReadStringSpan(out var utf8)) return reader.ReadString() ?? "";
        switch (utf8.Length)
        {
            case 1:
                switch (utf8[0])
                {
                    case (byte)'m': return "m";
                    case (byte)'t': return "t";
                    case (byte)'h': return "h";
                    case (byte)'f': return "f";
                }
                break;
            case 4 when utf8.SequenceEqual("tags"u8): return "tags";
            case 5 when utf8.SequenceEqual("batch"u8): return "batch";
            case 6 when utf8.SequenceEqual("fields"u8): return "fields";
            case 7 when utf8.SequenceEqual("columns"u8): return "columns";
        }
        return NameCache.Get(utf8);
    }

    /// <summary>Array of payload maps (top level or inside "batch"): every element is decoded; failures are collected.</summary>
    public static bool TryReadElements(ref MessagePackReader reader, DecodeContext context, out List<ErrorDetail>? details, out int count, out DecodeError? fatal)
    {
        details = null;
        fatal = null;
        count = reader.ReadArrayHeader();
        if (count > MsgPackValues.Remaining(ref reader))
        {
            fatal = new DecodeError(RejectReason.Malformed, $"{MsgPackDecoder.Prefix}array claims {count} elements but only {MsgPackValues.Remaining(ref reader)} bytes remain");
            return false;
        }
        for (var index = 0; index < count; index++)
        {
            var start = reader;
            string? reason = null;
            string? column = null;
            // A payload map read whole leaves the reader at its end, which is where the next element
            // starts: only an element that is not read whole (not a map, or refused part way) is
            // skipped from its start. Skipping every element first walked row payloads twice.
            var readWhole = false;
            if (reader.NextMessagePackType != MessagePackType.Map)
            {
                // Arc skips non-map elements silently; all-or-nothing means saying so instead.
                reason = $"element is {MsgPackValues.Describe(reader.NextMessagePackType)}, expected a payload map";
            }
            else if (TryRead(ref reader, context, allowBatch: false, out var failure))
            {
                readWhole = true;
            }
            else
            {
                reason = failure.Message;
                column = failure.Column;
                if (failure.Reason == RejectReason.LimitExceeded && context.Rows > context.Limits.MaxRowsPerRequest)
                {
                    fatal = new DecodeError(RejectReason.LimitExceeded, MsgPackDecoder.Prefix + failure.Message);
                    return false;
                }
            }
            if (!readWhole)
            {
                reader = start;
                if (!MsgPackValues.TrySkip(ref reader, context.Limits.MaxNestingDepth))
                {
                    fatal = new DecodeError(RejectReason.LimitExceeded, $"{MsgPackDecoder.Prefix}element {index} nests deeper than {context.Limits.MaxNestingDepth} levels");
                    return false;
                }
            }
            if (reason is not null) (details ??= []).Add(new ErrorDetail(index, null, column, reason));
        }
        return details is null;
    }

    private static bool TryReadMeasurement(ref MessagePackReader reader, DecodeContext context, out string measurement, out PayloadFailure failure)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.String:
                measurement = MsgPackValues.ReadName(ref reader, context);
                break;
            case MessagePackType.Integer:
                measurement = "measurement_" + MsgPackValues.ReadInteger(ref reader, out _);
                break;
            default:
                measurement = "";
                failure = new(RejectReason.InvalidMeasurementType, $"invalid measurement type: {MsgPackValues.Describe(reader.NextMessagePackType)}");
                return false;
        }
        if (!NameRules.IsValidMeasurement(measurement))
        {
            failure = new(RejectReason.InvalidMeasurementName, $"invalid measurement name \"{measurement}\": {NameRules.MeasurementRule}");
            return false;
        }
        failure = default;
        return true;
    }

    private static bool Ok(out PayloadFailure failure)
    {
        failure = default;
        return true;
    }

    private static bool Fail(out PayloadFailure failure, RejectReason reason, string message)
    {
        failure = new(reason, message);
        return false;
    }
}
