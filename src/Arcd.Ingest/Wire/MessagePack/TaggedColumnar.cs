using MessagePack;

namespace Arcd.Ingest.Wire.MessagePack;

/// <summary>
/// arcd's own body format (<see cref="BodyFormat.TaggedColumnar"/>): rows arcd writes itself
/// (continuous-query output) go through the WAL like any request, so they need a body replay can
/// decode. Arc's columnar form has no tags and guesses the time unit, so this wraps it:
/// <c>[[tag names], {"m": measurement, "columns": {...}}]</c>, times in µs exactly. Never accepted
/// over HTTP. Layout in Wal/FORMAT.md.
/// </summary>
public static class TaggedColumnar
{
    public static bool TryDecode(ReadOnlyMemory<byte> body, DecodeLimits limits, long nowMicros, out Arcd.Ingest.Columnar.DecodedWrite? write, out DecodeError error) =>
        TryDecodeCore(body, limits, nowMicros, out write, out error);

    private static bool TryDecodeCore(ReadOnlyMemory<byte> body, DecodeLimits limits, long nowMicros, out Arcd.Ingest.Columnar.DecodedWrite? write, out DecodeError error)
    {
        write = null;
        var context = DecodeContext.Rent(limits, nowMicros, TimeUnit.Microseconds);
        var reader = new MessagePackReader(body);
        string? problem;
        try
        {
            if (reader.NextMessagePackType != MessagePackType.Array || reader.ReadArrayHeader() != 2)
            {
                problem = "expected [tag names, columnar payload]";
            }
            else
            {
                var tags = new string[reader.ReadArrayHeader()];
                for (var i = 0; i < tags.Length; i++) tags[i] = reader.ReadString() ?? "";
                Array.Sort(tags, StringComparer.Ordinal);
                if (reader.NextMessagePackType != MessagePackType.Map)
                {
                    problem = "the payload is not a map";
                }
                else if (!PayloadReader.TryRead(ref reader, context, allowBatch: false, out var failure))
                {
                    problem = failure.Message;
                }
                else if (!reader.End)
                {
                    problem = "bytes after the payload";
                }
                else
                {
                    context.Finish();
                    foreach (var batch in context.Output.Batches) batch.TagNames = tags;
                    write = context.HandOver();
                    error = default;
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or MessagePackSerializationException or OverflowException or InvalidOperationException)
        {
            problem = $"malformed at byte {reader.Consumed}: {ex.Message}";
        }
        context.Dispose();
        error = new DecodeError(RejectReason.Malformed, "tagged columnar body: " + problem);
        return false;
    }
}
