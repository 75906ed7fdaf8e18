using System.Buffers.Text;
using System.Text;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Buffers;

namespace Arcd.Ingest.Wire.LineProtocol;

/// <summary>
/// InfluxDB line protocol, strictly (docs/PROTOCOL.md Part A item 4):
/// <c>measurement[,tag=value...] field=value[,field=value...] [timestamp]</c> with Influx's escapes,
/// quoted string fields, <c>i</c>/<c>u</c> integers, floats with exponents, every boolean
/// spelling, comments, blank lines and CRLF. Input may arrive in any split (<see cref="Feed"/>);
/// a partial line waits for the rest. Every bad line is reported with its number and nothing
/// from the request is kept.
/// </summary>
public sealed partial class LineProtocolDecoder : IDisposable
{
    private readonly DecodeLimits _limits;
    private readonly TimePrecision _precision;
    private readonly long _nowMicros;
    private readonly PooledBuffer _carry = new(256);
    private readonly PooledBuffer _scratch = new(256);
    private readonly Dictionary<string, RowBatchBuilder> _builders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RowBatchBuilder>.AlternateLookup<ReadOnlySpan<char>> _buildersByChars;
    private readonly List<(int Offset, int Length)> _tagKeys = [];
    private readonly List<(int Offset, int Length)> _tagValues = [];
    private readonly List<PendingField> _fields = [];
    private readonly List<ErrorDetail> _details = [];
    // The previous line's measurement as written, and its builder: lines of one measurement in a row
    // (the common body) skip the name's check and lookup.
    private readonly byte[] _lastMeasurement = new byte[NameRules.MaxMeasurementLength];
    private int _lastMeasurementLength = -1;
    private RowBatchBuilder? _lastBuilder;
    private int _line;
    private int _failedLines;
    private long _records;
    private long _bytes;

    public LineProtocolDecoder(DecodeLimits limits, TimePrecision precision, long nowMicros)
    {
        _limits = limits;
        _precision = precision;
        _nowMicros = nowMicros;
        _buildersByChars = _builders.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private enum FieldKind
    {
        Int64,
        Float64,
        Boolean,
        String,
    }

    private readonly record struct PendingField(int KeyOffset, int KeyLength, FieldKind Kind, long Integer, double Real, int ValueOffset, int ValueLength);

    /// <summary>Parses every complete line in <paramref name="chunk"/>; a trailing partial line is kept for the next call.</summary>
    public void Feed(ReadOnlySpan<byte> chunk)
    {
        _bytes += chunk.Length;
        while (!chunk.IsEmpty)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _carry.Write(chunk);
                return;
            }
            if (_carry.Length > 0)
            {
                _carry.Write(chunk[..newline]);
                ParseLine(_carry.Span);
                _carry.Clear();
            }
            else
            {
                ParseLine(chunk[..newline]);
            }
            chunk = chunk[(newline + 1)..];
        }
    }

    /// <summary>Ends the input: the last line (without a newline) is parsed, then the verdict.</summary>
    public bool TryFinish(out DecodedWrite? write, out DecodeError error)
    {
        write = null;
        if (_carry.Length > 0)
        {
            ParseLine(_carry.Span);
            _carry.Clear();
        }
        if (_bytes == 0)
        {
            error = new DecodeError(RejectReason.EmptyBody, "Empty request body");
            return false;
        }
        if (_failedLines > 0)
        {
            var first = _details[0];
            var more = _failedLines > _details.Count ? $" (first {_details.Count} listed)" : "";
            error = new DecodeError(RejectReason.InvalidLine,
                $"{_failedLines} of {_line} lines rejected{more}, nothing was stored; first: line {first.Line}: {first.Reason}", _details);
            return false;
        }
        if (_records == 0)
        {
            error = new DecodeError(RejectReason.EmptyBody, "No valid records in request");
            return false;
        }
        write = DecodedWrite.Rent();
        foreach (var builder in _builders.Values) write.Add(builder.Build());
        _builders.Clear();
        _lastBuilder = null;
        ReturnLayoutScratch();
        error = default;
        return true;
    }

    public void Dispose()
    {
        foreach (var builder in _builders.Values) builder.Dispose();
        _builders.Clear();
        _lastBuilder = null;
        ReturnLayoutScratch();
        _carry.Dispose();
        _scratch.Dispose();
    }

    private void ParseLine(ReadOnlySpan<byte> line)
    {
        _line++;
        if (!line.IsEmpty && line[^1] == '\r') line = line[..^1];
        var start = 0;
        while (start < line.Length && (line[start] == ' ' || line[start] == '\t')) start++;
        line = line[start..];
        if (line.IsEmpty || line[0] == '#') return;

        if (!TryParseRecord(line, out var column, out var reason))
        {
            _failedLines++;
            if (_details.Count < DecodeError.MaxDetails) _details.Add(new ErrorDetail(null, _line, column, reason!));
        }
    }

    [System.Runtime.CompilerServices.SkipLocalsInit] // its stack buffers are written before they are read
    private bool TryParseRecord(ReadOnlySpan<byte> line, out string? column, out string? reason)
    {
        column = null;
        if (TryApplySameLayout(line))
        {
            reason = null;
            return true;
        }
        _scratch.Clear();
        _tagKeys.Clear();
        _tagValues.Clear();
        _fields.Clear();
        RawTagKeys.Clear();
        RawFieldKeys.Clear();

        // Measurement: up to an unescaped ',' or ' '.
        var i = 0;
        var measurement = Unescape(line, ref i, stopAtComma: true, stopAtEquals: false);
        var measurementEnd = i;
        if (measurement.Length == 0) return Fail("missing measurement", out reason);
        var measurementSpan = _scratch.Span.Slice(measurement.Offset, measurement.Length);
        var builder = _lastBuilder is not null && measurementSpan.SequenceEqual(_lastMeasurement.AsSpan(0, Math.Max(_lastMeasurementLength, 0)))
            ? _lastBuilder
            : null;
        if (builder is null)
        {
            Span<char> measurementChars = stackalloc char[NameRules.MaxMeasurementLength];
            if (measurementSpan.Length > NameRules.MaxMeasurementLength || !TryAscii(measurementSpan, measurementChars, out var measurementLength)
                || !NameRules.IsValidMeasurement(measurementChars[..measurementLength]))
            {
                return Fail($"invalid measurement name \"{Encoding.UTF8.GetString(measurementSpan)}\": {NameRules.MeasurementRule}", out reason);
            }
            builder = BuilderFor(measurementChars[..measurementLength]);
            measurementSpan.CopyTo(_lastMeasurement);
            _lastMeasurementLength = measurementSpan.Length;
            _lastBuilder = builder;
        }

        // Tags.
        while (i < line.Length && line[i] == ',')
        {
            i++;
            var keyStart = i;
            var key = Unescape(line, ref i, stopAtComma: true, stopAtEquals: true);
            var rawKey = (keyStart, i - keyStart);
            if (i >= line.Length || line[i] != '=') return Fail($"tag '{Text(key)}' has no '=value'", out reason);
            i++;
            var value = Unescape(line, ref i, stopAtComma: true, stopAtEquals: false);
            if (key.Length == 0) return Fail("empty tag key", out reason);
            if (value.Length == 0) return Fail($"tag '{Text(key)}' has an empty value", out reason);
            _tagKeys.Add(key);
            _tagValues.Add(value);
            RawTagKeys.Add(rawKey);
        }
        if (i >= line.Length || line[i] != ' ') return Fail("missing fields (expected a space, then field=value)", out reason);
        while (i < line.Length && line[i] == ' ') i++;
        if (i >= line.Length) return Fail("missing fields", out reason);

        // Fields.
        while (true)
        {
            var keyStart = i;
            var key = Unescape(line, ref i, stopAtComma: true, stopAtEquals: true);
            RawFieldKeys.Add((keyStart, i - keyStart));
            if (key.Length == 0) return Fail("empty field key", out reason);
            if (i >= line.Length || line[i] != '=') return Fail($"field '{Text(key)}' has no '=value'", out reason);
            i++;
            if (!TryParseFieldValue(line, ref i, key, out var problem)) return Fail(problem!, out reason, Text(key), out column);
            if (i >= line.Length || line[i] == ' ') break;
            if (line[i] != ',') return Fail($"unexpected '{(char)line[i]}' after field '{Text(key)}'", out reason);
            i++;
        }

        if (!TryReadTimestamp(line, i, out var micros, out reason)) return false;
        if (!Apply(builder, micros, out column, out reason)) return false;
        RememberLayout(line, measurementEnd, builder);
        return true;
    }

    /// <summary>The optional timestamp after the fields (from <paramref name="i"/>, spaces first); the request's time when absent.</summary>
    private bool TryReadTimestamp(ReadOnlySpan<byte> line, int i, out long micros, out string? reason)
    {
        reason = null;
        micros = _nowMicros;
        while (i < line.Length && line[i] == ' ') i++;
        if (i >= line.Length) return true;
        var end = line[i..].IndexOf((byte)' ');
        var token = end < 0 ? line[i..] : line.Slice(i, end);
        if (end >= 0 && !line[(i + end)..].TrimStart((byte)' ').IsEmpty) return Fail("unexpected text after the timestamp", out reason);
        if (!Utf8Parser.TryParse(token, out long timestamp, out var consumed) || consumed != token.Length)
            return Fail($"invalid timestamp '{Encoding.UTF8.GetString(token)}'", out reason);
        if (!Precision.TryToMicros(timestamp, _precision, out micros) || !TimeUnits.IsRepresentable(micros))
            return Fail($"timestamp {timestamp} ({_precision}) is outside years 0001-9999", out reason);
        return true;
    }

    private string Text((int Offset, int Length) range) => Encoding.UTF8.GetString(_scratch.Span.Slice(range.Offset, range.Length));

    private static bool Abandon(RowBatchBuilder builder, string error, out string? reason)
    {
        builder.AbandonRow();
        reason = error;
        return false;
    }

    private static bool Fail(string message, out string? reason)
    {
        reason = message;
        return false;
    }

    private static bool Fail(string message, out string? reason, string column, out string? columnOut)
    {
        reason = message;
        columnOut = column;
        return false;
    }
}
