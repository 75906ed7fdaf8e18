using Arcd.Query.Engine;
using Arcd.Tests.Support;
using DuckDB.NET.Data;

namespace Arcd.Tests.Query;

/// <summary>
/// The sandbox below the SQL checks: statements sent straight to the engine's DuckDB, as if they
/// had got past <c>SqlGuard</c>, must still fail.
/// </summary>
public sealed class QuerySandboxTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private QueryEngine _engine = null!;
    private string Root => Path.Combine(_temp.Path, "arc");
    private string DataFile => Path.Combine(Root, "default", "cpu", "2023", "11", "14", "22", "cpu_20231114_220000_000000000.parquet");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DataFile)!);
        // A real Parquet file under the root, written by an ordinary (unrestricted) DuckDB.
        using (var duck = new DuckDBConnection("Data Source=:memory:"))
        {
            duck.Open();
            using var copy = duck.CreateCommand();
            copy.CommandText = $"COPY (SELECT 42 AS v) TO '{DataFile}' (FORMAT PARQUET)";
            copy.ExecuteNonQuery();
        }
        _engine = new QueryEngine(new QuerySettings(Root, TimeSpan.FromSeconds(30), 2, 4, 1000, 1 << 20, 256L << 20, 2));
        await _engine.Ready;
    }

    /// <summary>The first value of the first row when it is text.</summary>
    private Task<string?> Scalar(string sql) => _engine.RunAsync(connection =>
    {
        using var result = connection.Stream(sql);
        using var batch = result.Next();
        return batch is { Length: > 0 } && batch.Column(0) is Apache.Arrow.StringArray text ? text.GetString(0) : null;
    });

    [Fact]
    public async Task Reads_under_the_data_root_work()
    {
        Assert.Equal("42", await Scalar($"SELECT v::VARCHAR FROM read_parquet('{Root}/default/cpu/*/*/*/*/*.parquet')"));
    }

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')")]
    [InlineData("SELECT * FROM read_text('/etc/hostname')")]
    [InlineData("SELECT * FROM glob('/etc/*')")]
    [InlineData("SELECT * FROM read_parquet('{root}/../outside.parquet')")]
    public async Task Reads_outside_the_data_root_fail(string sql)
    {
        File.WriteAllText(Path.Combine(_temp.Path, "outside.parquet"), "x");
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Scalar(sql.Replace("{root}", Root)));
        Assert.Contains("Permission Error", ex.Message);
    }

    [SkippableTheory]
    [InlineData("COPY (SELECT 1 AS a) TO '{root}/default/cpu/evil.parquet' (FORMAT PARQUET)", "default/cpu/evil.parquet")]
    [InlineData("COPY (SELECT 1 AS a) TO '{tmp}/evil.csv'", "../evil.csv")]
    [InlineData("ATTACH '{root}/evil.db'", "evil.db")]
    [InlineData("ATTACH '{tmp}/evil2.db'", "../evil2.db")]
    [InlineData("EXPORT DATABASE '{root}/export'", "export")]
    public async Task Writes_fail_everywhere_even_under_the_data_root(string sql, string created)
    {
        if (!created.StartsWith("..", StringComparison.Ordinal) && _engine.WriteProtection != "landlock")
        {
            // Without Landlock, DuckDB's allowed directory is writable: only the SQL checks stand
            // in the way (tested in SqlGuardTests), and the daemon logs a warning at the first query.
            Skip.If(true, $"no Landlock in this kernel ({_engine.WriteProtection})");
        }
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Scalar(sql.Replace("{root}", Root).Replace("{tmp}", _temp.Path)));
        Assert.False(Path.Exists(Path.GetFullPath(Path.Combine(Root, created))), $"{created} was created");
        Assert.True(File.Exists(DataFile));
    }

    [Theory]
    [InlineData("INSTALL httpfs")]
    [InlineData("LOAD httpfs")]
    [InlineData("SET enable_external_access = true")]
    [InlineData("SET allowed_directories = ['/']")]
    [InlineData("SET threads = 1")]
    [InlineData("SET GLOBAL lock_configuration = false")]
    [InlineData("RESET enable_external_access")]
    public async Task Extensions_and_settings_are_locked(string sql)
    {
        await Assert.ThrowsAnyAsync<Exception>(() => Scalar(sql));
        Assert.Equal("false", await Scalar("SELECT current_setting('enable_external_access')::VARCHAR"));
    }

    [SkippableFact]
    public void On_linux_with_landlock_query_threads_cannot_write_and_nothing_else_is_affected()
    {
        if (_engine.WriteProtection != "landlock")
        {
            // The kernel lacks Landlock: the settings above are the whole sandbox.
            Skip.If(true, $"no Landlock in this kernel ({_engine.WriteProtection})");
        }
        var target = Path.Combine(_temp.Path, "from-restricted-thread.txt");
        Exception? direct = null, child = null;
        var thread = new Thread(() =>
        {
            Assert.Null(Landlock.ForbidWritesOnThisThread());
            try { File.WriteAllText(target, "x"); } catch (Exception ex) { direct = ex; }
            var inner = new Thread(() =>
            {
                try { File.WriteAllText(target + ".child", "x"); } catch (Exception ex) { child = ex; }
            });
            inner.Start();
            inner.Join();
        });
        thread.Start();
        thread.Join();
        Assert.IsType<UnauthorizedAccessException>(direct);
        Assert.IsType<UnauthorizedAccessException>(child);
        Assert.False(File.Exists(target));
        // This (unrestricted) thread still writes.
        File.WriteAllText(target, "ok");
        Assert.Equal("ok", File.ReadAllText(target));
    }

    [Fact]
    public async Task A_query_past_the_timeout_is_interrupted()
    {
        using var engine = new QueryEngine(new QuerySettings(Root, TimeSpan.FromMilliseconds(300), 1, 1, 1000, 1 << 20, 256L << 20, 2));
        var plan = new Arcd.Query.Sql.QueryPlan("SELECT count(*) FROM range(1000000000000) a, range(10) b WHERE a.range * b.range = -1", false, 0, null, []);
        var started = DateTime.UtcNow;
        await Assert.ThrowsAsync<QueryTimeoutException>(() => engine.RunAsync(connection =>
            QueryExecution.Json(connection, plan, new QuerySettings(Root, TimeSpan.FromMilliseconds(300), 1, 1, 1000, 1 << 20, 256L << 20, 2),
                new OutputOptions(System.Diagnostics.Stopwatch.GetTimestamp(), false), new Arcd.Query.Output.ChunkedOutput(new NullSink(), "application/json"), CancellationToken.None)));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
    }

    private sealed class NullSink : Arcd.Query.Output.IResultSink
    {
        public void Begin(string contentType) { }
        public void Write(ReadOnlyMemory<byte> bytes) { }
    }

    public Task DisposeAsync()
    {
        _engine.Dispose();
        _temp.Dispose();
        return Task.CompletedTask;
    }
}
