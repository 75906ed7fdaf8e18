using System.Globalization;
using System.Text.Json;
using Arcd.Maintenance.Compaction;
using Arcd.Maintenance.Scheduling;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>
/// Arc's compaction API (docs/PROTOCOL.md §8): trigger a cycle (admin; 409 while one runs), and its
/// status, stats, candidates, history and jobs, in Arc's shapes. A triggered cycle runs on its own
/// thread; the reply does not wait for it.
/// </summary>
public sealed class CompactionEndpoints(Compactor? compactor, MaintenanceScheduler? scheduler)
{
    public const string Prefix = "/api/v1/compaction";

    public Task HandleAsync(HttpContext context, string path)
    {
        if (compactor is null) return JsonResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, j => j.WriteString("error", "Compaction not initialized"));
        var method = context.Request.Method;
        return path switch
        {
            Prefix + "/trigger" => HttpMethods.IsPost(method) ? TriggerAsync(context, compactor) : JsonResponse.NotAllowedAsync(context, "POST"),
            Prefix + "/status" => HttpMethods.IsGet(method) ? StatusAsync(context, compactor) : JsonResponse.NotAllowedAsync(context, "GET"),
            Prefix + "/stats" => HttpMethods.IsGet(method) ? StatsAsync(context, compactor) : JsonResponse.NotAllowedAsync(context, "GET"),
            Prefix + "/candidates" => HttpMethods.IsGet(method) ? CandidatesAsync(context, compactor) : JsonResponse.NotAllowedAsync(context, "GET"),
            Prefix + "/history" => HttpMethods.IsGet(method) ? HistoryAsync(context, compactor) : JsonResponse.NotAllowedAsync(context, "GET"),
            Prefix + "/jobs" => HttpMethods.IsGet(method)
                ? JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
                {
                    j.WriteNumber("active_jobs", compactor.IsRunning ? 1 : 0);
                    j.WriteStartArray("jobs");
                    j.WriteEndArray();
                })
                : JsonResponse.NotAllowedAsync(context, "GET"),
            _ => JsonResponse.ErrorAsync(context, StatusCodes.Status404NotFound, $"no such endpoint: {method} {path}"),
        };
    }

    public static bool IsAdminPath(string path) => path == Prefix + "/trigger";

    public static bool Owns(string path) => path.StartsWith(Prefix + "/", StringComparison.Ordinal);

    private Task TriggerAsync(HttpContext context, Compactor compactor)
    {
        var database = context.Request.Query["database"].ToString();
        if (database.Length > 0 && !Arcd.Ingest.Columnar.NameRules.IsValidDatabase(database))
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, j => j.WriteString("error",
                "Invalid database name: must start with a letter and contain only alphanumeric characters, underscores, or hyphens (max 64 characters)"));
        var requested = context.Request.Query["tier"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Unknown tier names are echoed and ignored, as Arc does; none named means every enabled tier.
        var tiers = requested.Length == 0
            ? compactor.EnabledTiers.ToList()
            : compactor.EnabledTiers.Where(t => requested.Contains(Name(t), StringComparer.OrdinalIgnoreCase)).ToList();
        var echoed = requested.Length == 0 ? tiers.Select(Name).ToArray() : requested;
        if (!compactor.TryBegin(out var cycleId))
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status409Conflict, j =>
            {
                j.WriteString("error", "Compaction cycle already running");
                j.WriteString("message", "A compaction cycle is already in progress. Please wait for it to complete.");
                j.WriteNumber("cycle_id", compactor.CurrentCycleId);
                j.WriteBoolean("is_running", true);
            });
        }
        var only = database.Length > 0 ? database : null;
        // On the scheduler's thread: a thread made here could inherit a query thread's Landlock ruleset.
        if (scheduler is not null) scheduler.RunNow($"compaction cycle {cycleId}", () => compactor.RunClaimed(tiers, only, DateTime.UtcNow));
        else compactor.RunClaimed(tiers, only, DateTime.UtcNow);
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteString("message", "Compaction triggered");
            j.WriteString("status", "running");
            j.WriteStartArray("tiers");
            foreach (var tier in echoed) j.WriteStringValue(tier);
            j.WriteEndArray();
            j.WriteNumber("cycle_id", cycleId);
            if (only is not null) j.WriteString("database", only);
        });
    }

    private Task StatusAsync(HttpContext context, Compactor compactor)
    {
        var states = scheduler?.States() ?? [];
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteStartObject("manager");
            j.WriteNull("active_jobs"); // Arc always answers null here
            j.WriteNumber("total_completed", Interlocked.Read(ref compactor.Stats.JobsCompleted));
            j.WriteNumber("total_failed", Interlocked.Read(ref compactor.Stats.JobsFailed));
            j.WriteBoolean("cycle_running", compactor.IsRunning);
            j.WriteEndObject();
            j.WriteStartObject("schedulers");
            foreach (var tier in compactor.EnabledTiers)
            {
                var state = states.FirstOrDefault(s => s.Name == "compaction-" + Name(tier));
                j.WriteStartObject(Name(tier));
                j.WriteBoolean("enabled", true);
                j.WriteBoolean("running", state is not null);
                j.WriteString("schedule", tier == CompactionTier.Hourly ? compactor.Options.HourlySchedule : compactor.Options.DailySchedule);
                if (state?.NextRunUtc is { } next) j.WriteString("next_run", Rfc3339(next));
                if (state?.LastRunUtc is { } last) j.WriteString("last_run", Rfc3339(last));
                j.WriteEndObject();
            }
            j.WriteEndObject();
        });
    }

    private static Task StatsAsync(HttpContext context, Compactor compactor)
    {
        var stats = compactor.Stats;
        var recent = stats.Recent();
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            var saved = Interlocked.Read(ref stats.BytesIn) - Interlocked.Read(ref stats.BytesOut);
            j.WriteNumber("total_jobs_completed", Interlocked.Read(ref stats.JobsCompleted));
            j.WriteNumber("total_jobs_failed", Interlocked.Read(ref stats.JobsFailed));
            j.WriteNumber("total_files_compacted", Interlocked.Read(ref stats.FilesIn));
            j.WriteNumber("total_bytes_saved", saved);
            j.WriteNumber("total_bytes_saved_mb", Math.Round(saved / 1048576.0, 2));
            j.WriteNumber("total_manifests_recover", Interlocked.Read(ref stats.ManifestsRecovered));
            j.WriteBoolean("cycle_running", compactor.IsRunning);
            j.WriteNumber("current_cycle_id", compactor.CurrentCycleId);
            if (recent.Count == 0) j.WriteNull("recent_jobs");
            else WriteJobs(j, "recent_jobs", recent);
            j.WriteStartArray("tiers");
            foreach (var tier in new[] { CompactionTier.Hourly, CompactionTier.Daily })
            {
                var totals = stats.Tier(tier);
                j.WriteStartObject();
                j.WriteString("tier", Name(tier));
                j.WriteBoolean("enabled", compactor.EnabledTiers.Contains(tier));
                j.WriteNumber("min_age_hours", (tier == CompactionTier.Hourly ? compactor.Options.HourlyMinAge : compactor.Options.DailyMinAge).TotalHours);
                j.WriteNumber("min_files", tier == CompactionTier.Hourly ? compactor.Options.HourlyMinFiles : compactor.Options.DailyMinFiles);
                j.WriteNumber("total_compactions", totals.Compactions);
                j.WriteNumber("total_files_compacted", totals.FilesCompacted);
                j.WriteNumber("total_bytes_saved", totals.BytesSaved);
                j.WriteNumber("total_bytes_saved_mb", Math.Round(totals.BytesSaved / 1048576.0, 2));
                j.WriteEndObject();
            }
            j.WriteEndArray();
        });
    }

    private static Task CandidatesAsync(HttpContext context, Compactor compactor)
    {
        List<CompactionCandidate> candidates;
        try
        {
            candidates = compactor.Candidates(DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status500InternalServerError, j => j.WriteString("error", $"Failed to find candidates: {ex.Message}"));
        }
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteNumber("count", candidates.Count);
            j.WriteStartArray("candidates");
            foreach (var c in candidates)
            {
                j.WriteStartObject();
                j.WriteString("database", c.Database);
                j.WriteString("measurement", c.Measurement);
                j.WriteString("partition_path", c.PartitionPath);
                j.WriteNumber("file_count", c.Files.Count);
                j.WriteString("tier", Name(c.Tier));
                j.WriteEndObject();
            }
            j.WriteEndArray();
        });
    }

    private static Task HistoryAsync(HttpContext context, Compactor compactor)
    {
        var limit = int.TryParse(context.Request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : 10;
        var recent = compactor.Stats.Recent().Take(limit).ToList();
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteNumber("total_jobs", Interlocked.Read(ref compactor.Stats.JobsCompleted));
            WriteJobs(j, "recent_jobs", recent);
        });
    }

    private static void WriteJobs(Utf8JsonWriter j, string name, IReadOnlyList<CompactionJob> jobs)
    {
        j.WriteStartArray(name);
        foreach (var job in jobs)
        {
            j.WriteStartObject();
            j.WriteString("database", job.Database);
            j.WriteString("measurement", job.Measurement);
            j.WriteString("partition_path", job.PartitionPath);
            j.WriteString("tier", Name(job.Tier));
            j.WriteNumber("batch", job.Batch);
            j.WriteNumber("files_compacted", job.FilesCompacted);
            j.WriteNumber("bytes_before", job.BytesBefore);
            j.WriteNumber("bytes_after", job.BytesAfter);
            j.WriteNumber("rows_before", job.RowsIn);
            j.WriteNumber("rows_after", job.RowsOut);
            j.WriteNumber("duration_ms", Math.Round(job.Duration.TotalMilliseconds, 1));
            j.WriteBoolean("success", job.Success);
            if (job.BytesBefore > 0) j.WriteNumber("compression_ratio", Math.Round(job.CompressionRatio, 4));
            if (job.Error is not null) j.WriteString("error", job.Error);
            if (job.Output is not null) j.WriteString("output", job.Output);
            j.WriteString("finished_at", Rfc3339(job.FinishedUtc));
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    private static string Name(CompactionTier tier) => tier == CompactionTier.Hourly ? "hourly" : "daily";

    private static string Rfc3339(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
