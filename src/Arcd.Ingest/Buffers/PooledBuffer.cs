using System.Buffers;
using System.Buffers.Binary;

namespace Arcd.Ingest.Buffers;

/// <summary>
/// The one pooled-bytes type: bytes in an array rented from <see cref="ArrayPool{T}.Shared"/>,
/// growable (pages, footers and WAL frames are built here, then written once) or adopted whole
/// (a request body read or decompressed into a rented array). The array goes back to the pool
/// exactly once, by <see cref="Dispose"/>; a second Dispose does nothing.
/// </summary>
public sealed class PooledBuffer : IDisposable
{
    private byte[] _array;
    private bool _disposed;

    public PooledBuffer(int initialCapacity = 4096)
    {
        _array = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    private PooledBuffer(byte[] rented, int length)
    {
        _array = rented;
        Length = length;
    }

    /// <summary>Takes ownership of an array rented from the shared pool whose first <paramref name="length"/> bytes are the content.</summary>
    public static PooledBuffer Adopt(byte[] rented, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, rented.Length);
        return new PooledBuffer(rented, length);
    }

    public int Length { get; private set; }
    public ReadOnlySpan<byte> Span => Array.AsSpan(0, Length);
    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, Length);
    public ArraySegment<byte> Segment => new(Array, 0, Length);

    /// <summary>The rented array (longer than <see cref="Length"/>); throws once disposed.</summary>
    public byte[] Array => _disposed ? throw new ObjectDisposedException(nameof(PooledBuffer)) : _array;

    public void Clear() => Length = 0;

    public Span<byte> GetSpan(int size)
    {
        Ensure(size);
        return _array.AsSpan(Length, size);
    }

    public void Advance(int count) => Length += count;

    public void WriteByte(byte value)
    {
        Ensure(1);
        _array[Length++] = value;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_array.AsSpan(Length));
        Length += bytes.Length;
    }

    public void WriteInt32LittleEndian(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(GetSpan(4), value);
        Length += 4;
    }

    public void WriteInt64LittleEndian(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);
        Length += 8;
    }

    /// <summary>Values as PLAIN little-endian int64s: one block copy on little-endian machines.</summary>
    public void WriteLittleEndian(ReadOnlySpan<long> values)
    {
        if (BitConverter.IsLittleEndian) Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        else foreach (var value in values) WriteInt64LittleEndian(value);
    }

    public void WriteDoubleLittleEndian(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(GetSpan(8), value);
        Length += 8;
    }

    public void WriteUnsignedVarInt(ulong value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        WriteByte((byte)value);
    }

    /// <summary>Overwrites 4 bytes written earlier (a length prefix known only afterwards).</summary>
    public void PatchInt32LittleEndian(int offset, int value) => BinaryPrimitives.WriteInt32LittleEndian(_array.AsSpan(offset, 4), value);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        Length = 0;
    }

    private void Ensure(int extra)
    {
        if (Length + extra <= _array.Length) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Length + extra, _array.Length * 2));
        _array.AsSpan(0, Length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = bigger;
    }
}
