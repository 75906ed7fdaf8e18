using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;
using MessagePack;

namespace Arcd.Query.Output;

/// <summary>
/// Arc's msgpack query values (docs/PROTOCOL.md §7.6): int64 and uint64 always in their 9-byte
/// forms, narrower integers compact, float32/float64 as themselves, timestamps and dates as the
/// msgpack timestamp extension (−1), decimals as int64 (scale 0) or float64, anything else as its
/// JSON text. <see cref="TypeName"/> gives the column's name in Arc's <c>types</c> vocabulary.
/// </summary>
public static class MsgPackValues
{
    private const sbyte TimestampExtension = -1;
    private static readonly JsonWriterOptions TextOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static string TypeName(IArrowType type) => type switch
    {
        TimestampType t => t.Unit switch
        {
            TimeUnit.Second => "timestamp[s]",
            TimeUnit.Millisecond => "timestamp[ms]",
            TimeUnit.Microsecond => "timestamp[us]",
            _ => "timestamp[ns]",
        },
        Decimal128Type d => d.Scale == 0 ? "int64" : "float64",
        _ => type.TypeId switch
        {
            ArrowTypeId.Boolean => "bool",
            ArrowTypeId.Int8 => "int8",
            ArrowTypeId.Int16 => "int16",
            ArrowTypeId.Int32 => "int32",
            ArrowTypeId.Int64 => "int64",
            ArrowTypeId.UInt8 => "uint8",
            ArrowTypeId.UInt16 => "uint16",
            ArrowTypeId.UInt32 => "uint32",
            ArrowTypeId.UInt64 => "uint64",
            ArrowTypeId.HalfFloat or ArrowTypeId.Float => "float32",
            ArrowTypeId.Double => "float64",
            ArrowTypeId.String or ArrowTypeId.StringView => "utf8",
            ArrowTypeId.LargeString => "large_utf8",
            ArrowTypeId.Binary or ArrowTypeId.BinaryView or ArrowTypeId.FixedSizedBinary => "binary",
            ArrowTypeId.LargeBinary => "large_binary",
            ArrowTypeId.Date32 => "date32",
            ArrowTypeId.List or ArrowTypeId.LargeList or ArrowTypeId.FixedSizeList => "list",
            ArrowTypeId.Struct => "struct",
            ArrowTypeId.Map => "map",
            ArrowTypeId.Null => "null",
            _ => "unknown:" + type.Name,
        },
    };

    public static void Write(ref MessagePackWriter writer, IArrowArray array, int index)
    {
        if (array.IsNull(index))
        {
            writer.WriteNil();
            return;
        }
        switch (array)
        {
            case Int64Array a: WriteInt64Block(ref writer, a.GetValue(index)!.Value); break;
            case DoubleArray a: writer.Write(a.GetValue(index)!.Value); break;
            case StringArray a: writer.WriteString(a.GetBytes(index)); break;
            case TimestampArray a: WriteTimestamp(ref writer, a.GetValue(index)!.Value, ((TimestampType)a.Data.DataType).Unit); break;
            case BooleanArray a: writer.Write(a.GetValue(index)!.Value); break;
            case Int32Array a: writer.Write(a.GetValue(index)!.Value); break;
            case Int16Array a: writer.Write(a.GetValue(index)!.Value); break;
            case Int8Array a: writer.Write(a.GetValue(index)!.Value); break;
            case UInt64Array a: WriteUInt64Block(ref writer, a.GetValue(index)!.Value); break;
            case UInt32Array a: writer.Write(a.GetValue(index)!.Value); break;
            case UInt16Array a: writer.Write(a.GetValue(index)!.Value); break;
            case UInt8Array a: writer.Write(a.GetValue(index)!.Value); break;
            case FloatArray a: writer.Write(a.GetValue(index)!.Value); break;
            case HalfFloatArray a: writer.Write((float)a.GetValue(index)!.Value); break;
            case Decimal128Array a: WriteDecimal(ref writer, a, index); break;
            case LargeStringArray a: writer.WriteString(a.GetBytes(index)); break;
            case StringViewArray a: writer.WriteString(a.GetBytes(index)); break;
            case BinaryArray a: writer.Write(a.GetBytes(index)); break;
            case LargeBinaryArray a: writer.Write(a.GetBytes(index)); break;
            case BinaryViewArray a: writer.Write(a.GetBytes(index)); break;
            case FixedSizeBinaryArray a: writer.Write(a.GetBytes(index)); break;
            case Date32Array a: WriteTimestamp(ref writer, a.GetValue(index)!.Value * 86_400L, TimeUnit.Second); break;
            default: WriteAsText(ref writer, array, index); break;
        }
    }

    /// <summary>int64 always in its 9-byte form (0xd3), as Arc: a column's values keep one width.</summary>
    public static void WriteInt64Block(ref MessagePackWriter writer, long value)
    {
        var span = writer.GetSpan(9);
        span[0] = MessagePackCode.Int64;
        BinaryPrimitives.WriteInt64BigEndian(span[1..], value);
        writer.Advance(9);
    }

    /// <summary>uint64 always in its 9-byte form (0xcf).</summary>
    public static void WriteUInt64Block(ref MessagePackWriter writer, ulong value)
    {
        var span = writer.GetSpan(9);
        span[0] = MessagePackCode.UInt64;
        BinaryPrimitives.WriteUInt64BigEndian(span[1..], value);
        writer.Advance(9);
    }

    private static void WriteDecimal(ref MessagePackWriter writer, Decimal128Array array, int index)
    {
        try
        {
            var value = array.GetValue(index)!.Value;
            if (((Decimal128Type)array.Data.DataType).Scale == 0 && value is >= long.MinValue and <= long.MaxValue)
                WriteInt64Block(ref writer, (long)value);
            else writer.Write((double)value);
        }
        catch (OverflowException)
        {
            writer.Write(double.Parse(array.GetString(index), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The msgpack timestamp extension in its smallest form: 32-bit seconds, 64-bit (30-bit nanos, 34-bit seconds) or 96-bit.</summary>
    public static void WriteTimestamp(ref MessagePackWriter writer, long value, TimeUnit unit)
    {
        var perSecond = unit switch
        {
            TimeUnit.Second => 1L,
            TimeUnit.Millisecond => 1_000L,
            TimeUnit.Microsecond => 1_000_000L,
            _ => 1_000_000_000L,
        };
        var seconds = Math.DivRem(value, perSecond, out var rest);
        if (rest < 0) { seconds--; rest += perSecond; }
        var nanos = (uint)(rest * (1_000_000_000L / perSecond));
        if (seconds >= 0 && seconds >> 34 == 0)
        {
            if (nanos == 0 && seconds <= uint.MaxValue)
            {
                writer.WriteExtensionFormatHeader(new ExtensionHeader(TimestampExtension, 4));
                var span = writer.GetSpan(4);
                BinaryPrimitives.WriteUInt32BigEndian(span, (uint)seconds);
                writer.Advance(4);
            }
            else
            {
                writer.WriteExtensionFormatHeader(new ExtensionHeader(TimestampExtension, 8));
                var span = writer.GetSpan(8);
                BinaryPrimitives.WriteUInt64BigEndian(span, ((ulong)nanos << 34) | (ulong)seconds);
                writer.Advance(8);
            }
            return;
        }
        writer.WriteExtensionFormatHeader(new ExtensionHeader(TimestampExtension, 12));
        var wide = writer.GetSpan(12);
        BinaryPrimitives.WriteUInt32BigEndian(wide, nanos);
        BinaryPrimitives.WriteInt64BigEndian(wide[4..], seconds);
        writer.Advance(12);
    }

    /// <summary>Lists, structs, maps, times of day: their JSON text, as Arc sends "any other type" as a string.</summary>
    private static void WriteAsText(ref MessagePackWriter writer, IArrowArray array, int index)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer, TextOptions)) JsonValues.Write(json, array, index);
        var text = buffer.WrittenSpan;
        if (text.Length >= 2 && text[0] == (byte)'"') text = text[1..^1];
        writer.WriteString(text);
    }
}
