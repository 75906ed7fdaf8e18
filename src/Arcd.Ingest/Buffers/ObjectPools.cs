using Microsoft.Extensions.ObjectPool;

namespace Arcd.Ingest.Buffers;

/// <summary>
/// Bounded pools (Microsoft.Extensions.ObjectPool) of the small objects every write request needs:
/// its columns and batches, the decoded write, the shard's work item. They are rented on request
/// threads and given back on shard threads, so the per-thread caches of the runtime's own pools
/// would miss. An idle pooled object holds no arrays (those go back to their array pools first),
/// so what a pool keeps is a few hundred bytes per object, at most <c>retained</c> of them.
/// </summary>
public static class ObjectPools
{
    public static ObjectPool<T> Create<T>(Func<T> create, int retained) where T : class =>
        new DefaultObjectPool<T>(new Policy<T>(create), retained);

    private sealed class Policy<T>(Func<T> create) : PooledObjectPolicy<T> where T : notnull
    {
        public override T Create() => create();

        public override bool Return(T obj) => true;
    }
}
