using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Arcd.Import.Arrow;

/// <summary>
/// An imported file's time column read from Arrow (ARC-MANAGEMENT §5.3): a timestamp of any unit,
/// a date, an integer or float (in <c>time_format</c>'s unit, or by magnitude), or a string in one
/// of <see cref="ImportTime"/>'s layouts.
/// </summary>
public static class ArrowTime
{
    public static bool IsSupported(IArrowType type) => type.TypeId is ArrowTypeId.Timestamp or ArrowTypeId.Date32 or ArrowTypeId.Date64
        or ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64
        or ArrowTypeId.UInt8 or ArrowTypeId.UInt16 or ArrowTypeId.UInt32 or ArrowTypeId.UInt64
        or ArrowTypeId.HalfFloat or ArrowTypeId.Float or ArrowTypeId.Double
        or ArrowTypeId.String or ArrowTypeId.LargeString or ArrowTypeId.StringView or ArrowTypeId.Binary or ArrowTypeId.LargeBinary;

    /// <summary>Row <paramref name="row"/>'s time in µs; false with a reason for a null, unparsable or unstorable value.</summary>
    public static bool TryRead(IArrowArray column, int row, string format, out long micros, out string? problem)
    {
        micros = 0;
        if (column.IsNull(row))
        {
            problem = "empty value in time column";
            return false;
        }
        switch (column)
        {
            case TimestampArray t:
                var value = t.GetValue(row)!.Value;
                return ImportTime.Checked(((TimestampType)t.Data.DataType).Unit switch
                {
                    TimeUnit.Second => value * 1_000_000,
                    TimeUnit.Millisecond => value * 1_000,
                    TimeUnit.Microsecond => value,
                    _ => Math.DivRem(value, 1_000) is var (q, r) && r < 0 ? q - 1 : q,
                }, out micros, out problem);
            case Date32Array d: return ImportTime.Checked(d.GetValue(row)!.Value * 86_400_000_000L, out micros, out problem);
            case Date64Array d: return ImportTime.Checked(d.GetValue(row)!.Value * 1_000L, out micros, out problem);
            case Int8Array a: return Integer(a.GetValue(row)!.Value, format, out micros, out problem);
            case Int16Array a: return Integer(a.GetValue(row)!.Value, format, out micros, out problem);
            case Int32Array a: return Integer(a.GetValue(row)!.Value, format, out micros, out problem);
            case Int64Array a: return Integer(a.GetValue(row)!.Value, format, out micros, out problem);
            case UInt8Array a: return Integer(a.GetValue(row)!.Value, format, out micros, out problem);
            case UInt16Array a: return Integer(a.GetValue(row)!.Value, format, out micros, out problem);
            case UInt32Array a: return Integer(a.GetValue(row)!.Value, format, out micros, out problem);
            case UInt64Array a: return Integer((long)Math.Min(a.GetValue(row)!.Value, long.MaxValue), format, out micros, out problem);
            case HalfFloatArray a: return Real((double)a.GetValue(row)!.Value, format, out micros, out problem);
            case FloatArray a: return Real(a.GetValue(row)!.Value, format, out micros, out problem);
            case DoubleArray a: return Real(a.GetValue(row)!.Value, format, out micros, out problem);
            case StringArray a: return ImportTime.TryParse(a.GetString(row), format, out micros, out problem);
            case LargeStringArray a: return ImportTime.TryParse(a.GetString(row), format, out micros, out problem);
            case StringViewArray a: return ImportTime.TryParse(a.GetString(row), format, out micros, out problem);
            case BinaryArray a: return ImportTime.TryParse(Encoding.UTF8.GetString(a.GetBytes(row)), format, out micros, out problem);
            case LargeBinaryArray a: return ImportTime.TryParse(Encoding.UTF8.GetString(a.GetBytes(row)), format, out micros, out problem);
            default:
                problem = $"a time column of type {column.Data.DataType.Name} is not supported";
                return false;
        }
    }

    private static bool Integer(long value, string format, out long micros, out string? problem) =>
        ImportTime.Checked(ImportTime.FromInteger(value, format), out micros, out problem);

    private static bool Real(double value, string format, out long micros, out string? problem)
    {
        if (!double.IsFinite(value))
        {
            micros = 0;
            problem = $"invalid epoch value {value}";
            return false;
        }
        return ImportTime.Checked(ImportTime.FromReal(value, format), out micros, out problem);
    }
}
