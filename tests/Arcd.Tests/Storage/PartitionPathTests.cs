using Arcd.Ingest.Storage;

namespace Arcd.Tests.Storage;

public class PartitionPathTests
{
    [Fact]
    public void Path_uses_the_data_hour_for_directories_and_the_flush_clock_for_the_name()
    {
        var hour = PartitionPath.HourOf(1_700_000_000_000_000); // 2023-11-14T22:13:20Z
        var flush = new DateTime(2026, 8, 22, 8, 42, 3, DateTimeKind.Utc).AddTicks(1_234_567);
        Assert.Equal("production/cpu/2023/11/14/22/cpu_20260822_084203_123456700.parquet",
            PartitionPath.For("production", "cpu", hour, flush));
        Assert.Equal("production/cpu/2023/11/14/22/cpu_20260822_084203_123456700-ingest-2.parquet",
            PartitionPath.For("production", "cpu", hour, flush, "ingest-2"));
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(3_599_999_999L, 0L)]
    [InlineData(3_600_000_000L, 1L)]
    [InlineData(-1L, -1L)] // 1969-12-31T23:59:59.999999Z is in hour 23 of the day before
    [InlineData(-3_600_000_000L, -1L)]
    [InlineData(-3_600_000_001L, -2L)]
    public void Hours_are_floored_including_before_1970(long micros, long hour)
    {
        Assert.Equal(hour, PartitionPath.HourOf(micros));
    }

    [Fact]
    public void Pre_1970_hour_directory_is_right()
    {
        var path = PartitionPath.For("d", "m", PartitionPath.HourOf(-1), new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.StartsWith("d/m/1969/12/31/23/", path);
    }

    [Fact]
    public void File_name_clock_never_repeats()
    {
        var names = Enumerable.Range(0, 10_000).Select(_ => FileNameClock.Next().Ticks).ToArray();
        Assert.Equal(names.Length, names.Distinct().Count());
    }
}
