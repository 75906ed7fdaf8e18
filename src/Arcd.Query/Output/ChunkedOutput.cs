using System.Buffers;

namespace Arcd.Query.Output;

/// <summary>Where a result goes: the HTTP response. Called on the query thread; may block on backpressure.</summary>
public interface IResultSink
{
    /// <summary>Commits a 200 with <paramref name="contentType"/>; called once, before the first bytes.</summary>
    void Begin(string contentType);

    /// <summary>Sends bytes; throws <see cref="OperationCanceledException"/> when the client has gone.</summary>
    void Write(ReadOnlyMemory<byte> bytes);
}

/// <summary>
/// Result bytes gathered in a pooled buffer and handed to the sink in chunks. Nothing reaches
/// the client before the first chunk fills, so an error in planning or in the first rows (the
/// timeout, a cap, a DuckDB error) can still be answered with a proper status and JSON error.
/// </summary>
public sealed class ChunkedOutput(IResultSink sink, string contentType, int chunkBytes = 64 * 1024) : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(chunkBytes * 2);
    private int _count;

    /// <summary>True once bytes have gone to the client: the status can no longer change.</summary>
    public bool Started { get; private set; }

    public long TotalBytes { get; private set; }

    public void Advance(int count)
    {
        _count += count;
        TotalBytes += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_count);
    }

    /// <summary>Sends what is buffered once it reaches a chunk.</summary>
    public void FlushIfFull()
    {
        if (_count >= chunkBytes) Send();
    }

    /// <summary>Sends everything buffered (the end of a result).</summary>
    public void Complete() => Send();

    private void Send()
    {
        if (!Started)
        {
            sink.Begin(contentType);
            Started = true;
        }
        if (_count == 0) return;
        sink.Write(_buffer.AsMemory(0, _count));
        _count = 0;
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 256);
        if (_buffer.Length - _count >= needed) return;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _count + needed));
        _buffer.AsSpan(0, _count).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    public void Dispose()
    {
        if (_buffer.Length == 0) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}

/// <summary>A write-only <see cref="Stream"/> over <see cref="ChunkedOutput"/>, for Arrow's IPC writer.</summary>
public sealed class ChunkedOutputStream(ChunkedOutput output) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => output.TotalBytes; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        buffer.CopyTo(output.GetSpan(buffer.Length));
        output.Advance(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
