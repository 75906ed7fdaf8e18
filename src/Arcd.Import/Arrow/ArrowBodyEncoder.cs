using System.Buffers;
using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Types;
using Arcd.Import.Submission;
using Arcd.Ingest.Columnar;
using MessagePack;

namespace Arcd.Import.Arrow;

/// <summary>
/// One Arrow record batch (a DuckDB result: a continuous query's output, a Parquet file being
/// imported) as a tagged-columnar body. Integers of every width become int64, floats float64,
/// decimals int64 (scale 0) or float64, strings and binary strings; other types have no column kind.
/// </summary>
public static class ArrowBodyEncoder
{
    /// <summary>How a value column is stored: null when arcd has no column kind for the type.</summary>
    public static ColumnKind? Kind(IArrowType type) => type.TypeId switch
    {
        ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64 or ArrowTypeId.UInt8 or ArrowTypeId.UInt16
            or ArrowTypeId.UInt32 or ArrowTypeId.UInt64 => ColumnKind.Int64,
        ArrowTypeId.HalfFloat or ArrowTypeId.Float or ArrowTypeId.Double => ColumnKind.Float64,
        ArrowTypeId.Decimal128 or ArrowTypeId.Decimal256 => Scale(type) == 0 ? ColumnKind.Int64 : ColumnKind.Float64,
        ArrowTypeId.Boolean => ColumnKind.Boolean,
        ArrowTypeId.String or ArrowTypeId.LargeString or ArrowTypeId.StringView or ArrowTypeId.Binary or ArrowTypeId.LargeBinary
            or ArrowTypeId.BinaryView => ColumnKind.String,
        _ => null,
    };

    /// <summary>
    /// Writes <paramref name="batch"/>; <paramref name="timeOf"/> gives each row's time in µs from
    /// the time column (null when the result has none) and may throw to refuse a row.
    /// </summary>
    public static void Encode(IBufferWriter<byte> buffer, RecordBatch batch, int timeIndex, IReadOnlyList<string> tags, string measurement,
        Func<IArrowArray?, int, long> timeOf)
    {
        var writer = new MessagePackWriter(buffer);
        var valueColumns = batch.ColumnCount - (timeIndex >= 0 ? 1 : 0);
        TaggedBody.WriteStart(ref writer, tags, measurement, valueColumns, batch.Length);
        var time = timeIndex >= 0 ? batch.Column(timeIndex) : null;
        for (var row = 0; row < batch.Length; row++) writer.Write(timeOf(time, row));
        for (var c = 0; c < batch.ColumnCount; c++)
        {
            if (c == timeIndex) continue;
            writer.Write(batch.Schema.GetFieldByIndex(c).Name);
            var column = batch.Column(c);
            writer.WriteArrayHeader(batch.Length);
            for (var row = 0; row < batch.Length; row++) WriteValue(ref writer, column, row);
        }
        writer.Flush();
    }

    /// <summary>One value of <paramref name="column"/> (nil for a null).</summary>
    public static void WriteValue(ref MessagePackWriter writer, IArrowArray column, int row)
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
                if (unsigned > long.MaxValue) throw ImportException.BadRequest($"value {unsigned} does not fit a 64-bit integer column; cast it to DOUBLE");
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
            case BinaryArray a: writer.Write(System.Text.Encoding.UTF8.GetString(a.GetBytes(row))); break;
            case LargeBinaryArray a: writer.Write(System.Text.Encoding.UTF8.GetString(a.GetBytes(row))); break;
            case BinaryViewArray a: writer.Write(System.Text.Encoding.UTF8.GetString(a.GetBytes(row))); break;
            default: throw ImportException.BadRequest($"values of type {column.Data.DataType.Name} cannot be stored");
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
                throw ImportException.BadRequest($"value {text} does not fit a 64-bit integer column; cast it to DOUBLE");
            writer.Write(value);
        }
        else
        {
            writer.Write(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }
}
