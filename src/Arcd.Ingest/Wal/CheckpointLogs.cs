namespace Arcd.Ingest.Wal;

/// <summary>The checkpoint log of each shard's WAL directory, opened on first use (replay may use logs of shards that no longer exist).</summary>
public sealed class CheckpointLogs(string walDirectory) : IDisposable
{
    private readonly Dictionary<int, CheckpointLog> _logs = [];

    public Action<string>? Report { get; set; }

    public CheckpointLog Get(int shard)
    {
        lock (_logs)
        {
            if (!_logs.TryGetValue(shard, out var log))
                _logs.Add(shard, log = CheckpointLog.Open(Path.Combine(walDirectory, $"shard-{shard}"), shard, Report));
            return log;
        }
    }

    /// <summary>Every open log's intents naming one of <paramref name="inputs"/> are copied to name <paramref name="output"/>, or to say "deleted" when it is null (<see cref="CheckpointLog.Repoint"/>).</summary>
    public int Repoint(IReadOnlyCollection<string> inputs, string? output)
    {
        var set = inputs as IReadOnlySet<string> ?? inputs.ToHashSet(StringComparer.Ordinal);
        lock (_logs) return _logs.Values.Sum(log => log.Repoint(set, output));
    }

    public void Dispose()
    {
        lock (_logs)
        {
            foreach (var log in _logs.Values) log.Dispose();
            _logs.Clear();
        }
    }
}
