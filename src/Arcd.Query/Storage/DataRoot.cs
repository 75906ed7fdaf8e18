using System.Globalization;
using Arcd.Ingest.Storage;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Columnar;

namespace Arcd.Query.Storage;

/// <summary>A measurement's Parquet files on disk, with their count and size.</summary>
public sealed record MeasurementInfo(string Database, string Measurement, int FileCount, long TotalBytes, string StoragePath);

/// <summary>
/// Reads Arc's layout under the data root: databases are the top-level directories (not starting
/// with '.' or '_'), measurements the directories below them, data the hour directories
/// <c>YYYY/MM/DD/HH</c> holding <c>*.parquet</c>. Only complete files match: a file being
/// written is a hidden <c>.tmp</c> until its rename.
/// </summary>
public sealed class DataRoot(string root)
{
    public string Root { get; } = Path.GetFullPath(root).TrimEnd('/') + "/";

    public IReadOnlyList<string> Databases() =>
        Children(Root).Where(d => NameRules.IsValidDatabase(d)).Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> Measurements(string database) =>
        NameRules.IsValidDatabase(database)
            ? Children(Root + database).Where(m => NameRules.IsValidMeasurement(m)).Order(StringComparer.Ordinal).ToList()
            : [];

    public bool HasMeasurement(string database, string measurement) =>
        NameRules.IsValidDatabase(database) && NameRules.IsValidMeasurement(measurement) && Directory.Exists(MeasurementPath(database, measurement));

    public string MeasurementPath(string database, string measurement) => $"{Root}{database}/{measurement}";

    public MeasurementInfo Describe(string database, string measurement)
    {
        var files = 0;
        long bytes = 0;
        foreach (var hour in HourDirectories(database, measurement, long.MinValue, long.MaxValue))
        foreach (var file in new DirectoryInfo(hour).EnumerateFiles("*.parquet"))
        {
            files++;
            bytes += file.Length;
        }
        return new MeasurementInfo(database, measurement, files, bytes, MeasurementPath(database, measurement));
    }

    /// <summary>
    /// The hour directories of a measurement whose hour (UTC, hours since the epoch) lies in
    /// [<paramref name="fromHour"/>, <paramref name="toHour"/>] and that hold at least one file.
    /// </summary>
    public List<string> HourDirectories(string database, string measurement, long fromHour, long toHour)
    {
        var found = new List<string>();
        var basePath = MeasurementPath(database, measurement);
        foreach (var year in Numbered(basePath, 4))
        foreach (var month in Numbered($"{basePath}/{year}", 2))
        foreach (var day in Numbered($"{basePath}/{year}/{month}", 2))
        {
            if (!DateTime.TryParseExact($"{year}{month}{day}", "yyyyMMdd", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date)) continue;
            var dayHour = (long)(date - DateTime.UnixEpoch).TotalHours;
            if (dayHour + 23 < fromHour || dayHour > toHour) continue;
            foreach (var hh in Numbered($"{basePath}/{year}/{month}/{day}", 2))
            {
                var hour = dayHour + int.Parse(hh, CultureInfo.InvariantCulture);
                if (hour < fromHour || hour > toHour) continue;
                var path = $"{basePath}/{year}/{month}/{day}/{hh}";
                if (Directory.EnumerateFiles(path, "*.parquet").Any()) found.Add(path);
            }
        }
        return found;
    }

    public static long HourOf(DateTimeOffset time) => PartitionPath.HourOf((time.UtcTicks - DateTime.UnixEpoch.Ticks) / 10);

    private static IEnumerable<string> Children(string path) =>
        Directory.Exists(path)
            ? new DirectoryInfo(path).EnumerateDirectories().Select(d => d.Name).Where(n => n.Length > 0 && n[0] is not ('.' or '_'))
            : [];

    private static IEnumerable<string> Numbered(string path, int digits) =>
        Children(path).Where(n => n.Length == digits && n.All(char.IsAsciiDigit)).Order(StringComparer.Ordinal);
}
