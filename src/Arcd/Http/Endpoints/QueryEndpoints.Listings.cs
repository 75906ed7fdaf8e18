using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>The database and measurement listings (docs/PROTOCOL.md §7.4), read from the data root without DuckDB.</summary>
public sealed partial class QueryEndpoints
{
    /// <summary><c>GET /api/v1/measurements[?database=x]</c>.</summary>
    public Task MeasurementsAsync(HttpContext context)
    {
        if (Unavailable(context, out var unavailableAnswer)) return unavailableAnswer;
        var start = Stopwatch.GetTimestamp();
        var only = context.Request.Query["database"].ToString();
        var databases = only.Length > 0 ? [only] : _root.Databases();
        var found = databases.SelectMany(db => _root.Measurements(db).Select(m => _root.Describe(db, m))).ToList();
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteBoolean("success", true);
            json.WriteStartArray("measurements");
            foreach (var m in found)
            {
                json.WriteStartObject();
                json.WriteString("database", m.Database);
                json.WriteString("measurement", m.Measurement);
                json.WriteNumber("file_count", m.FileCount);
                json.WriteNumber("total_size_mb", Megabytes(m.TotalBytes));
                json.WriteString("storage_path", m.StoragePath);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("count", found.Count);
            json.WriteNumber("execution_time_ms", Math.Round(Stopwatch.GetElapsedTime(start).TotalMilliseconds));
        });
    }

    /// <summary><c>GET /api/v1/databases</c>.</summary>
    public Task DatabasesAsync(HttpContext context)
    {
        if (Unavailable(context, out var unavailableAnswer)) return unavailableAnswer;
        var databases = _root.Databases();
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartArray("databases");
            foreach (var db in databases)
            {
                json.WriteStartObject();
                json.WriteString("name", db);
                json.WriteNumber("measurement_count", _root.Measurements(db).Count);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("count", databases.Count);
        });
    }

    /// <summary><c>GET /api/v1/databases/{name}/measurements</c>; 404 for a database that does not exist.</summary>
    public Task DatabaseMeasurementsAsync(HttpContext context, string database)
    {
        if (Unavailable(context, out var unavailableAnswer)) return unavailableAnswer;
        if (!_root.Databases().Contains(database))
            return JsonResponse.ErrorAsync(context, StatusCodes.Status404NotFound, $"database '{database}' not found");
        var measurements = _root.Measurements(database).Select(m => _root.Describe(database, m)).ToList();
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteString("database", database);
            json.WriteStartArray("measurements");
            foreach (var m in measurements)
            {
                json.WriteStartObject();
                json.WriteString("name", m.Measurement);
                json.WriteNumber("file_count", m.FileCount);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("count", measurements.Count);
        });
    }
}
