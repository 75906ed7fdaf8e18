using System.Globalization;

namespace Arcd.Ingest.Storage;

/// <summary>
/// Arc's layout: <c>{db}/{m}/YYYY/MM/DD/HH/{m}_{YYYYMMDD}_{HHMMSS}_{nanos9}-{node}.parquet</c>. The
/// directory hour is the data's UTC hour; the file name is the flush's wall clock, which Arc's
/// compaction parses (the date and time as the third and second '_'-parts from the end), so the
/// pattern must not change; the node id rides on the last part, which Arc does not parse, so
/// several nodes writing one bucket never produce the same key.
/// </summary>
public static class PartitionPath
{
    public const long MicrosPerHour = 3_600_000_000L;

    /// <summary>UTC hour index (floor division, so pre-1970 times land in the right hour).</summary>
    public static long HourOf(long micros) => Math.DivRem(micros, MicrosPerHour) is var (q, r) && r < 0 ? q - 1 : q;

    public static string For(string database, string measurement, long hour, DateTime flushTimeUtc, string nodeId = "")
    {
        var dataHour = DateTime.UnixEpoch.AddTicks(hour * MicrosPerHour * 10);
        var nanos = flushTimeUtc.Ticks % TimeSpan.TicksPerSecond * 100;
        var node = nodeId.Length > 0 ? "-" + nodeId : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{database}/{measurement}/{dataHour:yyyy}/{dataHour:MM}/{dataHour:dd}/{dataHour:HH}/{measurement}_{flushTimeUtc:yyyyMMdd}_{flushTimeUtc:HHmmss}_{nanos:D9}{node}.parquet");
    }
}

/// <summary>
/// Wall clock for file names that never repeats within the process: two flushes in the same
/// 100 ns tick would otherwise produce the same name and one file would replace the other.
/// </summary>
public static class FileNameClock
{
    private static long s_lastTicks;

    public static DateTime Next()
    {
        while (true)
        {
            var last = Volatile.Read(ref s_lastTicks);
            var next = Math.Max(DateTime.UtcNow.Ticks, last + 1);
            if (Interlocked.CompareExchange(ref s_lastTicks, next, last) == last) return new DateTime(next, DateTimeKind.Utc);
        }
    }
}
