namespace Arcd.Ingest.Shards;

/// <summary>A request to seal one measurement's buffers (or a whole database's, with no measurement) on every shard.</summary>
internal sealed class SealRequest(string database, string? measurement)
{
    public string Database { get; } = database;
    public string? Measurement { get; } = measurement;
    public List<Task<bool>> Sealed { get; } = [];
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
