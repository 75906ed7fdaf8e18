using System.Globalization;
using System.Text.Json;

namespace Arcd.Ingest.Storage;

/// <summary>
/// The right to rewrite one partition (compaction) among several nodes sharing a storage: an object
/// <c>.arcd/leases/{partition}.lease</c> created with a put that never replaces an existing one
/// (<c>If-None-Match: *</c> on S3), naming its owner and expiry. Released by deleting it; a holder
/// that dies leaves it to expire, after which another node deletes it and takes its own (FORMAT.md).
/// </summary>
public sealed class PartitionLease : IDisposable
{
    public const string Directory = ".arcd/leases";
    private readonly IFileStorage _storage;
    private int _released;

    private PartitionLease(IFileStorage storage, string path)
    {
        _storage = storage;
        Path = path;
    }

    public string Path { get; }

    public static string PathFor(string partition) => $"{Directory}/{partition.Trim('/')}.lease";

    /// <summary>The lease, or null while another owner's unexpired lease stands.</summary>
    public static PartitionLease? TryTake(IFileStorage storage, string partition, string owner, TimeSpan duration)
    {
        var path = PathFor(partition);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                storage.Put(path, s => Write(s, owner, DateTime.UtcNow + duration));
                return new PartitionLease(storage, path);
            }
            catch (IOException) when (storage.Exists(path))
            {
                var held = Read(storage, path);
                if (held is { } h && h.ExpiresUtc > DateTime.UtcNow && h.Owner != owner) return null;
                // Expired (its holder died), unreadable, or ours from before a crash: clear it and try once more.
                storage.Delete(path);
            }
        }
        return null;
    }

    /// <summary>Whether another owner holds an unexpired lease on <paramref name="partition"/> (recovery leaves its replacements alone).</summary>
    public static bool HeldByOther(IFileStorage storage, string partition, string owner)
    {
        var path = PathFor(partition);
        if (!storage.Exists(path)) return false;
        return Read(storage, path) is { } held && held.Owner != owner && held.ExpiresUtc > DateTime.UtcNow;
    }

    /// <summary>
    /// Deletes the leases <paramref name="owner"/> left behind when its process died: a node holds none
    /// before its recovery and its first compaction cycle (Node:Id must be unique per node).
    /// </summary>
    public static int ReleaseOwn(IFileStorage storage, string owner)
    {
        var released = 0;
        foreach (var file in storage.List(Directory, recursive: true))
            if (file.Path.EndsWith(".lease", StringComparison.Ordinal) && Read(storage, file.Path) is { } held && held.Owner == owner && storage.Delete(file.Path))
                released++;
        return released;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _storage.Delete(Path);
    }

    private static void Write(Stream stream, string owner, DateTime expiresUtc)
    {
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteNumber("version", 1);
        json.WriteString("owner", owner);
        json.WriteString("expires_at", expiresUtc.ToString("O", CultureInfo.InvariantCulture));
        json.WriteEndObject();
    }

    private static (string Owner, DateTime ExpiresUtc)? Read(IFileStorage storage, string path)
    {
        try
        {
            using var stream = storage.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            var root = document.RootElement;
            return (root.GetProperty("owner").GetString() ?? "",
                DateTime.Parse(root.GetProperty("expires_at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
        }
        catch (FileNotFoundException)
        {
            return null; // released meanwhile
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
