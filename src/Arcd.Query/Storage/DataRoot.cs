using System.Globalization;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Storage;

namespace Arcd.Query.Storage;

/// <summary>A measurement's Parquet files on disk, with their count and size.</summary>
public sealed record MeasurementInfo(string Database, string Measurement, int FileCount, long TotalBytes, string StoragePath);

/// <summary>
/// Reads Arc's layout under the data root: databases are the top-level directories (not starting
/// with '.' or '_'), measurements the directories below them, data the hour directories
/// <c>YYYY/MM/DD/HH</c> holding <c>*.parquet</c>. Only complete files match: a file being
/// written is a hidden <c>.tmp</c> until its rename.
/// </summary>
public sealed class DataRoot(string root, ReadEpochs? readers = null)
{
    public string Root { get; } = Path.GetFullPath(root).TrimEnd('/') + "/";

    /// <summary>
    /// A lease for one query, from listing its files to its end: replacements (compaction) wait for
    /// it before they make an output visible or delete inputs (<see cref="ReadEpochs"/>).
    /// </summary>
    public IDisposable BeginRead() => readers is null ? NoLease.Instance : readers.BeginRead();

    /// <summary>
    /// The files of a measurement's partitions that a reader may see now: the inputs of a replacement
    /// in flight whose output exists are hidden, and so is an output not yet complete. Null when no
    /// replacement touches the measurement, so the planner can keep its globs.
    /// </summary>
    public List<string>? VisibleFiles(string database, string measurement, IReadOnlyList<string> partitions)
    {
        var pending = readers?.PendingUnder($"{database}/{measurement}/");
        if (pending is null || pending.Count == 0) return null;
        var hidden = new HashSet<string>(StringComparer.Ordinal);
        foreach (var replacement in pending)
        {
            // A deletion (no output) is committed by its manifest: its inputs are hidden from the start.
            if (replacement.Output is null || File.Exists(Root + replacement.Output))
                foreach (var input in replacement.Inputs) hidden.Add(Root + input);
            else
                hidden.Add(Root + replacement.Output);
        }
        var files = new List<string>();
        foreach (var partition in partitions)
            foreach (var file in Directory.EnumerateFiles(partition, "*.parquet"))
                if (!hidden.Contains(file)) files.Add(file);
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private sealed class NoLease : IDisposable
    {
        public static readonly NoLease Instance = new();
        public void Dispose()
        {
        }
    }

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
    /// The partition directories of a measurement that hold at least one file and may hold rows of
    /// the hours [<paramref name="fromHour"/>, <paramref name="toHour"/>] (UTC, hours since the epoch):
    /// hour directories <c>YYYY/MM/DD/HH</c> of those hours, and day directories <c>YYYY/MM/DD</c>
    /// overlapping them that hold files of their own (daily compaction writes there).
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
            var dayPath = $"{basePath}/{year}/{month}/{day}";
            if (Directory.EnumerateFiles(dayPath, "*.parquet").Any()) found.Add(dayPath);
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
