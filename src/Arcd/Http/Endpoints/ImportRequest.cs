using Arcd.Import;
using Arcd.Import.Csv;
using Arcd.Import.LineProtocol;
using Arcd.Import.Parquet;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire.LineProtocol;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>An import's query parameters, checked with Arc's messages before the upload is read (ARC-MANAGEMENT §5).</summary>
public sealed class ImportRequest
{
    public required string Format { get; init; }
    public required string Database { get; init; }
    public string? Measurement { get; init; }
    public string PrecisionName { get; init; } = "ns";
    public CsvImportOptions? Csv { get; init; }
    public ParquetImportOptions? Parquet { get; init; }
    public LineProtocolImportOptions? LineProtocol { get; init; }

    /// <summary>Parses the parameters; throws a 400 <see cref="ImportException"/>.</summary>
    public static ImportRequest Parse(string format, string database, IQueryCollection query, long maxDecompressedBytes = long.MaxValue)
    {
        var measurement = query["measurement"].ToString();
        if (measurement.Length > 0 && !NameRules.IsValidMeasurement(measurement))
            throw ImportException.BadRequest($"invalid measurement name \"{measurement}\": {NameRules.MeasurementRule}");
        if (format == "lp")
        {
            var precisionName = query["precision"].ToString() is { Length: > 0 } p ? p : "ns";
            var precision = precisionName switch
            {
                "ns" => TimePrecision.Nanoseconds,
                "us" => TimePrecision.Microseconds,
                "ms" => TimePrecision.Milliseconds,
                "s" => TimePrecision.Seconds,
                _ => throw ImportException.BadRequest($"invalid precision \"{precisionName}\": must be ns, us, ms, or s"),
            };
            return new ImportRequest
            {
                Format = format, Database = database, Measurement = measurement.Length > 0 ? measurement : null, PrecisionName = precisionName,
                LineProtocol = new LineProtocolImportOptions(database, measurement.Length > 0 ? measurement : null, precision, maxDecompressedBytes),
            };
        }

        if (measurement.Length == 0) throw ImportException.BadRequest("measurement query parameter is required");
        var timeColumn = query["time_column"].ToString() is { Length: > 0 } t ? t : "time";
        var timeFormat = query["time_format"].ToString();
        if (!ImportTime.IsValidFormat(timeFormat))
            throw ImportException.BadRequest($"unsupported time_format \"{timeFormat}\" (want epoch_s|epoch_ms|epoch_us|epoch_ns or empty for auto)");
        var tags = query["tags"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (format == "parquet")
            return new ImportRequest { Format = format, Database = database, Measurement = measurement, Parquet = new ParquetImportOptions(database, measurement, timeColumn, timeFormat, tags) };

        var delimiter = query["delimiter"].ToString() is { Length: > 0 } d ? d : ",";
        if (delimiter == "\\t") delimiter = "\t";
        if (delimiter.Length != 1) throw ImportException.BadRequest($"delimiter must be a single character, got \"{delimiter}\"");
        var skipText = query["skip_rows"].ToString();
        var skipRows = 0;
        if (skipText.Length > 0 && (!int.TryParse(skipText, out skipRows) || skipRows < 0))
            throw ImportException.BadRequest($"skip_rows must be a non-negative integer, got \"{skipText}\"");
        return new ImportRequest
        {
            Format = format, Database = database, Measurement = measurement,
            Csv = new CsvImportOptions(database, measurement, timeColumn, timeFormat, delimiter[0], skipRows, tags),
        };
    }
}
