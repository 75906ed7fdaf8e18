using System.Buffers;
using Arcd.Ingest.Columnar;
using MessagePack;

namespace Arcd.Ingest.Wire.MessagePack;

/// <summary>
/// Decodes every MessagePack shape Arc accepts (docs/PROTOCOL.md §1.3, with Part A): a payload map, a
/// top-level array of payloads, or <c>{"batch": [...]}</c>; each payload columnar
/// (<c>{"m", "columns"}</c>) or a row record (<c>m, t, h, fields | f, tags</c>). Row records are
/// grouped per measurement into one batch each. All or nothing: one bad element rejects the
/// request, with up to 20 details naming the elements.
/// </summary>
public static class MsgPackDecoder
{
    internal const string Prefix = "Invalid MessagePack payload: ";

    public static bool TryDecode(ReadOnlyMemory<byte> body, DecodeLimits limits, long nowMicros, out DecodedWrite? write, out DecodeError error) =>
        TryDecode(new ReadOnlySequence<byte>(body), limits, nowMicros, out write, out error);

    public static bool TryDecode(ReadOnlySequence<byte> body, DecodeLimits limits, long nowMicros, out DecodedWrite? write, out DecodeError error)
    {
        write = null;
        if (body.IsEmpty)
        {
            error = new DecodeError(RejectReason.EmptyBody, "Empty payload");
            return false;
        }

        var context = DecodeContext.Rent(limits, nowMicros);
        var reader = new MessagePackReader(body);
        try
        {
            if (TryDecodeTop(ref reader, context, out error))
            {
                if (!reader.End)
                {
                    error = new DecodeError(RejectReason.TrailingBytes,
                        $"{Prefix}{reader.Consumed} bytes decoded but the body has {body.Length}: one top-level value per request, with nothing after it");
                }
                else
                {
                    context.Finish();
                    write = context.HandOver();
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or MessagePackSerializationException or OverflowException or InvalidOperationException)
        {
            error = new DecodeError(RejectReason.Malformed, $"{Prefix}malformed or truncated MessagePack at byte {reader.Consumed}: {ex.Message}");
        }
        context.Dispose();
        return false;
    }

    private static bool TryDecodeTop(ref MessagePackReader reader, DecodeContext context, out DecodeError error)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Map:
                if (PayloadReader.TryRead(ref reader, context, allowBatch: true, out var failure)) break;
                if (failure.Reason == RejectReason.Malformed && failure.IsStructural)
                {
                    error = new DecodeError(failure.Reason, Prefix + failure.Message);
                    return false;
                }
                if (failure.Elements is not null)
                {
                    error = ElementsError(failure.Elements, failure.ElementCount);
                    return false;
                }
                error = new DecodeError(failure.Reason, failure.Reason == RejectReason.InvalidMeasurementName ? failure.Message : Prefix + failure.Message);
                return false;
            case MessagePackType.Array:
                if (!PayloadReader.TryReadElements(ref reader, context, out var details, out var count, out var fatal))
                {
                    error = fatal ?? ElementsError(details!, count);
                    return false;
                }
                break;
            default:
                error = new DecodeError(RejectReason.UnsupportedShape,
                    $"{Prefix}unsupported msgpack payload type: {MsgPackValues.Describe(reader.NextMessagePackType)} (expected a map or an array of maps)");
                return false;
        }
        error = default;
        return true;
    }

    internal static DecodeError ElementsError(List<ErrorDetail> details, int elementCount)
    {
        var failed = details.Count;
        var shown = details.Count > DecodeError.MaxDetails ? details[..DecodeError.MaxDetails] : details;
        var first = details[0];
        var more = failed > shown.Count ? $" (first {shown.Count} listed)" : "";
        return new DecodeError(RejectReason.Malformed,
            $"{Prefix}{failed} of {elementCount} payloads rejected{more}, nothing was stored; first: element {first.Index}: {first.Reason}",
            shown);
    }
}

/// <summary>
/// State of one decode: the output, the row builders per measurement, row counting. Decoding is
/// synchronous, so each thread keeps one spare: <see cref="Rent"/> takes it, and <see cref="HandOver"/>
/// or <see cref="Dispose"/> puts it back.
/// </summary>
internal sealed class DecodeContext : IDisposable
{
    [ThreadStatic] private static DecodeContext? t_spare;

    private DecodeContext()
    {
    }

    public static DecodeContext Rent(DecodeLimits limits, long nowMicros, TimeUnit? fixedTimeUnit = null)
    {
        var context = t_spare ?? new DecodeContext();
        t_spare = null;
        context.Limits = limits;
        context.NowMicros = nowMicros;
        context.FixedTimeUnit = fixedTimeUnit;
        context.Rows = 0;
        context._output = DecodedWrite.Rent();
        return context;
    }

    private DecodedWrite? _output;

    // Made on the first row record; columnar requests never need it.
    private Dictionary<string, RowBatchBuilder>? _rows;
    private string[] _compactFieldNames = [];

    /// <summary>The tag names of the row being read (row format), reused from row to row.</summary>
    public TagNameSet RowTagNames => _rowTagNames ??= new TagNameSet();
    private TagNameSet? _rowTagNames;

    /// <summary>Scratch for tag values written as text (numbers, booleans).</summary>
    public byte[] TextScratch => _textScratch ??= new byte[64];
    private byte[]? _textScratch;

    /// <summary>The key or name in <paramref name="utf8"/> as a string, made once per process (<see cref="NameCache"/>).</summary>
    public string Intern(ReadOnlySpan<byte> utf8) => NameCache.Get(utf8);

    /// <summary><c>field_0</c>, <c>field_1</c>, … for the compact <c>f</c> array.</summary>
    public string CompactFieldName(int index)
    {
        if (index >= _compactFieldNames.Length)
        {
            var larger = new string[Math.Max(index + 1, _compactFieldNames.Length * 2)];
            _compactFieldNames.CopyTo(larger, 0);
            _compactFieldNames = larger;
        }
        return _compactFieldNames[index] ??= "field_" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public DecodeLimits Limits { get; private set; } = DecodeLimits.Default;
    public long NowMicros { get; private set; }

    /// <summary>Set for arcd's own tagged-columnar bodies: their times are µs, never guessed from the magnitude.</summary>
    public TimeUnit? FixedTimeUnit { get; private set; }
    public DecodedWrite Output => _output ?? throw new InvalidOperationException("the decode context was handed back");
    public long Rows { get; private set; }

    public RowBatchBuilder RowsFor(string measurement)
    {
        _rows ??= new Dictionary<string, RowBatchBuilder>(StringComparer.Ordinal);
        if (!_rows.TryGetValue(measurement, out var builder)) _rows.Add(measurement, builder = new RowBatchBuilder(measurement));
        return builder;
    }

    public bool TryCount(long rows, out string? error)
    {
        Rows += rows;
        error = Rows > Limits.MaxRowsPerRequest ? $"the request has more than {Limits.MaxRowsPerRequest} rows" : null;
        return error is null;
    }

    /// <summary>Moves the row builders' batches into the output.</summary>
    public void Finish()
    {
        if (_rows is null) return;
        foreach (var builder in _rows.Values) Output.Add(builder.Build());
        _rows.Clear();
    }

    /// <summary>The decode succeeded: the caller takes the output (after <see cref="Finish"/>), and this context goes back.</summary>
    public DecodedWrite HandOver()
    {
        var output = Output;
        _output = null;
        t_spare = this;
        return output;
    }

    /// <summary>The decode failed: everything decoded so far is released, and this context goes back.</summary>
    public void Dispose()
    {
        if (_rows is not null)
        {
            foreach (var builder in _rows.Values) builder.Dispose();
            _rows.Clear();
        }
        _output?.Dispose();
        _output = null;
        t_spare = this;
    }
}
