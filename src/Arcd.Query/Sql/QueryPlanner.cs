using System.Text;
using Arcd.Ingest.Wire;
using Arcd.Query.Storage;
using Arcd.Ingest.Columnar;

namespace Arcd.Query.Sql;

/// <summary>What runs: the rewritten statement, or the fact that a table it reads has no files.</summary>
public sealed record QueryPlan(string Sql, bool HasNoFiles, int HourPartitions, int? FilesScanned, IReadOnlyList<string> Tables)
{
    /// <summary>Objects downloaded from the bucket for this query (S3 storage only).</summary>
    public int? ObjectGets { get; init; }
}

/// <summary>A statement arcd will not run: the message is the 400's <c>error</c>.</summary>
public sealed class QueryRejectedException(string message) : Exception(message);

/// <summary>
/// Validates a statement and rewrites each measurement it reads into a <c>read_parquet</c> of
/// that measurement's files (§7.1): <c>db.m</c>, a bare <c>m</c> in the <c>x-arc-database</c>
/// database (else <c>default</c>), quoted identifiers; with a plain time range in the WHERE,
/// only the hour directories it can touch are listed.
/// </summary>
public static class QueryPlanner
{
    public const string DefaultDatabase = "default";

    /// <param name="homeDatabase">Where a bare measurement name resolves without the header (continuous queries pass their own database).</param>
    public static QueryPlan Plan(string sql, string? headerDatabase, DataRoot root, DateTimeOffset now, bool countFiles, string homeDatabase = DefaultDatabase)
    {
        var (text, tables, fromHour, toHour) = Parse(sql, headerDatabase, now);
        var pruned = fromHour != long.MinValue || toHour != long.MaxValue;

        var rewritten = new StringBuilder(SqlGuard.WithoutTrailingSemicolons(text.Original, text.Masked));
        var names = new List<string>();
        var partitions = 0;
        int? files = countFiles ? 0 : null;
        var hasNoFiles = false;
        // Replace from the end so earlier offsets stay valid.
        foreach (var table in tables.OrderByDescending(t => t.Start))
        {
            var (database, measurement) = Resolve(table, headerDatabase, root, homeDatabase);
            names.Add($"{database}.{measurement}");
            var hours = root.HourDirectories(database, measurement, fromHour, toHour);
            partitions += hours.Count;
            if (hours.Count == 0) hasNoFiles = true;
            var visible = root.VisibleFiles(database, measurement, hours);
            if (files is not null) files += visible?.Count ?? hours.Sum(h => Directory.EnumerateFiles(h, "*.parquet").Count());
            if (visible is { Count: 0 }) hasNoFiles = true;
            var source = ReadParquet(root, database, measurement, hours, pruned, visible);
            if (!table.HasAlias) source += " AS " + QuoteIdentifier(measurement);
            if (table.End <= rewritten.Length) rewritten.Remove(table.Start, table.End - table.Start).Insert(table.Start, source);
        }
        names.Reverse();
        return new QueryPlan(rewritten.ToString(), hasNoFiles, partitions, files, names);
    }

    /// <summary>
    /// The measurements <paramref name="sql"/> reads and the hours it may read of each, resolved as
    /// <see cref="Plan"/> resolves them; a statement <see cref="Plan"/> would refuse is refused here too.
    /// </summary>
    public static List<MeasurementHours> Needs(string sql, string? headerDatabase, DataRoot root, DateTimeOffset now, string homeDatabase = DefaultDatabase)
    {
        var (_, tables, fromHour, toHour) = Parse(sql, headerDatabase, now);
        return tables.Select(t => Resolve(t, headerDatabase, root, homeDatabase)).Distinct()
            .Select(m => new MeasurementHours(m.Database, m.Measurement, fromHour, toHour)).ToList();
    }

    /// <summary>The checked statement, the tables it reads and, for one table, the hours its WHERE clause allows.</summary>
    private static (SqlText Text, List<TableReference> Tables, long FromHour, long ToHour) Parse(string sql, string? headerDatabase, DateTimeOffset now)
    {
        if (headerDatabase is not null && !NameRules.IsValidDatabase(headerDatabase))
            throw new QueryRejectedException($"Invalid x-arc-database header '{headerDatabase}': the database name {NameRules.DatabaseRule}");
        var text = new SqlText(sql);
        if (SqlGuard.Check(text) is { } problem) throw new QueryRejectedException(problem);
        var tokens = SqlLexer.Tokenize(text.Masked);
        var (tables, _) = TableReferences.Find(tokens);
        var (fromHour, toHour) = tables.Count == 1 ? TimeBounds.Find(text, tokens, now) : (long.MinValue, long.MaxValue);
        return (text, tables, fromHour, toHour);
    }

    private static (string Database, string Measurement) Resolve(TableReference table, string? headerDatabase, DataRoot root, string homeDatabase)
    {
        var parts = table.Parts;
        string database, measurement;
        if (parts.Count == 1)
        {
            (database, measurement) = (headerDatabase ?? homeDatabase, parts[0]);
        }
        else
        {
            var dotted = string.Join('.', parts);
            var home = headerDatabase ?? homeDatabase;
            // "cpu.load" may be a measurement with a dot (docs/PROTOCOL.md Part A item 4) rather than db.measurement.
            if (root.HasMeasurement(home, dotted) && (headerDatabase is not null || !root.HasMeasurement(parts[0], string.Join('.', parts.Skip(1)))))
                (database, measurement) = (home, dotted);
            else if (headerDatabase is not null)
                throw new QueryRejectedException("Cross-database queries (db.table syntax) not allowed when x-arc-database header is set");
            else
                (database, measurement) = (parts[0], string.Join('.', parts.Skip(1)));
        }
        if (!NameRules.IsValidDatabase(database))
            throw new QueryRejectedException($"Invalid database name '{database}': a database name {NameRules.DatabaseRule}");
        if (!NameRules.IsValidMeasurement(measurement))
            throw new QueryRejectedException($"Invalid measurement name '{measurement}': a measurement name {NameRules.MeasurementRule}");
        return (database, measurement);
    }

    /// <summary>
    /// The measurement's files as a <c>read_parquet</c>: the whole layout by glob when nothing prunes
    /// it, one glob per partition when the WHERE clause does, and the files one by one while a
    /// replacement (compaction) runs there, so its inputs and output are never read together.
    /// </summary>
    private static string ReadParquet(DataRoot root, string database, string measurement, List<string> partitions, bool pruned, List<string>? visible)
    {
        var sb = new StringBuilder("read_parquet(");
        var basePath = root.MeasurementPath(database, measurement);
        IEnumerable<string> sources;
        if (visible is { Count: > 0 }) sources = visible;
        else if (pruned && partitions.Count > 0) sources = partitions.Select(p => p + "/*.parquet");
        else
        {
            // Hour files, and day files of daily compaction when there are any (a pattern that matches nothing is an error).
            var depthOfDays = basePath.Count(c => c == '/') + 3;
            var hasDayFiles = partitions.Any(p => p.Count(c => c == '/') == depthOfDays);
            var hasHourFiles = partitions.Count == 0 || partitions.Any(p => p.Count(c => c == '/') != depthOfDays);
            var globs = new List<string>();
            if (hasHourFiles) globs.Add(basePath + "/*/*/*/*/*.parquet");
            if (hasDayFiles) globs.Add(basePath + "/*/*/*/*.parquet");
            sources = globs;
        }
        var list = sources.ToList();
        if (list.Count == 1 && visible is null && !pruned)
        {
            sb.Append(QuoteLiteral(list[0]));
        }
        else
        {
            sb.Append('[');
            for (var i = 0; i < list.Count; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(QuoteLiteral(list[i]));
            }
            sb.Append(']');
        }
        return sb.Append(", union_by_name = true, hive_partitioning = false)").ToString();
    }

    public static string QuoteLiteral(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string QuoteIdentifier(string s) => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
