using System.Diagnostics;
using Arcd.Import;
using Arcd.Import.Csv;
using Arcd.Import.LineProtocol;
using Arcd.Import.Parquet;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Shards;
using Arcd.Ingest.Wire.LineProtocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Arcd.Http.Endpoints;

/// <summary>
/// Arc's import API (docs/PROTOCOL.md §14; ARC-MANAGEMENT §5): <c>POST /api/v1/import/{csv,parquet,lp}</c>
/// with the file in multipart field <c>file</c>, and <c>GET /api/v1/import/stats</c>. The upload is
/// spooled to disk, checked whole, then written through the normal ingest path and flushed to
/// Parquet before the answer, as Arc does.
/// </summary>
public sealed class ImportEndpoints(IngestEngine engine, CsvImporter csv, ParquetImporter parquet, LineProtocolImporter lineProtocol,
    ImportSpool spool, ImportOptions options)
{
    public const string Prefix = "/api/v1/import/";
    public const string StatsPath = "/api/v1/import/stats";

    private readonly SemaphoreSlim _running = new(options.MaxConcurrent, options.MaxConcurrent);
    private long _requests, _records, _errors;

    public static bool Owns(string path) => path.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Imports rewrite history in bulk: admin, as in Arc. The counters are for any valid token.</summary>
    public static bool NeedsAdmin(string path) => path.TrimEnd('/') != StatsPath;

    public Task HandleAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        switch (path.TrimEnd('/'))
        {
            case StatsPath:
                return HttpMethods.IsGet(method) ? StatsAsync(context) : JsonResponse.NotAllowedAsync(context, "GET");
            case Prefix + "csv":
            case Prefix + "parquet":
            case Prefix + "lp":
                return HttpMethods.IsPost(method) ? ImportAsync(context, path.TrimEnd('/')[Prefix.Length..]) : JsonResponse.NotAllowedAsync(context, "POST");
            default:
                return JsonResponse.ErrorAsync(context, StatusCodes.Status404NotFound,
                    $"no such import format: {path}; arcd imports csv, parquet and lp (POST {Prefix}{{csv,parquet,lp}})");
        }
    }

    private Task StatsAsync(HttpContext context) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteString("status", "success");
            j.WriteStartObject("stats");
            j.WriteNumber("total_requests", Interlocked.Read(ref _requests));
            j.WriteNumber("total_records", Interlocked.Read(ref _records));
            j.WriteNumber("total_errors", Interlocked.Read(ref _errors));
            j.WriteEndObject();
        });

    private async Task ImportAsync(HttpContext context, string format)
    {
        Interlocked.Increment(ref _requests);
        var started = Stopwatch.GetTimestamp();
        string? spooled = null;
        try
        {
            var query = context.Request.Query;
            var database = context.Request.Headers["x-arc-database"].ToString();
            if (database.Length == 0) database = query["db"].ToString();
            if (database.Length == 0) throw ImportException.BadRequest("database is required (set x-arc-database header or db query param)");
            if (!NameRules.IsValidDatabase(database)) throw ImportException.BadRequest($"invalid database name: {NameRules.DatabaseRule}");
            var request = ImportRequest.Parse(format, database, query, options.MaxBytes);

            spooled = await SpoolFileAsync(context);
            await _running.WaitAsync(context.RequestAborted);
            ImportSummary summary;
            try
            {
                var path = spooled;
                summary = await Task.Factory.StartNew(() => Run(request, path), context.RequestAborted, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            finally
            {
                _running.Release();
            }
            // Arc answers after the rows are in Parquet; they are already durable in the WAL, so a slow flush only delays the answer.
            foreach (var measurement in summary.Measurements) engine.FlushMeasurement(database, measurement, options.FullTimeout);
            Interlocked.Add(ref _records, summary.Rows);
            await Respond(context, request, summary, Stopwatch.GetElapsedTime(started));
        }
        catch (ImportException ex)
        {
            Interlocked.Increment(ref _errors);
            if (ex.Failure == ImportFailure.Unavailable) context.Response.Headers.RetryAfter = "5";
            await JsonResponse.ErrorAsync(context, ex.Failure switch
            {
                ImportFailure.Unreadable => StatusCodes.Status422UnprocessableEntity,
                ImportFailure.TooLarge => StatusCodes.Status413PayloadTooLarge,
                ImportFailure.Unavailable => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status400BadRequest,
            }, ex.Message);
        }
        catch (InvalidDataException ex)
        {
            Interlocked.Increment(ref _errors);
            await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, $"the file starts like gzip but cannot be decompressed: {ex.Message}");
        }
        finally
        {
            if (spooled is not null) File.Delete(spooled);
        }
    }

    private ImportSummary Run(ImportRequest request, string path) => request.Format switch
    {
        "csv" => csv.Import(() => ImportSpool.Open(path), request.Csv!),
        "parquet" => parquet.Import(path, request.Parquet!),
        _ => lineProtocol.Import(() => ImportSpool.Open(path), request.LineProtocol!),
    };

    /// <summary>Saves the multipart field <c>file</c> to the spool; other fields are skipped.</summary>
    private async Task<string> SpoolFileAsync(HttpContext context)
    {
        const string noFile = "no file uploaded: use multipart/form-data with field name 'file'";
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
            throw ImportException.BadRequest(noFile);
        var reader = new MultipartReader(boundary, context.Request.Body) { BodyLengthLimit = null };
        try
        {
            while (await reader.ReadNextSectionAsync(context.RequestAborted) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || HeaderUtilities.RemoveQuotes(disposition.Name).Value != "file") continue;
                var (path, length) = await spool.SaveAsync(section.Body, options.MaxBytes, context.RequestAborted);
                if (path is null) throw new ImportException(ImportFailure.TooLarge, $"file exceeds maximum import size of {options.MaxBytes} bytes (Import:MaxBytes)");
                if (length == 0)
                {
                    File.Delete(path);
                    throw ImportException.BadRequest("file is empty");
                }
                return path;
            }
        }
        catch (IOException ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            throw ImportException.BadRequest($"malformed multipart body: {ex.Message}");
        }
        throw ImportException.BadRequest(noFile);
    }

    private static Task Respond(HttpContext context, ImportRequest request, ImportSummary summary, TimeSpan elapsed) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status200OK, j =>
        {
            j.WriteString("status", "ok");
            j.WriteStartObject("result");
            j.WriteString("database", request.Database);
            if (request.Format == "lp")
            {
                j.WriteStartArray("measurements");
                foreach (var m in summary.Measurements.Order(StringComparer.Ordinal)) j.WriteStringValue(m);
                j.WriteEndArray();
                j.WriteNumber("rows_imported", summary.Rows);
                j.WriteString("precision", request.PrecisionName);
            }
            else
            {
                j.WriteString("measurement", request.Measurement);
                j.WriteNumber("rows_imported", summary.Rows);
                j.WriteNumber("partitions_created", summary.Partitions);
                j.WriteString("time_range_min", ImportSummary.Rfc3339(summary.MinMicros));
                j.WriteString("time_range_max", ImportSummary.Rfc3339(summary.MaxMicros));
                j.WriteStartArray("columns");
                foreach (var c in summary.Columns) j.WriteStringValue(c);
                j.WriteEndArray();
            }
            j.WriteNumber("duration_ms", (long)elapsed.TotalMilliseconds);
            j.WriteEndObject();
        });
}
