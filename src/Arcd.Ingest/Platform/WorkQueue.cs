namespace Arcd.Ingest.Platform;

/// <summary>
/// A multi-producer queue with one consumer pattern: producers hand off under a short lock (the
/// only lock on the request path); the consumer takes everything queued at once, so later stages
/// (the WAL sync) are paid once per drain rather than once per request. Its length is bounded by
/// the engine (shard queue capacity and the memory budget), not here.
/// </summary>
internal sealed class WorkQueue<T>
{
    private readonly Queue<T> _items = new();
    private bool _completed;

    public int Count
    {
        get
        {
            lock (_items) return _items.Count;
        }
    }

    /// <summary>Moves every queued item into <paramref name="into"/>, waiting up to <paramref name="timeout"/> for the first.
    /// Returns false once the queue is completed and empty.</summary>
    public bool WaitAndDrain(List<T> into, TimeSpan timeout)
    {
        lock (_items)
        {
            if (_items.Count == 0 && !_completed) Monitor.Wait(_items, timeout);
            if (_items.Count == 0) return !_completed;
            while (_items.TryDequeue(out var item)) into.Add(item);
            return true;
        }
    }

    /// <summary>Takes one item, waiting as long as needed; false once completed and empty.</summary>
    public bool TryTake(out T item)
    {
        lock (_items)
        {
            while (_items.Count == 0)
            {
                if (_completed)
                {
                    item = default!;
                    return false;
                }
                Monitor.Wait(_items);
            }
            item = _items.Dequeue();
            return true;
        }
    }

    public void Enqueue(T item)
    {
        lock (_items)
        {
            _items.Enqueue(item);
            Monitor.Pulse(_items);
        }
    }

    /// <summary>Wakes a waiting consumer without an item (it re-checks its other work).</summary>
    public void Wake()
    {
        lock (_items) Monitor.PulseAll(_items);
    }

    public void Complete()
    {
        lock (_items)
        {
            _completed = true;
            Monitor.PulseAll(_items);
        }
    }
}
