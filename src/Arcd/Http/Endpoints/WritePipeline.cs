using Arcd.Ingest.Catalog;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Shards;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.Compression;
using Arcd.Ingest.Wire.LineProtocol;
using Arcd.Ingest.Wire.MessagePack;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

public enum WriteFormat
{
    MessagePack,
    LineProtocol,
}

/// <summary>
/// Every write endpoint's path from body to answer: read (413) → decompress (415, 413, 400) →
/// decode (400 with details) → column-kind catalog (400) → engine (503) → 204. Nothing is kept
/// unless everything passes.
/// </summary>
public sealed class WritePipeline(IngestEngine engine, ColumnCatalog catalog, long maxRequestBytes, long maxDecompressedBytes, DecodeLimits limits)
{
    public async Task HandleAsync(HttpContext context, WriteFormat format, string database, TimePrecision precision)
    {
        if (!NameRules.IsValidDatabase(database))
        {
            await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, $"invalid database name: {NameRules.DatabaseRule}");
            return;
        }

        var (status, body) = await PooledBody.ReadAsync(context.Request, maxRequestBytes);
        if (status == BodyStatus.TooLarge)
        {
            await JsonResponse.ErrorAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"request body exceeds Server:MaxRequestBytes ({maxRequestBytes} bytes); send smaller batches");
            return;
        }

        DecodedWrite? write;
        using (body)
        {
            if (!BodyDecompressor.TryDetect(context.Request.Headers.ContentEncoding.ToString(), body!.Memory.Span, out var encoding, out var unsupported))
            {
                await JsonResponse.ErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, unsupported!);
                return;
            }
            RentedBytes? inflated = null;
            if (encoding != BodyEncoding.Identity)
            {
                switch (BodyDecompressor.Decompress(body.Segment, encoding, maxDecompressedBytes, out inflated, out var problem))
                {
                    case BodyDecompressor.Status.TooLarge:
                        await JsonResponse.ErrorAsync(context, StatusCodes.Status413PayloadTooLarge,
                            $"{problem}: over Server:MaxDecompressedBytes; send smaller batches");
                        return;
                    case BodyDecompressor.Status.Invalid:
                        await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, problem!);
                        return;
                }
            }
            using (inflated)
            {
                // The batches copy what they need, so the body buffers go back to the pool before the handoff.
                var bytes = inflated?.Memory ?? body.Memory;
                if (!TryDecode(format, bytes, precision, out write, out var error))
                {
                    await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, error.Message, error.Details);
                    return;
                }
            }
        }

        using (write)
        {
            if (write!.Batches.Count == 0)
            {
                JsonResponse.NoContent(context); // an empty array or batch: nothing to store, as Arc
                return;
            }
            if (!catalog.TryAdmit(database, write.Batches, out var conflict, out var column))
            {
                await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, conflict!,
                    [new ErrorDetail(null, null, column, conflict!)]);
                return;
            }
            switch (engine.TrySubmit(database, write.Batches, out var appended))
            {
                case SubmitStatus.Accepted:
                    write.Detach();
                    await appended;
                    JsonResponse.NoContent(context);
                    return;
                case SubmitStatus.OverBudget:
                    await Unavailable(context, "memory budget exhausted: buffered data is still being written; retry shortly");
                    return;
                case SubmitStatus.QueueFull:
                    await Unavailable(context, "ingest queue full; retry shortly");
                    return;
                default:
                    await Unavailable(context, "shutting down");
                    return;
            }
        }
    }

    private bool TryDecode(WriteFormat format, ReadOnlyMemory<byte> bytes, TimePrecision precision, out DecodedWrite? write, out DecodeError error)
    {
        var now = TimeUnits.NowMicros();
        if (format == WriteFormat.MessagePack) return MsgPackDecoder.TryDecode(bytes, limits, now, out write, out error);
        using var decoder = new LineProtocolDecoder(limits, precision, now);
        decoder.Feed(bytes.Span);
        return decoder.TryFinish(out write, out error);
    }

    private static Task Unavailable(HttpContext context, string message)
    {
        context.Response.Headers.RetryAfter = "1";
        return JsonResponse.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, message);
    }
}
