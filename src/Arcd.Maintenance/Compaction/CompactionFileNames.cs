using System.Globalization;

namespace Arcd.Maintenance.Compaction;

/// <summary>
/// Arc's file names (docs/PROTOCOL.md §4.1): raw <c>{m}_{YYYYMMDD}_{HHMMSS}_{nanos9}.parquet</c>,
/// compacted <c>{m}_{YYYYMMDD}_{HHMMSS}_{unix nanos}_b{batch}_{compacted|daily}.parquet</c>. The
/// time in a name is when the file was written, which orders files for last-write-wins.
/// </summary>
public static class CompactionFileNames
{
    public const string HourlySuffix = "compacted";
    public const string DailySuffix = "daily";

    public static string Output(string measurement, DateTime nowUtc, int batch, CompactionTier tier)
    {
        var unixNanos = (nowUtc.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        return string.Create(CultureInfo.InvariantCulture,
            $"{measurement}_{nowUtc:yyyyMMdd}_{nowUtc:HHmmss}_{unixNanos}_b{batch}_{(tier == CompactionTier.Hourly ? HourlySuffix : DailySuffix)}.parquet");
    }

    public static bool IsCompacted(string fileName) =>
        fileName.EndsWith("_" + HourlySuffix + ".parquet", StringComparison.Ordinal) || fileName.EndsWith("_" + DailySuffix + ".parquet", StringComparison.Ordinal);

    /// <summary>When the file was written, from its name; null for a name of another shape.</summary>
    public static DateTime? WrittenAt(string fileName)
    {
        if (!fileName.EndsWith(".parquet", StringComparison.Ordinal)) return null;
        var parts = fileName[..^".parquet".Length].Split('_');
        int date;
        if (IsCompacted(fileName))
        {
            if (parts.Length < 6) return null;
            date = parts.Length - 5;
            if (long.TryParse(parts[^3], NumberStyles.None, CultureInfo.InvariantCulture, out var unixNanos))
                return new DateTime(DateTime.UnixEpoch.Ticks + unixNanos / 100, DateTimeKind.Utc);
        }
        else
        {
            if (parts.Length < 4) return null;
            date = parts.Length - 3;
        }
        if (!DateTime.TryParseExact(parts[date] + parts[date + 1], "yyyyMMddHHmmss", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)) return null;
        if (!IsCompacted(fileName) && long.TryParse(parts[date + 2], NumberStyles.None, CultureInfo.InvariantCulture, out var nanos))
            time = time.AddTicks(nanos / 100);
        return time;
    }
}
