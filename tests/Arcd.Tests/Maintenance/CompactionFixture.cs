using System.Globalization;
using System.Text;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Parquet;
using Arcd.Ingest.Storage;

namespace Arcd.Tests.Maintenance;

/// <summary>Writes small Parquet files with arcd's encoder straight into a data root, as flushes would have.</summary>
internal static class CompactionFixture
{
    public static readonly DateTime Hour = new(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc);

    /// <summary>A raw file of <paramref name="rows"/> (id, time) rows in the partition of <paramref name="hour"/>, named as written at <paramref name="writtenAt"/>.</summary>
    public static string WriteFile(LocalFileStorage storage, string database, string measurement, DateTime hour, DateTime writtenAt,
        IEnumerable<(long Micros, string Host, long Id, double Value)> rows, bool tags = true, string? extraColumn = null)
    {
        using var batch = new ColumnBatch(measurement);
        var host = new Column("host", ColumnKind.String);
        var id = new Column("id", ColumnKind.Int64);
        var value = new Column("value", ColumnKind.Float64);
        var extra = extraColumn is null ? null : new Column(extraColumn, ColumnKind.String);
        foreach (var row in rows)
        {
            batch.Time.AppendInt64(row.Micros);
            host.AppendString(Encoding.UTF8.GetBytes(row.Host));
            id.AppendInt64(row.Id);
            value.AppendFloat64(row.Value);
            extra?.AppendString(Encoding.UTF8.GetBytes("x" + row.Id));
        }
        batch.Add(host);
        batch.Add(id);
        batch.Add(value);
        if (extra is not null) batch.Add(extra);
        using var buffer = MeasurementBuffer.StartWith(database, batch, 0, 0);
        using var order = TimeOrder.Compute(buffer.Time);
        var name = string.Create(CultureInfo.InvariantCulture,
            $"{measurement}_{writtenAt:yyyyMMdd}_{writtenAt:HHmmss}_{writtenAt.Ticks % TimeSpan.TicksPerSecond * 100:D9}.parquet");
        var path = $"{database}/{measurement}/{hour:yyyy}/{hour:MM}/{hour:dd}/{hour:HH}/{name}";
        storage.Put(path, stream => ParquetFileWriter.Write(stream, buffer, order, 0, buffer.RowCount, ParquetSettings.Default,
            tags ? [new("arc:tags", "host")] : null));
        return path;
    }

    /// <summary>Rows with unique ids <paramref name="firstId"/>.., spread over the hour (unsorted within the file).</summary>
    public static IEnumerable<(long, string, long, double)> Rows(DateTime hour, long firstId, int count, int seed)
    {
        var random = new Random(seed);
        var start = (hour - DateTime.UnixEpoch).Ticks / 10;
        for (var i = 0; i < count; i++)
            yield return (start + random.NextInt64(0, 3_600_000_000L), $"h{random.Next(5)}", firstId + i, random.NextDouble());
    }
}
