using Arcd.Ingest.Columnar;

namespace Arcd.Ingest.Wire.LineProtocol;

/// <summary>Row application: one parsed line (its tags and fields, held as ranges of the scratch buffer) becomes a row of its measurement's batch.</summary>
public sealed partial class LineProtocolDecoder
{
    private RowBatchBuilder BuilderFor(ReadOnlySpan<char> measurement)
    {
        if (!_buildersByChars.TryGetValue(measurement, out var builder))
        {
            var name = measurement.ToString();
            _builders.Add(name, builder = new RowBatchBuilder(name));
        }
        return builder;
    }

    [System.Runtime.CompilerServices.SkipLocalsInit] // the key buffer is written before it is read
    private bool Apply(RowBatchBuilder builder, long micros, out string? column, out string? reason)
    {
        column = null;
        if (_records >= _limits.MaxRowsPerRequest) return Fail($"the request has more than {_limits.MaxRowsPerRequest} rows", out reason);

        builder.BeginRow(micros);
        Span<char> key = stackalloc char[_limits.MaxColumnNameBytes + "_value".Length];
        var scratch = _scratch.Span;
        for (var t = 0; t < _tagKeys.Count; t++)
        {
            if (!TryKeyChars(scratch.Slice(_tagKeys[t].Offset, _tagKeys[t].Length), key, out var length)) return Abandon(builder, "tag key too long or not UTF-8", out reason);
            if (builder.SetTag(key[..length], scratch.Slice(_tagValues[t].Offset, _tagValues[t].Length)) is { } error)
            {
                column = key[..length].ToString();
                return Abandon(builder, error, out reason);
            }
        }
        foreach (ref readonly var field in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_fields))
        {
            var keyBytes = scratch.Slice(field.KeyOffset, field.KeyLength);
            if (!TryKeyChars(keyBytes, key, out var length)) return Abandon(builder, "field key too long or not UTF-8", out reason);
            if (IsTagKey(keyBytes))
            {
                "_value".AsSpan().CopyTo(key[length..]);
                length += "_value".Length;
            }
            var error = field.Kind switch
            {
                FieldKind.Int64 => builder.SetInt64(key[..length], field.Integer),
                FieldKind.Float64 => builder.SetFloat64(key[..length], field.Real),
                FieldKind.Boolean => builder.SetBoolean(key[..length], field.Integer != 0),
                _ => builder.SetString(key[..length], scratch.Slice(field.ValueOffset, field.ValueLength)),
            };
            if (error is not null)
            {
                column = key[..length].ToString();
                return Abandon(builder, error, out reason);
            }
        }
        builder.EndRow();
        _records++;
        reason = null;
        return true;
    }
}
