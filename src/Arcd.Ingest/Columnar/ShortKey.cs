using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Arcd.Ingest.Columnar;

/// <summary>
/// A value's first and last words (overlapping when shorter than 16 bytes): with the length, they
/// identify a value of up to 16 bytes exactly (the string dictionary and the decoders' name cache
/// compare short values by them); longer values need their middle too.
/// </summary>
internal readonly struct ShortKey(ulong a, ulong b)
{
    public readonly ulong A = a;
    public readonly ulong B = b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool SameAs(ShortKey other) => A == other.A && B == other.B;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ShortKey Of(ReadOnlySpan<byte> value)
    {
        var length = value.Length;
        ref var start = ref MemoryMarshal.GetReference(value);
        if (length >= 8)
            return new(Unsafe.ReadUnaligned<ulong>(ref start), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8)));
        if (length >= 4)
            return new(Unsafe.ReadUnaligned<uint>(ref start), Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, length - 4)));
        // 1 to 3 bytes: first, middle and last byte cover them all.
        return length == 0 ? default : new(((ulong)start << 16) | ((ulong)Unsafe.Add(ref start, length >> 1) << 8) | Unsafe.Add(ref start, length - 1), 0);
    }
}
