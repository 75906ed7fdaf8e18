using System.Buffers;
using System.Globalization;
using System.Text;
using Arcd.Ingest.Columnar;
using MessagePack;

namespace Arcd.Ingest.Wire.MessagePack;

/// <summary>
/// One row record <c>{m, t, h, fields | f, tags}</c> (PROTOCOL.md §1.3, Part A item 10): appended to
/// its measurement's <see cref="RowBatchBuilder"/>. <c>h</c> sets the <c>host</c> tag; without
/// <c>h</c> a <c>host</c> in <c>tags</c> is kept; <c>"unknown"</c> only when neither is given.
/// A field named like one of the record's tags is stored as <c>&lt;field&gt;_value</c>.
/// </summary>
internal static class RowPayload
{
    private static readonly byte[] Unknown = "unknown"u8.ToArray();

    public static bool TryRead(string measurement, DecodeContext context,
        bool hasT, ref MessagePackReader t, bool hasH, ref MessagePackReader h, bool hasTags, ref MessagePackReader tags,
        bool hasFields, ref MessagePackReader fields, ref MessagePackReader compact, out PayloadFailure failure)
    {
        var time = context.NowMicros;
        if (hasT)
        {
            var unit = TimeUnit.Microseconds;
            var type = t.NextMessagePackType;
            if (!MsgPackValues.TryReadTime(ref t, detectUnit: true, ref unit, out time, out var timeError))
            {
                var reason = type is MessagePackType.Integer or MessagePackType.Float ? RejectReason.TimestampOutOfRange : RejectReason.InvalidTimestamp;
                return Fail(out failure, reason, reason == RejectReason.InvalidTimestamp ? $"invalid timestamp type: {MsgPackValues.Describe(type)}" : $"'t' {timeError}", "t");
            }
        }

        byte[]? host = null;
        if (hasH)
        {
            switch (h.NextMessagePackType)
            {
                case MessagePackType.String: host = Encoding.UTF8.GetBytes(h.ReadString() ?? ""); break;
                case MessagePackType.Integer: host = Encoding.UTF8.GetBytes("host_" + MsgPackValues.ReadInteger(ref h, out _).ToString(CultureInfo.InvariantCulture)); break;
                case MessagePackType.Nil: break;
                default: return Fail(out failure, RejectReason.UnsupportedValueType, $"invalid host type: {MsgPackValues.Describe(h.NextMessagePackType)}", "h");
            }
        }

        var builder = context.RowsFor(measurement);
        builder.BeginRow(time);
        if (TryReadRecord(builder, context.Limits, host, hasTags, ref tags, hasFields, ref fields, ref compact, out failure))
        {
            builder.EndRow();
            return true;
        }
        builder.AbandonRow();
        return false;
    }

    private static bool TryReadRecord(RowBatchBuilder builder, DecodeLimits limits, byte[]? host,
        bool hasTags, ref MessagePackReader tags, bool hasFields, ref MessagePackReader fields, ref MessagePackReader compact, out PayloadFailure failure)
    {
        var tagNames = new HashSet<string>(StringComparer.Ordinal);
        if (hasTags)
        {
            var count = tags.ReadMapHeader();
            for (var i = 0; i < count; i++)
            {
                if (tags.NextMessagePackType != MessagePackType.String)
                    return Fail(out failure, RejectReason.InvalidColumnName, $"tag key is {MsgPackValues.Describe(tags.NextMessagePackType)}, expected a string", "tags");
                var name = tags.ReadString() ?? "";
                if (!TryReadTagValue(ref tags, limits, out var value, out var problem))
                    return Fail(out failure, RejectReason.UnsupportedValueType, $"tag '{name}': {problem}", name);
                if (value is null || (name == "host" && host is not null)) continue; // nil tags are absent; h wins over tags.host
                if (builder.SetTag(name, value) is { } error) return Fail(out failure, RejectReason.MixedTypes, error, name);
                tagNames.Add(name);
            }
        }
        if (host is not null || !tagNames.Contains("host"))
        {
            if (builder.SetTag("host", host ?? Unknown) is { } error) return Fail(out failure, RejectReason.MixedTypes, error, "host");
            tagNames.Add("host");
        }

        var fieldCount = 0;
        if (hasFields)
        {
            var count = fields.ReadMapHeader();
            for (var i = 0; i < count; i++)
            {
                if (fields.NextMessagePackType != MessagePackType.String)
                    return Fail(out failure, RejectReason.InvalidColumnName, $"field key is {MsgPackValues.Describe(fields.NextMessagePackType)}, expected a string", "fields");
                var name = fields.ReadString() ?? "";
                if (tagNames.Contains(name)) name += "_value";
                if (!TrySetField(builder, name, ref fields, limits, ref fieldCount, out failure)) return false;
            }
        }
        else
        {
            var count = compact.ReadArrayHeader();
            for (var i = 0; i < count; i++)
            {
                var name = "field_" + i.ToString(CultureInfo.InvariantCulture);
                if (tagNames.Contains(name)) name += "_value";
                if (!TrySetField(builder, name, ref compact, limits, ref fieldCount, out failure)) return false;
            }
        }
        if (fieldCount == 0) return Fail(out failure, RejectReason.UnsupportedShape, "record has no fields");
        failure = default;
        return true;
    }

    private static bool TrySetField(RowBatchBuilder builder, string name, ref MessagePackReader reader, DecodeLimits limits, ref int fieldCount, out PayloadFailure failure)
    {
        string? error;
        var type = reader.NextMessagePackType;
        switch (type)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                failure = default;
                return true;
            case MessagePackType.Integer:
                var integer = MsgPackValues.ReadInteger(ref reader, out var overflow);
                if (overflow) return Fail(out failure, RejectReason.IntegerOutOfRange, $"field '{name}' is above the int64 range", name);
                error = builder.SetInt64(name, integer);
                break;
            case MessagePackType.Float:
                error = builder.SetFloat64(name, reader.ReadDouble());
                break;
            case MessagePackType.Boolean:
                error = builder.SetBoolean(name, reader.ReadBoolean());
                break;
            case MessagePackType.String:
                if (!TryReadUtf8(ref reader, limits, out var bytes)) return Fail(out failure, RejectReason.LimitExceeded, $"field '{name}' is longer than {limits.MaxStringBytes} bytes", name);
                error = builder.SetString(name, bytes);
                break;
            default:
                return Fail(out failure, RejectReason.UnsupportedValueType, $"field '{name}' has unsupported type {MsgPackValues.Describe(type)}", name);
        }
        if (error is not null) return Fail(out failure, RejectReason.MixedTypes, error, name);
        fieldCount++;
        failure = default;
        return true;
    }

    /// <summary>Tag values are strings; numbers and booleans are written as text, as Arc stringifies them.</summary>
    private static bool TryReadTagValue(ref MessagePackReader reader, DecodeLimits limits, out byte[]? value, out string? problem)
    {
        problem = null;
        value = null;
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil: reader.ReadNil(); return true;
            case MessagePackType.String:
                if (!TryReadUtf8(ref reader, limits, out value))
                {
                    problem = $"longer than {limits.MaxStringBytes} bytes";
                    return false;
                }
                return true;
            case MessagePackType.Integer:
                value = Encoding.UTF8.GetBytes(MsgPackValues.ReadInteger(ref reader, out _).ToString(CultureInfo.InvariantCulture));
                return true;
            case MessagePackType.Float:
                value = Encoding.UTF8.GetBytes(reader.ReadDouble().ToString("R", CultureInfo.InvariantCulture));
                return true;
            case MessagePackType.Boolean:
                value = reader.ReadBoolean() ? "true"u8.ToArray() : "false"u8.ToArray();
                return true;
            default:
                problem = $"unsupported tag value type {MsgPackValues.Describe(reader.NextMessagePackType)}";
                return false;
        }
    }

    private static bool TryReadUtf8(ref MessagePackReader reader, DecodeLimits limits, out byte[] value)
    {
        var sequence = reader.ReadStringSequence() ?? default;
        value = sequence.Length <= limits.MaxStringBytes ? sequence.ToArray() : [];
        return sequence.Length <= limits.MaxStringBytes;
    }

    private static bool Fail(out PayloadFailure failure, RejectReason reason, string message, string? column = null)
    {
        failure = new PayloadFailure(reason, message, column);
        return false;
    }
}
