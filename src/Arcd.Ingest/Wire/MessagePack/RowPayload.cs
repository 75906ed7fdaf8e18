using System.Buffers;
using System.Globalization;
using System.Text;
using Arcd.Ingest.Columnar;
using MessagePack;

namespace Arcd.Ingest.Wire.MessagePack;

/// <summary>
/// One row record <c>{m, t, h, fields | f, tags}</c> (docs/PROTOCOL.md §1.3, Part A item 10): appended to
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

        ReadOnlySpan<byte> host = default;
        var hasHost = false;
        if (hasH)
        {
            switch (h.NextMessagePackType)
            {
                case MessagePackType.String: host = MsgPackValues.ReadUtf8(ref h); hasHost = true; break;
                case MessagePackType.Integer: host = Encoding.UTF8.GetBytes("host_" + MsgPackValues.ReadInteger(ref h, out _).ToString(CultureInfo.InvariantCulture)); hasHost = true; break;
                case MessagePackType.Nil: break;
                default: return Fail(out failure, RejectReason.UnsupportedValueType, $"invalid host type: {MsgPackValues.Describe(h.NextMessagePackType)}", "h");
            }
        }

        var builder = context.RowsFor(measurement);
        builder.BeginRow(time);
        if (TryReadRecord(builder, context, hasHost, host, hasTags, ref tags, hasFields, ref fields, ref compact, out failure))
        {
            builder.EndRow();
            return true;
        }
        builder.AbandonRow();
        return false;
    }

    private static bool TryReadRecord(RowBatchBuilder builder, DecodeContext context, bool hasHost, ReadOnlySpan<byte> host,
        bool hasTags, ref MessagePackReader tags, bool hasFields, ref MessagePackReader fields, ref MessagePackReader compact, out PayloadFailure failure)
    {
        var limits = context.Limits;
        var tagNames = context.RowTagNames;
        tagNames.Clear();
        if (hasTags)
        {
            var count = tags.ReadMapHeader();
            for (var i = 0; i < count; i++)
            {
                if (tags.NextMessagePackType != MessagePackType.String)
                    return Fail(out failure, RejectReason.InvalidColumnName, $"tag key is {MsgPackValues.Describe(tags.NextMessagePackType)}, expected a string", "tags");
                var name = MsgPackValues.ReadName(ref tags, context);
                if (!TryReadTagValue(ref tags, context, out var isNil, out var value, out var problem))
                    return Fail(out failure, RejectReason.UnsupportedValueType, $"tag '{name}': {problem}", name);
                if (isNil || (name == "host" && hasHost)) continue; // nil tags are absent; h wins over tags.host
                if (builder.SetTag(name, value) is { } error) return Fail(out failure, RejectReason.MixedTypes, error, name);
                tagNames.Add(name);
            }
        }
        if (hasHost || !tagNames.Contains("host"))
        {
            if (builder.SetTag("host", hasHost ? host : Unknown) is { } error) return Fail(out failure, RejectReason.MixedTypes, error, "host");
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
                var name = MsgPackValues.ReadName(ref fields, context);
                if (tagNames.Contains(name)) name += "_value";
                if (!TrySetField(builder, name, ref fields, limits, ref fieldCount, out failure)) return false;
            }
        }
        else
        {
            var count = compact.ReadArrayHeader();
            for (var i = 0; i < count; i++)
            {
                var name = context.CompactFieldName(i);
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
                var bytes = MsgPackValues.ReadUtf8(ref reader);
                if (bytes.Length > limits.MaxStringBytes) return Fail(out failure, RejectReason.LimitExceeded, $"field '{name}' is longer than {limits.MaxStringBytes} bytes", name);
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
    private static bool TryReadTagValue(ref MessagePackReader reader, DecodeContext context, out bool isNil, out ReadOnlySpan<byte> value, out string? problem)
    {
        problem = null;
        value = default;
        isNil = false;
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                isNil = true;
                return true;
            case MessagePackType.String:
                value = MsgPackValues.ReadUtf8(ref reader);
                if (value.Length <= context.Limits.MaxStringBytes) return true;
                problem = $"longer than {context.Limits.MaxStringBytes} bytes";
                return false;
            case MessagePackType.Integer:
                MsgPackValues.ReadInteger(ref reader, out _).TryFormat(context.TextScratch, out var written, default, CultureInfo.InvariantCulture);
                value = context.TextScratch.AsSpan(0, written);
                return true;
            case MessagePackType.Float:
                reader.ReadDouble().TryFormat(context.TextScratch, out written, "R", CultureInfo.InvariantCulture);
                value = context.TextScratch.AsSpan(0, written);
                return true;
            case MessagePackType.Boolean:
                value = reader.ReadBoolean() ? "true"u8 : "false"u8;
                return true;
            default:
                problem = $"unsupported tag value type {MsgPackValues.Describe(reader.NextMessagePackType)}";
                return false;
        }
    }

    private static bool Fail(out PayloadFailure failure, RejectReason reason, string message, string? column = null)
    {
        failure = new PayloadFailure(reason, message, column);
        return false;
    }
}
