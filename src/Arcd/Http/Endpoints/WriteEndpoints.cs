using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>
/// The four write endpoints and where each takes its database and precision from
/// (docs/PROTOCOL.md §1.1, §2.1): the <c>x-arc-database</c> header first, then the endpoint's query
/// parameter, then <c>default</c>.
/// </summary>
public sealed class WriteEndpoints(WritePipeline pipeline)
{
    public const string DatabaseHeader = "x-arc-database";
    public const string DefaultDatabase = "default";

    /// <summary><c>POST /api/v1/write/msgpack</c>.</summary>
    public Task MsgPackAsync(HttpContext context) =>
        pipeline.HandleAsync(context, BodyFormat.MessagePack, Database(context, null), TimePrecision.Microseconds);

    /// <summary><c>POST /write</c> (InfluxDB 1.x: <c>db</c>, <c>precision</c>; <c>rp</c>, <c>u</c>, <c>p</c>, <c>consistency</c> ignored).</summary>
    public Task Influx1Async(HttpContext context) => LineProtocolAsync(context, "db");

    /// <summary><c>POST /api/v2/write</c> (InfluxDB 2.x: <c>bucket</c>, <c>precision</c>; <c>org</c>, <c>orgID</c> ignored).</summary>
    public Task Influx2Async(HttpContext context) => LineProtocolAsync(context, "bucket");

    /// <summary><c>POST /api/v1/write/line-protocol</c> (Arc's own).</summary>
    public Task ArcLineProtocolAsync(HttpContext context) => LineProtocolAsync(context, null);

    private Task LineProtocolAsync(HttpContext context, string? databaseParameter)
    {
        var precision = context.Request.Query["precision"].ToString();
        if (!Precision.TryParse(precision, out var parsed))
            return JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, $"invalid precision \"{precision}\": must be {Precision.Accepted}");
        return pipeline.HandleAsync(context, BodyFormat.LineProtocol, Database(context, databaseParameter), parsed);
    }

    private static string Database(HttpContext context, string? parameter)
    {
        var header = context.Request.Headers[DatabaseHeader].ToString();
        if (header.Length > 0) return header;
        if (parameter is not null && context.Request.Query[parameter].ToString() is { Length: > 0 } fromQuery) return fromQuery;
        return DefaultDatabase;
    }
}
