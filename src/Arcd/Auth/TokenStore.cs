using Arcd.Ingest.Platform;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Arcd.Auth;

/// <summary>One token as stored: never the token itself, only its hash and lookup prefix.</summary>
public sealed record TokenRecord(long Id, string Name, string Description, string Hash, string Prefix, Permission Permissions,
    DateTime CreatedAt, DateTime? ExpiresAt, bool Enabled)
{
    public bool IsUsable(DateTime now) => Enabled && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>A token store operation that cannot be done (unknown token, duplicate name...).</summary>
public sealed class TokenStoreException(string message) : Exception(message);

/// <summary>
/// The token file (JSON, mode 0600). Every change is read-modify-write under an exclusive lock on
/// <c>{file}.lock</c> and lands through a temp file, fsync and rename, so the CLI and a running
/// daemon can share it safely.
/// </summary>
public sealed class TokenStore(string path)
{
    private const int FormatVersion = 1;
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>Changes whenever the file is replaced; the verifier reloads when it moves.</summary>
    public (long Ticks, long Length) Version()
    {
        var info = new FileInfo(Path);
        return info.Exists ? (info.LastWriteTimeUtc.Ticks, info.Length) : (0, 0);
    }

    public IReadOnlyList<TokenRecord> Load() => File.Exists(Path) ? Parse(File.ReadAllBytes(Path)) : [];

    public (TokenRecord Record, string Token) Create(string name, Permission permissions, TimeSpan? expiresIn, string description, string? presetToken = null)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new TokenStoreException("a token needs a name");
        var token = presetToken ?? TokenHasher.NewToken();
        var hash = TokenHasher.Hash(token);
        var record = Update(records =>
        {
            if (records.Any(r => r.Name == name)) throw new TokenStoreException($"a token named '{name}' already exists");
            var now = DateTime.UtcNow;
            var created = new TokenRecord(records.Count == 0 ? 1 : records.Max(r => r.Id) + 1, name, description, hash, TokenHasher.Prefix(token),
                permissions, now, expiresIn is { } span ? now + span : null, Enabled: true);
            records.Add(created);
            return created;
        });
        return (record, token);
    }

    /// <summary>Finds a token by id or name.</summary>
    public TokenRecord? Find(string idOrName)
    {
        var records = Load();
        return long.TryParse(idOrName, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? records.FirstOrDefault(r => r.Id == id) ?? records.FirstOrDefault(r => r.Name == idOrName)
            : records.FirstOrDefault(r => r.Name == idOrName);
    }

    public TokenRecord Change(long id, Func<TokenRecord, TokenRecord> change) => Update(records =>
    {
        var index = records.FindIndex(r => r.Id == id);
        if (index < 0) throw new TokenStoreException($"no token with id {id}");
        var changed = change(records[index]);
        if (records.Any(r => r.Id != id && r.Name == changed.Name)) throw new TokenStoreException($"a token named '{changed.Name}' already exists");
        records[index] = changed;
        return changed;
    });

    /// <summary>New secret for an existing token (same id, name and permissions); returns the new token.</summary>
    public string Rotate(long id)
    {
        var token = TokenHasher.NewToken();
        var hash = TokenHasher.Hash(token);
        Change(id, r => r with { Hash = hash, Prefix = TokenHasher.Prefix(token) });
        return token;
    }

    public bool Delete(long id) => Update(records => records.RemoveAll(r => r.Id == id) > 0);

    private T Update<T>(Func<List<TokenRecord>, T> change)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using var gate = AcquireLock();
        var records = Load().ToList();
        var result = change(records);
        Save(records);
        return result;
    }

    /// <summary>An exclusive lock (flock) on a side file, waited for up to ten seconds.</summary>
    private FileStream AcquireLock()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return new FileStream(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }

    private void Save(List<TokenRecord> records) =>
        AtomicFile.Write(Path, file =>
        {
            using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteNumber("version", FormatVersion);
            json.WriteStartArray("tokens");
            foreach (var record in records)
            {
                json.WriteStartObject();
                json.WriteNumber("id", record.Id);
                json.WriteString("name", record.Name);
                json.WriteString("description", record.Description);
                json.WriteString("hash", record.Hash);
                json.WriteString("prefix", record.Prefix);
                json.WriteStartArray("permissions");
                foreach (var permission in Permissions.ToNames(record.Permissions)) json.WriteStringValue(permission);
                json.WriteEndArray();
                json.WriteString("created_at", record.CreatedAt);
                if (record.ExpiresAt is { } expires) json.WriteString("expires_at", expires);
                else json.WriteNull("expires_at");
                json.WriteBoolean("enabled", record.Enabled);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }, OwnerOnly);

    private IReadOnlyList<TokenRecord> Parse(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.GetProperty("version").GetInt32() != FormatVersion) throw new TokenStoreException($"{Path}: unsupported version");
            var records = new List<TokenRecord>();
            foreach (var item in root.GetProperty("tokens").EnumerateArray())
            {
                Permissions.TryParse(item.GetProperty("permissions").EnumerateArray().Select(p => p.GetString() ?? ""), out var permissions, out _);
                var expires = item.GetProperty("expires_at");
                records.Add(new TokenRecord(
                    item.GetProperty("id").GetInt64(),
                    item.GetProperty("name").GetString() ?? "",
                    item.TryGetProperty("description", out var description) ? description.GetString() ?? "" : "",
                    item.GetProperty("hash").GetString() ?? "",
                    item.TryGetProperty("prefix", out var prefix) ? prefix.GetString() ?? "" : "",
                    permissions,
                    item.GetProperty("created_at").GetDateTime().ToUniversalTime(),
                    expires.ValueKind == JsonValueKind.Null ? null : expires.GetDateTime().ToUniversalTime(),
                    item.GetProperty("enabled").GetBoolean()));
            }
            return records;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new TokenStoreException($"{Path} is not a valid arcd token file: {ex.Message}");
        }
    }
}
