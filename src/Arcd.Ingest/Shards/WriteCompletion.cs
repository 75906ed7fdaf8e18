namespace Arcd.Ingest.Shards;

/// <summary>
/// Completes a write request once every shard it was split across has taken its part.
/// The first failure wins; the request then answers 500. It is its own task source, one object
/// per request fewer.
/// </summary>
internal sealed class WriteCompletion(int parts) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
{
    private int _pending = parts;

    public void PartDone()
    {
        if (Interlocked.Decrement(ref _pending) == 0) TrySetResult();
    }

    public void Fail(Exception exception) => TrySetException(exception);
}
