using Arcd.Maintenance.Retention;
using Arcd.Maintenance.Scheduling;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>
/// Arc's scheduler API (docs/PROTOCOL.md §11; ARC-MANAGEMENT.md, section 1.11): the state of the schedulers and
/// a retention run now. No licence gate: arcd's scheduler is part of the open build.
/// </summary>
public sealed class SchedulerEndpoints(RetentionService? retention, RetentionOptions options, MaintenanceScheduler scheduler)
{
    public const string Path = "/api/v1/schedulers";
    public const string RetentionTriggerPath = "/api/v1/schedulers/retention/trigger";
    public const string RetentionJob = "retention";

    public static bool Owns(string path) => path.TrimEnd('/') is Path or RetentionTriggerPath;

    public static bool IsAdminPath(string path) => path.TrimEnd('/') == RetentionTriggerPath;

    public Task HandleAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        if (path.TrimEnd('/') == RetentionTriggerPath)
            return HttpMethods.IsPost(method) ? TriggerAsync(context) : JsonResponse.NotAllowedAsync(context, "POST");
        return HttpMethods.IsGet(method) ? StatusAsync(context) : JsonResponse.NotAllowedAsync(context, "GET");
    }

    private Task StatusAsync(HttpContext context) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteStartObject("cq_scheduler");
            j.WriteBoolean("enabled", false);
            j.WriteString("reason", "continuous queries are not available in this arcd version");
            j.WriteEndObject();
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
