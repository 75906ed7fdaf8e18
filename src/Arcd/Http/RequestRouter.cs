using Arcd.Auth;
using Arcd.Http.Endpoints;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http;

/// <summary>
/// Dispatch on path, then method: a switch, not a routing table. Every request first passes the
/// auth gate with the permission its path needs (writes: write; queries and listings: read; token management, retention
/// changes, continuous queries, imports and triggers: admin; deletes: delete; other paths: any valid token; public paths: none).
/// </summary>
public sealed class RequestRouter(AuthGate gate, HealthEndpoints health, MetricsEndpoint metrics, WriteEndpoints writes, AuthEndpoints auth, QueryEndpoints queries,
    CompactionEndpoints compaction, RetentionEndpoints retention, DeleteEndpoints delete, SchedulerEndpoints schedulers, ContinuousQueryEndpoints continuousQueries,
    ImportEndpoints imports)
{
    // A method of its own: a lambda capturing `refused` in RouteAsync would allocate its closure on every request.
    private static Task Refuse(HttpContext context, AuthRefusal refused) =>
        JsonResponse.WriteAsync(context, refused.Status, json =>
        {
            json.WriteBoolean("success", false);
            json.WriteString("error", refused.Message);
        });

    /// <summary>
    /// The write paths: their pipeline answers its own failures (<see cref="WritePipeline"/>), so their
    /// Task goes to Kestrel without a guard around it.
    /// </summary>
    public static bool AnswersOwnFailures(string? path) =>
        path is "/api/v1/write/msgpack" or "/write" or "/api/v2/write" or "/api/v1/write/line-protocol";

    public Task RouteAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var method = request.Method;
        // Verification is public: it answers for the token it is shown.
        if (path == "/api/v1/auth/verify") return HttpMethods.IsGet(method) ? auth.VerifyAsync(context) : JsonResponse.NotAllowedAsync(context, "GET");

        var refused = gate.Check(context, path, RequiredPermission(path, method));
        if (refused is not null) return Refuse(context, refused);

        switch (path)
        {
            case "/api/v1/write/msgpack":
                return HttpMethods.IsPost(method) ? writes.MsgPackAsync(context) : JsonResponse.NotAllowedAsync(context, "POST");
            case "/write":
                return HttpMethods.IsPost(method) ? writes.Influx1Async(context) : JsonResponse.NotAllowedAsync(context, "POST");
            case "/api/v2/write":
                return HttpMethods.IsPost(method) ? writes.Influx2Async(context) : JsonResponse.NotAllowedAsync(context, "POST");
            case "/api/v1/write/line-protocol":
                return HttpMethods.IsPost(method) ? writes.ArcLineProtocolAsync(context) : JsonResponse.NotAllowedAsync(context, "POST");
            default:
                return RouteOther(context, path, method);
        }
    }

    private Task RouteOther(HttpContext context, string path, string method)
    {
        switch (path)
        {
            case "/health":
                return HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? health.HealthAsync(context) : JsonResponse.NotAllowedAsync(context, "GET, HEAD");
            case "/ready":
                return HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? health.ReadyAsync(context) : JsonResponse.NotAllowedAsync(context, "GET, HEAD");
            case "/metrics":
                return HttpMethods.IsGet(method) ? metrics.HandleAsync(context) : JsonResponse.NotAllowedAsync(context, "GET");
            case "/api/v1/query":
                return HttpMethods.IsPost(method) ? queries.QueryJsonAsync(context) : JsonResponse.NotAllowedAsync(context, "POST");
            case "/api/v1/query/arrow":
                return HttpMethods.IsPost(method) ? queries.QueryArrowAsync(context) : JsonResponse.NotAllowedAsync(context, "POST");
            case "/api/v1/query/estimate":
                return HttpMethods.IsPost(method) ? queries.EstimateAsync(context) : JsonResponse.NotAllowedAsync(context, "POST");
            case "/api/v1/query/msgpack":
                return HttpMethods.IsPost(method) ? queries.QueryMsgPackAsync(context) : JsonResponse.NotAllowedAsync(context, "POST");
            case "/api/v1/measurements":
                return HttpMethods.IsGet(method) ? queries.MeasurementsAsync(context) : JsonResponse.NotAllowedAsync(context, "GET");
            case "/api/v1/databases":
                return HttpMethods.IsGet(method) ? queries.DatabasesAsync(context) : JsonResponse.NotAllowedAsync(context, "GET");
            case AuthEndpoints.CachePath:
                return HttpMethods.IsGet(method) ? auth.CacheStatsAsync(context) : JsonResponse.NotAllowedAsync(context, "GET");
            case AuthEndpoints.CacheInvalidatePath:
                return HttpMethods.IsPost(method) ? auth.CacheInvalidateAsync(context) : JsonResponse.NotAllowedAsync(context, "POST");
            default:
                if (IsTokenPath(path)) return auth.TokensAsync(context, path);
                if (CompactionEndpoints.Owns(path)) return compaction.HandleAsync(context, path);
                if (RetentionEndpoints.Owns(path)) return retention.HandleAsync(context, path);
                if (DeleteEndpoints.Owns(path)) return delete.HandleAsync(context, path);
                if (SchedulerEndpoints.Owns(path)) return schedulers.HandleAsync(context, path);
                if (ContinuousQueryEndpoints.Owns(path)) return continuousQueries.HandleAsync(context, path);
                if (ImportEndpoints.Owns(path)) return imports.HandleAsync(context, path);
                if (MeasurementQueryPath(path) is { } measurement)
                    return HttpMethods.IsGet(method) ? queries.MeasurementQueryAsync(context, measurement) : JsonResponse.NotAllowedAsync(context, "GET");
                if (DatabaseMeasurements(path) is { } database)
                    return HttpMethods.IsGet(method) ? queries.DatabaseMeasurementsAsync(context, database) : JsonResponse.NotAllowedAsync(context, "GET");
                return JsonResponse.ErrorAsync(context, StatusCodes.Status404NotFound, $"no such endpoint: {method} {path}");
        }
    }

    private static Permission RequiredPermission(string path, string method) => path switch
    {
        _ when RetentionEndpoints.Owns(path) => RetentionEndpoints.NeedsAdmin(method) ? Permission.Admin : Permission.None,
        _ when DeleteEndpoints.Owns(path) => Permission.Delete,
        _ when SchedulerEndpoints.IsAdminPath(path) => Permission.Admin,
        _ when ContinuousQueryEndpoints.Owns(path) => Permission.Admin,
        _ when ImportEndpoints.Owns(path) => ImportEndpoints.NeedsAdmin(path) ? Permission.Admin : Permission.None,
        "/api/v1/write/msgpack" or "/write" or "/api/v2/write" or "/api/v1/write/line-protocol" => Permission.Write,
        "/api/v1/query" or "/api/v1/query/arrow" or "/api/v1/query/msgpack" or "/api/v1/query/estimate" or "/api/v1/measurements" or "/api/v1/databases" => Permission.Read,
        _ when MeasurementQueryPath(path) is not null => Permission.Read,
        _ when DatabaseMeasurements(path) is not null => Permission.Read,
        AuthEndpoints.CachePath or AuthEndpoints.CacheInvalidatePath => Permission.Admin,
        _ when IsTokenPath(path) => Permission.Admin,
        _ when CompactionEndpoints.IsAdminPath(path) => Permission.Admin,
        _ when CompactionEndpoints.Owns(path) => Permission.Read,
        _ => Permission.None,
    };

    /// <summary>The {measurement} of <c>GET /api/v1/query/{measurement}</c>, else null.</summary>
    private static string? MeasurementQueryPath(string path)
    {
        const string prefix = "/api/v1/query/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var name = path[prefix.Length..];
        return name.Length > 0 && !name.Contains('/') && name is not ("arrow" or "msgpack" or "estimate") ? name : null;
    }

    /// <summary>The {name} of <c>/api/v1/databases/{name}/measurements</c>, else null.</summary>
    private static string? DatabaseMeasurements(string path)
    {
        const string prefix = "/api/v1/databases/", suffix = "/measurements";
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || !path.EndsWith(suffix, StringComparison.Ordinal)) return null;
        var name = path[prefix.Length..^suffix.Length];
        return name.Length > 0 && !name.Contains('/') ? name : null;
    }

    private static bool IsTokenPath(string path) =>
        path == AuthEndpoints.TokensPath || path.StartsWith(AuthEndpoints.TokensPath + "/", StringComparison.Ordinal);
}
