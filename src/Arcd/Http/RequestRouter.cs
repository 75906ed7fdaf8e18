using Arcd.Http.Endpoints;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http;

/// <summary>Dispatch on path, then method: a switch, not a routing table.</summary>
public sealed class RequestRouter(HealthEndpoints health, MetricsEndpoint metrics, WriteEndpoints writes)
{
    public Task RouteAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var method = request.Method;
        switch (path)
        {
            case "/health":
                return HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? health.HealthAsync(context) : NotAllowed(context, "GET, HEAD");
            case "/ready":
                return HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? health.ReadyAsync(context) : NotAllowed(context, "GET, HEAD");
            case "/metrics":
                return HttpMethods.IsGet(method) ? metrics.HandleAsync(context) : NotAllowed(context, "GET");
            case "/api/v1/write/msgpack":
                return HttpMethods.IsPost(method) ? writes.MsgPackAsync(context) : NotAllowed(context, "POST");
            case "/write":
                return HttpMethods.IsPost(method) ? writes.Influx1Async(context) : NotAllowed(context, "POST");
            case "/api/v2/write":
                return HttpMethods.IsPost(method) ? writes.Influx2Async(context) : NotAllowed(context, "POST");
            case "/api/v1/write/line-protocol":
                return HttpMethods.IsPost(method) ? writes.ArcLineProtocolAsync(context) : NotAllowed(context, "POST");
            default:
                return JsonResponse.ErrorAsync(context, StatusCodes.Status404NotFound, $"no such endpoint: {method} {path}");
        }
    }

    private static Task NotAllowed(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return JsonResponse.ErrorAsync(context, StatusCodes.Status405MethodNotAllowed,
            $"method {context.Request.Method} not allowed on {context.Request.Path}; use {allowed}");
    }
}
