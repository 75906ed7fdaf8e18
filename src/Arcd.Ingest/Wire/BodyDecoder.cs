using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire.LineProtocol;
using Arcd.Ingest.Wire.MessagePack;

namespace Arcd.Ingest.Wire;

/// <summary>A request body's format. Persisted in every WAL record: never renumber.</summary>
public enum BodyFormat : byte
{
    MessagePack = 1,
    LineProtocol = 2,

    /// <summary>arcd's own rows (continuous-query output), never accepted over HTTP (<see cref="TaggedColumnar"/>).</summary>
    TaggedColumnar = 3,
}

/// <summary>
/// The one way a body becomes batches, used by the write endpoints and by WAL replay alike:
/// exactly-once replay depends on decoding a logged body exactly as the first time.
/// </summary>
public static class BodyDecoder
{
    public static bool TryDecode(BodyFormat format, ReadOnlyMemory<byte> body, TimePrecision precision, long nowMicros, DecodeLimits limits,
        out DecodedWrite? write, out DecodeError error)
    {
        if (format == BodyFormat.MessagePack) return MsgPackDecoder.TryDecode(body, limits, nowMicros, out write, out error);
        if (format == BodyFormat.TaggedColumnar) return TaggedColumnar.TryDecode(body, limits, nowMicros, out write, out error);
        using var decoder = new LineProtocolDecoder(limits, precision, nowMicros);
        decoder.Feed(body.Span);
        return decoder.TryFinish(out write, out error);
    }
}
