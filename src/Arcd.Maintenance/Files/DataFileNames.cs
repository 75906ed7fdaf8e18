using System.Globalization;

namespace Arcd.Maintenance.Files;

/// <summary>
/// Arc's file names (docs/PROTOCOL.md §4.1): raw <c>{m}_{YYYYMMDD}_{HHMMSS}_{nanos9}[-{node}].parquet</c>,
/// compacted <c>{m}_{YYYYMMDD}_{HHMMSS}_{unix nanos}_b{batch}_{compacted|daily}.parquet</c>; a file
/// a delete rewrote keeps its name and gains <c>_r{n}</c> (n-th rewrite). The time in a name is when
/// the file was written, which orders files for compaction's last-write-wins; a rewrite keeps it,
/// since it removes rows and writes none.
/// </summary>
public static class DataFileNames
{
    public const string HourlySuffix = "compacted";
    public const string DailySuffix = "daily";
    private const string Extension = ".parquet";

    public static string Output(string measurement, DateTime nowUtc, int batch, bool daily)
    {
        var unixNanos = (nowUtc.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        return string.Create(CultureInfo.InvariantCulture,
            $"{measurement}_{nowUtc:yyyyMMdd}_{nowUtc:HHmmss}_{unixNanos}_b{batch}_{(daily ? DailySuffix : HourlySuffix)}{Extension}");
    }

    /// <summary>The name of <paramref name="fileName"/> rewritten once more: <c>x.parquet</c> → <c>x_r1.parquet</c> → <c>x_r2.parquet</c>.</summary>
    public static string Rewritten(string fileName)
    {
        var stem = fileName.EndsWith(Extension, StringComparison.Ordinal) ? fileName[..^Extension.Length] : fileName;
        var (original, rewrites) = SplitRewrite(stem);
        return string.Create(CultureInfo.InvariantCulture, $"{original}_r{rewrites + 1}{Extension}");
    }

    public static bool IsCompacted(string fileName)
    {
        if (!fileName.EndsWith(Extension, StringComparison.Ordinal)) return false;
        var (stem, _) = SplitRewrite(fileName[..^Extension.Length]);
        return stem.EndsWith("_" + HourlySuffix, StringComparison.Ordinal) || stem.EndsWith("_" + DailySuffix, StringComparison.Ordinal);
    }

    /// <summary>When the file was written, from its name; null for a name of another shape.</summary>
    public static DateTime? WrittenAt(string fileName)
    {
        if (!fileName.EndsWith(Extension, StringComparison.Ordinal)) return null;
        var compacted = IsCompacted(fileName);
        var parts = SplitRewrite(fileName[..^Extension.Length]).Stem.Split('_');
        int date;
        if (compacted)
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
        var nanosPart = parts[date + 2];
        if (nanosPart.IndexOf('-') is var dash and >= 0) nanosPart = nanosPart[..dash]; // the writing node's id
        if (!compacted && long.TryParse(nanosPart, NumberStyles.None, CultureInfo.InvariantCulture, out var nanos))
            time = time.AddTicks(nanos / 100);
        return time;
    }

    /// <summary>A stem without its <c>_r{n}</c> rewrite mark, and n (0 when unmarked).</summary>
    private static (string Stem, int Rewrites) SplitRewrite(string stem)
    {
        var underscore = stem.LastIndexOf('_');
        if (underscore < 0 || stem.Length - underscore < 3 || stem[underscore + 1] != 'r') return (stem, 0);
        var digits = stem.AsSpan(underscore + 2);
        foreach (var c in digits) if (!char.IsAsciiDigit(c)) return (stem, 0);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? (stem[..underscore], n) : (stem, 0);
    }
}
