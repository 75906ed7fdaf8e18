using System.Globalization;
using System.Text.Json;
using Arcd.Ingest.Platform;
using Arcd.Maintenance.Files;
using static Arcd.Maintenance.Files.StateJson;

namespace Arcd.Maintenance.ContinuousQueries;

/// <summary>
/// Continuous queries, their progress (the exactly-once bookkeeping) and their execution history in
/// one JSON document (FORMAT.md, "Continuous query state"), kept in memory and saved whole and
/// atomically on every change (<see cref="AtomicFile"/>): a save that returned is durable, a crash
/// leaves the old or the new document, never a mix.
/// </summary>
public sealed class CqStore
{
    public const int Version = 1;
    public const int MaxExecutionsPerQuery = 500;

    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly List<ContinuousQuery> _queries = [];
    private readonly Dictionary<long, CqProgress> _progress = [];
    private readonly List<CqExecution> _executions = [];
    private long _nextQueryId = 1;
    private long _nextExecutionId = 1;

    private CqStore(string path) => _path = path;

    public string Path => _path;

    /// <summary>Loads the store at <paramref name="path"/> (empty when the file does not exist); an unreadable file is an <see cref="InvalidDataException"/>.</summary>
    public static CqStore Open(string path)
    {
        var store = new CqStore(path);
        var bytes = AtomicFile.Read(path);
        if (bytes is not null) store.Load(bytes);
        return store;
    }

    public IReadOnlyList<ContinuousQuery> Queries()
    {
        lock (_lock) return [.. _queries];
    }

    public ContinuousQuery? Get(long id)
    {
        lock (_lock) return _queries.FirstOrDefault(q => q.Id == id);
    }

    public CqProgress Progress(long id)
    {
        lock (_lock) return _progress.GetValueOrDefault(id, CqProgress.None);
    }

    /// <summary>Adds a query with the next id; null when the name is taken.</summary>
    public ContinuousQuery? Create(ContinuousQuery draft)
    {
        lock (_lock)
        {
            if (_queries.Any(q => q.Name == draft.Name)) return null;
            var query = draft with { Id = _nextQueryId++ };
            _queries.Add(query);
            _progress[query.Id] = CqProgress.None;
            Save();
            return query;
        }
    }

    /// <summary>Replaces a query's definition (its progress is kept); false when the new name belongs to another one or the query is gone.</summary>
    public bool Update(ContinuousQuery query)
    {
        lock (_lock)
        {
            if (_queries.Any(q => q.Name == query.Name && q.Id != query.Id)) return false;
            var index = _queries.FindIndex(q => q.Id == query.Id);
            if (index < 0) return false;
            _queries[index] = query;
            Save();
            return true;
        }
    }

    /// <summary>Deletes a query, its progress and its history; false when it did not exist.</summary>
    public bool Delete(long id)
    {
        lock (_lock)
        {
            if (_queries.RemoveAll(q => q.Id == id) == 0) return false;
            _progress.Remove(id);
            _executions.RemoveAll(e => e.QueryId == id);
            Save();
            return true;
        }
    }

    /// <summary>Saves new progress; false (nothing saved) when the query was deleted meanwhile.</summary>
    public bool SetProgress(long id, CqProgress progress)
    {
        lock (_lock)
        {
            if (!_queries.Any(q => q.Id == id)) return false;
            _progress[id] = progress;
            Save();
            return true;
        }
    }

    /// <summary>Records an execution and the progress it leaves, in one save (so a completed row and its watermark commit together).</summary>
    public CqExecution? Record(CqExecution draft, CqProgress progress)
    {
        lock (_lock)
        {
            if (!_queries.Any(q => q.Id == draft.QueryId)) return null;
            var execution = draft with { Id = _nextExecutionId++ };
            _executions.Add(execution);
            var ofQuery = _executions.Where(e => e.QueryId == draft.QueryId).OrderBy(e => e.Id).ToList();
            for (var i = 0; i < ofQuery.Count - MaxExecutionsPerQuery; i++) _executions.Remove(ofQuery[i]);
            _progress[draft.QueryId] = progress;
            Save();
            return execution;
        }
    }

    /// <summary>A query's executions, newest first.</summary>
    public IReadOnlyList<CqExecution> Executions(long queryId, int limit)
    {
        lock (_lock)
            return _executions.Where(e => e.QueryId == queryId).OrderByDescending(e => e.ExecutionTimeUtc).ThenByDescending(e => e.Id)
                .Take(Math.Max(0, limit)).ToList();
    }

    public CqExecution? Latest(long queryId)
    {
        lock (_lock) return _executions.Where(e => e.QueryId == queryId).MaxBy(e => e.Id);
    }

    private void Save() => AtomicFile.Write(_path, Write);

    private void Write(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("version", Version);
        json.WriteNumber("next_query_id", _nextQueryId);
        json.WriteNumber("next_execution_id", _nextExecutionId);
        json.WriteStartArray("queries");
        foreach (var q in _queries)
        {
            json.WriteStartObject();
            json.WriteNumber("id", q.Id);
            json.WriteString("name", q.Name);
            WriteNullable(json, "description", q.Description);
            json.WriteString("database", q.Database);
            json.WriteString("source_measurement", q.SourceMeasurement);
            json.WriteString("destination_measurement", q.DestinationMeasurement);
            json.WriteString("query", q.Query);
            json.WriteString("interval", q.Interval);
            json.WriteStartArray("tag_columns");
            foreach (var tag in q.TagColumns) json.WriteStringValue(tag);
            json.WriteEndArray();
            WriteNullable(json, "retention_days", q.RetentionDays);
            WriteNullable(json, "delete_source_after_days", q.DeleteSourceAfterDays);
            json.WriteBoolean("is_active", q.IsActive);
            json.WriteString("created_at", Time(q.CreatedUtc));
            json.WriteString("updated_at", Time(q.UpdatedUtc));
            var progress = _progress.GetValueOrDefault(q.Id, CqProgress.None);
            json.WriteStartObject("progress");
            WriteNullable(json, "watermark", progress.WatermarkUtc);
            WriteNullable(json, "covered_from", progress.CoveredFromUtc);
            WriteNullable(json, "output_through", progress.OutputThroughUtc);
            if (progress.InFlight is { } window)
            {
                json.WriteStartObject("in_flight");
                json.WriteString("start", Time(window.StartUtc));
                json.WriteString("end", Time(window.EndUtc));
                json.WriteString("execution_id", window.ExecutionId);
                json.WriteBoolean("manual", window.Manual);
                json.WriteString("started_at", Time(window.StartedUtc));
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("in_flight");
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("executions");
        foreach (var e in _executions)
        {
            json.WriteStartObject();
            json.WriteNumber("id", e.Id);
            json.WriteNumber("query_id", e.QueryId);
            json.WriteString("execution_id", e.ExecutionId);
            json.WriteString("execution_time", Time(e.ExecutionTimeUtc));
            json.WriteString("status", e.Status);
            json.WriteString("start_time", Time(e.StartUtc));
            json.WriteString("end_time", Time(e.EndUtc));
            json.WriteNumber("records_written", e.RecordsWritten);
            json.WriteNumber("execution_duration_seconds", e.DurationSeconds);
            WriteNullable(json, "error_message", e.ErrorMessage);
            json.WriteBoolean("manual", e.Manual);
            json.WriteBoolean("resumed", e.Resumed);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private void Load(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            var version = root.GetProperty("version").GetInt32();
            if (version != Version) throw new InvalidDataException($"{_path}: continuous query state version {version} is not supported (this arcd reads {Version})");
            _nextQueryId = root.GetProperty("next_query_id").GetInt64();
            _nextExecutionId = root.GetProperty("next_execution_id").GetInt64();
            foreach (var q in root.GetProperty("queries").EnumerateArray())
            {
                var query = new ContinuousQuery(q.GetProperty("id").GetInt64(), q.GetProperty("name").GetString()!, NullableString(q, "description"),
                    q.GetProperty("database").GetString()!, q.GetProperty("source_measurement").GetString()!, q.GetProperty("destination_measurement").GetString()!,
                    q.GetProperty("query").GetString()!, q.GetProperty("interval").GetString()!,
                    q.GetProperty("tag_columns").EnumerateArray().Select(t => t.GetString()!).ToList(),
                    NullableInt(q, "retention_days"), NullableInt(q, "delete_source_after_days"), q.GetProperty("is_active").GetBoolean(),
                    ParseTime(q.GetProperty("created_at")), ParseTime(q.GetProperty("updated_at")));
                _queries.Add(query);
                var p = q.GetProperty("progress");
                var flight = p.GetProperty("in_flight");
                _progress[query.Id] = new CqProgress(NullableTime(p, "watermark"), NullableTime(p, "covered_from"), NullableTime(p, "output_through"),
                    flight.ValueKind == JsonValueKind.Null ? null : new WindowInFlight(ParseTime(flight.GetProperty("start")), ParseTime(flight.GetProperty("end")),
                        flight.GetProperty("execution_id").GetString()!, flight.GetProperty("manual").GetBoolean(), ParseTime(flight.GetProperty("started_at"))));
            }
            foreach (var e in root.GetProperty("executions").EnumerateArray())
            {
                _executions.Add(new CqExecution(e.GetProperty("id").GetInt64(), e.GetProperty("query_id").GetInt64(), e.GetProperty("execution_id").GetString()!,
                    ParseTime(e.GetProperty("execution_time")), e.GetProperty("status").GetString()!, ParseTime(e.GetProperty("start_time")),
                    ParseTime(e.GetProperty("end_time")), e.GetProperty("records_written").GetInt64(), e.GetProperty("execution_duration_seconds").GetDouble(),
                    NullableString(e, "error_message"), e.GetProperty("manual").GetBoolean(), e.GetProperty("resumed").GetBoolean()));
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{_path}: unreadable continuous query state ({ex.Message})", ex);
        }
    }

    /// <summary>RFC 3339, UTC, whole seconds, as Arc prints its stored times.</summary>
    public static string Time(DateTime utc) => StateJson.Time(utc);
}
