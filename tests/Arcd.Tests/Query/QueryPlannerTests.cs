using Arcd.Query.Sql;
using Arcd.Query.Storage;
using Arcd.Tests.Support;

namespace Arcd.Tests.Query;

public sealed class QueryPlannerTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly DataRoot _root;
    private static readonly DateTimeOffset Now = new(2023, 11, 15, 12, 30, 0, TimeSpan.Zero);

    public QueryPlannerTests()
    {
        _root = new DataRoot(_temp.Path);
        // default.cpu: 2023-11-14 20:00 .. 2023-11-15 12:00 (17 hours), one file each; default.mem; prod.cpu; default."cpu.load".
        for (var h = 0; h < 17; h++) AddFile("default", "cpu", new DateTime(2023, 11, 14, 20, 0, 0, DateTimeKind.Utc).AddHours(h));
        AddFile("default", "mem", new DateTime(2023, 11, 14, 22, 0, 0, DateTimeKind.Utc));
        AddFile("prod", "cpu", new DateTime(2023, 11, 14, 22, 0, 0, DateTimeKind.Utc));
        AddFile("default", "cpu.load", new DateTime(2023, 11, 14, 22, 0, 0, DateTimeKind.Utc));
        // Not data: a hidden temp file and a non-numbered directory.
        File.WriteAllBytes(Path.Combine(_temp.Path, "default", "cpu", "2023", "11", "14", "20", ".arc-x.tmp"), []);
        Directory.CreateDirectory(Path.Combine(_temp.Path, "default", "cpu", "junk"));
    }

    private void AddFile(string db, string m, DateTime hour)
    {
        var dir = Path.Combine(_temp.Path, db, m, hour.ToString("yyyy/MM/dd/HH"));
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, $"{m}_20231115_000000_000000000.parquet"), []);
    }

    private QueryPlan Plan(string sql, string? header = null) => QueryPlanner.Plan(sql, header, _root, Now, countFiles: true);

    private string Glob(string db, string m) => $"read_parquet('{_root.Root}{db}/{m}/*/*/*/*/*.parquet', union_by_name = true, hive_partitioning = false)";

    [Fact]
    public void Bare_name_reads_the_default_database_and_keeps_its_name_as_alias()
    {
        var plan = Plan("SELECT cpu.host FROM cpu WHERE host = 'a'");
        Assert.Equal($"SELECT cpu.host FROM {Glob("default", "cpu")} AS \"cpu\" WHERE host = 'a'", plan.Sql);
        Assert.Equal(["default.cpu"], plan.Tables);
        Assert.Equal(17, plan.FilesScanned);
    }

    [Fact]
    public void Database_header_sets_the_database_of_bare_names()
    {
        var plan = Plan("SELECT * FROM cpu", "prod");
        Assert.Equal($"SELECT * FROM {Glob("prod", "cpu")} AS \"cpu\"", plan.Sql);
    }

    [Fact]
    public void Qualified_names_quoted_identifiers_aliases_and_joins()
    {
        var plan = Plan("SELECT * FROM prod.cpu c JOIN \"default\".\"mem\" AS m ON c.host = m.host LEFT JOIN default.cpu USING (host);");
        Assert.Equal($"SELECT * FROM {Glob("prod", "cpu")} c JOIN {Glob("default", "mem")} AS m ON c.host = m.host LEFT JOIN {Glob("default", "cpu")} AS \"cpu\" USING (host)", plan.Sql);
        Assert.Equal(["prod.cpu", "default.mem", "default.cpu"], plan.Tables);
    }

    [Fact]
    public void Comma_lists_subqueries_and_cte_names()
    {
        var plan = Plan("WITH recent AS (SELECT * FROM cpu), m2 (a) AS (SELECT 1) SELECT * FROM recent, mem, (SELECT * FROM prod.cpu) p, m2");
        Assert.Equal(["default.cpu", "default.mem", "prod.cpu"], plan.Tables);
        Assert.Contains("FROM recent,", plan.Sql);
        Assert.EndsWith(" p, m2", plan.Sql);
    }

    [Fact]
    public void From_inside_extract_and_is_distinct_from_is_not_a_table()
    {
        var plan = Plan("SELECT extract(hour FROM time), substring(host FROM 2) FROM cpu WHERE host IS DISTINCT FROM 'x'");
        Assert.Equal(["default.cpu"], plan.Tables);
        Assert.StartsWith("SELECT extract(hour FROM time), substring(host FROM 2) FROM read_parquet(", plan.Sql);
    }

    [Fact]
    public void Table_functions_and_catalog_views_are_left_alone()
    {
        var plan = Plan("SELECT * FROM range(3) r, information_schema.tables, duckdb_settings()");
        Assert.Empty(plan.Tables);
        Assert.Equal("SELECT * FROM range(3) r, information_schema.tables, duckdb_settings()", plan.Sql);
    }

    [Fact]
    public void Dotted_measurement_names_resolve_when_that_measurement_exists()
    {
        Assert.Equal(["default.cpu.load"], Plan("SELECT * FROM \"cpu.load\"").Tables);
        Assert.Equal(["default.cpu.load"], Plan("SELECT * FROM cpu.load").Tables);
        Assert.Equal(["default.cpu.load"], Plan("SELECT * FROM default.\"cpu.load\"").Tables);
    }

    [Fact]
    public void Cross_database_names_are_refused_with_the_header()
    {
        var ex = Assert.Throws<QueryRejectedException>(() => Plan("SELECT * FROM prod.cpu", "default"));
        Assert.Equal("Cross-database queries (db.table syntax) not allowed when x-arc-database header is set", ex.Message);
    }

    [Theory]
    [InlineData("SELECT * FROM \"../etc\"")]
    [InlineData("SELECT * FROM \"a/b\".cpu")]
    [InlineData("SELECT * FROM \"x'y\"")]
    public void Names_that_could_leave_the_data_root_are_refused(string sql)
    {
        var ex = Assert.Throws<QueryRejectedException>(() => Plan(sql));
        Assert.Contains("Invalid", ex.Message);
    }

    [Fact]
    public void Invalid_header_is_refused() =>
        Assert.Throws<QueryRejectedException>(() => Plan("SELECT 1", "../x"));

    [Fact]
    public void A_missing_measurement_has_no_files()
    {
        var plan = Plan("SELECT * FROM nothere");
        Assert.True(plan.HasNoFiles);
    }

    [Theory]
    [InlineData("SELECT * FROM cpu WHERE time >= '2023-11-15 10:00:00'", 3)] // 10, 11, 12
    [InlineData("SELECT * FROM cpu WHERE time >= '2023-11-15T10:00:00Z' AND time < '2023-11-15T11:00:00Z'", 2)] // 10, 11 (bound hour kept)
    [InlineData("SELECT * FROM cpu WHERE time BETWEEN TIMESTAMP '2023-11-14 21:30:00' AND '2023-11-14 22:10:00'", 2)]
    [InlineData("SELECT * FROM cpu WHERE time = '2023-11-14 23:15:00+00'", 1)]
    [InlineData("SELECT * FROM cpu WHERE host = 'a' AND \"time\" > '2023-11-15 11:59:00'::TIMESTAMP", 2)]
    [InlineData("SELECT * FROM cpu c WHERE c.time > '2023-11-15 11:59:00'", 2)]
    [InlineData("SELECT * FROM cpu WHERE time > now() - INTERVAL '2 hours'", 3)] // 10:30 -> hours 10, 11, 12
    [InlineData("SELECT * FROM cpu WHERE time > now() - INTERVAL 1 DAY", 17)] // from 2023-11-14 12:30: all of them
    [InlineData("SELECT * FROM cpu WHERE time > now() - INTERVAL 13 HOUR", 14)] // from 23:30: 23 .. 12
    [InlineData("SELECT * FROM cpu WHERE time > current_timestamp - INTERVAL '30 minutes'", 1)]
    [InlineData("SELECT count(*) FROM cpu WHERE time < '2023-11-14 21:00:00' GROUP BY host ORDER BY 1 LIMIT 5", 2)]
    public void Time_ranges_prune_to_the_hours_they_can_touch(string sql, int hours)
    {
        var plan = Plan(sql);
        Assert.Equal(hours, plan.HourPartitions);
        Assert.Equal(hours, plan.FilesScanned);
        Assert.Contains("read_parquet([", plan.Sql);
    }

    [Theory]
    [InlineData("SELECT * FROM cpu WHERE time >= '2023-11-15 10:00:00' OR host = 'a'")]
    [InlineData("SELECT * FROM cpu WHERE NOT (time < '2023-11-15 10:00:00')")]
    [InlineData("SELECT * FROM cpu WHERE time >= '2023-11-15 10:00:00' UNION ALL SELECT * FROM cpu")]
    [InlineData("SELECT * FROM cpu WHERE host IN (SELECT host FROM mem) AND time > '2023-11-15 10:00:00'")]
    [InlineData("SELECT * FROM cpu WHERE time > 'yesterday-ish'")]
    [InlineData("SELECT * FROM cpu WHERE time > now() - INTERVAL '5 fortnights'")]
    [InlineData("SELECT * FROM cpu WHERE time_bucket > '2023-11-15 10:00:00'")]
    public void Anything_not_provably_a_plain_range_reads_every_hour(string sql)
    {
        var plan = Plan(sql);
        Assert.DoesNotContain("read_parquet([", plan.Sql);
        Assert.Equal(plan.Tables.Sum(t => t == "default.cpu" ? 17 : 1), plan.HourPartitions);
    }

    [Fact]
    public void An_empty_time_range_reads_nothing()
    {
        var plan = Plan("SELECT * FROM cpu WHERE time > '2030-01-01'");
        Assert.True(plan.HasNoFiles);
    }

    [Fact]
    public void Show_statements_parse()
    {
        Assert.True(ShowStatement.TryParse("show databases;", out var a));
        Assert.Equal(new ShowStatement(ShowKind.Databases, null), a);
        Assert.True(ShowStatement.TryParse("SHOW TABLES FROM prod", out var b));
        Assert.Equal(new ShowStatement(ShowKind.Tables, "prod"), b);
        Assert.True(ShowStatement.TryParse("SHOW MEASUREMENTS", out var c));
        Assert.Equal(new ShowStatement(ShowKind.Tables, null), c);
        Assert.False(ShowStatement.TryParse("SHOW TABLES; DROP TABLE x", out _));
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Day_level_files_of_daily_compaction_are_read_with_the_hours_and_pruned_by_their_day()
    {
        var day = Path.Combine(_temp.Path, "default", "cpu", "2023", "11", "14");
        File.WriteAllBytes(Path.Combine(day, "cpu_20231116_030000_1_b1_daily.parquet"), []);
        var all = Plan("SELECT * FROM cpu");
        Assert.Contains($"'{_root.Root}default/cpu/*/*/*/*/*.parquet'", all.Sql);
        Assert.Contains($"'{_root.Root}default/cpu/*/*/*/*.parquet'", all.Sql);
        Assert.Equal(18, all.FilesScanned);
        // A range on the 14th reads the day file; a range on the 15th does not.
        Assert.Contains("2023/11/14/*.parquet", Plan("SELECT * FROM cpu WHERE time >= '2023-11-14 21:00:00' AND time < '2023-11-14 22:00:00'").Sql);
        Assert.DoesNotContain("2023/11/14/*.parquet", Plan("SELECT * FROM cpu WHERE time >= '2023-11-15 05:00:00'").Sql);
    }

    [Fact]
    public void While_a_replacement_runs_the_measurement_is_read_file_by_file_without_its_inputs_once_the_output_exists()
    {
        var readers = new Arcd.Ingest.Storage.ReadEpochs();
        var root = new DataRoot(_temp.Path, readers);
        var hour = Path.Combine(_temp.Path, "default", "cpu", "2023", "11", "14", "20");
        File.WriteAllBytes(Path.Combine(hour, "cpu_20231115_000001_000000000.parquet"), []);
        const string prefix = "default/cpu/2023/11/14/20/";
        var replacement = new Arcd.Ingest.Storage.PendingReplacement(
            [prefix + "cpu_20231115_000000_000000000.parquet", prefix + "cpu_20231115_000001_000000000.parquet"], prefix + "cpu_x_b1_compacted.parquet");
        readers.Register(replacement);

        // Output not there yet: the inputs are read, each by name.
        var before = QueryPlanner.Plan("SELECT * FROM cpu", null, root, Now, countFiles: true);
        Assert.Contains($"'{_root.Root}{prefix}cpu_20231115_000001_000000000.parquet'", before.Sql);
        Assert.Equal(18, before.FilesScanned);

        // Output visible: the inputs disappear from what queries read.
        File.WriteAllBytes(Path.Combine(hour, "cpu_x_b1_compacted.parquet"), []);
        var during = QueryPlanner.Plan("SELECT * FROM cpu", null, root, Now, countFiles: true);
        Assert.Contains("cpu_x_b1_compacted.parquet", during.Sql);
        Assert.DoesNotContain("cpu_20231115_000001_000000000.parquet", during.Sql);
        Assert.Equal(17, during.FilesScanned);

        // Another measurement keeps its glob.
        Assert.Contains("/*/*/*/*/*.parquet", QueryPlanner.Plan("SELECT * FROM mem", null, root, Now, countFiles: false).Sql);
        readers.Unregister(replacement);
        Assert.Contains("/*/*/*/*/*.parquet", QueryPlanner.Plan("SELECT * FROM cpu", null, root, Now, countFiles: false).Sql);
    }
}
