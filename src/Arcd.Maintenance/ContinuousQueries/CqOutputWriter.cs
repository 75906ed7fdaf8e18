using System.Buffers;
using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Types;
using Arcd.Import;
using Arcd.Import.Arrow;
using Arcd.Import.Submission;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;
using Arcd.Query.Engine;

namespace Arcd.Maintenance.ContinuousQueries;

/// <summary>A run's output broke a rule (a row outside its window, a type arcd cannot store): the run fails with this message.</summary>
public sealed class CqOutputException(string message) : Exception(message);

/// <summary>
/// Streams a continuous query's result into the destination through the normal ingest path, one
/// result chunk at a time: each chunk becomes one tagged-columnar body (Wal/FORMAT.md, format 3)
/// submitted like an import chunk (<see cref="IngestSubmitter"/>). Memory is one chunk. Every row
/// must fall inside the window, so a re-run can replace the window's output by deleting that time range.
/// </summary>
public sealed class CqOutputWriter(IngestSubmitter submitter)
{
    private const string TimeColumn = ColumnBatch.TimeColumnName;

    /// <summary>Writes every row of <paramref name="result"/>; returns the rows written.</summary>
    public long Write(ArrowResult result, string database, string measurement, IReadOnlyList<string> tagColumns, DateTime windowStart, DateTime windowEnd)
    {
        var startMicros = Micros(windowStart);
        var endMicros = Micros(windowEnd);
        var fields = result.Schema.FieldsList.ToList();
        var timeIndex = fields.FindIndex(f => string.Equals(f.Name, TimeColumn, StringComparison.OrdinalIgnoreCase));
        for (var i = 0; i < fields.Count; i++)
        {
            if (i == timeIndex) continue;
            if (!NameRules.IsValidColumnName(fields[i].Name))
                throw new CqOutputException($"result column '{fields[i].Name}' cannot be stored: {(fields[i].Name.Length == 0 ? "it has no name" : "names starting with '_' are reserved")}; alias it (AS name)");
            if (ArrowBodyEncoder.Kind(fields[i].DataType) is null)
                throw new CqOutputException($"result column '{fields[i].Name}' has type {fields[i].DataType.Name}, which arcd does not store outside 'time'; cast it (to BIGINT, DOUBLE or VARCHAR)");
        }
        if (fields.Count - (timeIndex >= 0 ? 1 : 0) == 0)
            throw new CqOutputException("the result has no columns besides time: nothing to store");
        var tags = tagColumns.Where(t => fields.Any(f => f.Name == t)).ToArray();

        long TimeOf(IArrowArray? time, int row)
        {
            var micros = time is null ? startMicros : TimeMicros(time, row);
            if (micros < startMicros || micros >= endMicros)
                throw new CqOutputException($"a result row has time {Format(micros)}, outside the window [{Format(startMicros)}, {Format(endMicros)}): " +
                    "a continuous query's rows must fall inside its window (bucket by the interval or a divisor of it), so a re-run can replace them");
            return micros;
        }

        long rows = 0;
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        while (result.Next() is { } batch)
        {
            using (batch)
            {
                if (batch.Length == 0) continue;
                buffer.ResetWrittenCount();
                try
                {
                    ArrowBodyEncoder.Encode(buffer, batch, timeIndex, tags, measurement, TimeOf);
                    rows += submitter.Submit(database, BodyFormat.TaggedColumnar, TimePrecision.Microseconds, buffer.WrittenSpan);
                }
                catch (ImportException ex)
                {
                    throw new CqOutputException(ex.Failure == ImportFailure.BadRequest ? ex.Message : $"the result could not be written: {ex.Message}");
                }
            }
        }
        return rows;
    }

    private static long TimeMicros(IArrowArray column, int row)
    {
        if (column.IsNull(row)) throw new CqOutputException("a result row has a NULL time");
        switch (column)
        {
            case TimestampArray t:
                var value = t.GetValue(row)!.Value;
                return ((TimestampType)t.Data.DataType).Unit switch
                {
                    Apache.Arrow.Types.TimeUnit.Second => value * 1_000_000,
                    Apache.Arrow.Types.TimeUnit.Millisecond => value * 1_000,
                    Apache.Arrow.Types.TimeUnit.Microsecond => value,
                    _ => Math.DivRem(value, 1_000) is var (q, r) && r < 0 ? q - 1 : q,
                };
            case Int64Array a: return a.GetValue(row)!.Value;
            case Date32Array d: return d.GetValue(row)!.Value * 86_400_000_000L;
            case StringArray s:
                if (DateTimeOffset.TryParse(s.GetString(row), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                    return Micros(parsed.UtcDateTime);
                throw new CqOutputException($"time value '{s.GetString(row)}' is not an RFC 3339 timestamp");
            default:
                throw new CqOutputException($"the time column has type {column.Data.DataType.Name}; return a TIMESTAMP");
        }
    }

    private static long Micros(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static string Format(long micros) => DateTime.UnixEpoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);
}
