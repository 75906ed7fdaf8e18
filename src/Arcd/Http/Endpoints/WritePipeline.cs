using System.Diagnostics;
using Arcd.Ingest.Catalog;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Shards;
using Arcd.Ingest.Wal;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.Compression;
using Arcd.Ingest.Wire.LineProtocol;
using Microsoft.AspNetCore.Http;
using Arcd.Ingest.Metrics;
using Microsoft.Extensions.Logging;

namespace Arcd.Http.Endpoints;

/// <summary>
/// Every write endpoint's path from body to answer: read (413) → decompress (415, 413, 400) →
/// decode (400 with details) → column-kind catalog (400) → engine (503) → 204. Nothing is kept
/// unless everything passes.
/// </summary>
public sealed class WritePipeline(IngestEngine engine, ColumnCatalog catalog, long maxRequestBytes, long maxDecompressedBytes, DecodeLimits limits, WriteStats stats, ILogger logger)
{
    /// <summary>
    /// One async method per write request, whose Task goes to Kestrel as it is (one allocation when it
    /// waits, as it does for the WAL): so it answers its own failures, as the router's guard does for
    /// other endpoints, and never faults.
    /// </summary>
    public async Task HandleAsync(HttpContext context, BodyFormat format, string database, TimePrecision precision)
    {
        long records = 0, bytes = 0;
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (!NameRules.IsValidDatabase(database))
            {
                await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, $"invalid database name: {NameRules.DatabaseRule}");
                return;
            }

            var (status, raw) = await PooledBody.ReadAsync(context.Request, maxRequestBytes);
            if (status == BodyStatus.TooLarge)
            {
                await JsonResponse.ErrorAsync(context, StatusCodes.Status413PayloadTooLarge,
                    $"request body exceeds Server:MaxRequestBytes ({maxRequestBytes} bytes); send smaller batches");
                return;
            }

            // Owned here until handed to the engine (the WAL logs these decompressed bytes) or disposed.
            var body = raw!;
            bytes = body.Length;
            var stages = engine.Counters.Stages;
            try
            {
                if (!BodyDecompressor.TryDetect(context.Request.Headers.ContentEncoding.ToString(), body.Memory.Span, out var encoding, out var unsupported))
                {
                    await JsonResponse.ErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, unsupported!);
                    return;
                }
                if (encoding != BodyEncoding.Identity)
                {
                    var decompressStart = Stopwatch.GetTimestamp();
                    var outcome = BodyDecompressor.Decompress(body.Segment, encoding, maxDecompressedBytes, out var inflated, out var problem);
                    stages.Add(Stage.Decompress, decompressStart);
                    if (outcome != BodyDecompressor.Status.Ok)
                    {
                        var code = outcome == BodyDecompressor.Status.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
                        var message = outcome == BodyDecompressor.Status.TooLarge ? $"{problem}: over Server:MaxDecompressedBytes; send smaller batches" : problem!;
                        await JsonResponse.ErrorAsync(context, code, message);
                        return;
                    }
                    body.Dispose();
                    body = inflated!;
                }

                var now = TimeUnits.NowMicros();
                var decodeStart = Stopwatch.GetTimestamp();
                var decoded = BodyDecoder.TryDecode(format, body.Memory, precision, now, limits, out var write, out var error);
                stages.Add(Stage.Decode, decodeStart);
                if (!decoded)
                {
                    await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, error.Message, error.Details);
                    return;
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
                        await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, conflict!, [new ErrorDetail(null, null, column, conflict!)]);
                        return;
                    }
                    WalBody? logged = null;
                    if (engine.WalMode != WalMode.Off)
                    {
                        logged = new WalBody(body, format, (byte)precision, now);
                    }
                    else
                    {
                        body.Dispose(); // the batches hold copies; without a WAL the bytes are not needed again
                    }
                    long rows = write.TotalRows;
                    var submitted = engine.TrySubmit(database, write.Batches, logged, out var appended);
                    if (submitted == SubmitStatus.Accepted)
                    {
                        write.HandOver(); // the batches and the body are the engine's now
                        body = null;
                        try
                        {
                            await appended;
                        }
                        catch (WalUnavailableException ex)
                        {
                            await Unavailable(context, $"write-ahead log unavailable ({ex.Message}); nothing was stored, retry shortly");
                            return;
                        }
                        records = rows;
                        JsonResponse.NoContent(context);
                        return;
                    }
                    await Unavailable(context, submitted switch
                    {
                        SubmitStatus.OverBudget => "memory budget exhausted: buffered data is still being written; retry shortly",
                        SubmitStatus.QueueFull => "ingest queue full; retry shortly",
                        SubmitStatus.Replaying => "replaying the write-ahead log after a restart; retry shortly",
                        _ => "shutting down",
                    });
                }
            }
            finally
            {
                body?.Dispose();
            }
        }
        catch (Exception ex)
        {
            await ArcdHttpApplication.AnswerFailureAsync(context, ex, logger);
        }
        finally
        {
            stats.Record(context.Request.Path.Value ?? "", context.Response.StatusCode, records, bytes, Stopwatch.GetTimestamp() - started);
        }
    }

    private static Task Unavailable(HttpContext context, string message)
    {
        context.Response.Headers.RetryAfter = "1";
        return JsonResponse.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, message);
    }
}
