using System.Globalization;
using System.Text.Json;
using Arcd.Ingest.Columnar;
using Arcd.Maintenance.Retention;
using Arcd.Maintenance.Scheduling;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>
/// Arc's retention API (docs/PROTOCOL.md §9; ARC-MANAGEMENT §1): policies, execute (dry run or
/// confirmed) and the execution history, with the client-compatibility decisions: lists wrapped for
/// the client, PUT merges, empty lists are [] never null. Errors are <c>{"error": ...}</c>.
/// </summary>
public sealed class RetentionEndpoints(RetentionService? retention, MaintenanceScheduler scheduler, TimeProvider clock, string clientShapes)
{
    public const string Prefix = "/api/v1/retention";

    public static bool Owns(string path) => path == Prefix || path.StartsWith(Prefix + "/", StringComparison.Ordinal);

    /// <summary>Reads are open to any valid token; changes and execution need admin (Arc's guards).</summary>
    public static bool NeedsAdmin(string method) => !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method);

    public Task HandleAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        if (retention is null) return Error(context, StatusCodes.Status404NotFound, $"Cannot {method} {path}");
        var rest = path[Prefix.Length..].Trim('/');
        if (rest.Length == 0)
        {
            if (HttpMethods.IsGet(method)) return ListAsync(context, retention);
            if (HttpMethods.IsPost(method)) return CreateAsync(context, retention);
            return JsonResponse.NotAllowedAsync(context, "GET, POST");
        }
        var parts = rest.Split('/');
        if (parts.Length > 2) return Error(context, StatusCodes.Status404NotFound, $"Cannot {method} {path}");
        if (!long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
            return Error(context, StatusCodes.Status400BadRequest, "Invalid policy ID");
        if (parts.Length == 1)
        {
            if (HttpMethods.IsGet(method)) return GetAsync(context, retention, id);
            if (HttpMethods.IsPut(method)) return UpdateAsync(context, retention, id);
            if (HttpMethods.IsDelete(method)) return DeleteAsync(context, retention, id);
            return JsonResponse.NotAllowedAsync(context, "GET, PUT, DELETE");
        }
        return parts[1] switch
        {
            "execute" => HttpMethods.IsPost(method) ? ExecuteAsync(context, retention, id) : JsonResponse.NotAllowedAsync(context, "POST"),
            "executions" => HttpMethods.IsGet(method) ? ExecutionsAsync(context, retention, id) : JsonResponse.NotAllowedAsync(context, "GET"),
            _ => Error(context, StatusCodes.Status404NotFound, $"Cannot {method} {path}"),
        };
    }

    private Task ListAsync(HttpContext context, RetentionService service)
    {
        var policies = service.Store.Policies().OrderByDescending(p => p.CreatedUtc).ThenByDescending(p => p.Id).ToList();
        if (ClientShapes.WantsClientShape(context, clientShapes))
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
            {
                j.WriteStartArray("policies");
                foreach (var policy in policies) WritePolicy(j, service, policy);
                j.WriteEndArray();
                j.WriteNumber("count", policies.Count);
            });
        }
        return JsonResponse.WriteArrayAsync(context, StatusCodes.Status200OK, j =>
        {
            foreach (var policy in policies) WritePolicy(j, service, policy);
        });
    }

    private async Task CreateAsync(HttpContext context, RetentionService service)
    {
        var (body, status, error) = await ManagementBody.ReadAsync(context);
        if (body is null)
        {
            await Error(context, status, error!);
            return;
        }
        var name = body.String("name") ?? "";
        var database = body.String("database") ?? "";
        var measurement = body.String("measurement");
        var retentionDays = body.Int("retention_days") ?? 0;
        var bufferDays = body.Int("buffer_days") ?? 0;
        var isActive = body.Bool("is_active") ?? false;
        if (body.Error is not null)
        {
            await Error(context, StatusCodes.Status400BadRequest, body.Error);
            return;
        }
        var now = Now();
        var draft = new RetentionPolicy(0, name, database, measurement, retentionDays, bufferDays, isActive, now, now);
        if (Validate(draft) is { } invalid)
        {
            await Error(context, StatusCodes.Status400BadRequest, invalid);
            return;
        }
        var created = service.Store.Create(draft);
        if (created is null)
        {
            await Error(context, StatusCodes.Status400BadRequest, $"Retention policy with name '{name}' already exists");
            return;
        }
        await JsonResponse.WriteAsync(context, StatusCodes.Status201Created, j => WritePolicyFields(j, service, created));
    }

    private Task GetAsync(HttpContext context, RetentionService service, long id) =>
        service.Store.Get(id) is { } policy
            ? JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j => WritePolicyFields(j, service, policy))
            : Error(context, StatusCodes.Status404NotFound, "Retention policy not found");

    /// <summary>Merge semantics (decision 6 of ARC-MANAGEMENT.md, section 8): absent keys keep their values, an explicit null clears the measurement.</summary>
    private async Task UpdateAsync(HttpContext context, RetentionService service, long id)
    {
        var (body, status, error) = await ManagementBody.ReadAsync(context);
        if (body is null)
        {
            await Error(context, status, error!);
            return;
        }
        var current = service.Store.Get(id);
        if (current is null)
        {
            await Error(context, StatusCodes.Status404NotFound, "Retention policy not found");
            return;
        }
        var merged = current with
        {
            Name = body.String("name") ?? current.Name,
            Database = body.String("database") ?? current.Database,
            Measurement = body.IsNull("measurement") ? null : body.String("measurement") ?? current.Measurement,
            RetentionDays = body.Int("retention_days") ?? current.RetentionDays,
            BufferDays = body.Int("buffer_days") ?? current.BufferDays,
            IsActive = body.Bool("is_active") ?? current.IsActive,
            UpdatedUtc = Now(),
        };
        if (body.Error is not null)
        {
            await Error(context, StatusCodes.Status400BadRequest, body.Error);
            return;
        }
        if (Validate(merged) is { } invalid)
        {
            await Error(context, StatusCodes.Status400BadRequest, invalid);
            return;
        }
        if (!service.Store.Update(merged))
        {
            if (service.Store.Get(id) is null) await Error(context, StatusCodes.Status404NotFound, "Retention policy not found");
            else await Error(context, StatusCodes.Status400BadRequest, $"Retention policy with name '{merged.Name}' already exists");
            return;
        }
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j => WritePolicyFields(j, service, merged));
    }

    private Task DeleteAsync(HttpContext context, RetentionService service, long id) =>
        service.Store.Delete(id)
            ? JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j => j.WriteString("message", "Retention policy deleted successfully"))
            : Error(context, StatusCodes.Status404NotFound, "Retention policy not found");

    private async Task ExecuteAsync(HttpContext context, RetentionService service, long id)
    {
        var (body, status, error) = await ManagementBody.ReadAsync(context);
        if (body is null)
        {
            await Error(context, status, error!);
            return;
        }
        var dryRun = body.Bool("dry_run") ?? false;
        var confirm = body.Bool("confirm") ?? false;
        if (body.Error is not null)
        {
            await Error(context, StatusCodes.Status400BadRequest, body.Error);
            return;
        }
        if (!dryRun && !confirm)
        {
            await Error(context, StatusCodes.Status400BadRequest, "Confirmation required for retention policy execution. Set confirm=true");
            return;
        }
        var policy = service.Store.Get(id);
        if (policy is null)
        {
            await Error(context, StatusCodes.Status404NotFound, "Retention policy not found");
            return;
        }
        if (!policy.IsActive)
        {
            await Error(context, StatusCodes.Status400BadRequest, "Retention policy is not active");
            return;
        }
        RetentionExecuteResult result;
        try
        {
            // On the maintenance thread: it deletes files, which this request's thread may not be allowed to.
            result = await scheduler.RunNowAsync($"retention policy '{policy.Name}'", () => service.Execute(policy, dryRun));
        }
        catch (RetentionAbortedException ex)
        {
            await Error(context, StatusCodes.Status500InternalServerError, ex.Message);
            return;
        }
        catch (OperationCanceledException ex)
        {
            await Error(context, StatusCodes.Status503ServiceUnavailable, ex.Message);
            return;
        }
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteNumber("policy_id", policy.Id);
            j.WriteString("policy_name", policy.Name);
            j.WriteNumber("deleted_count", result.DeletedCount);
            j.WriteNumber("files_deleted", result.FilesDeleted);
            j.WriteNumber("execution_time_ms", Math.Round(result.Elapsed.TotalMilliseconds));
            j.WriteBoolean("dry_run", result.DryRun);
            j.WriteString("cutoff_date", RetentionStore.Time(result.CutoffUtc));
            j.WriteStartArray("affected_measurements");
            foreach (var measurement in result.AffectedMeasurements) j.WriteStringValue(measurement);
            j.WriteEndArray();
        });
    }

    private Task ExecutionsAsync(HttpContext context, RetentionService service, long id)
    {
        var limit = int.TryParse(context.Request.Query["limit"].ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : 50;
        // A running execution has no duration yet; Arc leaves it out, and the client needs a number there.
        var executions = service.Store.Executions(id, -1).Where(e => e.DurationMs is not null);
        var shown = (limit < 0 ? executions : executions.Take(limit)).ToList();
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteNumber("policy_id", id);
            j.WriteStartArray("executions");
            foreach (var e in shown)
            {
                j.WriteStartObject();
                j.WriteNumber("id", e.Id);
                j.WriteNumber("policy_id", e.PolicyId);
                j.WriteString("execution_time", RetentionStore.Time(e.ExecutionTimeUtc));
                j.WriteString("status", e.Status);
                j.WriteNumber("deleted_count", e.DeletedCount);
                j.WriteNumber("files_deleted", e.FilesDeleted);
                j.WriteString("cutoff_date", RetentionStore.Time(e.CutoffUtc));
                j.WriteNumber("execution_duration_ms", e.DurationMs ?? 0);
                j.WriteString("error_message", e.ErrorMessage ?? "");
                j.WriteBoolean("resumed_after_restart", e.Resumed);
                j.WriteEndObject();
            }
            j.WriteEndArray();
        });
    }

    /// <summary>Arc's checks in Arc's order, then arcd's: names a path can hold, no negative buffer.</summary>
    private static string? Validate(RetentionPolicy policy)
    {
        if (policy.Name.Length == 0) return "name is required";
        if (policy.Database.Length == 0) return "database is required";
        if (policy.RetentionDays <= 0) return "retention_days must be greater than 0";
        if (policy.RetentionDays <= policy.BufferDays) return "retention_days must be greater than buffer_days";
        if (policy.BufferDays < 0) return "buffer_days must not be negative";
        if (!NameRules.IsValidDatabase(policy.Database))
            return "database name is not valid: it must start with a letter and hold only letters, digits, '_' or '-' (max 64 characters)";
        if (!string.IsNullOrEmpty(policy.Measurement) && !NameRules.IsValidMeasurement(policy.Measurement))
            return $"measurement name '{policy.Measurement}' is not valid";
        return null;
    }

    private static void WritePolicy(Utf8JsonWriter j, RetentionService service, RetentionPolicy policy)
    {
        j.WriteStartObject();
        WritePolicyFields(j, service, policy);
        j.WriteEndObject();
    }

    private static void WritePolicyFields(Utf8JsonWriter j, RetentionService service, RetentionPolicy policy)
    {
        j.WriteNumber("id", policy.Id);
        j.WriteString("name", policy.Name);
        j.WriteString("database", policy.Database);
        if (policy.Measurement is null) j.WriteNull("measurement");
        else j.WriteString("measurement", policy.Measurement);
        j.WriteNumber("retention_days", policy.RetentionDays);
        j.WriteNumber("buffer_days", policy.BufferDays);
        j.WriteBoolean("is_active", policy.IsActive);
        var latest = service.Store.Latest(policy.Id);
        if (latest is null)
        {
            j.WriteNull("last_execution_time");
            j.WriteNull("last_execution_status");
            j.WriteNull("last_deleted_count");
        }
        else
        {
            j.WriteString("last_execution_time", RetentionStore.Time(latest.ExecutionTimeUtc));
            j.WriteString("last_execution_status", latest.Status);
            j.WriteNumber("last_deleted_count", latest.DeletedCount);
        }
        j.WriteString("created_at", RetentionStore.Time(policy.CreatedUtc));
        j.WriteString("updated_at", RetentionStore.Time(policy.UpdatedUtc));
    }

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    private static Task Error(HttpContext context, int status, string message) =>
        JsonResponse.WriteAsync(context, status, j => j.WriteString("error", message));
}
