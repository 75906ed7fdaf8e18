using System.Buffers.Text;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;

namespace Arcd.Query.Output;

/// <summary>
/// Arc's JSON value rules (§7.1) for Arrow result columns: integers as numbers, floats in
/// shortest form with NaN and ±Inf as null, timestamps and dates as RFC 3339 UTC strings with
/// trailing zeros trimmed, strings as strings, binary as base64, lists as arrays, structs as
/// objects, nulls as null.
/// </summary>
public static class JsonValues
{
    /// <summary>Null when every column can be written; otherwise the first column that cannot, and its type.</summary>
    public static string? Unsupported(Schema schema)
    {
        foreach (var field in schema.FieldsList)
            if (!IsSupported(field.DataType)) return $"result column '{field.Name}' has type {field.DataType.Name}, which the JSON output cannot carry; CAST it to VARCHAR";
        return null;
    }

    private static bool IsSupported(IArrowType type) => type switch
    {
        ListType list => IsSupported(list.ValueDataType),
        LargeListType list => IsSupported(list.ValueDataType),
        FixedSizeListType list => IsSupported(list.ValueDataType),
        StructType s => s.Fields.All(f => IsSupported(f.DataType)),
        MapType map => IsSupported(map.KeyField.DataType) && IsSupported(map.ValueField.DataType),
        _ => type.TypeId is ArrowTypeId.Null or ArrowTypeId.Boolean or ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32
            or ArrowTypeId.Int64 or ArrowTypeId.UInt8 or ArrowTypeId.UInt16 or ArrowTypeId.UInt32 or ArrowTypeId.UInt64
            or ArrowTypeId.HalfFloat or ArrowTypeId.Float or ArrowTypeId.Double or ArrowTypeId.Decimal128 or ArrowTypeId.String
            or ArrowTypeId.LargeString or ArrowTypeId.StringView or ArrowTypeId.Binary or ArrowTypeId.LargeBinary
            or ArrowTypeId.BinaryView or ArrowTypeId.FixedSizedBinary or ArrowTypeId.Timestamp or ArrowTypeId.Date32
            or ArrowTypeId.Date64 or ArrowTypeId.Time32 or ArrowTypeId.Time64,
    };

    public static void Write(Utf8JsonWriter json, IArrowArray array, int index)
    {
        if (array.IsNull(index))
        {
            json.WriteNullValue();
            return;
        }
        switch (array)
        {
            case Int64Array a: json.WriteNumberValue(a.GetValue(index)!.Value); break;
            case DoubleArray a: WriteDouble(json, a.GetValue(index)!.Value); break;
            case StringArray a: json.WriteStringValue(a.GetBytes(index)); break;
            case TimestampArray a: WriteTimestamp(json, a.GetValue(index)!.Value, ((TimestampType)a.Data.DataType).Unit); break;
            case BooleanArray a: json.WriteBooleanValue(a.GetValue(index)!.Value); break;
            case Int32Array a: json.WriteNumberValue(a.GetValue(index)!.Value); break;
            case Int16Array a: json.WriteNumberValue(a.GetValue(index)!.Value); break;
            case Int8Array a: json.WriteNumberValue(a.GetValue(index)!.Value); break;
            case UInt64Array a: json.WriteNumberValue(a.GetValue(index)!.Value); break;
            case UInt32Array a: json.WriteNumberValue(a.GetValue(index)!.Value); break;
            case UInt16Array a: json.WriteNumberValue(a.GetValue(index)!.Value); break;
            case UInt8Array a: json.WriteNumberValue(a.GetValue(index)!.Value); break;
            case FloatArray a: WriteDouble(json, a.GetValue(index)!.Value); break;
            case HalfFloatArray a: WriteDouble(json, (double)a.GetValue(index)!.Value); break;
            case Decimal128Array a: WriteDecimal(json, a, index); break;
            case LargeStringArray a: json.WriteStringValue(a.GetBytes(index)); break;
            case StringViewArray a: json.WriteStringValue(a.GetBytes(index)); break;
            case BinaryArray a: json.WriteBase64StringValue(a.GetBytes(index)); break;
            case LargeBinaryArray a: json.WriteBase64StringValue(a.GetBytes(index)); break;
            case BinaryViewArray a: json.WriteBase64StringValue(a.GetBytes(index)); break;
            case FixedSizeBinaryArray a: json.WriteBase64StringValue(a.GetBytes(index)); break;
            case Date32Array a: WriteTimestamp(json, a.GetValue(index)!.Value * 86_400L, TimeUnit.Second); break;
            case Date64Array a: WriteTimestamp(json, a.GetValue(index)!.Value, TimeUnit.Millisecond); break;
            case Time32Array a: WriteTimeOfDay(json, a.GetValue(index)!.Value, ((Time32Type)a.Data.DataType).Unit); break;
            case Time64Array a: WriteTimeOfDay(json, a.GetValue(index)!.Value, ((Time64Type)a.Data.DataType).Unit); break;
            case MapArray a: WriteList(json, a.KeyValues, a.ValueOffsets[index], a.ValueOffsets[index + 1]); break;
            case ListArray a: WriteList(json, a.Values, a.ValueOffsets[index], a.ValueOffsets[index + 1]); break;
            case LargeListArray a: WriteList(json, a.Values, (int)a.ValueOffsets[index], (int)a.ValueOffsets[index + 1]); break;
            case FixedSizeListArray a:
                var size = ((FixedSizeListType)a.Data.DataType).ListSize;
                WriteList(json, a.Values, (index + a.Offset) * size, (index + a.Offset + 1) * size);
                break;
            case StructArray a:
                json.WriteStartObject();
                var fields = ((StructType)a.Data.DataType).Fields;
                for (var f = 0; f < fields.Count; f++)
                {
                    json.WritePropertyName(fields[f].Name);
                    Write(json, a.Fields[f], index);
                }
                json.WriteEndObject();
                break;
            default: json.WriteNullValue(); break; // unreachable: Unsupported() is checked first
        }
    }

    private static void WriteList(Utf8JsonWriter json, IArrowArray values, int from, int to)
    {
        json.WriteStartArray();
        for (var i = from; i < to; i++) Write(json, values, i);
        json.WriteEndArray();
    }

    private static void WriteDouble(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value)) json.WriteNumberValue(value);
        else json.WriteNullValue();
    }

    private static void WriteDecimal(Utf8JsonWriter json, Decimal128Array array, int index)
    {
        // DuckDB's HUGEINT sums arrive as DECIMAL(38,0): a whole number within long goes out as one.
        try
        {
            var value = array.GetValue(index)!.Value;
            if (decimal.IsInteger(value) && value is >= long.MinValue and <= long.MaxValue) json.WriteNumberValue((long)value);
            else WriteDouble(json, (double)value); // as Arc: decimals leave as float64
        }
        catch (OverflowException)
        {
            json.WriteRawValue(array.GetString(index), skipInputValidation: true);
        }
    }

    /// <summary>RFC 3339 in UTC, fraction to the nanosecond with trailing zeros trimmed: 2023-11-14T22:13:20.5Z.</summary>
    public static void WriteTimestamp(Utf8JsonWriter json, long value, TimeUnit unit)
    {
        var (perSecond, nanosPerUnit) = unit switch
        {
            TimeUnit.Second => (1L, 1_000_000_000L),
            TimeUnit.Millisecond => (1_000L, 1_000_000L),
            TimeUnit.Microsecond => (1_000_000L, 1_000L),
            _ => (1_000_000_000L, 1L),
        };
        var seconds = Math.DivRem(value, perSecond, out var rest);
        if (rest < 0) { seconds--; rest += perSecond; }
        const long minSeconds = -62135596800L, maxSeconds = 253402300799L; // 0001-01-01 .. 9999-12-31
        if (seconds is < minSeconds or > maxSeconds)
        {
            json.WriteNullValue();
            return;
        }
        var time = DateTime.UnixEpoch.AddSeconds(seconds);
        Span<byte> text = stackalloc byte[40];
        time.TryFormat(text, out var n, "yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        n += WriteFraction(text[n..], rest * nanosPerUnit);
        text[n++] = (byte)'Z';
        json.WriteStringValue(text[..n]);
    }

    private static void WriteTimeOfDay(Utf8JsonWriter json, long value, TimeUnit unit)
    {
        var nanos = unit switch
        {
            TimeUnit.Second => value * 1_000_000_000L,
            TimeUnit.Millisecond => value * 1_000_000L,
            TimeUnit.Microsecond => value * 1_000L,
            _ => value,
        };
        var seconds = nanos / 1_000_000_000L;
        Span<byte> text = stackalloc byte[32];
        new TimeOnly(seconds * TimeSpan.TicksPerSecond).TryFormat(text, out var n, "HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        n += WriteFraction(text[n..], nanos % 1_000_000_000L);
        json.WriteStringValue(text[..n]);
    }

    /// <summary>".fffffffff" without trailing zeros, or nothing for a whole second.</summary>
    private static int WriteFraction(Span<byte> text, long nanos)
    {
        if (nanos == 0) return 0;
        var digits = 9;
        while (nanos % 10 == 0) { nanos /= 10; digits--; }
        text[0] = (byte)'.';
        Utf8Formatter.TryFormat(nanos, text[1..], out _, new System.Buffers.StandardFormat('D', (byte)digits));
        return digits + 1;
    }
}
