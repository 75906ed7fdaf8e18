using System.Globalization;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Storage;
using Arcd.Maintenance.Files;

namespace Arcd.Maintenance.Compaction;

/// <summary>A partition worth compacting: its files (oldest written first) and where the output goes.</summary>
public sealed record CompactionCandidate(string Database, string Measurement, CompactionTier Tier, string PartitionPath, DateTime PartitionStartUtc,
    IReadOnlyList<StoredFile> Files)
{
    public long Bytes => Files.Sum(f => f.Size);
}

/// <summary>
/// Arc's tier rules (ARC-MANAGEMENT §4.4), read through the storage seam. Hourly: an hour directory
/// whose hour began at least <c>HourlyMinAge</c> ago, whose newest file was written at least that
/// long ago, with at least <c>HourlyMinFiles</c> files that are not compacted outputs; all its files
/// are merged. Daily: a day directory whose day began at least <c>DailyMinAge</c> ago, with at
/// least <c>DailyMinFiles</c> hour-level files, whose newest file is old enough unless the day is
/// older than <c>DailySkipFileAgeCheckDays</c>; every file of the day, hour-level and day-level,
/// is merged.
/// </summary>
public sealed class CandidateFinder(IFileStorage storage, CompactionOptions options)
{
    public List<CompactionCandidate> Find(CompactionTier tier, DateTime nowUtc, string? onlyDatabase = null)
    {
        var found = new List<CompactionCandidate>();
        foreach (var database in storage.ListDirectories(""))
        {
            if (!NameRules.IsValidDatabase(database) || onlyDatabase is not null && database != onlyDatabase) continue;
            foreach (var measurement in storage.ListDirectories(database))
            {
                if (!NameRules.IsValidMeasurement(measurement)) continue;
                foreach (var (dayPath, dayStart) in Days(database, measurement))
                {
                    if (tier == CompactionTier.Daily)
                    {
                        if (DailyCandidate(database, measurement, dayPath, dayStart, nowUtc) is { } daily) found.Add(daily);
                        continue;
                    }
                    foreach (var hour in Numbered(dayPath, 2, 23))
                    {
                        var hourPath = $"{dayPath}/{hour:D2}";
                        if (HourlyCandidate(database, measurement, hourPath, dayStart.AddHours(hour), nowUtc) is { } hourly) found.Add(hourly);
                    }
                }
            }
        }
        return found;
    }

    private CompactionCandidate? HourlyCandidate(string database, string measurement, string hourPath, DateTime hourStart, DateTime nowUtc)
    {
        var cutoff = nowUtc - options.HourlyMinAge;
        if (hourStart > cutoff) return null;
        var files = ParquetFiles(hourPath);
        if (files.Count < options.HourlyMinFiles) return null;
        if (files.Count(f => !DataFileNames.IsCompacted(FileName(f.Path))) < options.HourlyMinFiles) return null;
        if (files.Max(WrittenAt) > cutoff) return null;
        return new CompactionCandidate(database, measurement, CompactionTier.Hourly, hourPath, hourStart, Ordered(files));
    }

    private CompactionCandidate? DailyCandidate(string database, string measurement, string dayPath, DateTime dayStart, DateTime nowUtc)
    {
        var cutoff = nowUtc - options.DailyMinAge;
        if (dayStart > cutoff) return null;
        var dayLevel = ParquetFiles(dayPath);
        var hourLevel = new List<StoredFile>();
        foreach (var hour in Numbered(dayPath, 2, 23)) hourLevel.AddRange(ParquetFiles($"{dayPath}/{hour:D2}"));
        if (hourLevel.Count < options.DailyMinFiles) return null;
        var files = dayLevel.Concat(hourLevel).ToList();
        var skipAgeCheck = dayStart < nowUtc.AddDays(-options.DailySkipFileAgeCheckDays);
        if (!skipAgeCheck && files.Max(WrittenAt) > cutoff) return null;
        return new CompactionCandidate(database, measurement, CompactionTier.Daily, dayPath, dayStart, Ordered(files));
    }

    private IEnumerable<(string Path, DateTime Start)> Days(string database, string measurement)
    {
        var basePath = $"{database}/{measurement}";
        foreach (var year in Numbered(basePath, 4, 9999))
        foreach (var month in Numbered($"{basePath}/{year:D4}", 2, 12))
        foreach (var day in Numbered($"{basePath}/{year:D4}/{month:D2}", 2, 31))
        {
            if (year < 1 || month < 1 || day < 1 || day > DateTime.DaysInMonth(year, month)) continue;
            yield return ($"{basePath}/{year:D4}/{month:D2}/{day:D2}", new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc));
        }
    }

    private IEnumerable<int> Numbered(string path, int digits, int max) =>
        storage.ListDirectories(path)
            .Where(n => n.Length == digits && n.All(char.IsAsciiDigit))
            .Select(n => int.Parse(n, CultureInfo.InvariantCulture))
            .Where(n => n <= max);

    private List<StoredFile> ParquetFiles(string directory) =>
        storage.List(directory).Where(f => f.Path.EndsWith(".parquet", StringComparison.Ordinal)).ToList();

    /// <summary>Oldest written first (name time, then name), so a later file wins a duplicate key.</summary>
    private static List<StoredFile> Ordered(List<StoredFile> files) =>
        files.OrderBy(WrittenAt).ThenBy(f => f.Path, StringComparer.Ordinal).ToList();

    private static DateTime WrittenAt(StoredFile file) => DataFileNames.WrittenAt(FileName(file.Path)) ?? file.LastModifiedUtc;

    private static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];
}
