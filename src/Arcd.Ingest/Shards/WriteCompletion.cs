namespace Arcd.Ingest.Shards;

/// <summary>
/// Completes a write request once every shard it was split across has taken its part.
/// The first failure wins; the request then answers 500.
/// </summary>
internal sealed class WriteCompletion
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending;

    public WriteCompletion(int parts)
    {
        _pending = parts;
    }

    public Task Task => _done.Task;

    public void PartDone()
    {
        if (Interlocked.Decrement(ref _pending) == 0) _done.TrySetResult();
    }

    public void Fail(Exception exception) => _done.TrySetException(exception);
}
