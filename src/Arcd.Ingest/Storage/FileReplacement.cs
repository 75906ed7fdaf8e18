using System.Globalization;
using System.Text.Json;
using Arcd.Ingest.Platform;

namespace Arcd.Ingest.Storage;

/// <summary>A stored intent to replace <see cref="Inputs"/> by <see cref="Output"/> (FORMAT.md, "Replacement manifests").</summary>
public sealed record ReplacementManifest(string Id, string? Output, IReadOnlyList<string> Inputs, DateTime CreatedUtc)
{
    public string Path => FileReplacement.ManifestDirectory + "/" + Id + ".json";

    /// <summary>The partition directory the replacement rewrites (its output's, else its first input's).</summary>
    public string Partition => (Output ?? Inputs.FirstOrDefault() ?? "") is var file && file.LastIndexOf('/') is var slash and > 0 ? file[..slash] : "";
}

/// <summary>What recovery did with one interrupted replacement.</summary>
public sealed record ReplacementOutcome(ReplacementManifest Manifest, bool RolledForward, int InputsDeleted);

/// <summary>
/// "Replace these files by this one" on any <see cref="IFileStorage"/>, using only put, exists and
/// delete, so it holds on backends without rename:
/// <list type="number">
/// <item>write the output's content (durable, not yet visible);</item>
/// <item>put the manifest (inputs → output) — from here a crash rolls forward once the output is visible;</item>
/// <item>make the output visible (rename on disk, the PUT of the final key on an object store);</item>
/// <item>delete the inputs, then the manifest.</item>
/// </list>
/// A crash before step 3 leaves the inputs and a manifest whose output does not exist: recovery
/// drops the manifest (rolled back). After step 3 the output exists: recovery deletes whatever
/// inputs remain (rolled forward). Either way no row is lost or kept twice once recovery ran.
/// </summary>
public static class FileReplacement
{
    public const string ManifestDirectory = ".arcd/replacements";
    private const int Version = 1;

    /// <summary>How long a replacement waits for arcd's own queries that may have listed its files (longer than any query may run).</summary>
    public static TimeSpan ReaderWait { get; set; } = TimeSpan.FromMinutes(10);

    public static void Replace(IFileStorage storage, IReadOnlyList<string> inputs, string? output, Action<Stream>? writeContent)
    {
        var manifest = new ReplacementManifest(NewId(), output, [.. inputs], DateTime.UtcNow);
        var pending = new PendingReplacement(manifest.Inputs, output);
        var readers = storage.Readers;
        try
        {
            // Readers that start from here list the partition file by file (ReadEpochs); the ones before may
            // hold a glob that would expand to inputs and output together, so the output waits for them.
            void Publish()
            {
                storage.Put(manifest.Path, s => Serialize(manifest, s));
                var registered = readers.Register(pending);
                if (!readers.WaitForReadersBefore(registered, ReaderWait))
                    throw new TimeoutException($"queries still running after {ReaderWait}: replacement of {inputs.Count} files abandoned");
                CrashPoints.Hit("replace-before-visible");
            }

            if (output is not null)
            {
                ArgumentNullException.ThrowIfNull(writeContent);
                if (inputs.Contains(output)) throw new ArgumentException("the output must not be one of the inputs", nameof(output));
                storage.Put(output, writeContent, beforeCommit: Publish);
            }
            else
            {
                Publish();
            }
            CrashPoints.Hit("replace-after-visible");
            // Readers that listed the inputs (the output was not there yet) finish before the inputs go.
            readers.WaitForEarlierReaders(ReaderWait);
            Complete(storage, manifest);
        }
        catch
        {
            // Not committed: the inputs stand. Drop the manifest now rather than at the next recovery.
            if (output is null || !storage.Exists(output)) TryDelete(storage, manifest.Path);
            throw;
        }
        finally
        {
            readers.Unregister(pending);
        }
    }

    private static void TryDelete(IFileStorage storage, string path)
    {
        try
        {
            storage.Delete(path);
        }
        catch (IOException)
        {
            // Recovery drops it later: a manifest whose output does not exist is rolled back.
        }
    }

    /// <param name="mayRecover">
    /// Where several nodes share the storage: false for a manifest another live node may still be
    /// completing (its partition lease stands), which is left to that node or to a later recovery.
    /// </param>
    public static IReadOnlyList<ReplacementOutcome> Recover(IFileStorage storage, Func<ReplacementManifest, bool>? mayRecover = null)
    {
        var outcomes = new List<ReplacementOutcome>();
        foreach (var manifest in Pending(storage))
        {
            if (mayRecover is not null && !mayRecover(manifest)) continue;
            if (manifest.Output is null || storage.Exists(manifest.Output))
            {
                outcomes.Add(new ReplacementOutcome(manifest, true, Complete(storage, manifest)));
            }
            else
            {
                storage.Delete(manifest.Path);
                outcomes.Add(new ReplacementOutcome(manifest, false, 0));
            }
        }
        return outcomes;
    }

    public static IReadOnlyList<ReplacementManifest> Pending(IFileStorage storage)
    {
        var manifests = new List<ReplacementManifest>();
        foreach (var file in storage.List(ManifestDirectory))
        {
            if (!file.Path.EndsWith(".json", StringComparison.Ordinal)) continue;
            using var stream = storage.OpenRead(file.Path);
            manifests.Add(Parse(stream, file.Path));
        }
        return manifests;
    }

    private static int Complete(IFileStorage storage, ReplacementManifest manifest)
    {
        var deleted = 0;
        foreach (var input in manifest.Inputs)
        {
            if (storage.Delete(input)) deleted++;
            if (deleted == 1) CrashPoints.Hit("replace-mid-delete");
        }
        storage.Delete(manifest.Path);
        return deleted;
    }

    // Sortable by creation, unique across processes and nodes sharing a root.
    private static string NewId() =>
        DateTime.UtcNow.ToString("yyyyMMddHHmmssfffffff", CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N");

    private static void Serialize(ReplacementManifest manifest, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("version", Version);
        json.WriteString("id", manifest.Id);
        if (manifest.Output is null) json.WriteNull("output");
        else json.WriteString("output", manifest.Output);
        json.WriteStartArray("inputs");
        foreach (var input in manifest.Inputs) json.WriteStringValue(input);
        json.WriteEndArray();
        json.WriteString("created_at", manifest.CreatedUtc.ToString("O", CultureInfo.InvariantCulture));
        json.WriteEndObject();
    }

    private static ReplacementManifest Parse(Stream stream, string path)
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        try
        {
            using var document = JsonDocument.Parse(memory.ToArray());
            var root = document.RootElement;
            var version = root.GetProperty("version").GetInt32();
            if (version != Version) throw new InvalidDataException($"{path}: replacement manifest version {version} is not supported");
            var output = root.GetProperty("output");
            return new ReplacementManifest(
                root.GetProperty("id").GetString()!,
                output.ValueKind == JsonValueKind.Null ? null : output.GetString(),
                [.. root.GetProperty("inputs").EnumerateArray().Select(e => e.GetString()!)],
                DateTime.Parse(root.GetProperty("created_at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: unreadable replacement manifest ({ex.Message})", ex);
        }
    }
}
