using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Arcd.Ingest.Columnar;
using MessagePack;

namespace Arcd.Ingest.Wire.MessagePack;

/// <summary>
/// The columnar form's <c>columns</c> map: <c>{"col": [v0, v1, ...]}</c> straight into pooled typed
/// columns (docs/PROTOCOL.md §1.3–1.5 with Part A: an integer column that meets a float becomes float64).
/// </summary>
internal static class ColumnarPayload
{
    public static bool TryRead(ref MessagePackReader reader, string measurement, DecodeContext context, out ColumnBatch? batch, out PayloadFailure failure)
    {
        batch = ColumnBatch.Rent(measurement);
        if (TryReadColumns(ref reader, batch, context, out failure)) return true;
        batch.Dispose();
        batch = null;
        return false;
    }

    private static bool TryReadColumns(ref MessagePackReader reader, ColumnBatch batch, DecodeContext context, out PayloadFailure failure)
    {
        var limits = context.Limits;
        var count = reader.ReadMapHeader();
        if (count == 0) return Fail(out failure, RejectReason.EmptyColumns, "columnar format requires non-empty 'columns' dict");
        if (count > limits.MaxColumns) return Fail(out failure, RejectReason.LimitExceeded, $"{count} columns exceed the limit of {limits.MaxColumns}");

        var rows = -1;
        string? firstColumn = null;
        var sawTime = false;
        for (var c = 0; c < count; c++)
        {
            if (reader.NextMessagePackType != MessagePackType.String)
                return Fail(out failure, RejectReason.InvalidColumnName, $"column name at byte {reader.Consumed} is {MsgPackValues.Describe(reader.NextMessagePackType)}, expected a string");
            var name = reader.TryReadStringSpan(out var utf8) ? context.Intern(utf8) : reader.ReadString() ?? "";
            if (!TryCheckName(name, limits, out failure)) return false;
            if (name == ColumnBatch.TimeColumnName ? sawTime : batch.Find(name) is not null)
                return Fail(out failure, RejectReason.DuplicateColumn, $"column '{name}' appears twice", name);
            if (reader.NextMessagePackType != MessagePackType.Array)
            {
                // Arc drops non-array column values (a scalar, nil) without a word (TV12).
                if (!MsgPackValues.TrySkip(ref reader, limits.MaxNestingDepth))
                    return Fail(out failure, RejectReason.LimitExceeded, $"column '{name}' nests deeper than the limit", name);
                continue;
            }

            var length = reader.ReadArrayHeader();
            // Every element takes at least one byte: a claimed length beyond the remaining bytes is a lie
            // we must not allocate for.
            if (length > MsgPackValues.Remaining(ref reader))
                return Fail(out failure, RejectReason.Malformed, $"column '{name}' claims {length} rows but only {MsgPackValues.Remaining(ref reader)} bytes remain", name);
            if (length > limits.MaxRowsPerRequest)
                return Fail(out failure, RejectReason.LimitExceeded, $"column '{name}' has {length} rows, over the limit of {limits.MaxRowsPerRequest} per request", name);
            if (rows < 0)
            {
                rows = length;
                firstColumn = name;
            }
            else if (length != rows)
            {
                return Fail(out failure, RejectReason.LengthMismatch, $"columnar format: array length mismatch (expected {rows} from '{firstColumn}', got {length} for '{name}')", name);
            }

            if (name == ColumnBatch.TimeColumnName)
            {
                sawTime = true;
                if (!TryReadTime(ref reader, batch.Time, length, context.FixedTimeUnit, out failure)) return false;
            }
            else
            {
                if (!TryReadValues(ref reader, name, length, limits, out var column, out failure)) return false;
                batch.Add(column!);
            }
        }

        if (!sawTime)
        {
            // Arc fills a missing time column with the server's clock (docs/PROTOCOL.md §1.4).
            for (var i = 0; i < Math.Max(rows, 0); i++) batch.Time.AppendInt64(context.NowMicros);
        }
        failure = default;
        return true;
    }

    private static bool TryCheckName(string name, DecodeLimits limits, out PayloadFailure failure)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(name) > limits.MaxColumnNameBytes)
            return Fail(out failure, RejectReason.InvalidColumnName, $"column name '{name[..32]}...' is longer than {limits.MaxColumnNameBytes} bytes");
        if (!NameRules.IsValidColumnName(name))
            return Fail(out failure, RejectReason.InvalidColumnName, name.Length == 0 ? "empty column name" : $"column name '{name}' starts with '_', which is reserved", name);
        failure = default;
        return true;
    }

    private static bool TryReadTime(ref MessagePackReader reader, Column time, int length, TimeUnit? fixedUnit, out PayloadFailure failure)
    {
        var unit = fixedUnit ?? TimeUnit.Microseconds;
        for (var row = 0; row < length; row++)
        {
            var type = reader.NextMessagePackType;
            if (!MsgPackValues.TryReadTime(ref reader, detectUnit: row == 0 && fixedUnit is null, ref unit, out var micros, out var error))
            {
                var reason = type is MessagePackType.Integer or MessagePackType.Float ? RejectReason.TimestampOutOfRange : RejectReason.InvalidTimestamp;
                var message = reason == RejectReason.InvalidTimestamp
                    ? $"failed to normalize timestamps: invalid timestamp type in columnar format: {MsgPackValues.Describe(type)} (row {row})"
                    : $"time at row {row} {error}";
                return Fail(out failure, reason, message, ColumnBatch.TimeColumnName);
            }
            time.AppendInt64(micros);
            row += AppendTimeRun(ref reader, time, length - row - 1, unit);
        }
        failure = default;
        return true;
    }

    /// <summary>
    /// Like <see cref="AppendFloat64Run"/> for the time column: int64 and uint64 values (0xd3 or 0xcf
    /// and 8 big-endian bytes) in the unit already detected, each converted and range-checked as the general path
    /// does; a value that fails is left to the general path, which reports it.
    /// </summary>
    private static int AppendTimeRun(ref MessagePackReader reader, Column time, int rows, TimeUnit unit)
    {
        if (rows == 0 || !TryRest(ref reader, out var bytes)) return 0;
        var room = time.Int64Room(Math.Min(rows, bytes.Length / 9));
        var taken = 0;
        var at = 0;
        while (taken < room.Length && bytes[at] is MessagePackCode.Int64 or MessagePackCode.UInt64)
        {
            // msgpack-python and MessagePack-CSharp pack today's timestamps as uint64; one past int64 is the general path's error.
            var value = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref MemoryMarshal.GetReference(bytes), at + 1)));
            if (bytes[at] == MessagePackCode.UInt64 && value < 0) break;
            if (!TimeUnits.TryToMicros(value, unit, out var micros) || !TimeUnits.IsRepresentable(micros)) break;
            room[taken] = micros;
            at += 9;
            taken++;
        }
        time.Commit(taken);
        if (at > 0) reader.ReadRaw(at);
        return taken;
    }

    /// <summary>Like <see cref="AppendFloat64Run"/> for strings: fixstr and str8 values up to the per-value cap.</summary>
    private static int AppendStringRun(ref MessagePackReader reader, Column column, int rows, int maxStringBytes)
    {
        if (rows == 0 || !TryRest(ref reader, out var bytes)) return 0;
        var taken = 0;
        var at = 0;
        while (taken < rows && at < bytes.Length)
        {
            var code = bytes[at];
            int header, length;
            if (code is >= MessagePackCode.MinFixStr and <= MessagePackCode.MaxFixStr)
            {
                header = 1;
                length = code - MessagePackCode.MinFixStr;
            }
            else if (code == MessagePackCode.Str8 && at + 1 < bytes.Length)
            {
                header = 2;
                length = bytes[at + 1];
            }
            else break;
            if (length > maxStringBytes || at + header + length > bytes.Length) break;
            column.AppendString(bytes.Slice(at + header, length));
            at += header + length;
            taken++;
        }
        if (at > 0) reader.ReadRaw(at);
        return taken;
    }

    /// <summary>The bytes the reader has not read yet, when they are one span (a request body always is).</summary>
    private static bool TryRest(ref MessagePackReader reader, out ReadOnlySpan<byte> bytes)
    {
        var rest = reader.Sequence.Slice(reader.Position);
        bytes = rest.IsSingleSegment ? rest.FirstSpan : default;
        return rest.IsSingleSegment;
    }

    private static bool TryReadValues(ref MessagePackReader reader, string name, int length, DecodeLimits limits, out Column? column, out PayloadFailure failure)
    {
        column = null;
        var leadingNulls = 0;
        for (var row = 0; row < length; row++)
        {
            var type = reader.NextMessagePackType;
            string? problem = null;
            switch (type)
            {
                case MessagePackType.Nil:
                    reader.ReadNil();
                    if (column is null) leadingNulls++;
                    else column.AppendNull();
                    continue;
                case MessagePackType.Integer:
                {
                    var value = MsgPackValues.ReadInteger(ref reader, out var overflow);
                    if (overflow)
                    {
                        column?.Dispose();
                        column = null;
                        return Fail(out failure, RejectReason.IntegerOutOfRange, $"value at row {row} of column '{name}' is above the int64 range", name);
                    }
                    column ??= Start(name, ColumnKind.Int64, length, leadingNulls);
                    if (column.Kind == ColumnKind.Int64) column.AppendInt64(value);
                    else if (column.Kind == ColumnKind.Float64) column.AppendFloat64(value);
                    else problem = "integer";
                    break;
                }
                case MessagePackType.Float:
                {
                    var value = reader.ReadDouble();
                    column ??= Start(name, ColumnKind.Float64, length, leadingNulls);
                    if (column.Kind == ColumnKind.Int64) column.PromoteInt64ToFloat64();
                    if (column.Kind == ColumnKind.Float64)
                    {
                        column.AppendFloat64(value);
                        row += AppendFloat64Run(ref reader, column, length - row - 1);
                    }
                    else problem = "float";
                    break;
                }
                case MessagePackType.Boolean:
                {
                    var value = reader.ReadBoolean();
                    column ??= Start(name, ColumnKind.Boolean, length, leadingNulls);
                    if (column.Kind == ColumnKind.Boolean) column.AppendBoolean(value);
                    else problem = "bool";
                    break;
                }
                case MessagePackType.String:
                {
                    column ??= Start(name, ColumnKind.String, length, leadingNulls);
                    if (column.Kind != ColumnKind.String)
                    {
                        problem = "string";
                        break;
                    }
                    if (!TryAppendString(ref reader, column, limits, out var tooLong))
                    {
                        column.Dispose();
                        column = null;
                        return Fail(out failure, RejectReason.LimitExceeded, $"string at row {row} of column '{name}' is {tooLong} bytes, over the limit of {limits.MaxStringBytes}", name);
                    }
                    row += AppendStringRun(ref reader, column, length - row - 1, limits.MaxStringBytes);
                    break;
                }
                default:
                    column?.Dispose();
                    column = null;
                    return Fail(out failure, RejectReason.UnsupportedValueType,
                        $"unsupported value type {MsgPackValues.Describe(type)} at row {row} of column '{name}' (expected int, float, bool, string or nil)", name);
            }
            if (problem is not null)
            {
                var earlier = column!.Kind switch { ColumnKind.Int64 or ColumnKind.Float64 => "numbers", ColumnKind.Boolean => "bool", _ => "string" };
                column.Dispose();
                column = null;
                return Fail(out failure, RejectReason.MixedTypes, $"column '{name}' mixes types: row {row} is {problem} but earlier rows are {earlier}", name);
            }
        }
        // A column of nothing but nils is stored as an all-null string column, as Arc.
        column ??= Start(name, ColumnKind.String, length, leadingNulls);
        failure = default;
        return true;
    }

    /// <summary>
    /// The run of float64 values that follows, read straight from the body's bytes (0xcb and 8
    /// big-endian bytes each) rather than value by value through the reader: a column of doubles is
    /// most of a request. Stops at the first other type, which the general loop then reads; returns
    /// how many rows it took, at most <paramref name="rows"/>.
    /// </summary>
    private static int AppendFloat64Run(ref MessagePackReader reader, Column column, int rows)
    {
        if (rows == 0 || !TryRest(ref reader, out var bytes)) return 0;
        var room = column.Float64Room(Math.Min(rows, bytes.Length / 9));
        var taken = 0;
        var at = 0;
        while (taken < room.Length && bytes[at] == MessagePackCode.Float64)
        {
            room[taken] = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref MemoryMarshal.GetReference(bytes), at + 1))));
            at += 9;
            taken++;
        }
        column.Commit(taken);
        if (at > 0) reader.ReadRaw(at);
        return taken;
    }

    /// <summary>Appends a string's UTF-8 bytes; false (with its size) when over the per-value cap.</summary>
    internal static bool TryAppendString(ref MessagePackReader reader, Column column, DecodeLimits limits, out long tooLong)
    {
        tooLong = 0;
        if (reader.TryReadStringSpan(out var span))
        {
            if (span.Length > limits.MaxStringBytes)
            {
                tooLong = span.Length;
                return false;
            }
            column.AppendString(span);
            return true;
        }
        var sequence = reader.ReadStringSequence() ?? default;
        if (sequence.Length > limits.MaxStringBytes)
        {
            tooLong = sequence.Length;
            return false;
        }
        var length = (int)sequence.Length;
        var scratch = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        sequence.CopyTo(scratch);
        column.AppendString(scratch.AsSpan(0, length));
        ArrayPool<byte>.Shared.Return(scratch);
        return true;
    }

    private static Column Start(string name, ColumnKind kind, int length, int leadingNulls)
    {
        var column = Column.Rent(name, kind, length);
        column.AppendNulls(leadingNulls);
        return column;
    }

    private static bool Fail(out PayloadFailure failure, RejectReason reason, string message, string? column = null)
    {
        failure = new PayloadFailure(reason, message, column);
        return false;
    }
}
