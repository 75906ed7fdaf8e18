using System.Globalization;
using Arcd.Ingest.Storage;

namespace Arcd.Maintenance.Files;

/// <summary>
/// A measurement's data files whose partition (<c>YYYY/MM/DD</c> for daily-compacted files,
/// <c>YYYY/MM/DD/HH</c> otherwise) overlaps a time range: files hold rows of their partition only,
/// so no file outside these can hold a row of the range.
/// </summary>
public static class PartitionFiles
{
    public static List<string> Overlapping(IFileStorage storage, string measurementPath, DateTime fromUtc, DateTime toUtc)
    {
        var files = new List<string>();
        foreach (var year in Numbered(storage, measurementPath, 4))
        foreach (var month in Numbered(storage, $"{measurementPath}/{year}", 2))
        foreach (var day in Numbered(storage, $"{measurementPath}/{year}/{month}", 2))
        {
            if (!DateTime.TryParseExact(year + month + day, "yyyyMMdd", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dayStart)) continue;
            if (dayStart >= toUtc || dayStart.AddDays(1) <= fromUtc) continue;
            var dayPath = $"{measurementPath}/{year}/{month}/{day}";
            files.AddRange(ParquetFiles(storage, dayPath));
            foreach (var hour in Numbered(storage, dayPath, 2))
            {
                var hourStart = dayStart.AddHours(int.Parse(hour, CultureInfo.InvariantCulture));
                if (hourStart >= toUtc || hourStart.AddHours(1) <= fromUtc) continue;
                files.AddRange(ParquetFiles(storage, $"{dayPath}/{hour}"));
            }
        }
        return files;
    }

    private static IEnumerable<string> Numbered(IFileStorage storage, string path, int digits) =>
        storage.ListDirectories(path).Where(n => n.Length == digits && n.All(char.IsAsciiDigit)).Order(StringComparer.Ordinal);

    private static IEnumerable<string> ParquetFiles(IFileStorage storage, string directory) =>
        storage.List(directory).Where(f => f.Path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)).Select(f => f.Path);
}
