using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Arcd.Ingest.Columnar;

namespace Arcd.Ingest.Catalog;

/// <summary>What a column may hold across all of a measurement's files. Persisted: never renumber.</summary>
public enum KindClass : byte
{
    Numeric = 1,
    String = 2,
    Boolean = 3,
}

/// <summary>
/// The per-measurement column-kind catalog (docs/PROTOCOL.md Part A item 3): once a column has held
/// numbers, strings or booleans, a request that gives it another kind is refused with a 400, so a
/// measurement never holds files a query cannot union. int64 and float64 are both "numeric" and may
/// alternate between files. Stored as JSON lines, appended and fsynced before the request that
/// introduced a column is accepted; a torn last line (crash mid-append) is ignored and cut off.
/// </summary>
public sealed class ColumnCatalog : IDisposable
{
    public const string FileName = "catalog.jsonl";

    private readonly ConcurrentDictionary<(string Database, string Measurement, string Column), KindClass> _known = new();
    private readonly ConcurrentDictionary<(string Database, string Measurement), int> _columnsPerMeasurement = new();
    private readonly Lock _appendLock = new();
    private readonly FileStream _file;

    private ColumnCatalog(FileStream file)
    {
        _file = file;
    }

    /// <summary>
    /// Caps that keep a client from growing the catalog (and the memory behind it) without bound by
    /// inventing columns or measurements: a request that would pass them is a 400.
    /// </summary>
    public int MaxColumnsPerMeasurement { get; init; } = 4096;
    public int MaxEntries { get; init; } = 1_000_000;

    public string Path => _file.Name;
    public int Count => _known.Count;

    /// <summary>Opens (or creates) the catalog in <paramref name="directory"/> and loads what it holds.</summary>
    public static ColumnCatalog Open(string directory, int maxColumnsPerMeasurement = 4096, int maxEntries = 1_000_000)
    {
        Directory.CreateDirectory(directory);
        var path = System.IO.Path.Combine(directory, FileName);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        var catalog = new ColumnCatalog(file) { MaxColumnsPerMeasurement = maxColumnsPerMeasurement, MaxEntries = maxEntries };
        try
        {
            catalog.Load();
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return catalog;
    }

    public static KindClass Classify(ColumnKind kind) => kind switch
    {
        ColumnKind.Int64 or ColumnKind.Float64 => KindClass.Numeric,
        ColumnKind.Boolean => KindClass.Boolean,
        _ => KindClass.String,
    };

    /// <summary>The kind recorded for a column, if any. Read-only: imports check a whole file before writing any of it.</summary>
    public KindClass? KnownKind(string database, string measurement, string column) =>
        _known.TryGetValue((database, measurement, column), out var kind) ? kind : null;

    /// <summary>The conflict message a write would get for a column seen as <paramref name="before"/> and now as <paramref name="now"/>.</summary>
    public static string ConflictMessage(string measurement, string column, KindClass before, KindClass now, string where) =>
        $"column '{column}' of measurement '{measurement}' holds {Describe(before)} {where} but {Describe(now)} here";

    /// <summary>
    /// Checks every column of a request against the catalog and against the request itself, and
    /// records the new ones durably. Nothing is recorded when the answer is a conflict.
    /// </summary>
    public bool TryAdmit(string database, IReadOnlyList<ColumnBatch> batches, out string? error, out string? column)
    {
        List<((string, string, string) Key, KindClass Kind)>? added = null;
        // One batch cannot name a column twice (decoders refuse that), so only several batches need the in-request map.
        var seen = batches.Count > 1 ? new Dictionary<(string, string, string), KindClass>() : null;
        // Indexed loops: a foreach over these interfaces boxed an enumerator per request.
        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            var columns = batch.Columns;
            for (var i = 0; i < columns.Count; i++)
            {
                var c = columns[i];
                // A column of nothing but nulls says nothing about its kind.
                if (c.NullCount == c.Count) continue;
                var key = (database, batch.Measurement, c.Name);
                var kind = Classify(c.Kind);
                if (seen is not null)
                {
                    if (seen.TryGetValue(key, out var inRequest))
                    {
                        if (inRequest != kind) return Conflict(batch.Measurement, c.Name, inRequest, kind, "elsewhere in this request", out error, out column);
                        continue;
                    }
                    seen.Add(key, kind);
                }
                if (_known.TryGetValue(key, out var known))
                {
                    if (known != kind) return Conflict(batch.Measurement, c.Name, known, kind, "in earlier writes", out error, out column);
                }
                else
                {
                    (added ??= []).Add((key, kind));
                }
            }
        }
        if (added is null)
        {
            error = column = null;
            return true;
        }

        lock (_appendLock)
        {
            // Another request may have registered the same columns meanwhile.
            var lines = new StringBuilder();
            var growth = new Dictionary<(string, string), int>();
            foreach (var (key, kind) in added)
            {
                if (_known.TryGetValue(key, out var known))
                {
                    if (known != kind) return Conflict(key.Item2, key.Item3, known, kind, "in earlier writes", out error, out column);
                    continue;
                }
                var measurement = (key.Item1, key.Item2);
                growth[measurement] = growth.GetValueOrDefault(measurement) + 1;
                if (_columnsPerMeasurement.GetValueOrDefault(measurement) + growth[measurement] > MaxColumnsPerMeasurement)
                {
                    error = $"measurement '{key.Item2}' would have more than {MaxColumnsPerMeasurement} columns (Ingest:MaxColumnsPerMeasurement)";
                    column = key.Item3;
                    return false;
                }
                if (_known.Count + growth.Values.Sum() > MaxEntries)
                {
                    error = $"the column catalog is full ({MaxEntries} columns across all measurements, Ingest:MaxCatalogColumns)";
                    column = key.Item3;
                    return false;
                }
                lines.Append(Serialize(key, kind)).Append('\n');
            }
            if (lines.Length > 0)
            {
                _file.Seek(0, SeekOrigin.End);
                _file.Write(Encoding.UTF8.GetBytes(lines.ToString()));
                _file.Flush(flushToDisk: true);
                foreach (var (key, kind) in added)
                    if (_known.TryAdd(key, kind)) _columnsPerMeasurement.AddOrUpdate((key.Item1, key.Item2), 1, (_, n) => n + 1);
            }
        }
        error = column = null;
        return true;
    }

    public void Dispose() => _file.Dispose();

    private void Load()
    {
        _file.Seek(0, SeekOrigin.Begin);
        var bytes = new byte[_file.Length];
        _file.ReadExactly(bytes);
        var good = 0;
        var start = 0;
        while (start < bytes.Length)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', start);
            if (newline < 0) break; // torn tail: the append never completed, so its request never got a 204
            if (!TryParse(bytes.AsSpan(start, newline - start), out var key, out var kind))
                throw new InvalidDataException($"{_file.Name}: unreadable entry at byte {start}; fix or remove the line");
            if (_known.TryAdd(key, kind)) _columnsPerMeasurement.AddOrUpdate((key.Item1, key.Item2), 1, (_, n) => n + 1);
            else _known[key] = kind;
            start = newline + 1;
            good = start;
        }
        if (good < bytes.Length) _file.SetLength(good);
    }

    private static string Serialize((string Database, string Measurement, string Column) key, KindClass kind)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("db", key.Database);
            json.WriteString("m", key.Measurement);
            json.WriteString("c", key.Column);
            json.WriteNumber("k", (byte)kind);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool TryParse(ReadOnlySpan<byte> line, out (string, string, string) key, out KindClass kind)
    {
        key = default;
        kind = default;
        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            var root = document.RootElement;
            key = (root.GetProperty("db").GetString()!, root.GetProperty("m").GetString()!, root.GetProperty("c").GetString()!);
            kind = (KindClass)root.GetProperty("k").GetByte();
            return Enum.IsDefined(kind);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private static bool Conflict(string measurement, string name, KindClass before, KindClass now, string where, out string? error, out string? column)
    {
        error = ConflictMessage(measurement, name, before, now, where);
        column = name;
        return false;
    }

    private static string Describe(KindClass kind) => kind switch
    {
        KindClass.Numeric => "numbers",
        KindClass.Boolean => "booleans",
        _ => "strings",
    };
}
