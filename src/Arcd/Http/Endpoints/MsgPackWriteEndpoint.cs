using Arcd.Ingest.Shards;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.MessagePack;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>
/// <c>POST /api/v1/write/msgpack</c>: Arc's columnar MessagePack form. 204 once every row is in
/// the engine; 400 with a reason when anything is wrong (and then nothing was kept); 413 for an
/// oversized body; 503 with Retry-After when the engine is over its memory budget or stopping.
/// </summary>
public sealed class MsgPackWriteEndpoint(IngestEngine engine, long maxRequestBytes, DecodeLimits limits)
{
    public const string DatabaseHeader = "x-arc-database";
    public const string DefaultDatabase = "default";

    public async Task HandleAsync(HttpContext context)
    {
        var database = context.Request.Headers[DatabaseHeader].ToString();
        if (database.Length == 0) database = DefaultDatabase;
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

        Arcd.Ingest.Columnar.ColumnBatch? batch;
        DecodeError error;
        using (body)
        {
            // The batch copies what it needs, so the body goes back to the pool before the handoff.
            if (!ColumnarMsgPackDecoder.TryDecode(body!.Memory, limits, TimeUnits.NowMicros(), out batch, out error))
            {
                await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, error.Message);
                return;
            }
        }

        if (batch!.RowCount == 0)
        {
            batch.Dispose();
            JsonResponse.NoContent(context);
            return;
        }

        switch (engine.TrySubmit(database, batch, out var appended))
        {
            case SubmitStatus.Accepted:
                await appended;
                JsonResponse.NoContent(context);
                return;
            case SubmitStatus.OverBudget:
                batch.Dispose();
                await Unavailable(context, "memory budget exhausted: buffered data is still being written; retry shortly");
                return;
            case SubmitStatus.QueueFull:
                batch.Dispose();
                await Unavailable(context, "ingest queue full; retry shortly");
                return;
            default:
                batch.Dispose();
                await Unavailable(context, "shutting down");
                return;
        }
    }

    private static Task Unavailable(HttpContext context, string message)
    {
        context.Response.Headers.RetryAfter = "1";
        return JsonResponse.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, message);
    }
}
