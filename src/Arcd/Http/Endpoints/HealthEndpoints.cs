using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary><c>GET /health</c> (alive) and <c>GET /ready</c> (accepting writes), in Arc's shapes (docs/PROTOCOL.md §7.5).</summary>
public sealed class HealthEndpoints(DaemonState state, Arcd.Ingest.Shards.IngestEngine engine, Func<string?>? storageFailure = null)
{
    public Task HealthAsync(HttpContext context)
    {
        var uptime = state.Uptime;
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteString("status", "ok");
            json.WriteString("time", Rfc3339Now());
            json.WriteString("uptime", GoDuration(uptime));
            json.WriteNumber("uptime_sec", Math.Round(uptime.TotalSeconds, 3));
        });
    }

    public Task ReadyAsync(HttpContext context)
    {
        var reason = state.NotReadyReason;
        // Storage trouble makes arcd not ready: writes are still accepted (WAL and memory budget) but
        // nothing reaches Parquet until the fault clears.
        if (reason is null && Volatile.Read(ref engine.Counters.StorageFailing) == 1)
            reason = "storage failing: " + engine.Counters.LastStorageError;
        if (reason is null && storageFailure?.Invoke() is { } failure)
            reason = "storage unreachable: " + failure;
        if (reason is null)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
            {
                json.WriteString("status", "ready");
                json.WriteString("time", Rfc3339Now());
                json.WriteNumber("uptime_sec", Math.Round(state.Uptime.TotalSeconds, 3));
            });
        }
        return JsonResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, json =>
        {
            json.WriteString("status", "not_ready");
            json.WriteString("time", Rfc3339Now());
            json.WriteString("reason", reason);
        });
    }

    private static string Rfc3339Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>Go's duration text (what Arc prints): "1h2m3.5s", "4m0s", "12.345s", "250ms".</summary>
    internal static string GoDuration(TimeSpan value)
    {
        if (value < TimeSpan.FromSeconds(1))
            return (value.TotalMilliseconds).ToString("0.###", CultureInfo.InvariantCulture) + "ms";
        var text = new StringBuilder();
        var hours = (long)value.TotalHours;
        if (hours > 0) text.Append(hours).Append('h');
        if (hours > 0 || value.Minutes > 0) text.Append(value.Minutes).Append('m');
        var seconds = value.Seconds + value.Milliseconds / 1000.0;
        text.Append(seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('s');
        return text.ToString();
    }
}
