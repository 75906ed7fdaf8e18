using Apache.Arrow;
using Apache.Arrow.Types;

namespace Arcd.Query.Output;

/// <summary>
/// Arc's <c>x-arc-arrow-dictionary</c> (ARC-MANAGEMENT §6.3): decided on the first batch, which
/// needs at least <see cref="MinRows"/> rows; each plain utf8 column with at most
/// min(rows / 4, <see cref="MaxDistinct"/>) distinct values becomes <c>dictionary&lt;int32, utf8&gt;</c>
/// for the whole stream, with one dictionary per column that grows as new values appear. The
/// caller re-sends the whole (replacement) dictionary after a batch that grew it.
/// </summary>
public sealed class ArrowDictionaryEncoder
{
    public const int MinRows = 256;
    public const int MaxDistinct = 4096;

    private readonly ColumnDictionary?[] _columns;

    private ArrowDictionaryEncoder(Schema schema, ColumnDictionary?[] columns)
    {
        Schema = schema;
        _columns = columns;
    }

    /// <summary>The stream's schema: the encoded columns as dictionaries.</summary>
    public Schema Schema { get; }

    /// <summary>An encoder for the stream that starts with <paramref name="first"/>, or null when no column qualifies.</summary>
    public static ArrowDictionaryEncoder? For(RecordBatch first)
    {
        if (first.Length < MinRows) return null;
        var limit = Math.Min(first.Length / 4, MaxDistinct);
        var columns = new ColumnDictionary?[first.ColumnCount];
        var any = false;
        for (var c = 0; c < first.ColumnCount; c++)
        {
            if (first.Column(c) is not StringArray strings) continue;
            var distinct = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < strings.Length && distinct.Count <= limit; i++)
                if (!strings.IsNull(i)) distinct.Add(strings.GetString(i)!);
            if (distinct.Count > limit) continue;
            columns[c] = new ColumnDictionary();
            any = true;
        }
        if (!any) return null;
        var builder = new Schema.Builder();
        for (var c = 0; c < first.ColumnCount; c++)
        {
            var field = first.Schema.GetFieldByIndex(c);
            builder.Field(columns[c] is null ? field : new Field(field.Name, new DictionaryType(Int32Type.Default, StringType.Default, false), field.IsNullable));
        }
        foreach (var (key, value) in first.Schema.Metadata ?? new Dictionary<string, string>()) builder.Metadata(key, value);
        return new ArrowDictionaryEncoder(builder.Build(), columns);
    }

    /// <summary><paramref name="batch"/> with the chosen columns encoded; <paramref name="grew"/> says a dictionary gained values.</summary>
    public RecordBatch Encode(RecordBatch batch, out bool grew)
    {
        grew = false;
        var arrays = new IArrowArray[batch.ColumnCount];
        for (var c = 0; c < batch.ColumnCount; c++)
        {
            var column = batch.Column(c);
            if (_columns[c] is not { } dictionary)
            {
                arrays[c] = column;
                continue;
            }
            arrays[c] = dictionary.Encode((StringArray)column, (DictionaryType)Schema.GetFieldByIndex(c).DataType, out var added);
            grew |= added;
        }
        return new RecordBatch(Schema, arrays, batch.Length);
    }

    /// <summary>One column's values so far, in first-seen order.</summary>
    private sealed class ColumnDictionary
    {
        private readonly Dictionary<string, int> _codes = new(StringComparer.Ordinal);
        private readonly List<string> _values = [];
        private StringArray? _array;

        public DictionaryArray Encode(StringArray strings, DictionaryType type, out bool added)
        {
            added = false;
            var indices = new Int32Array.Builder().Reserve(strings.Length);
            for (var i = 0; i < strings.Length; i++)
            {
                if (strings.IsNull(i))
                {
                    indices.AppendNull();
                    continue;
                }
                var value = strings.GetString(i)!;
                if (!_codes.TryGetValue(value, out var code))
                {
                    code = _values.Count;
                    _codes.Add(value, code);
                    _values.Add(value);
                    added = true;
                }
                indices.Append(code);
            }
            if (added || _array is null) _array = new StringArray.Builder().AppendRange(_values).Build();
            return new DictionaryArray(type, indices.Build(), _array);
        }
    }
}
