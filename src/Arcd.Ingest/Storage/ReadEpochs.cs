namespace Arcd.Ingest.Storage;

/// <summary>A replacement in flight, as readers must see it: hide the inputs once the output exists, and the output until then.</summary>
public sealed record PendingReplacement(IReadOnlyList<string> Inputs, string? Output);

/// <summary>
/// Lets arcd's own queries see one consistent set of files while replacements run, without ever
/// blocking a query. A reader holds a lease from before it lists files until its query has
/// finished (DuckDB expands globs and opens files in between). A replacement:
/// <list type="number">
/// <item>registers itself (<see cref="Register"/>): readers that start now list that directory
/// file by file and hide the inputs once the output exists (<see cref="PendingUnder"/>);</item>
/// <item>waits for the readers that started before, which may have planned a glob
/// (<see cref="WaitForEarlierReaders"/>);</item>
/// <item>makes its output visible, then waits again for readers that may have listed the inputs;</item>
/// <item>deletes its inputs and unregisters.</item>
/// </list>
/// So no reader sees inputs and output together, none sees neither, and no input is deleted
/// under a reader that listed it.
/// </summary>
public sealed class ReadEpochs
{
    private readonly object _lock = new();
    private readonly Dictionary<long, int> _active = [];
    private readonly List<PendingReplacement> _pending = [];
    private long _epoch;

    /// <summary>A reader's lease; dispose it once the query is over.</summary>
    public sealed class Lease : IDisposable
    {
        private ReadEpochs? _owner;

        internal Lease(ReadEpochs owner, long epoch)
        {
            _owner = owner;
            Epoch = epoch;
        }

        public long Epoch { get; }

        public void Dispose()
        {
            var owner = Interlocked.Exchange(ref _owner, null);
            owner?.End(Epoch);
        }
    }

    public int ActiveReaders
    {
        get
        {
            lock (_lock) return _active.Values.Sum();
        }
    }

    public Lease BeginRead()
    {
        lock (_lock)
        {
            _active[_epoch] = _active.GetValueOrDefault(_epoch) + 1;
            return new Lease(this, _epoch);
        }
    }

    /// <summary>The replacements in flight whose inputs or output lie under <paramref name="prefix"/> ('/'-separated, relative).</summary>
    public IReadOnlyList<PendingReplacement> PendingUnder(string prefix)
    {
        lock (_lock)
        {
            if (_pending.Count == 0) return [];
            return _pending.Where(p => p.Inputs.Any(i => i.StartsWith(prefix, StringComparison.Ordinal))
                || p.Output is not null && p.Output.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        }
    }

    /// <summary>
    /// Registers a replacement and starts a new epoch in the same step; returns that epoch. Readers
    /// that begin from here see the replacement, so only the earlier ones need waiting for
    /// (<see cref="WaitForReadersBefore"/>): a boundary taken later also waited for readers that
    /// began in between, which could be the very readers the replacement's publisher was serving.
    /// </summary>
    public long Register(PendingReplacement replacement)
    {
        lock (_lock)
        {
            _pending.Add(replacement);
            return ++_epoch;
        }
    }

    public void Unregister(PendingReplacement replacement)
    {
        lock (_lock) _pending.Remove(replacement);
    }

    /// <summary>Starts a new epoch and waits until every reader of the earlier ones has finished; false on timeout.</summary>
    public bool WaitForEarlierReaders(TimeSpan timeout)
    {
        long boundary;
        lock (_lock) boundary = ++_epoch;
        return WaitForReadersBefore(boundary, timeout);
    }

    /// <summary>Waits until every reader of an epoch before <paramref name="boundary"/> has finished; false on timeout.</summary>
    public bool WaitForReadersBefore(long boundary, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_lock)
        {
            while (_active.Any(a => a.Key < boundary && a.Value > 0))
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return false;
                Monitor.Wait(_lock, left);
            }
        }
        return true;
    }

    private void End(long epoch)
    {
        lock (_lock)
        {
            var count = _active[epoch] - 1;
            if (count == 0) _active.Remove(epoch);
            else _active[epoch] = count;
            Monitor.PulseAll(_lock);
        }
    }
}
