using System.Globalization;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Storage;

namespace Arcd.Query.Storage;

/// <summary>A measurement and the UTC hours a query may read of it (hours since the epoch, inclusive).</summary>
public readonly record struct MeasurementHours(string Database, string Measurement, long FromHour, long ToHour);

/// <summary>
/// The part of a bucket that queries read, mirrored into a local directory in the bucket's layout,
/// so DuckDB (which has no S3 access here) reads local files through the normal planner. Before a
/// query: the database/measurement tree and each measurement's object listing are refreshed when
/// older than the listing TTL or changed by this process (writes, deletes), objects of the hours it
/// may read are downloaded when missing, and cached files the listing no longer shows (compacted or
/// deleted away) are dropped, so a query never reads a stale or vanished object. Files in use by a
/// running query are pinned; the rest are evicted least recently used beyond the byte budget.
/// </summary>
public sealed class BucketMirror
{
    private readonly IFileStorage _bucket;
    private readonly long _maxBytes;
    private readonly TimeSpan _listingTtl;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (DateTime At, List<StoredFile> Files)> _listings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CachedFile> _cached = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _pins = new(StringComparer.Ordinal);
    private DateTime _treeAt = DateTime.MinValue;
    private long _cachedBytes, _gets, _hits, _lists, _useClock;

    private sealed class CachedFile(long size)
    {
        public long Size { get; } = size;
        public long LastUse { get; set; }
    }

    /// <param name="cacheDirectory">Emptied here: what a previous process cached may have changed in the bucket since.</param>
    public BucketMirror(IFileStorage bucket, string cacheDirectory, long maxBytes, TimeSpan listingTtl)
    {
        _bucket = bucket;
        _maxBytes = maxBytes;
        _listingTtl = listingTtl;
        Root = Path.GetFullPath(cacheDirectory).TrimEnd('/') + "/";
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The local directory DuckDB reads (the query engine's data root).</summary>
    public string Root { get; }

    public long Gets => Interlocked.Read(ref _gets);
    public long Hits => Interlocked.Read(ref _hits);
    public long ListRequests => Interlocked.Read(ref _lists);
    public long CachedBytes
    {
        get
        {
            lock (_lock) return _cachedBytes;
        }
    }

    /// <summary>Forgets the listings <paramref name="path"/> (a file this process wrote or deleted) belongs to.</summary>
    public void Changed(string path)
    {
        var parts = path.Split('/');
        if (parts.Length < 3) return;
        lock (_lock)
        {
            _listings.Remove(parts[0] + "/" + parts[1]);
            if (!Directory.Exists(Root + parts[0] + "/" + parts[1])) _treeAt = DateTime.MinValue;
        }
    }

    /// <summary>Mirrors the database and measurement directories (for name resolution, SHOW and listings). Throws <see cref="IOException"/>.</summary>
    public void RefreshTree()
    {
        lock (_lock)
        {
            if (DateTime.UtcNow - _treeAt < _listingTtl) return;
            var wanted = new HashSet<string>(StringComparer.Ordinal);
            Interlocked.Increment(ref _lists);
            foreach (var database in _bucket.ListDirectories("").Where(d => NameRules.IsValidDatabase(d)))
            {
                Interlocked.Increment(ref _lists);
                foreach (var measurement in _bucket.ListDirectories(database).Where(m => NameRules.IsValidMeasurement(m)))
                {
                    wanted.Add(database + "/" + measurement);
                    Directory.CreateDirectory(Root + database + "/" + measurement);
                }
            }
            // Measurements gone from the bucket (retention, deletes elsewhere) go from the mirror unless a query reads them.
            foreach (var database in Directory.GetDirectories(Root))
                foreach (var measurement in Directory.GetDirectories(database))
                {
                    var key = Path.GetFileName(database) + "/" + Path.GetFileName(measurement);
                    if (wanted.Contains(key) || _pins.Keys.Any(p => p.StartsWith(key + "/", StringComparison.Ordinal))) continue;
                    foreach (var file in _cached.Keys.Where(p => p.StartsWith(key + "/", StringComparison.Ordinal)).ToList()) Forget(file);
                    Directory.Delete(measurement, recursive: true);
                }
            _treeAt = DateTime.UtcNow;
        }
    }

    /// <summary>
    /// Makes the objects of <paramref name="needs"/> local and pins them until the returned lease is
    /// disposed; <paramref name="gets"/> is how many were downloaded. Throws <see cref="IOException"/>.
    /// </summary>
    public IDisposable Fetch(IReadOnlyList<MeasurementHours> needs, out int gets)
    {
        var wanted = new List<StoredFile>();
        lock (_lock)
        {
            foreach (var need in needs)
            {
                var listing = Listing(need.Database, need.Measurement);
                var listed = new HashSet<string>(StringComparer.Ordinal);
                foreach (var file in listing)
                    if (InRange(file.Path, need.FromHour, need.ToHour))
                    {
                        wanted.Add(file);
                        listed.Add(file.Path);
                    }
                DropStale(need, listed);
            }
            foreach (var file in wanted) _pins[file.Path] = _pins.GetValueOrDefault(file.Path) + 1;
        }
        var lease = new Lease(this, wanted.Select(f => f.Path).ToList());
        try
        {
            gets = 0;
            foreach (var file in wanted)
            {
                if (IsCached(file)) continue;
                Download(file);
                gets++;
            }
            Interlocked.Add(ref _gets, gets);
            Interlocked.Add(ref _hits, wanted.Count - gets);
            lock (_lock) Evict();
            return lease;
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    private List<StoredFile> Listing(string database, string measurement)
    {
        var key = database + "/" + measurement;
        if (_listings.TryGetValue(key, out var listing) && DateTime.UtcNow - listing.At < _listingTtl) return listing.Files;
        Interlocked.Increment(ref _lists);
        var files = _bucket.List(key, recursive: true).Where(f => f.Path.EndsWith(".parquet", StringComparison.Ordinal)).ToList();
        _listings[key] = (DateTime.UtcNow, files);
        return files;
    }

    /// <summary>Deletes cached files of the needed hours that the bucket no longer lists (never read a vanished object).</summary>
    private void DropStale(MeasurementHours need, HashSet<string> listed)
    {
        var prefix = need.Database + "/" + need.Measurement + "/";
        foreach (var path in _cached.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            if (!listed.Contains(path) && InRange(path, need.FromHour, need.ToHour) && !_pins.ContainsKey(path))
                Forget(path);
    }

    private bool IsCached(StoredFile file)
    {
        lock (_lock)
        {
            if (!_cached.TryGetValue(file.Path, out var cached) || cached.Size != file.Size) return false;
            cached.LastUse = ++_useClock;
            return true;
        }
    }

    private void Download(StoredFile file)
    {
        var local = Root + file.Path;
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        // A hidden temp name (no *.parquet glob matches it), renamed into place: a reader never sees half a file.
        var temp = Path.Combine(Path.GetDirectoryName(local)!, $".{Guid.NewGuid():N}.download");
        try
        {
            using (var source = _bucket.OpenRead(file.Path))
            using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                source.CopyTo(target);
            File.Move(temp, local, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
        lock (_lock)
        {
            if (_cached.Remove(file.Path, out var old)) _cachedBytes -= old.Size;
            _cached[file.Path] = new CachedFile(file.Size) { LastUse = ++_useClock };
            _cachedBytes += file.Size;
        }
    }

    private void Evict()
    {
        if (_cachedBytes <= _maxBytes) return;
        foreach (var (path, _) in _cached.Where(c => !_pins.ContainsKey(c.Key)).OrderBy(c => c.Value.LastUse).ToList())
        {
            Forget(path);
            if (_cachedBytes <= _maxBytes) return;
        }
    }

    private void Forget(string path)
    {
        if (!_cached.Remove(path, out var cached)) return;
        _cachedBytes -= cached.Size;
        File.Delete(Root + path);
    }

    private void Unpin(List<string> paths)
    {
        lock (_lock)
        {
            foreach (var path in paths)
                if (_pins.TryGetValue(path, out var count) && count > 1) _pins[path] = count - 1;
                else _pins.Remove(path);
            Evict();
        }
    }

    /// <summary>Whether <c>db/m/YYYY/MM/DD[/HH]/file</c> may hold rows of the hours [from, to].</summary>
    private static bool InRange(string path, long fromHour, long toHour)
    {
        if (fromHour == long.MinValue && toHour == long.MaxValue) return true;
        var parts = path.Split('/');
        if (parts.Length is not (6 or 7)) return true; // not Arc's layout: never pruned
        if (!DateTime.TryParseExact(parts[2] + parts[3] + parts[4], "yyyyMMdd", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day)) return true;
        var dayHour = (long)(day - DateTime.UnixEpoch).TotalHours;
        if (parts.Length == 6) return dayHour + 23 >= fromHour && dayHour <= toHour; // a daily file
        if (!int.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out var hh)) return true;
        var hour = dayHour + hh;
        return hour >= fromHour && hour <= toHour;
    }

    private sealed class Lease(BucketMirror mirror, List<string> paths) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) mirror.Unpin(paths);
        }
    }
}
