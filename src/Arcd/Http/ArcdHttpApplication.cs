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

    public async Task ProcessRequestAsync(DefaultHttpContext context)
    {
        var headers = context.Response.Headers;
        // arcd serves data and errors, never pages: nothing should be sniffed, framed, cached or referred.
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        if (tls) headers.StrictTransportSecurity = "max-age=31536000";
        try
        {
            await router.RouteAsync(context);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Client input never lands here (decoders reject with reasons); this is a bug or an I/O fault.
            Log.RequestFailed(logger, ex, context.Request.Method, context.Request.Path.Value ?? "");
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await JsonResponse.ErrorAsync(context, StatusCodes.Status500InternalServerError, "internal error: " + ex.Message);
            }
        }
    }

    public void DisposeContext(DefaultHttpContext context, Exception? exception)
    {
        if (context.Features is not IHostContextContainer<DefaultHttpContext>) return;
        context.Uninitialize();
    }
}
