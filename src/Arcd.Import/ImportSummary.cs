using System.Globalization;

namespace Arcd.Import;

/// <summary>
/// What an import's validating pass learned about the file: row count, time range, the UTC hours
/// it touches (Arc's <c>partitions_created</c>), and the measurements and columns it writes.
/// </summary>
public sealed class ImportSummary
{
    private readonly HashSet<long> _hours = [];

    public long Rows { get; private set; }
    public long MinMicros { get; private set; } = long.MaxValue;
    public long MaxMicros { get; private set; } = long.MinValue;
    public int Partitions => _hours.Count;
    public HashSet<string> Measurements { get; } = new(StringComparer.Ordinal);
    public List<string> Columns { get; } = [];

    public void AddTime(long micros)
    {
        Rows++;
        if (micros < MinMicros) MinMicros = micros;
        if (micros > MaxMicros) MaxMicros = micros;
        _hours.Add(Math.DivRem(micros, 3_600_000_000L) is var (q, r) && r < 0 ? q - 1 : q);
    }

    /// <summary>A line-protocol import counts rows only (Arc reports no range or partitions for it).</summary>
    public void AddRows(long rows) => Rows += rows;

    /// <summary>RFC 3339 with as many fraction digits as needed (Go's RFC3339Nano, as Arc prints it).</summary>
    public static string Rfc3339(long micros)
    {
        var text = DateTime.UnixEpoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture);
        return text.TrimEnd('.') + "Z";
    }
}
