using System.IO.Compression;
using Arcd.Query.Output;
using Microsoft.AspNetCore.Http;
using ZstdSharp;

namespace Arcd.Http.Endpoints;

/// <summary>
/// Writes result chunks to the response from the query thread, through gzip or zstd when the
/// client asked for it (<see cref="ResponseEncoding"/>). A slow client blocks the query thread here:
/// that is the backpressure.
/// </summary>
internal sealed class QueryResponseSink(HttpContext context, string? encoding) : IResultSink
{
    private Stream? _body;

    public void Begin(string contentType)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        _body = response.Body;
        if (encoding is null) return;
        response.Headers.ContentEncoding = encoding;
        // Gzip level 1 and zstd's fastest level, as Arc: the body is streamed, so compress for speed.
        _body = encoding == ResponseEncoding.Zstd
            ? new CompressionStream(response.Body, level: 1, leaveOpen: true)
            : new GZipStream(response.Body, CompressionLevel.Fastest, leaveOpen: true);
    }

    public void Write(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            _body!.WriteAsync(bytes, context.RequestAborted).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            throw new OperationCanceledException("the client went away", ex);
        }
    }

    /// <summary>Ends the compressed stream (its trailer goes out); nothing to do for an identity body.</summary>
    public async Task FinishAsync()
    {
        if (_body is null || _body == context.Response.Body) return;
        await _body.DisposeAsync();
    }
}
