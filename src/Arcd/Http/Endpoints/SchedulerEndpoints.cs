using Arcd.Maintenance.ContinuousQueries;
using Arcd.Maintenance.Retention;
using Arcd.Maintenance.Scheduling;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>
/// Arc's scheduler API (docs/PROTOCOL.md §11; ARC-MANAGEMENT.md, section 1.11): the state of the schedulers and
/// a retention run now, a continuous query reload. No licence gate: arcd's scheduler is part of the open build.
/// </summary>
public sealed class SchedulerEndpoints(RetentionService? retention, RetentionOptions options, MaintenanceScheduler scheduler, CqService? continuousQueries = null)
{
    public const string Path = "/api/v1/schedulers";
    public const string RetentionTriggerPath = "/api/v1/schedulers/retention/trigger";
    public const string CqReloadPath = "/api/v1/schedulers/cq/reload";
    public const string RetentionJob = "retention";

    public static bool Owns(string path) => path.TrimEnd('/') is Path or RetentionTriggerPath or CqReloadPath;

    public static bool IsAdminPath(string path) => path.TrimEnd('/') is RetentionTriggerPath or CqReloadPath;

    public Task HandleAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        if (path.TrimEnd('/') == RetentionTriggerPath)
            return HttpMethods.IsPost(method) ? TriggerAsync(context) : JsonResponse.NotAllowedAsync(context, "POST");
        if (path.TrimEnd('/') == CqReloadPath)
            return HttpMethods.IsPost(method) ? ReloadAsync(context) : JsonResponse.NotAllowedAsync(context, "POST");
        return HttpMethods.IsGet(method) ? StatusAsync(context) : JsonResponse.NotAllowedAsync(context, "GET");
    }

    private Task StatusAsync(HttpContext context) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            WriteCqScheduler(j);
            j.WriteStartObject("retention_scheduler");
            if (retention is null)
            {
                j.WriteBoolean("enabled", false);
                j.WriteString("reason", "Retention not enabled (Retention:Enabled=false)");
            }
            else
            {
                var state = scheduler.States().FirstOrDefault(s => s.Name == RetentionJob);
                j.WriteBoolean("running", true);
                j.WriteString("schedule", options.Schedule);
                j.WriteBoolean("license_valid", true);
                if (state?.NextRunUtc is { } next) j.WriteString("next_run", RetentionStore.Time(next));
                else j.WriteNull("next_run");
                if (retention.Stats.LastRunUtc is { } last) j.WriteString("last_run", RetentionStore.Time(last));
                else j.WriteNull("last_run");
                if (retention.Stats.LastError is { } error) j.WriteString("last_error", error);
                else j.WriteNull("last_error");
                j.WriteNumber("runs", Interlocked.Read(ref retention.Stats.Runs));
                j.WriteNumber("failures", Interlocked.Read(ref retention.Stats.RunFailures));
            }
            j.WriteEndObject();
        });

    /// <summary>Arc's cq_scheduler object, with every active query as a job: its interval, watermark, lag and next window.</summary>
    private void WriteCqScheduler(System.Text.Json.Utf8JsonWriter j)
    {
        j.WriteStartObject("cq_scheduler");
        if (continuousQueries is not { } cq)
        {
            j.WriteBoolean("enabled", false);
            j.WriteString("reason", "Continuous queries not enabled (ContinuousQueries:Enabled=false)");
            j.WriteEndObject();
            return;
        }
        var state = scheduler.States().FirstOrDefault(s => s.Name == CqService.JobName);
        var active = cq.Store.Queries().Where(q => q.IsActive).OrderBy(q => q.Id).ToList();
        var now = DateTime.UtcNow;
        j.WriteBoolean("running", true);
        j.WriteBoolean("license_valid", true);
        j.WriteNumber("job_count", active.Count);
        j.WriteString("lateness", cq.Options.Lateness.ToString("c"));
        if (state?.NextRunUtc is { } next) j.WriteString("next_run", RetentionStore.Time(next));
        else j.WriteNull("next_run");
        if (state?.LastError is { } error) j.WriteString("last_error", error);
        else j.WriteNull("last_error");
        j.WriteStartArray("jobs");
        foreach (var q in active)
        {
            var progress = cq.Store.Progress(q.Id);
            j.WriteStartObject();
            j.WriteNumber("id", q.Id);
            j.WriteString("name", q.Name);
            j.WriteString("interval", q.Interval);
            if (progress.WatermarkUtc is { } watermark)
            {
                j.WriteString("last_processed_time", CqStore.Time(watermark));
                j.WriteNumber("lag_seconds", Math.Max(0, Math.Round((now - watermark).TotalSeconds)));
            }
            else
            {
                j.WriteNull("last_processed_time");
                j.WriteNull("lag_seconds");
            }
            if (CqInterval.TryParse(q.Interval, out var interval))
            {
                var start = CqService.NextWindowStart(q, progress, interval);
                j.WriteString("next_window_start", CqStore.Time(start));
                j.WriteString("next_window_runs_at", CqStore.Time(start + interval + cq.Options.Lateness));
            }
            j.WriteBoolean("window_pending", progress.InFlight is not null);
            var stats = cq.StatsOf(q.Id);
            j.WriteNumber("runs", Interlocked.Read(ref stats.Runs));
            j.WriteNumber("failures", Interlocked.Read(ref stats.Failures));
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteEndObject();
    }

    private Task ReloadAsync(HttpContext context)
    {
        if (continuousQueries is not { } cq)
            return JsonResponse.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "CQ scheduler is not running - continuous queries are disabled (ContinuousQueries:Enabled=false)");
        // arcd reads the queries from its store on every tick: a reload forgets retry back-offs and re-plans the next tick.
        foreach (var q in cq.Store.Queries()) cq.Changed(q.Id);
        scheduler.Reschedule(CqService.JobName);
        var count = cq.Store.Queries().Count(q => q.IsActive);
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteString("message", "CQ scheduler reloaded successfully");
            j.WriteNumber("job_count", count);
        });
    }

    private async Task TriggerAsync(HttpContext context)
    {
        if (retention is null)
        {
            await JsonResponse.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "Retention scheduler is not running - retention is disabled (Retention:Enabled=false)");
            return;
        }
        string? failed;
        try
        {
            failed = await scheduler.RunNowAsync("retention (triggered)", retention.RunActive);
        }
        catch (OperationCanceledException ex)
        {
            await JsonResponse.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, ex.Message);
            return;
        }
        if (failed is not null) await JsonResponse.ErrorAsync(context, StatusCodes.Status500InternalServerError, $"Retention trigger failed: {failed}");
        else await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j => j.WriteString("message", "Retention triggered successfully"));
    }
}
