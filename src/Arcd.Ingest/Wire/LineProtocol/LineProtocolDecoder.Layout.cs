using Arcd.Ingest.Columnar;

namespace Arcd.Ingest.Wire.LineProtocol;

/// <summary>
/// The same-layout fast path. A writer sends line after line with one measurement, the same tag keys
/// and the same field keys in the same order; only values and timestamps change. After a line is
/// applied the slow way, its layout is kept: the measurement and every key exactly as written
/// (escapes and all), and the column each key landed in. A next line whose bytes repeat those keys
/// at the same places, with plain tag values (no backslash) and numeric fields, goes straight into
/// those columns: no copies into the scratch buffer, no key widening or lookups, no tag-key checks.
/// Identical bytes up to the same unescaped terminator parse identically, so the outcome is the
/// slow path's; anything else (another layout, escapes in values, strings, booleans, exponents)
/// returns false before anything is written, and the slow path decides. A kept layout's field
/// columns are numeric: it is kept only for lines whose fields are all numbers, and a column's kind
/// only ever widens from integer to float.
/// </summary>
public sealed partial class LineProtocolDecoder
{
    private readonly record struct LayoutKey(int Offset, int Length, Column Column);

    /// <summary>Off in tests only: every line then takes the slow path, the reference the fast path must match.</summary>
    internal bool SameLayoutFastPath { get; init; } = true;

    private RowBatchBuilder? _layoutBuilder;
    private int _layoutMeasurementLength;
    private int _layoutTagCount;
    private int _layoutFieldCount;
    // The layout's arrays, kept per thread between requests (a decoder lives for one request).
    private LayoutScratch? _layoutScratch;

    private sealed class LayoutScratch
    {
        [ThreadStatic] private static LayoutScratch? t_spare;

        public byte[] Bytes = new byte[256]; // the measurement and each key as written, one after another
        public LayoutKey[] Tags = new LayoutKey[4];
        public LayoutKey[] Fields = new LayoutKey[8];
        // Per line, between the parse and the appends: tag values as ranges of the line, field values.
        public (int Offset, int Length)[] TagValues = new (int, int)[4];
        public (bool IsInteger, long Integer, double Real)[] FieldValues = new (bool, long, double)[8];
        // The slow path's raw key ranges of the current line, for RememberLayout.
        public readonly List<(int Offset, int Length)> RawTagKeys = [];
        public readonly List<(int Offset, int Length)> RawFieldKeys = [];

        public static LayoutScratch Rent()
        {
            var spare = t_spare;
            t_spare = null;
            return spare ?? new LayoutScratch();
        }

        public void Return()
        {
            Array.Clear(Tags); // no columns of a finished request stay reachable
            Array.Clear(Fields);
            RawTagKeys.Clear();
            RawFieldKeys.Clear();
            t_spare = this;
        }
    }

    private List<(int Offset, int Length)> RawTagKeys => (_layoutScratch ??= LayoutScratch.Rent()).RawTagKeys;
    private List<(int Offset, int Length)> RawFieldKeys => (_layoutScratch ??= LayoutScratch.Rent()).RawFieldKeys;

    private void ReturnLayoutScratch()
    {
        _layoutBuilder = null;
        _layoutScratch?.Return();
        _layoutScratch = null;
    }

    /// <summary>After the slow path applied <paramref name="line"/>: keeps its layout for the lines that follow.</summary>
    private void RememberLayout(ReadOnlySpan<byte> line, int measurementLength, RowBatchBuilder builder)
    {
        _layoutBuilder = null;
        foreach (var field in _fields)
            if (field.Kind is not (FieldKind.Float64 or FieldKind.Int64)) return; // strings and booleans take the slow path
        var scratch = _layoutScratch ??= LayoutScratch.Rent();
        var tags = scratch.RawTagKeys.Count;
        var fields = scratch.RawFieldKeys.Count;
        var bytes = measurementLength;
        foreach (var (_, length) in scratch.RawTagKeys) bytes += length;
        foreach (var (_, length) in scratch.RawFieldKeys) bytes += length;
        if (bytes > scratch.Bytes.Length) scratch.Bytes = new byte[Math.Max(bytes, scratch.Bytes.Length * 2)];
        if (tags > scratch.Tags.Length) Array.Resize(ref scratch.Tags, Math.Max(tags, scratch.Tags.Length * 2));
        if (tags > scratch.TagValues.Length) Array.Resize(ref scratch.TagValues, scratch.Tags.Length);
        if (fields > scratch.Fields.Length) Array.Resize(ref scratch.Fields, Math.Max(fields, scratch.Fields.Length * 2));
        if (fields > scratch.FieldValues.Length) Array.Resize(ref scratch.FieldValues, scratch.Fields.Length);

        line[..measurementLength].CopyTo(scratch.Bytes);
        var at = measurementLength;
        for (var t = 0; t < tags; t++)
        {
            // The builder's columns by position: the row's tags, then its fields, as Apply set them.
            if (builder.ColumnAt(t) is not { } column) return;
            scratch.Tags[t] = new LayoutKey(at, scratch.RawTagKeys[t].Length, column);
            at += Copy(scratch, line, scratch.RawTagKeys[t], at);
        }
        for (var f = 0; f < fields; f++)
        {
            if (builder.ColumnAt(tags + f) is not { } column) return;
            scratch.Fields[f] = new LayoutKey(at, scratch.RawFieldKeys[f].Length, column);
            at += Copy(scratch, line, scratch.RawFieldKeys[f], at);
        }
        _layoutMeasurementLength = measurementLength;
        _layoutTagCount = tags;
        _layoutFieldCount = fields;
        _layoutBuilder = builder;
    }

    private static int Copy(LayoutScratch scratch, ReadOnlySpan<byte> line, (int Offset, int Length) range, int at)
    {
        line.Slice(range.Offset, range.Length).CopyTo(scratch.Bytes.AsSpan(at));
        return range.Length;
    }

    /// <summary>Parses and applies <paramref name="line"/> when it has the kept layout; false, with nothing written, otherwise.</summary>
    private bool TryApplySameLayout(ReadOnlySpan<byte> line)
    {
        var builder = _layoutBuilder;
        if (builder is null || !SameLayoutFastPath || _records >= _limits.MaxRowsPerRequest) return false;
        var scratch = _layoutScratch!;
        var layout = scratch.Bytes.AsSpan();
        var i = _layoutMeasurementLength;
        if (line.Length <= i || !line[..i].SequenceEqual(layout[..i])) return false;

        for (var t = 0; t < _layoutTagCount; t++)
        {
            if (line[i] != ',') return false;
            i++;
            var tag = scratch.Tags[t];
            if (!SkipKey(line, ref i, layout.Slice(tag.Offset, tag.Length))) return false;
            // Empty, or no fields after it: false. A backslash (an escape to resolve) ends the run too,
            // and then fails the check for the ',' or ' ' that must follow.
            var run = RunLength(line[i..], StopsComma, (byte)(SpaceOrBackslash | Comma));
            if (run <= 0) return false;
            scratch.TagValues[t] = (i, run);
            i += run;
        }
        if (line[i] != ' ') return false;
        while (i < line.Length && line[i] == ' ') i++;

        for (var f = 0; f < _layoutFieldCount; f++)
        {
            if (f > 0)
            {
                if (i >= line.Length || line[i] != ',') return false;
                i++;
            }
            var field = scratch.Fields[f];
            if (!SkipKey(line, ref i, layout.Slice(field.Offset, field.Length))) return false;
            if (FastDecimal.TryParseToDelimiter(line[i..], out var real, out var used))
            {
                scratch.FieldValues[f] = (false, 0, real);
                i += used;
                continue;
            }
            var end = ValueEnd(line, i);
            if (!TryParseInteger(line[i..end], out var integer)) return false;
            scratch.FieldValues[f] = (true, integer, 0);
            i = end;
        }
        if (i < line.Length && line[i] != ' ') return false; // more fields than the layout
        if (!TryReadTimestamp(line, i, out var micros, out _)) return false;

        builder.BeginRow(micros);
        for (var t = 0; t < _layoutTagCount; t++)
        {
            var (offset, length) = scratch.TagValues[t];
            scratch.Tags[t].Column.AppendString(line.Slice(offset, length));
        }
        for (var f = 0; f < _layoutFieldCount; f++)
        {
            var column = scratch.Fields[f].Column;
            var (isInteger, integer, real) = scratch.FieldValues[f];
            if (isInteger && column.Kind == ColumnKind.Int64) column.AppendInt64(integer);
            else
            {
                if (column.Kind == ColumnKind.Int64) column.PromoteInt64ToFloat64(); // as SetFloat64: a float widens the column
                column.AppendFloat64(isInteger ? integer : real);
            }
        }
        builder.EndRow();
        _records++;
        return true;
    }

    /// <summary>The key as the layout wrote it, then '=': moves past both.</summary>
    private static bool SkipKey(ReadOnlySpan<byte> line, ref int i, ReadOnlySpan<byte> key)
    {
        var end = i + key.Length;
        if (end >= line.Length || line[end] != '=' || !line.Slice(i, key.Length).SequenceEqual(key)) return false;
        i = end + 1;
        return true;
    }
}
