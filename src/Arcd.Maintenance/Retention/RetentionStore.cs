using System.Globalization;
using System.Text.Json;
using Arcd.Ingest.Platform;
using Arcd.Maintenance.Files;
using static Arcd.Maintenance.Files.StateJson;

namespace Arcd.Maintenance.Retention;

/// <summary>
/// Retention policies and their execution history in one JSON document (FORMAT.md, "Retention
/// state"), kept in memory and saved whole and atomically on every change (<see cref="AtomicFile"/>).
/// Small by nature: a few policies, and at most <see cref="MaxExecutionsPerPolicy"/> executions each.
/// </summary>
public sealed class RetentionStore
{
    public const int Version = 1;
    public const int MaxExecutionsPerPolicy = 1000;

    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly List<RetentionPolicy> _policies = [];
    private readonly List<RetentionExecution> _executions = [];
    private long _nextPolicyId = 1;
    private long _nextExecutionId = 1;

    private RetentionStore(string path) => _path = path;

    public string Path => _path;

    /// <summary>Loads the store at <paramref name="path"/> (empty when the file does not exist); an unreadable file is an <see cref="InvalidDataException"/>.</summary>
    public static RetentionStore Open(string path)
    {
        var store = new RetentionStore(path);
        var bytes = AtomicFile.Read(path);
        if (bytes is not null) store.Load(bytes);
        return store;
    }

    public IReadOnlyList<RetentionPolicy> Policies()
    {
        lock (_lock) return [.. _policies];
    }

    public RetentionPolicy? Get(long id)
    {
        lock (_lock) return _policies.FirstOrDefault(p => p.Id == id);
    }

    public RetentionPolicy? FindByName(string name)
    {
        lock (_lock) return _policies.FirstOrDefault(p => p.Name == name);
    }

    /// <summary>Adds a policy with the next id; null when the name is taken.</summary>
    public RetentionPolicy? Create(RetentionPolicy draft)
    {
        lock (_lock)
        {
            if (_policies.Any(p => p.Name == draft.Name)) return null;
            var policy = draft with { Id = _nextPolicyId++ };
            _policies.Add(policy);
            Save();
            return policy;
        }
    }

    /// <summary>Replaces a policy; false when the new name belongs to another one.</summary>
    public bool Update(RetentionPolicy policy)
    {
        lock (_lock)
        {
            if (_policies.Any(p => p.Name == policy.Name && p.Id != policy.Id)) return false;
            var index = _policies.FindIndex(p => p.Id == policy.Id);
            if (index < 0) return false;
            _policies[index] = policy;
            Save();
            return true;
        }
    }

    /// <summary>Deletes a policy and its history; false when it did not exist.</summary>
    public bool Delete(long id)
    {
        lock (_lock)
        {
            if (_policies.RemoveAll(p => p.Id == id) == 0) return false;
            _executions.RemoveAll(e => e.PolicyId == id);
            Save();
            return true;
        }
    }

    /// <summary>A policy's executions, newest first; a negative limit means all.</summary>
    public IReadOnlyList<RetentionExecution> Executions(long policyId, int limit)
    {
        lock (_lock)
        {
            var all = _executions.Where(e => e.PolicyId == policyId).OrderByDescending(e => e.ExecutionTimeUtc).ThenByDescending(e => e.Id);
            return limit < 0 ? all.ToList() : all.Take(limit).ToList();
        }
    }

    /// <summary>The execution with the highest id of a policy (what the policy's last_* fields show).</summary>
    public RetentionExecution? Latest(long policyId)
    {
        lock (_lock) return _executions.Where(e => e.PolicyId == policyId).MaxBy(e => e.Id);
    }

    public IReadOnlyList<RetentionExecution> RunningExecutions()
    {
        lock (_lock) return _executions.Where(e => e.Status == RetentionExecution.Running).ToList();
    }

    public RetentionExecution BeginExecution(long policyId, DateTime nowUtc, DateTime cutoffUtc)
    {
        lock (_lock)
        {
            var execution = new RetentionExecution(_nextExecutionId++, policyId, nowUtc, RetentionExecution.Running, 0, 0, cutoffUtc, null, null, false, null);
            _executions.Add(execution);
            var ofPolicy = _executions.Where(e => e.PolicyId == policyId).OrderBy(e => e.Id).ToList();
            for (var i = 0; i < ofPolicy.Count - MaxExecutionsPerPolicy; i++) _executions.Remove(ofPolicy[i]);
            Save();
            return execution;
        }
    }

    /// <summary>Replaces an execution row (progress, completion) and saves.</summary>
    public void Put(RetentionExecution execution)
    {
        lock (_lock)
        {
            var index = _executions.FindIndex(e => e.Id == execution.Id);
            if (index < 0) return; // its policy was deleted meanwhile
            _executions[index] = execution;
            Save();
        }
    }

    private void Save() => AtomicFile.Write(_path, Write);

    private void Write(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("version", Version);
        json.WriteNumber("next_policy_id", _nextPolicyId);
        json.WriteNumber("next_execution_id", _nextExecutionId);
        json.WriteStartArray("policies");
        foreach (var p in _policies)
        {
            json.WriteStartObject();
            json.WriteNumber("id", p.Id);
            json.WriteString("name", p.Name);
            json.WriteString("database", p.Database);
            WriteNullable(json, "measurement", p.Measurement);
            json.WriteNumber("retention_days", p.RetentionDays);
            json.WriteNumber("buffer_days", p.BufferDays);
            json.WriteBoolean("is_active", p.IsActive);
            json.WriteString("created_at", Time(p.CreatedUtc));
            json.WriteString("updated_at", Time(p.UpdatedUtc));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("executions");
        foreach (var e in _executions)
        {
            json.WriteStartObject();
            json.WriteNumber("id", e.Id);
            json.WriteNumber("policy_id", e.PolicyId);
            json.WriteString("execution_time", Time(e.ExecutionTimeUtc));
            json.WriteString("status", e.Status);
            json.WriteNumber("deleted_count", e.DeletedCount);
            json.WriteNumber("files_deleted", e.FilesDeleted);
            json.WriteString("cutoff_date", Time(e.CutoffUtc));
            WriteNullable(json, "execution_duration_ms", e.DurationMs);
            WriteNullable(json, "error_message", e.ErrorMessage);
            json.WriteBoolean("resumed", e.Resumed);
            if (e.Pending is { } chunk)
            {
                json.WriteStartObject("pending");
                json.WriteString("first_input", chunk.FirstInput);
                json.WriteNumber("rows", chunk.Rows);
                json.WriteNumber("files", chunk.Files);
                json.WriteEndObject();
            }
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
            if (version != Version) throw new InvalidDataException($"{_path}: retention state version {version} is not supported (this arcd reads {Version})");
            _nextPolicyId = root.GetProperty("next_policy_id").GetInt64();
            _nextExecutionId = root.GetProperty("next_execution_id").GetInt64();
            foreach (var p in root.GetProperty("policies").EnumerateArray())
            {
                _policies.Add(new RetentionPolicy(p.GetProperty("id").GetInt64(), p.GetProperty("name").GetString()!, p.GetProperty("database").GetString()!,
                    NullableString(p, "measurement"), p.GetProperty("retention_days").GetInt32(),
                    p.GetProperty("buffer_days").GetInt32(), p.GetProperty("is_active").GetBoolean(),
                    ParseTime(p.GetProperty("created_at")), ParseTime(p.GetProperty("updated_at"))));
            }
            foreach (var e in root.GetProperty("executions").EnumerateArray())
            {
                PendingChunk? pending = e.TryGetProperty("pending", out var chunk)
                    ? new PendingChunk(chunk.GetProperty("first_input").GetString()!, chunk.GetProperty("rows").GetInt64(), chunk.GetProperty("files").GetInt32())
                    : null;
                _executions.Add(new RetentionExecution(e.GetProperty("id").GetInt64(), e.GetProperty("policy_id").GetInt64(), ParseTime(e.GetProperty("execution_time")),
                    e.GetProperty("status").GetString()!, e.GetProperty("deleted_count").GetInt64(), e.GetProperty("files_deleted").GetInt32(),
                    ParseTime(e.GetProperty("cutoff_date")), NullableDouble(e, "execution_duration_ms"),
                    NullableString(e, "error_message"), e.GetProperty("resumed").GetBoolean(), pending));
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{_path}: unreadable retention state ({ex.Message})", ex);
        }
    }

    /// <summary>RFC 3339, UTC, whole seconds, as Arc prints its stored times.</summary>
    public static string Time(DateTime utc) => StateJson.Time(utc);
}
