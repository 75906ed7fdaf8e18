using Arcd.Logging;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Arcd.Http;

/// <summary>
/// What Kestrel calls for every request, with no generic host, DI container or middleware
/// pipeline in between. The HttpContext is pooled per connection by Kestrel.
/// </summary>
public sealed class ArcdHttpApplication(RequestRouter router, ILogger logger, bool tls = false) : IHttpApplication<DefaultHttpContext>
{
    public DefaultHttpContext CreateContext(IFeatureCollection contextFeatures)
    {
        if (contextFeatures is IHostContextContainer<DefaultHttpContext> container)
        {
            if (container.HostContext is { } pooled)
            {
                pooled.Initialize(contextFeatures);
                return pooled;
            }
            return container.HostContext = new DefaultHttpContext(contextFeatures);
        }
        return new DefaultHttpContext(contextFeatures);
    }

    /// <summary>
    /// Not async itself: a write request's pipeline is one async method that answers its own failures,
    /// and its Task is handed to Kestrel as it is, one allocation per request instead of two boxes.
    /// Every other endpoint runs inside <see cref="GuardAsync"/>.
    /// </summary>
    public Task ProcessRequestAsync(DefaultHttpContext context)
    {
        var headers = context.Response.Headers;
        // arcd serves data and errors, never pages: nothing should be sniffed, framed, cached or referred.
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        if (tls) headers.StrictTransportSecurity = "max-age=31536000";
        Task routed;
        try
        {
            routed = router.RouteAsync(context);
        }
        catch (Exception ex)
        {
            return FailedAsync(context, ex);
        }
        if (routed.IsCompletedSuccessfully || RequestRouter.AnswersOwnFailures(context.Request.Path.Value)) return routed;
        return GuardAsync(routed, context);
    }

    private async Task GuardAsync(Task routed, HttpContext context)
    {
        try
        {
            await routed;
        }
        catch (Exception ex)
        {
            await FailedAsync(context, ex);
        }
    }

    private Task FailedAsync(HttpContext context, Exception exception) => AnswerFailureAsync(context, exception, logger);

    /// <summary>
    /// An exception out of a handler: client input never lands here (decoders reject with reasons), so
    /// this is a bug or an I/O fault. Logged, and answered 500 unless the answer has started.
    /// </summary>
    internal static Task AnswerFailureAsync(HttpContext context, Exception exception, ILogger logger)
    {
        if (context.RequestAborted.IsCancellationRequested) return Task.CompletedTask;
        Log.RequestFailed(logger, exception, context.Request.Method, context.Request.Path.Value ?? "");
        if (context.Response.HasStarted) return Task.CompletedTask;
        context.Response.Clear();
        return JsonResponse.ErrorAsync(context, StatusCodes.Status500InternalServerError, "internal error: " + exception.Message);
    }

    public void DisposeContext(DefaultHttpContext context, Exception? exception)
    {
        if (context.Features is not IHostContextContainer<DefaultHttpContext>) return;
        context.Uninitialize();
    }
}
