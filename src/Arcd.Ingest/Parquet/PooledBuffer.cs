using System.Buffers;
using System.Buffers.Binary;

namespace Arcd.Ingest.Parquet;

/// <summary>A growable byte buffer on rented arrays: pages and footers are built here, then written once.</summary>
internal sealed class PooledBuffer : IDisposable
{
    private byte[] _array;

    public PooledBuffer(int initialCapacity = 4096)
    {
        _array = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int Length { get; private set; }
    public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);
    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

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
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
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
