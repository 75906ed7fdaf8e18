using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>Query failures in the shape each endpoint's clients read: Arc's JSON envelope, the Arrow endpoint's JSON, or a msgpack map.</summary>
public sealed partial class QueryEndpoints
{
    private static Task ErrorAsync(HttpContext context, ErrorShape shape, int status, string message, long start) => shape switch
    {
        ErrorShape.Arrow => ArrowErrorAsync(context, status, message),
        ErrorShape.MsgPack => MsgPackErrorAsync(context, status, message, start),
        _ => EnvelopeErrorAsync(context, status, message, start),
    };

    /// <summary>Arc's msgpack error: a 4-key map, with the HTTP status of the failure.</summary>
    private static Task MsgPackErrorAsync(HttpContext context, int status, string message, long start)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        var writer = new MessagePack.MessagePackWriter(buffer);
        writer.WriteMapHeader(4);
        writer.Write("success");
        writer.Write(false);
        writer.Write("error");
        writer.Write(message);
        writer.Write("execution_time_ms");
        writer.Write(ElapsedMs(start));
        writer.Write("timestamp");
        writer.Write(Rfc3339Seconds(DateTime.UtcNow));
        writer.Flush();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/msgpack";
        context.Response.ContentLength = buffer.WrittenCount;
        return context.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }

    private static ulong ElapsedMs(long start) => (ulong)Stopwatch.GetElapsedTime(start).TotalMilliseconds;

    /// <summary>§7.1's error envelope.</summary>
    private static Task EnvelopeErrorAsync(HttpContext context, int status, string message, long start) =>
        JsonResponse.WriteAsync(context, status, json =>
        {
            json.WriteBoolean("success", false);
            json.WriteNull("columns");
            json.WriteNull("data");
            json.WriteNumber("row_count", 0);
            json.WriteNumber("execution_time_ms", Math.Round(Stopwatch.GetElapsedTime(start).TotalMilliseconds));
            json.WriteString("timestamp", Rfc3339Seconds(DateTime.UtcNow));
            json.WriteString("error", message);
        });

    /// <summary>§7.2's error shape for the Arrow endpoint.</summary>
    private static Task ArrowErrorAsync(HttpContext context, int status, string message) =>
        JsonResponse.WriteAsync(context, status, json =>
        {
            json.WriteBoolean("success", false);
            json.WriteString("error", message);
        });

    private static void WriteTail(Utf8JsonWriter json, long rows, long start)
    {
        json.WriteNumber("row_count", rows);
        json.WriteNumber("execution_time_ms", Math.Round(Stopwatch.GetElapsedTime(start).TotalMilliseconds));
        json.WriteString("timestamp", Rfc3339Seconds(DateTime.UtcNow));
    }
}
