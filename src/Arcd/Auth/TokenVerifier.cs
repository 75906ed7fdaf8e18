using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Arcd.Auth;

/// <summary>
/// Checks presented tokens against the store. A token is looked up by the SHA-256 prefix stored
/// beside its hash, so a random token costs one SHA-256 and no PBKDF2. Results (good and bad) are
/// cached for <c>Auth:CacheTtl</c>, keyed by SHA-256 of the token, and only while the token file is
/// unchanged: a token created or revoked by the CLI (or by first-start bootstrap) counts from the next
/// request. The TTL bounds how long a result is trusted at all.
/// </summary>
public sealed class TokenVerifier(TokenStore store, TimeSpan cacheTtl, int maxEntries)
{
    private readonly ConcurrentDictionary<string, (long RecordId, DateTime CachedAt, (long, long) Version)> _cache = new();
    private readonly Lock _reloadLock = new();
    private IReadOnlyList<TokenRecord> _records = [];
    private (long, long) _version = (-1, -1);

    public TokenStore Store => store;
    public int CachedEntries => _cache.Count;
    public TimeSpan CacheTtl => cacheTtl;
    public int MaxEntries => maxEntries;

    /// <summary>The usable token record, or null (unknown, disabled, expired).</summary>
    public TokenRecord? Verify(string token)
    {
        var now = DateTime.UtcNow;
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        var version = store.Version();
        if (_cache.TryGetValue(key, out var cached) && now - cached.CachedAt < cacheTtl && cached.Version == version)
        {
            // Expiry is rechecked on every use; a disabled token needs the TTL (or an invalidation).
            var known = cached.RecordId < 0 ? null : _records.FirstOrDefault(r => r.Id == cached.RecordId);
            return known is not null && known.IsUsable(now) ? known : null;
        }

        var records = Records();
        var prefix = key[..16].ToLowerInvariant();
        TokenRecord? match = null;
        foreach (var record in records)
        {
            // Arc's legacy hashes (bare hex SHA-256) carry no prefix; they are cheap to check.
            if (record.Prefix.Length > 0 && record.Prefix != prefix) continue;
            if (TokenHasher.Verify(token, record.Hash))
            {
                match = record;
                break;
            }
        }
        if (_cache.Count >= maxEntries) _cache.Clear();
        _cache[key] = (match?.Id ?? -1, now, version);
        return match is not null && match.IsUsable(now) ? match : null;
    }

    /// <summary>Forgets every cached result (after a change made by this process).</summary>
    public void Invalidate()
    {
        _cache.Clear();
        Records();
    }

    public IReadOnlyList<TokenRecord> Records()
    {
        var version = store.Version();
        if (version == _version) return _records;
        lock (_reloadLock)
        {
            if (version != _version)
            {
                _records = store.Load();
                _version = version;
            }
            return _records;
        }
    }
}
