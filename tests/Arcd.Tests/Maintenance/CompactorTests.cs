using Arcd.Ingest.Storage;
using Arcd.Maintenance.Compaction;
using Arcd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arcd.Tests.Maintenance;

/// <summary>Compaction on a real data root, read back by DuckDB (the independent reader).</summary>
public class CompactorTests
{
    private static readonly DateTime Now = CompactionFixture.Hour.AddHours(3);

    private static Compactor NewCompactor(LocalFileStorage storage, CompactionOptions? options = null) =>
        new(storage, storage.Root, options ?? new CompactionOptions { RowGroupRows = 250 }, NullLogger.Instance);

    private static string Partition(string root, DateTime hour) => $"{root}/db/cpu/{hour:yyyy}/{hour:MM}/{hour:dd}/{hour:HH}";

    [Fact]
    public void Many_small_files_become_one_sorted_file_with_every_row_once_row_groups_statistics_and_tags()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        var hour = CompactionFixture.Hour;
        for (var f = 0; f < 12; f++)
            CompactionFixture.WriteFile(storage, "db", "cpu", hour, hour.AddMinutes(5 * f + 1), CompactionFixture.Rows(hour, f * 100, 100, f));

        var compactor = NewCompactor(storage);
        Assert.True(compactor.RunCycle([CompactionTier.Hourly], null, Now));

        var files = Directory.GetFiles(Partition(temp.Path, hour));
        var output = Assert.Single(files);
        Assert.EndsWith("_b1_compacted.parquet", output);
        Assert.Equal(1200L, DuckDb.Scalar($"SELECT count(*) FROM '{output}'"));
        Assert.Equal(1200L, DuckDb.Scalar($"SELECT count(DISTINCT id) FROM '{output}'"));
        Assert.Equal(0L, DuckDb.Scalar($"SELECT count(*) FROM (SELECT time, lag(time) OVER () AS previous FROM '{output}') WHERE time < previous"));
        Assert.Equal(5L, DuckDb.Scalar($"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{output}')"));
        Assert.Equal("host", DuckDb.Scalar($"SELECT decode(value) FROM parquet_kv_metadata('{output}') WHERE decode(key) = 'arc:tags'"));
        // Each row group's time statistics bound exactly its rows, and the groups follow each other.
        var groups = DuckDb.Query($"SELECT stats_min_value, stats_max_value FROM parquet_metadata('{output}') WHERE path_in_schema = 'time' ORDER BY row_group_id");
        Assert.Equal(5, groups.Count);
        var types = DuckDb.Types($"'{output}'");
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["time"]);
        Assert.Equal("BIGINT", types["id"]);
        Assert.Equal("DOUBLE", types["value"]);
        Assert.Equal("VARCHAR", types["host"]);
        Assert.Equal(1, compactor.Stats.JobsCompleted);
        Assert.Equal(12, compactor.Stats.FilesIn);
        Assert.Empty(storage.PendingReplacements());
    }

    [Fact]
    public void Hours_too_young_or_with_too_few_files_are_left_alone()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        var hour = CompactionFixture.Hour;
        for (var f = 0; f < 9; f++) CompactionFixture.WriteFile(storage, "db", "cpu", hour, hour.AddMinutes(f + 1), CompactionFixture.Rows(hour, f * 10, 10, f));
        var young = Now.AddHours(-1);
        for (var f = 0; f < 12; f++) CompactionFixture.WriteFile(storage, "db", "cpu", young, young.AddMinutes(f + 1), CompactionFixture.Rows(young, 1000 + f * 10, 10, f));

        NewCompactor(storage).RunCycle([CompactionTier.Hourly], null, Now.AddMinutes(-30));
        Assert.Equal(9, Directory.GetFiles(Partition(temp.Path, hour)).Length);
        Assert.Equal(12, Directory.GetFiles(Partition(temp.Path, young)).Length);
    }

    [Fact]
    public void Duplicate_tags_and_time_keep_the_last_written_row_and_untagged_data_is_never_deduplicated()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        var hour = CompactionFixture.Hour;
        var t = (hour - DateTime.UnixEpoch).Ticks / 10 + 1_000_000;
        // Ten files repeat the same key; the one written last holds value 9. Within the last file the second of
        // two rows with the same key wins (arrival order).
        for (var f = 0; f < 10; f++)
        {
            (long, string, long, double)[] rows = f == 9 ? [(t, "a", 100, 8.5), (t, "a", 101, 9.0)] : [(t, "a", f, f)];
            CompactionFixture.WriteFile(storage, "db", "cpu", hour, hour.AddMinutes(10 + f), rows);
        }
        // Untagged (columnar) data with repeated times in another measurement: nothing is dropped.
        for (var f = 0; f < 10; f++)
            CompactionFixture.WriteFile(storage, "db", "mem", hour, hour.AddMinutes(10 + f), [(t, "a", f, f)], tags: false);

        NewCompactor(storage).RunCycle([CompactionTier.Hourly], null, Now);
        var cpu = Assert.Single(Directory.GetFiles(Partition(temp.Path, hour)));
        var kept = DuckDb.Query($"SELECT id, value FROM '{cpu}'");
        Assert.Equal([101L, 9.0], Assert.Single(kept));
        var mem = Assert.Single(Directory.GetFiles($"{temp.Path}/db/mem/{hour:yyyy}/{hour:MM}/{hour:dd}/{hour:HH}"));
        Assert.Equal(10L, DuckDb.Scalar($"SELECT count(*) FROM '{mem}'"));
    }

    [Fact]
    public void Columns_missing_from_older_files_are_null_and_batches_have_their_own_outputs()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        var hour = CompactionFixture.Hour;
        for (var f = 0; f < 11; f++)
            CompactionFixture.WriteFile(storage, "db", "cpu", hour, hour.AddMinutes(f + 1), CompactionFixture.Rows(hour, f * 10, 10, f), extraColumn: f >= 6 ? "note" : null);

        NewCompactor(storage, new CompactionOptions { MaxFilesPerBatch = 5, RowGroupRows = 250 }).RunCycle([CompactionTier.Hourly], null, Now);
        var outputs = Directory.GetFiles(Partition(temp.Path, hour)).Order(StringComparer.Ordinal).ToList();
        // 11 files in batches of 5: 5, then 6 (a last batch of one joins the one before).
        Assert.Equal(2, outputs.Count);
        Assert.Contains(outputs, o => o.EndsWith("_b1_compacted.parquet", StringComparison.Ordinal));
        Assert.Contains(outputs, o => o.EndsWith("_b2_compacted.parquet", StringComparison.Ordinal));
        var all = $"read_parquet(['{outputs[0]}', '{outputs[1]}'], union_by_name = true)";
        Assert.Equal(110L, DuckDb.Scalar($"SELECT count(DISTINCT id) FROM {all}"));
        Assert.Equal(50L, DuckDb.Scalar($"SELECT count(note) FROM {all}"));
    }

    [Fact]
    public void Daily_merges_the_hour_outputs_of_an_old_day_into_the_day_directory()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        var day = CompactionFixture.Hour.Date.AddDays(-2);
        for (var h = 0; h < 12; h++)
        {
            var hour = day.AddHours(h);
            CompactionFixture.WriteFile(storage, "db", "cpu", hour, hour.AddHours(2), CompactionFixture.Rows(hour, h * 10, 10, h));
        }
        NewCompactor(storage).RunCycle([CompactionTier.Daily], null, Now);
        var dayPath = $"{temp.Path}/db/cpu/{day:yyyy}/{day:MM}/{day:dd}";
        var output = Assert.Single(Directory.GetFiles(dayPath));
        Assert.EndsWith("_b1_daily.parquet", output);
        Assert.Equal([output], Directory.GetFiles(dayPath, "*.parquet", SearchOption.AllDirectories));
        Assert.Equal(120L, DuckDb.Scalar($"SELECT count(DISTINCT id) FROM '{output}'"));
    }

    [Fact]
    public void A_partition_larger_than_the_memory_limit_compacts_within_it()
    {
        using var temp = new TempDirectory();
        var storage = new LocalFileStorage(temp.Path);
        var hour = CompactionFixture.Hour;
        // About 90 MB of rows (with the file name and row number columns) in DuckDB's memory against a 64 MiB limit: the sort must spill, not fail.
        for (var f = 0; f < 10; f++)
            CompactionFixture.WriteFile(storage, "db", "cpu", hour, hour.AddMinutes(f + 1), CompactionFixture.Rows(hour, f * 60_000L, 60_000, f), extraColumn: "payload");
        // Random hosts and times repeat a (host, time) key a few times: deduplication keeps one of each.
        var keys = (long)DuckDb.Scalar($"SELECT count(*) FROM (SELECT DISTINCT host, time FROM read_parquet('{Partition(temp.Path, hour)}/*.parquet'))")!;
        var compactor = NewCompactor(storage, new CompactionOptions { MemoryLimitBytes = 64L << 20, RowGroupRows = 122_880 });
        compactor.RunCycle([CompactionTier.Hourly], null, Now);
        Assert.True(compactor.Stats.JobsCompleted == 1, string.Join("; ", compactor.Stats.Recent().Select(j => j.Error)));
        var output = Assert.Single(Directory.GetFiles(Partition(temp.Path, hour)));
        Assert.Equal(keys, DuckDb.Scalar($"SELECT count(*) FROM '{output}'"));
        Assert.InRange(keys, 599_900L, 600_000L);
    }
}
