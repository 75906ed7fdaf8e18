using Arcd.Ingest;
using Arcd.Ingest.Catalog;
using Arcd.Ingest.Parquet;
using Arcd.Ingest.Shards;
using Arcd.Ingest.Storage;
using Arcd.Maintenance.ContinuousQueries;
using Arcd.Maintenance.Deletion;
using Arcd.Maintenance.Files;
using Arcd.Maintenance.Retention;
using Arcd.Query.Engine;
using Arcd.Query.Storage;
using Arcd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arcd.Tests.Maintenance;

/// <summary>A fake clock the tests move instead of sleeping.</summary>
internal sealed class ManualClock(DateTime start) : TimeProvider
{
    private long _ticks = start.Ticks;
    public DateTime Now => new(Interlocked.Read(ref _ticks), DateTimeKind.Utc);
    public void Set(DateTime time) => Interlocked.Exchange(ref _ticks, time.Ticks);
    public override DateTimeOffset GetUtcNow() => new(Now);
}

/// <summary>
/// The continuous query machinery in-process, on real components (storage, ingest engine without a
/// WAL, catalog, deleter, retention runner, DuckDB) with a fake clock: source rows are Parquet files
/// written directly; results are read back with DuckDB.
/// </summary>
internal sealed class CqFixture : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ColumnCatalog _catalog;
    private readonly CqRunner _runner;

    public CqFixture(DateTime now, CqOptions? options = null)
    {
        Storage = new LocalFileStorage(_temp.Path);
        Clock = new ManualClock(now);
        Engine = new IngestEngine(new IngestOptions(), Storage, new ParquetSettings(ParquetCompression.Zstd), NullLoggerFactory.Instance);
        Engine.Start();
        Engine.AttachWal(1, 1 << 20);
        _catalog = ColumnCatalog.Open(Path.Combine(Storage.Root, ".arcd"));
        var gate = new RewriteGate();
        var rewrite = new RewriteSettings(256L << 20, 1, 122_880, 3, Path.Combine(Storage.Root, ".arcd", "tmp"));
        var deleter = new RowDeleter(Storage, Storage.Root, rewrite, new DeleteOptions(), gate, Engine.FlushMeasurement, Engine.RepointCheckpoints, NullLogger.Instance);
        var settings = new QuerySettings(Storage.Root, TimeSpan.FromMinutes(1), 1, 1, long.MaxValue, long.MaxValue, 256L << 20, 1);
        _runner = new CqRunner(new DataRoot(Storage.Root), settings, deleter, new CqOutputWriter(new Arcd.Import.Submission.IngestSubmitter(Engine, _catalog, TimeSpan.FromSeconds(30))),
            Engine.FlushMeasurement, durableOnAck: false, TimeSpan.FromSeconds(30));
        var expiry = new RetentionRunner(Storage, Storage.Root, gate, Engine.RepointCheckpoints, NullLogger.Instance);
        Options = options ?? new CqOptions();
        Service = new CqService(CqStore.Open(Path.Combine(Storage.Root, ".arcd", "continuous_queries.json")), _runner, expiry, Options, Clock, NullLogger.Instance);
    }

    public LocalFileStorage Storage { get; }
    public ManualClock Clock { get; }
    public IngestEngine Engine { get; }
    public CqService Service { get; }
    public CqOptions Options { get; }
    public string Root => Storage.Root;

    public ContinuousQuery Create(string query, string interval = "1m", IReadOnlyList<string>? tags = null, int? deleteSourceAfterDays = null,
        string destination = "cpu_1m")
    {
        var now = Clock.Now;
        var draft = new ContinuousQuery(0, "cq-" + destination, null, "db", "cpu", destination, query, interval, tags ?? [], null, deleteSourceAfterDays, true, now, now);
        Assert.Null(CqRules.Validate(draft, creating: true, Service.Store.Queries()));
        return Service.Store.Create(draft)!;
    }

    /// <summary>One source file in the hour of <paramref name="rows"/>' first row: (time, host, value).</summary>
    public void WriteSource(IEnumerable<(DateTime Time, string Host, double Value)> rows)
    {
        var list = rows.ToList();
        var hour = new DateTime(list[0].Time.Ticks - list[0].Time.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
        CompactionFixture.WriteFile(Storage, "db", "cpu", hour, FileNameClockNow(),
            list.Select((r, i) => ((r.Time - DateTime.UnixEpoch).Ticks / 10, r.Host, (long)i, r.Value)));
    }

    private static DateTime FileNameClockNow() => DateTime.UtcNow;

    public string Destination(string measurement = "cpu_1m") =>
        $"read_parquet('{Root}/db/{measurement}/**/*.parquet', union_by_name = true)";

    public string Source => $"read_parquet('{Root}/db/cpu/**/*.parquet', union_by_name = true)";

    public bool HasDestination(string measurement = "cpu_1m") => ManagementHttp.ParquetFiles(Path.Combine(Root, "db", measurement)).Length > 0;

    public void Dispose()
    {
        Engine.Stop(TimeSpan.FromSeconds(30));
        _runner.Dispose();
        _catalog.Dispose();
        _temp.Dispose();
    }
}
