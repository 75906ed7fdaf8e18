using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Arcd.Maintenance.ContinuousQueries;
using Arcd.Maintenance.Scheduling;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>
/// Arc's continuous query API (docs/PROTOCOL.md §13; ARC-MANAGEMENT.md, section 2), every route admin,
/// with the client-compatibility decisions: single objects wrapped as <c>{"query": {...}}</c> and lists
/// as <c>{"queries": [...], "count": N}</c> for arc-client-python, PUT merges, naive execute times are
/// UTC, empty lists are []. Errors are <c>{"error": ...}</c>.
/// </summary>
public sealed partial class ContinuousQueryEndpoints(CqService? service, MaintenanceScheduler scheduler, TimeProvider clock, string clientShapes)
{
    public const string Prefix = "/api/v1/continuous_queries";

    public static bool Owns(string path) => path == Prefix || path.StartsWith(Prefix + "/", StringComparison.Ordinal);

    public Task HandleAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        if (service is null) return Error(context, StatusCodes.Status404NotFound, $"Cannot {method} {path}");
        var rest = path[Prefix.Length..].Trim('/');
        if (rest.Length == 0)
        {
            if (HttpMethods.IsGet(method)) return ListAsync(context, service);
            if (HttpMethods.IsPost(method)) return CreateAsync(context, service);
            return JsonResponse.NotAllowedAsync(context, "GET, POST");
        }
        var parts = rest.Split('/');
        if (parts.Length > 2) return Error(context, StatusCodes.Status404NotFound, $"Cannot {method} {path}");
        if (!long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
            return Error(context, StatusCodes.Status400BadRequest, "Invalid query ID");
        if (parts.Length == 1)
        {
            if (HttpMethods.IsGet(method)) return GetAsync(context, service, id);
            if (HttpMethods.IsPut(method)) return UpdateAsync(context, service, id);
            if (HttpMethods.IsDelete(method)) return DeleteAsync(context, service, id);
            return JsonResponse.NotAllowedAsync(context, "GET, PUT, DELETE");
        }
        return parts[1] switch
        {
            "execute" => HttpMethods.IsPost(method) ? ExecuteAsync(context, service, id) : JsonResponse.NotAllowedAsync(context, "POST"),
            "executions" => HttpMethods.IsGet(method) ? ExecutionsAsync(context, service, id) : JsonResponse.NotAllowedAsync(context, "GET"),
            _ => Error(context, StatusCodes.Status404NotFound, $"Cannot {method} {path}"),
        };
    }

    private Task ListAsync(HttpContext context, CqService cq)
    {
        var database = context.Request.Query["database"].ToString();
        var active = context.Request.Query["is_active"].ToString();
        var queries = cq.Store.Queries()
            .Where(q => database.Length == 0 || q.Database == database)
            .Where(q => active.Length == 0 || q.IsActive == (active == "true"))
            .OrderByDescending(q => q.CreatedUtc).ThenByDescending(q => q.Id).ToList();
        if (ClientShapes.WantsClientShape(context, clientShapes))
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
            {
                j.WriteStartArray("queries");
                foreach (var query in queries) WriteQuery(j, cq, query);
                j.WriteEndArray();
                j.WriteNumber("count", queries.Count);
            });
        }
        return JsonResponse.WriteArrayAsync(context, StatusCodes.Status200OK, j =>
        {
            foreach (var query in queries) WriteQuery(j, cq, query);
        });
    }

    private async Task CreateAsync(HttpContext context, CqService cq)
    {
        var (body, status, error) = await ManagementBody.ReadAsync(context);
        if (body is null)
        {
            await Error(context, status, error!);
            return;
        }
        var now = Now();
        var draft = new ContinuousQuery(0, body.String("name") ?? "", body.String("description"), body.String("database") ?? "",
            body.String("source_measurement") ?? "", body.String("destination_measurement") ?? "", body.String("query") ?? "",
            body.String("interval") ?? "", body.Strings("tag_columns") ?? [], body.Int("retention_days"), body.Int("delete_source_after_days"),
            body.Bool("is_active") ?? false, now, now);
        if (body.Error is not null)
        {
            await Error(context, StatusCodes.Status400BadRequest, body.Error);
            return;
        }
        if (CqRules.Validate(draft, creating: true, cq.Store.Queries()) is { } invalid)
        {
            await Error(context, StatusCodes.Status400BadRequest, invalid);
            return;
        }
        var created = cq.Store.Create(draft);
        if (created is null)
        {
            await Error(context, StatusCodes.Status400BadRequest, $"Continuous query with name '{draft.Name}' already exists");
            return;
        }
        scheduler.Reschedule(CqService.JobName);
        await WriteSingleAsync(context, StatusCodes.Status201Created, cq, created);
    }

    private Task GetAsync(HttpContext context, CqService cq, long id) =>
        cq.Store.Get(id) is { } query
            ? WriteSingleAsync(context, StatusCodes.Status200OK, cq, query)
            : Error(context, StatusCodes.Status404NotFound, "Continuous query not found");

    /// <summary>Merge semantics (decision 6 of ARC-MANAGEMENT.md, section 8): absent keys keep their values, an explicit null clears a nullable one.</summary>
    private async Task UpdateAsync(HttpContext context, CqService cq, long id)
    {
        var (body, status, error) = await ManagementBody.ReadAsync(context);
        if (body is null)
        {
            await Error(context, status, error!);
            return;
        }
        var current = cq.Store.Get(id);
        if (current is null)
        {
            await Error(context, StatusCodes.Status404NotFound, "Continuous query not found");
            return;
        }
        var merged = current with
        {
            Name = body.String("name") ?? current.Name,
            Description = body.IsNull("description") ? null : body.String("description") ?? current.Description,
            Database = body.String("database") ?? current.Database,
            SourceMeasurement = body.String("source_measurement") ?? current.SourceMeasurement,
            DestinationMeasurement = body.String("destination_measurement") ?? current.DestinationMeasurement,
            Query = body.String("query") ?? current.Query,
            Interval = body.String("interval") ?? current.Interval,
            TagColumns = body.IsNull("tag_columns") ? [] : body.Strings("tag_columns") ?? current.TagColumns,
            RetentionDays = body.IsNull("retention_days") ? null : body.Int("retention_days") ?? current.RetentionDays,
            DeleteSourceAfterDays = body.IsNull("delete_source_after_days") ? null : body.Int("delete_source_after_days") ?? current.DeleteSourceAfterDays,
            IsActive = body.Bool("is_active") ?? current.IsActive,
            UpdatedUtc = Now(),
        };
        if (body.Error is not null)
        {
            await Error(context, StatusCodes.Status400BadRequest, body.Error);
            return;
        }
        if (CqRules.Validate(merged, creating: false, cq.Store.Queries()) is { } invalid)
        {
            await Error(context, StatusCodes.Status400BadRequest, invalid);
            return;
        }
        if (!cq.Store.Update(merged))
        {
            if (cq.Store.Get(id) is null) await Error(context, StatusCodes.Status404NotFound, "Continuous query not found");
            else await Error(context, StatusCodes.Status400BadRequest, $"Continuous query with name '{merged.Name}' already exists");
            return;
        }
        cq.Changed(id);
        scheduler.Reschedule(CqService.JobName);
        await WriteSingleAsync(context, StatusCodes.Status200OK, cq, merged);
    }

    private Task DeleteAsync(HttpContext context, CqService cq, long id)
    {
        if (!cq.Store.Delete(id)) return Error(context, StatusCodes.Status404NotFound, "Continuous query not found");
        cq.Changed(id);
        scheduler.Reschedule(CqService.JobName);
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j => j.WriteString("message", "Continuous query deleted successfully"));
    }

    private async Task ExecuteAsync(HttpContext context, CqService cq, long id)
    {
        var (body, status, error) = await ManagementBody.ReadAsync(context);
        if (body is null)
        {
            await Error(context, status, error!);
            return;
        }
        var startText = body.String("start_time");
        var endText = body.String("end_time");
        var dryRun = body.Bool("dry_run") ?? false;
        if (body.Error is not null)
        {
            await Error(context, StatusCodes.Status400BadRequest, body.Error);
            return;
        }
        var query = cq.Store.Get(id);
        if (query is null)
        {
            await Error(context, StatusCodes.Status404NotFound, "Continuous query not found");
            return;
        }
        if (!query.IsActive)
        {
            await Error(context, StatusCodes.Status400BadRequest, "Continuous query is not active");
            return;
        }
        var now = Now();
        DateTime start, end;
        if (!string.IsNullOrEmpty(startText))
        {
            if (ParseTime(startText) is not { } parsed)
            {
                await Error(context, StatusCodes.Status400BadRequest, "Invalid start_time format");
                return;
            }
            start = parsed;
        }
        else
        {
            start = cq.Store.Progress(id).WatermarkUtc ?? now.AddHours(-1);
        }
        if (!string.IsNullOrEmpty(endText))
        {
            if (ParseTime(endText) is not { } parsed)
            {
                await Error(context, StatusCodes.Status400BadRequest, "Invalid end_time format");
                return;
            }
            end = parsed;
        }
        else
        {
            end = now;
        }
        if (start >= end)
        {
            await Error(context, StatusCodes.Status400BadRequest, "start_time must be before end_time");
            return;
        }
        // Whole windows only: a time_bucket of the interval never straddles the range, and a re-run replaces exactly the windows it covers.
        CqInterval.TryParse(query.Interval, out var interval);
        var windowStart = CqInterval.Floor(start, interval);
        var windowEnd = CqInterval.Ceiling(end, interval);
        if (dryRun)
        {
            await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
            {
                WriteRunFields(j, query, "cq-exec-" + Guid.NewGuid().ToString("N")[..8], "dry_run", windowStart, windowEnd, 0, 0, true, now);
                j.WriteString("executed_query", CqRunner.Substitute(query.Query, windowStart, windowEnd));
            });
            return;
        }
        CqExecution? execution;
        try
        {
            // On the maintenance thread: it writes and deletes files, which this request's thread may not be allowed to.
            execution = await scheduler.RunNowAsync($"continuous query '{query.Name}'", () => cq.Execute(query, windowStart, windowEnd));
        }
        catch (OperationCanceledException ex)
        {
            await Error(context, StatusCodes.Status503ServiceUnavailable, ex.Message);
            return;
        }
        if (execution is null)
        {
            await Error(context, StatusCodes.Status404NotFound, "Continuous query not found");
            return;
        }
        if (execution.Status != CqExecution.Completed)
        {
            await Error(context, StatusCodes.Status500InternalServerError, $"Execution failed: {execution.ErrorMessage}");
            return;
        }
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
            WriteRunFields(j, query, execution.ExecutionId, execution.Status, windowStart, windowEnd, execution.RecordsWritten,
                execution.DurationSeconds, false, execution.ExecutionTimeUtc));
    }

    private static Task ExecutionsAsync(HttpContext context, CqService cq, long id)
    {
        var limit = int.TryParse(context.Request.Query["limit"].ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : 50;
        var executions = cq.Store.Executions(id, limit);
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteNumber("query_id", id);
            j.WriteStartArray("executions");
            foreach (var e in executions)
            {
                j.WriteStartObject();
                j.WriteNumber("id", e.Id);
                j.WriteNumber("query_id", e.QueryId);
                j.WriteString("execution_id", e.ExecutionId);
                j.WriteString("execution_time", CqStore.Time(e.ExecutionTimeUtc));
                j.WriteString("status", e.Status);
                j.WriteString("start_time", CqStore.Time(e.StartUtc));
                j.WriteString("end_time", CqStore.Time(e.EndUtc));
                j.WriteNull("records_read");
                j.WriteNumber("records_written", e.RecordsWritten);
                j.WriteNumber("execution_duration_seconds", Math.Round(e.DurationSeconds, 3));
                if (e.ErrorMessage is null) j.WriteNull("error_message");
                else j.WriteString("error_message", e.ErrorMessage);
                j.WriteBoolean("resumed_after_restart", e.Resumed);
                j.WriteEndObject();
            }
            j.WriteEndArray();
        });
    }

    private static void WriteRunFields(Utf8JsonWriter j, ContinuousQuery query, string executionId, string status, DateTime start, DateTime end,
        long records, double seconds, bool dryRun, DateTime executedAt)
    {
        j.WriteNumber("query_id", query.Id);
        j.WriteString("query_name", query.Name);
        j.WriteString("execution_id", executionId);
        j.WriteString("status", status);
        j.WriteString("start_time", CqStore.Time(start));
        j.WriteString("end_time", CqStore.Time(end));
        j.WriteNull("records_read");
        j.WriteNumber("records_written", records);
        j.WriteNumber("execution_time_seconds", Math.Round(seconds, 3));
        j.WriteString("destination_measurement", query.DestinationMeasurement);
        j.WriteBoolean("dry_run", dryRun);
        j.WriteString("executed_at", CqStore.Time(executedAt));
    }

    /// <summary>Arc's bare object, or <c>{"query": {...}}</c> for arc-client-python, which reads <c>data.get("query", data)</c>.</summary>
    private Task WriteSingleAsync(HttpContext context, int status, CqService cq, ContinuousQuery query)
    {
        if (!ClientShapes.WantsClientShape(context, clientShapes)) return JsonResponse.WriteAsync(context, status, j => WriteQueryFields(j, cq, query));
        return JsonResponse.WriteAsync(context, status, j =>
        {
            j.WritePropertyName("query");
            WriteQuery(j, cq, query);
        });
    }

    private static void WriteQuery(Utf8JsonWriter j, CqService cq, ContinuousQuery query)
    {
        j.WriteStartObject();
        WriteQueryFields(j, cq, query);
        j.WriteEndObject();
    }

    private static void WriteQueryFields(Utf8JsonWriter j, CqService cq, ContinuousQuery query)
    {
        j.WriteNumber("id", query.Id);
        j.WriteString("name", query.Name);
        if (query.Description is null) j.WriteNull("description");
        else j.WriteString("description", query.Description);
        j.WriteString("database", query.Database);
        j.WriteString("source_measurement", query.SourceMeasurement);
        j.WriteString("destination_measurement", query.DestinationMeasurement);
        j.WriteString("query", query.Query);
        j.WriteString("interval", query.Interval);
        if (query.TagColumns.Count == 0)
        {
            j.WriteNull("tag_columns");
        }
        else
        {
            j.WriteStartArray("tag_columns");
            foreach (var tag in query.TagColumns) j.WriteStringValue(tag);
            j.WriteEndArray();
        }
        if (query.RetentionDays is { } days) j.WriteNumber("retention_days", days);
        else j.WriteNull("retention_days");
        if (query.DeleteSourceAfterDays is { } sourceDays) j.WriteNumber("delete_source_after_days", sourceDays);
        else j.WriteNull("delete_source_after_days");
        j.WriteBoolean("is_active", query.IsActive);
        var latest = cq.Store.Latest(query.Id);
        if (latest is null)
        {
            j.WriteNull("last_execution_time");
            j.WriteNull("last_execution_status");
        }
        else
        {
            j.WriteString("last_execution_time", CqStore.Time(latest.ExecutionTimeUtc));
            j.WriteString("last_execution_status", latest.Status);
        }
        if (cq.Store.Progress(query.Id).WatermarkUtc is { } watermark) j.WriteString("last_processed_time", CqStore.Time(watermark));
        else j.WriteNull("last_processed_time");
        if (latest is null) j.WriteNull("last_records_written");
        else j.WriteNumber("last_records_written", latest.RecordsWritten);
        j.WriteString("created_at", CqStore.Time(query.CreatedUtc));
        j.WriteString("updated_at", CqStore.Time(query.UpdatedUtc));
    }

    /// <summary>RFC 3339 (Arc), or an ISO 8601 date-time without an offset, taken as UTC (the client's naive datetimes).</summary>
    private static DateTime? ParseTime(string text)
    {
        if (!IsoDateTime().IsMatch(text)) return null;
        return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc)
            ? new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc)
            : null;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})?$")]
    private static partial Regex IsoDateTime();

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    private static Task Error(HttpContext context, int status, string message) =>
        JsonResponse.WriteAsync(context, status, j => j.WriteString("error", message));
}
