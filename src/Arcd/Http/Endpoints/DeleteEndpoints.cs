using Arcd.Maintenance.Deletion;
using Arcd.Maintenance.Scheduling;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>
/// Arc's delete API (docs/PROTOCOL.md §10; ARC-MANAGEMENT §3): <c>POST /api/v1/delete</c> with Arc's
/// checks, confirm and dry-run rules and one response envelope for every outcome (207 when some
/// files failed), and <c>GET /api/v1/delete/config</c>. The delete itself runs on the maintenance
/// thread (<see cref="RowDeleter"/>).
/// </summary>
public sealed class DeleteEndpoints(RowDeleter deleter, DeleteOptions options, MaintenanceScheduler scheduler)
{
    public const string Path = "/api/v1/delete";
    public const string ConfigPath = "/api/v1/delete/config";

    public static bool Owns(string path) => path is Path or Path + "/" or ConfigPath or ConfigPath + "/";

    public Task HandleAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        if (path.TrimEnd('/') == ConfigPath)
            return HttpMethods.IsGet(method) ? ConfigAsync(context) : JsonResponse.NotAllowedAsync(context, "GET");
        return HttpMethods.IsPost(method) ? DeleteAsync(context) : JsonResponse.NotAllowedAsync(context, "POST");
    }

    private Task ConfigAsync(HttpContext context) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteBoolean("enabled", options.Enabled);
            j.WriteNumber("confirmation_threshold", options.ConfirmationThreshold);
            j.WriteNumber("max_rows_per_delete", options.MaxRowsPerDelete);
            j.WriteString("implementation", "rewrite-based");
            j.WriteStartObject("performance_impact");
            j.WriteString("writes", "zero overhead");
            j.WriteString("queries", "zero overhead");
            j.WriteString("deletes", "expensive (file rewrites)");
            j.WriteEndObject();
        });

    private async Task DeleteAsync(HttpContext context)
    {
        if (!options.Enabled)
        {
            await Early(context, StatusCodes.Status403Forbidden,
                "Delete operations are disabled. Set Delete:Enabled=true in arcd's configuration (or ARCD_Delete__Enabled=true) to enable.");
            return;
        }
        var (body, status, error) = await ManagementBody.ReadAsync(context);
        if (body is null)
        {
            await Early(context, status, error!);
            return;
        }
        var database = body.String("database") ?? "";
        var measurement = body.String("measurement") ?? "";
        var where = body.String("where") ?? "";
        var dryRun = body.Bool("dry_run") ?? false;
        var confirm = body.Bool("confirm") ?? false;
        if (body.Error is not null)
        {
            await Early(context, StatusCodes.Status400BadRequest, body.Error);
            return;
        }
        if (Check(database, measurement, where, dryRun, confirm) is { } refused)
        {
            await Early(context, StatusCodes.Status400BadRequest, refused);
            return;
        }
        DeleteResult result;
        try
        {
            var request = new DeleteRequest(database, measurement, DeleteWhereRules.Predicate(where), dryRun, confirm);
            result = await scheduler.RunNowAsync($"delete from {database}.{measurement}", () => deleter.Execute(request));
        }
        catch (OperationCanceledException ex)
        {
            await Early(context, StatusCodes.Status503ServiceUnavailable, ex.Message);
            return;
        }
        var code = result.Kind switch
        {
            DeleteResultKind.Done => StatusCodes.Status200OK,
            DeleteResultKind.Partial => StatusCodes.Status207MultiStatus,
            DeleteResultKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status400BadRequest,
        };
        await Envelope(context, code, result.Kind == DeleteResultKind.Done, result.DeletedCount, result.AffectedFiles, result.RewrittenFiles,
            Math.Round(result.Elapsed.TotalMilliseconds), result.Kind is DeleteResultKind.Done or DeleteResultKind.Partial && result.DryRun,
            result.FilesProcessed, result.FailedFiles, result.Error);
    }

    /// <summary>Arc's checks 3–8 in its order; null when the delete may go on.</summary>
    private static string? Check(string database, string measurement, string where, bool dryRun, bool confirm)
    {
        if (database.Length == 0) return "database is required";
        if (measurement.Length == 0) return "measurement is required";
        if (HasPathCharacters(database)) return "database name contains invalid characters";
        if (HasPathCharacters(measurement)) return "measurement name contains invalid characters";
        if (DeleteWhereRules.Check(where, out var fullTable) is { } invalid) return invalid;
        if (fullTable && !confirm) return "Full table delete detected (WHERE 1=1). Set confirm=true to proceed.";
        if (!dryRun && !confirm) return "Confirmation required for delete operation. Set confirm=true or use dry_run=true to preview.";
        return null;
    }

    private static bool HasPathCharacters(string name) => name.Contains('/') || name.Contains('\\') || name.Contains("..", StringComparison.Ordinal);

    private static Task Early(HttpContext context, int status, string error) =>
        Envelope(context, status, false, 0, 0, 0, 0, false, [], [], error);

    /// <summary>Arc's one envelope; <c>files_processed</c> is [] (never null), <c>failed_files</c> and <c>error</c> are left out when empty.</summary>
    private static Task Envelope(HttpContext context, int status, bool success, long deleted, int affected, int rewritten, double ms, bool dryRun,
        IReadOnlyList<string> processed, IReadOnlyList<string> failed, string? error) =>
        JsonResponse.WriteAsync(context, status, j =>
        {
            j.WriteBoolean("success", success);
            j.WriteNumber("deleted_count", deleted);
            j.WriteNumber("affected_files", affected);
            j.WriteNumber("rewritten_files", rewritten);
            j.WriteNumber("execution_time_ms", ms);
            j.WriteBoolean("dry_run", dryRun);
            j.WriteStartArray("files_processed");
            foreach (var name in processed) j.WriteStringValue(name);
            j.WriteEndArray();
            if (failed.Count > 0)
            {
                j.WriteStartArray("failed_files");
                foreach (var name in failed) j.WriteStringValue(name);
                j.WriteEndArray();
            }
            if (!string.IsNullOrEmpty(error)) j.WriteString("error", error);
        });
}
