using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Arcd.Ingest.Wire;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http;

/// <summary>Small JSON answers (errors, health) written with a known Content-Length.</summary>
public static class JsonResponse
{
    // Error texts quote names ('v', "cpu.load"); the relaxed encoder keeps them readable and is safe
    // for a body served as application/json.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> writeBody) => WriteAsync(context, status, writeBody, array: false);

    /// <summary>A bare JSON array (Arc's list shapes); <paramref name="writeItems"/> writes the elements.</summary>
    public static Task WriteArrayAsync(HttpContext context, int status, Action<Utf8JsonWriter> writeItems) => WriteAsync(context, status, writeItems, array: true);

    private static Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> writeBody, bool array)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            if (array) json.WriteStartArray();
            else json.WriteStartObject();
            writeBody(json);
            if (array) json.WriteEndArray();
            else json.WriteEndObject();
        }
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }

    /// <summary>
    /// Arc's ingest error shape <c>{"error": "..."}</c>, plus docs/PROTOCOL.md Part A's
    /// <c>"details": [{"index" | "line", "column", "reason"}]</c> when there are several failures.
    /// </summary>
    public static Task ErrorAsync(HttpContext context, int status, string message, IReadOnlyList<ErrorDetail>? details = null) =>
        WriteAsync(context, status, json =>
        {
            json.WriteString("error", message);
            if (details is not { Count: > 0 }) return;
            json.WriteStartArray("details");
            foreach (var detail in details)
            {
                json.WriteStartObject();
                if (detail.Index is { } index) json.WriteNumber("index", index);
                if (detail.Line is { } line) json.WriteNumber("line", line);
                if (detail.Column is { } column) json.WriteString("column", column);
                json.WriteString("reason", detail.Reason);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        });

    /// <summary>405 with the Allow header, naming the method and what the path takes.</summary>
    public static Task NotAllowedAsync(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return ErrorAsync(context, StatusCodes.Status405MethodNotAllowed,
            $"method {context.Request.Method} not allowed on {context.Request.Path}; use {allowed}");
    }

    public static void NoContent(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
