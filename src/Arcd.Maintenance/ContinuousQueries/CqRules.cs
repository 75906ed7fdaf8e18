using System.Text.RegularExpressions;
using Arcd.Query.Sql;

namespace Arcd.Maintenance.ContinuousQueries;

/// <summary>
/// Arc's validation of a continuous query (ARC-MANAGEMENT §2.3, §2.6) with its messages, in its
/// order, then arcd's own: an interval arcd can schedule, one writer per destination, a destination
/// that is not the source (a re-run deletes the destination's rows of its window).
/// </summary>
public static partial class CqRules
{
    public static string? Validate(ContinuousQuery query, bool creating, IEnumerable<ContinuousQuery> others)
    {
        if (creating)
        {
            if (query.Name.Length == 0) return "name is required";
            if (query.Database.Length == 0) return "database is required";
            if (query.SourceMeasurement.Length == 0) return "source_measurement is required";
            if (query.DestinationMeasurement.Length == 0) return "destination_measurement is required";
        }
        if ((creating || query.DestinationMeasurement.Length > 0) && !DestinationPattern().IsMatch(query.DestinationMeasurement))
            return "invalid destination_measurement: must start with a letter and contain only alphanumeric characters, underscores, or hyphens";
        if (creating)
        {
            if (query.Query.Length == 0) return "query is required";
            if (query.Interval.Length == 0) return "interval is required";
            if (!query.Query.Contains("{start_time}", StringComparison.Ordinal) || !query.Query.Contains("{end_time}", StringComparison.Ordinal))
                return "query must contain {start_time} and {end_time} placeholders";
        }
        if (query.Query.Length > 0)
        {
            var sample = CqRunner.Substitute(query.Query, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 1, 1, 1, 0, 0, DateTimeKind.Utc));
            if (SqlGuard.Check(new SqlText(sample)) is { } problem) return $"invalid query: {problem}";
        }
        foreach (var tag in query.TagColumns)
        {
            if (tag.Length == 0) return "tag column name must not be empty";
            if (tag.Equals("time", StringComparison.OrdinalIgnoreCase))
                return "tag column \"time\" is reserved: time is always part of the dedup key and must not be listed";
            if (!TagPattern().IsMatch(tag)) return $"invalid tag column \"{tag}\": only alphanumeric, underscore, and hyphen are allowed";
        }
        // arcd's own rules: what it needs to run the query exactly once per window.
        if (!creating && (query.Name.Length == 0 || query.Database.Length == 0 || query.SourceMeasurement.Length == 0
                          || query.DestinationMeasurement.Length == 0 || query.Query.Length == 0))
            return "name, database, source_measurement, destination_measurement and query must not be empty";
        if (!query.Query.Contains("{start_time}", StringComparison.Ordinal) || !query.Query.Contains("{end_time}", StringComparison.Ordinal))
            return "query must contain {start_time} and {end_time} placeholders";
        if (!Arcd.Ingest.Columnar.NameRules.IsValidDatabase(query.Database))
            return $"invalid database '{query.Database}': a database name {Arcd.Ingest.Columnar.NameRules.DatabaseRule}";
        if (!Arcd.Ingest.Columnar.NameRules.IsValidMeasurement(query.SourceMeasurement))
            return $"invalid source_measurement '{query.SourceMeasurement}': a measurement name {Arcd.Ingest.Columnar.NameRules.MeasurementRule}";
        if (IntervalProblem(query.Interval) is { } interval) return interval;
        if (query.RetentionDays is < 0) return "retention_days must not be negative";
        if (query.DeleteSourceAfterDays is < 0) return "delete_source_after_days must not be negative";
        if (string.Equals(query.DestinationMeasurement, query.SourceMeasurement, StringComparison.Ordinal))
            return "destination_measurement must differ from source_measurement: a re-run replaces the destination's rows of its window";
        if (others.Any(o => o.Id != query.Id && o.Name == query.Name)) return $"Continuous query with name '{query.Name}' already exists";
        if (others.FirstOrDefault(o => o.Id != query.Id && o.Database == query.Database && o.DestinationMeasurement == query.DestinationMeasurement) is { } writer)
            return $"continuous query '{writer.Name}' already writes {query.Database}.{query.DestinationMeasurement}: a destination has one continuous query, so a re-run can replace its window";
        return null;
    }

    public static string? IntervalProblem(string interval)
    {
        if (!CqInterval.TryParse(interval, out var parsed))
            return $"invalid interval \"{interval}\": use a Go duration such as 30s, 5m, 1h or 1h30m";
        if (parsed < CqInterval.Minimum) return $"invalid interval \"{interval}\": the minimum is 10s";
        if (parsed.Ticks % TimeSpan.TicksPerSecond != 0) return $"invalid interval \"{interval}\": use whole seconds";
        return null;
    }

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9_-]{0,127}$")]
    private static partial Regex DestinationPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex TagPattern();
}
