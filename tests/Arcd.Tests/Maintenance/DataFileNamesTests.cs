using Arcd.Maintenance.Files;

namespace Arcd.Tests.Maintenance;

public class DataFileNamesTests
{
    [Fact]
    public void Raw_and_compacted_names_give_their_write_time_and_measurements_may_hold_underscores_and_dots()
    {
        Assert.Equal(new DateTime(2026, 11, 30, 10, 5, 7, DateTimeKind.Utc).AddTicks(1234567),
            DataFileNames.WrittenAt("cpu_load.avg_20261130_100507_123456700.parquet"));
        // The writing node's id rides on the last part (Node:Id).
        Assert.Equal(new DateTime(2026, 11, 30, 10, 5, 7, DateTimeKind.Utc).AddTicks(1234567),
            DataFileNames.WrittenAt("cpu_load.avg_20261130_100507_123456700-ingest-2.parquet"));
        Assert.False(DataFileNames.IsCompacted("m_20261130_100507_123456700-node.parquet"));
        var written = new DateTime(2026, 12, 1, 8, 5, 0, DateTimeKind.Utc).AddTicks(42);
        var name = DataFileNames.Output("cpu_load", written, 3, daily: false);
        Assert.Matches(@"^cpu_load_20261201_080500_\d+_b3_compacted\.parquet$", name);
        Assert.True(DataFileNames.IsCompacted(name));
        Assert.Equal(written, DataFileNames.WrittenAt(name));
        Assert.EndsWith("_b1_daily.parquet", DataFileNames.Output("m", written, 1, daily: true));
        Assert.False(DataFileNames.IsCompacted("m_20261130_100507_123456700.parquet"));
        Assert.Null(DataFileNames.WrittenAt("notes.txt"));
        Assert.Null(DataFileNames.WrittenAt("x_y.parquet"));
    }

    [Fact]
    public void A_rewritten_file_keeps_its_write_time_and_counts_its_rewrites()
    {
        var raw = "cpu_20261130_100507_123456700.parquet";
        Assert.Equal("cpu_20261130_100507_123456700_r1.parquet", DataFileNames.Rewritten(raw));
        Assert.Equal("cpu_20261130_100507_123456700_r2.parquet", DataFileNames.Rewritten(DataFileNames.Rewritten(raw)));
        Assert.Equal(DataFileNames.WrittenAt(raw), DataFileNames.WrittenAt(DataFileNames.Rewritten(raw)));
        var compacted = DataFileNames.Output("cpu", new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), 1, daily: false);
        Assert.True(DataFileNames.IsCompacted(DataFileNames.Rewritten(compacted)));
        Assert.Equal(DataFileNames.WrittenAt(compacted), DataFileNames.WrittenAt(DataFileNames.Rewritten(compacted)));
    }
}
