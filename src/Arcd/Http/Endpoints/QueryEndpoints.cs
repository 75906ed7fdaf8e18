using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Apache.Arrow.Compression;
using Apache.Arrow.Ipc;
using Arcd.Logging;
using Arcd.Query.Engine;
using Arcd.Query.Output;
using Arcd.Ingest.Storage;
using Arcd.Query.Show;
using Arcd.Query.Sql;
using Arcd.Query.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Arcd.Http.Endpoints;

/// <summary>
/// The read API of docs/PROTOCOL.md §7: SQL as Arc's JSON envelope or an Arrow IPC stream, the
/// planner's row estimate, and the database and measurement listings. DuckDB is started by the
/// first query (<see cref="QueryEngine"/>); the listings read the data root directly.
/// </summary>
public sealed partial class QueryEndpoints(QuerySettings settings, ILogger logger, QueryStats stats, ReadEpochs? readers = null, BucketMirror? mirror = null,
    Action<string>? storageFailed = null)
{
    /// <summary>
    /// On S3 storage, brings the bucket's database/measurement tree up to date before a listing or SHOW;
    /// 503 with the reason when the bucket cannot be listed.
    /// </summary>
    private bool Unavailable(HttpContext context, out Task answer)
    {
        answer = Task.CompletedTask;
        if (mirror is null) return false;
        try
        {
            mirror.RefreshTree();
            return false;
        }
        catch (IOException ex)
        {
            storageFailed?.Invoke(ex.Message);
            answer = JsonResponse.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, $"object storage cannot be listed: {ex.Message}");
            return true;
        }
    }

    private enum ErrorShape
    {
        Envelope,
        Arrow,
        MsgPack,
    }

    private const string DatabaseHeader = "x-arc-database";
    private readonly DataRoot _root = new(settings.DataRoot, readers);
    private readonly Lock _startLock = new();
    private QueryEngine? _engine;

    private QueryEngine Engine
    {
        get
        {
            if (_engine is { } engine) return engine;
            lock (_startLock)
            {
                if (_engine is not null) return _engine;
                _engine = new QueryEngine(settings);
                _engine.Ready.ContinueWith(t =>
                {
                    if (!t.IsCompletedSuccessfully) return;
                    Log.QueryEngineStarted(logger, _engine.WriteProtection);
                    if (_engine.WriteProtection != "landlock") Log.QueryWriteProtectionMissing(logger, _engine.WriteProtection);
                }, TaskScheduler.Default);
                return _engine;
            }
        }
    }

    /// <summary><c>POST /api/v1/query</c>: Arc's JSON envelope, streamed; SHOW DATABASES / SHOW TABLES answered from the data root.</summary>
    public async Task QueryJsonAsync(HttpContext context)
    {
        if (Unavailable(context, out var unavailableAnswer)) { await unavailableAnswer; return; }
        var start = Stopwatch.GetTimestamp();
        var sql = await ReadSqlAsync(context, start, ErrorShape.Envelope);
        if (sql is null) return;
        if (ShowStatement.TryParse(sql, out var show))
        {
            await ShowJsonAsync(context, Show(context, show!), start);
            return;
        }
        // From listing the files to the end of the query: compaction never deletes a file under it.
        using var lease = _root.BeginRead();
        var plan = await PlanAsync(context, sql, start, ErrorShape.Envelope);
        if (plan is null) return;
        await RunJsonAsync(context, plan, start);
    }

    private Task RunJsonAsync(HttpContext context, QueryPlan plan, long start)
    {
        var options = new OutputOptions(start, IsTrue(context.Request.Headers["x-arc-profile"]));
        return RunAsync(context, start, "application/json", ErrorShape.Envelope, ResponseEncoding.Negotiate(context, plan),
            (connection, output, aborted) => QueryExecution.Json(connection, plan, settings, options, output, aborted));
    }

    /// <summary><c>POST /api/v1/query/msgpack</c>: the JSON request of /api/v1/query, answered as Arc's column-major msgpack map.</summary>
    public async Task QueryMsgPackAsync(HttpContext context)
    {
        if (Unavailable(context, out var unavailableAnswer)) { await unavailableAnswer; return; }
        var start = Stopwatch.GetTimestamp();
        var sql = await ReadSqlAsync(context, start, ErrorShape.MsgPack);
        if (sql is null) return;
        if (ShowStatement.TryParse(sql, out var show))
        {
            var answer = Show(context, show!);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
            var writer = new MessagePack.MessagePackWriter(buffer);
            answer.WriteMsgPack(ref writer, ElapsedMs(start), Rfc3339Seconds(DateTime.UtcNow));
            writer.Flush();
            await WriteBytesAsync(context, "application/msgpack", buffer.WrittenMemory);
            return;
        }
        using var lease = _root.BeginRead();
        var plan = await PlanAsync(context, sql, start, ErrorShape.MsgPack);
        if (plan is null) return;
        var options = new OutputOptions(start, IsTrue(context.Request.Headers["x-arc-profile"]));
        await RunAsync(context, start, "application/msgpack", ErrorShape.MsgPack, ResponseEncoding.Negotiate(context, plan),
            (connection, output, aborted) => QueryExecution.MsgPack(connection, plan, settings, options, output, aborted));
    }

    /// <summary><c>POST /api/v1/query/arrow</c>: an Arrow IPC stream, optionally zstd- or lz4-compressed buffers.</summary>
    public async Task QueryArrowAsync(HttpContext context)
    {
        if (Unavailable(context, out var unavailableAnswer)) { await unavailableAnswer; return; }
        var start = Stopwatch.GetTimestamp();
        CompressionCodecType? codec = null;
        var requested = context.Request.Headers["x-arc-arrow-compression"].ToString().Trim().ToLowerInvariant();
        switch (requested)
        {
            case "": break;
            case "zstd": codec = CompressionCodecType.Zstd; break;
            case "lz4": codec = CompressionCodecType.Lz4Frame; break;
            default:
                await ArrowErrorAsync(context, StatusCodes.Status400BadRequest, "invalid x-arc-arrow-compression: must be zstd or lz4");
                return;
        }
        var sql = await ReadSqlAsync(context, start, ErrorShape.Arrow);
        if (sql is null) return;
        if (ShowStatement.TryParse(sql, out var show))
        {
            await WriteBytesAsync(context, "application/vnd.apache.arrow.stream", Show(context, show!).ToArrowStream());
            return;
        }
        using var lease = _root.BeginRead();
        var plan = await PlanAsync(context, sql, start, ErrorShape.Arrow);
        if (plan is null) return;
        var dictionary = context.Request.Headers["x-arc-arrow-dictionary"].ToString().Trim();
        var options = new OutputOptions(start, false, codec is null ? null : new CompressionCodecFactory(), codec,
            ArrowDictionary: dictionary == "1" || dictionary.Equals("true", StringComparison.OrdinalIgnoreCase));
        await RunAsync(context, start, "application/vnd.apache.arrow.stream", ErrorShape.Arrow, null,
            (connection, output, aborted) => QueryExecution.Arrow(connection, plan, settings, options, output, aborted));
    }

    /// <summary>
    /// <c>GET /api/v1/query/{measurement}</c>: Arc's convenience read, <c>SELECT * FROM db.m [WHERE …]
    /// ORDER BY … LIMIT … OFFSET …</c> from query parameters, answered as the JSON envelope.
    /// </summary>
    public async Task MeasurementQueryAsync(HttpContext context, string measurement)
    {
        if (Unavailable(context, out var unavailableAnswer)) { await unavailableAnswer; return; }
        var start = Stopwatch.GetTimestamp();
        var sql = MeasurementQuery.Build(context.Request.Query, measurement, out var problem);
        if (sql is null)
        {
            await EnvelopeErrorAsync(context, StatusCodes.Status400BadRequest, problem!, start);
            return;
        }
        using var lease = _root.BeginRead();
        QueryPlan plan;
        try
        {
            var now = DateTimeOffset.UtcNow;
            if (mirror is not null) context.Response.RegisterForDispose(mirror.Fetch(QueryPlanner.Needs(sql, null, _root, now), out _));
            plan = QueryPlanner.Plan(sql, null, _root, now, countFiles: false);
        }
        catch (QueryRejectedException ex)
        {
            await EnvelopeErrorAsync(context, StatusCodes.Status400BadRequest, "Invalid query: " + ex.Message, start);
            return;
        }
        catch (IOException ex) when (mirror is not null)
        {
            storageFailed?.Invoke(ex.Message);
            await EnvelopeErrorAsync(context, StatusCodes.Status503ServiceUnavailable, $"object storage cannot be read: {ex.Message}", start);
            return;
        }
        await RunJsonAsync(context, plan, start);
    }

    /// <summary><c>POST /api/v1/query/estimate</c>: DuckDB's planner estimate of the rows, without running the query.</summary>
    public async Task EstimateAsync(HttpContext context)
    {
        if (Unavailable(context, out var unavailableAnswer)) { await unavailableAnswer; return; }
        var start = Stopwatch.GetTimestamp();
        var sql = await ReadSqlAsync(context, start, ErrorShape.Envelope);
        if (sql is null) return;
        var plan = await PlanAsync(context, sql, start, ErrorShape.Envelope);
        if (plan is null) return;
        long estimate;
        try
        {
            estimate = await Engine.RunAsync(connection => QueryExecution.Estimate(connection, plan, settings, context.RequestAborted));
        }
        catch (Exception ex) when (Classify(ex) is var (status, message))
        {
            await EnvelopeErrorAsync(context, status, message, start);
            return;
        }
        var (level, warning) = estimate switch
        {
            > 10_000_000 => ("high", $"about {estimate:N0} rows: add a time range, an aggregate or a LIMIT"),
            > 1_000_000 => ("medium", $"about {estimate:N0} rows: consider a time range, an aggregate or a LIMIT"),
            _ => ("none", null),
        };
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteBoolean("success", true);
            json.WriteNumber("estimated_rows", estimate);
            json.WriteString("warning_level", level);
            if (warning is not null) json.WriteString("warning_message", warning);
            json.WriteNumber("execution_time_ms", Math.Round(Stopwatch.GetElapsedTime(start).TotalMilliseconds));
        });
    }

    private ShowAnswer Show(HttpContext context, ShowStatement show) =>
        ShowAnswer.From(show, _root, NullIfEmpty(context.Request.Headers[DatabaseHeader].ToString()));

    private static Task ShowJsonAsync(HttpContext context, ShowAnswer answer, long start) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteBoolean("success", true);
            answer.WriteJson(json);
            WriteTail(json, answer.RowCount, start);
        });

    private static async Task WriteBytesAsync(HttpContext context, string contentType, ReadOnlyMemory<byte> body)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private async Task RunAsync(HttpContext context, long start, string contentType, ErrorShape shape, string? encoding,
        Func<DuckDbConnection, ChunkedOutput, CancellationToken, QueryOutcome> run)
    {
        var sink = new QueryResponseSink(context, encoding);
        using var output = new ChunkedOutput(sink, contentType);
        try
        {
            await Engine.RunAsync(connection => run(connection, output, context.RequestAborted));
            await sink.FinishAsync();
            stats.Completed();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; DuckDB was interrupted. Nothing to answer.
            stats.Cancelled();
            Log.QueryCancelled(logger, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        catch (Exception ex) when (Classify(ex) is var (status, message))
        {
            if (status == StatusCodes.Status504GatewayTimeout) stats.TimedOut();
            else stats.Failed();
            if (status >= 500) Log.QueryFailed(logger, ex, message);
            if (output.Started)
            {
                // A 200 is on the wire: cutting the connection is the only way to tell the client that
                // what it received is incomplete.
                Log.QueryFailedMidStream(logger, message);
                context.Abort();
                return;
            }
            await ErrorAsync(context, shape, status, message, start);
        }
    }

    private static (int Status, string Message) Classify(Exception ex) => ex switch
    {
        QueryRejectedException => (StatusCodes.Status400BadRequest, ex.Message),
        QueryFailedException { IsClientError: true } => (StatusCodes.Status400BadRequest, ex.Message),
        QueryFailedException => (StatusCodes.Status500InternalServerError, ex.Message),
        QueryTimeoutException => (StatusCodes.Status504GatewayTimeout, ex.Message),
        ResultTooLargeException => (StatusCodes.Status413PayloadTooLarge, ex.Message),
        QueryBusyException => (StatusCodes.Status503ServiceUnavailable, ex.Message),
        QueryEngineUnavailableException => (StatusCodes.Status500InternalServerError, ex.Message),
        OperationCanceledException => (499, "the client went away"),
        _ => (StatusCodes.Status500InternalServerError, $"query failed: {ex.Message}"),
    };

    /// <summary>The statement from <c>{"sql": "..."}</c>, or null after answering 400/413/415.</summary>
    private static async Task<string?> ReadSqlAsync(HttpContext context, long start, ErrorShape shape)
    {
        async Task<string?> Fail(int status, string message)
        {
            await ErrorAsync(context, shape, status, message, start);
            return null;
        }

        var contentType = context.Request.ContentType ?? "";
        if (!contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return await Fail(StatusCodes.Status400BadRequest, "Invalid request body: the body must be JSON {\"sql\": \"...\"} with Content-Type: application/json");
        var (status, body) = await PooledBody.ReadAsync(context.Request, 256 * 1024);
        using (body)
        {
            if (status == BodyStatus.TooLarge) return await Fail(StatusCodes.Status413PayloadTooLarge, "request body over 256 KiB");
            try
            {
                using var document = JsonDocument.Parse(body!.Memory);
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("sql", out var sql) && sql.ValueKind == JsonValueKind.String)
                {
                    var text = sql.GetString()!;
                    if (string.IsNullOrWhiteSpace(text)) return await Fail(StatusCodes.Status400BadRequest, "SQL query is required");
                    return text;
                }
                if (document.RootElement.ValueKind == JsonValueKind.Object && !document.RootElement.TryGetProperty("sql", out _))
                    return await Fail(StatusCodes.Status400BadRequest, "SQL query is required");
            }
            catch (JsonException)
            {
            }
        }
        return await Fail(StatusCodes.Status400BadRequest, "Invalid request body: expected a JSON object {\"sql\": \"...\"}");
    }

    private async Task<QueryPlan?> PlanAsync(HttpContext context, string sql, long start, ErrorShape shape)
    {
        try
        {
            var header = NullIfEmpty(context.Request.Headers[DatabaseHeader].ToString());
            var now = DateTimeOffset.UtcNow;
            int? gets = null;
            if (mirror is not null)
            {
                // The objects this query may read, local before planning and pinned until the response ends.
                context.Response.RegisterForDispose(mirror.Fetch(QueryPlanner.Needs(sql, header, _root, now), out var downloaded));
                gets = downloaded;
            }
            return QueryPlanner.Plan(sql, header, _root, now, countFiles: IsTrue(context.Request.Headers["x-arc-profile"])) with { ObjectGets = gets };
        }
        catch (QueryRejectedException ex)
        {
            await ErrorAsync(context, shape, StatusCodes.Status400BadRequest, ex.Message, start);
            return null;
        }
        catch (IOException ex) when (mirror is not null)
        {
            storageFailed?.Invoke(ex.Message);
            await ErrorAsync(context, shape, StatusCodes.Status503ServiceUnavailable, $"object storage cannot be read: {ex.Message}", start);
            return null;
        }
    }

    private static string Rfc3339Seconds(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static double Megabytes(long bytes) => Math.Round(bytes / (1024.0 * 1024.0), 2);

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) =>
        value.ToString().Trim() is var s && (s == "1" || s.Equals("true", StringComparison.OrdinalIgnoreCase));

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
