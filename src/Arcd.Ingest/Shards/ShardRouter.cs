using System.Collections.Concurrent;

namespace Arcd.Ingest.Shards;

/// <summary>
/// Which shard takes a (database, measurement)'s requests. Keys are dealt to the shards in the order
/// they first arrive, round robin, and keep their shard for the life of the process, so a handful
/// of measurements (a fleet's cpu, mem, disk and net) always splits evenly. The hash of the names
/// did not: string hashes are seeded per process, so each start drew a new split. With four
/// measurements over two shards, one start in eight put all four on one shard thread and one in two
/// put three there.
/// Past <see cref="MaxAssigned"/> keys the map stops growing and new keys are placed by hash.
/// </summary>
internal sealed class ShardRouter(int shards)
{
    public const int MaxAssigned = 65_536;

    private readonly ConcurrentDictionary<(string Database, string Measurement), int> _assigned = new();
    private int _dealt = -1;

    public int ShardOf(string database, string measurement)
    {
        if (shards == 1) return 0;
        if (_assigned.TryGetValue((database, measurement), out var shard)) return shard;
        // Keys dealt so far (a race may deal one twice; the cap only needs to bound the map). Not
        // the dictionary's Count, which takes every bucket lock: past the cap this runs per request.
        if (Volatile.Read(ref _dealt) + 1 >= MaxAssigned) return Hashed(database, measurement);
        return _assigned.GetOrAdd((database, measurement), static (_, router) => router.Deal(), this);
    }

    private int Deal() => (int)((uint)Interlocked.Increment(ref _dealt) % (uint)shards);

    private int Hashed(string database, string measurement) =>
        (int)((uint)HashCode.Combine(string.GetHashCode(database.AsSpan()), string.GetHashCode(measurement.AsSpan())) % (uint)shards);
}
