using System.Buffers;

namespace Arcd.Ingest.Wire;

/// <summary>Bytes in one rented array; returned to the pool exactly once, by Dispose.</summary>
public sealed class RentedBytes : IDisposable
{
    private byte[]? _array;

    public RentedBytes(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public int Length { get; }
    public byte[] Array => _array ?? throw new ObjectDisposedException(nameof(RentedBytes));
    public ReadOnlyMemory<byte> Memory => new(Array, 0, Length);
    public ArraySegment<byte> Segment => new(Array, 0, Length);

    public void Dispose()
    {
        if (_array is null) return;
        ArrayPool<byte>.Shared.Return(_array);
        _array = null;
    }
}
