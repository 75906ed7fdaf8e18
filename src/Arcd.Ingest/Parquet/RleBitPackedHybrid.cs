using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Arcd.Ingest.Buffers;
namespace Arcd.Ingest.Parquet;

/// <summary>
/// Parquet's RLE / bit-packed hybrid encoding for definition levels and dictionary indices.
/// One RLE run when every value is the same (the common "no nulls" case), otherwise one
/// bit-packed run of groups of 8 (the tail of the last group is padding the reader ignores).
/// </summary>
internal static class RleBitPackedHybrid
{
    public static int BitWidth(int maxValue) => maxValue == 0 ? 0 : 32 - int.LeadingZeroCount(maxValue);

    /// <summary>One RLE run: <paramref name="count"/> copies of <paramref name="value"/>.</summary>
    public static void WriteRun(int count, int value, PooledBuffer output, int bitWidth = 1)
    {
        output.WriteUnsignedVarInt((ulong)count << 1);
        for (var b = 0; b < (bitWidth + 7) / 8; b++) output.WriteByte((byte)(value >> (8 * b)));
    }

    public static void Encode(ReadOnlySpan<int> values, int bitWidth, PooledBuffer output)
    {
        if (values.IsEmpty) return;
        if (IsConstant(values))
        {
            output.WriteUnsignedVarInt((ulong)values.Length << 1);
            var value = values[0];
            for (var b = 0; b < (bitWidth + 7) / 8; b++) output.WriteByte((byte)(value >> (8 * b)));
            return;
        }

        var groups = (values.Length + 7) / 8;
        output.WriteUnsignedVarInt(((ulong)groups << 1) | 1);
        // Room for whole 16-byte stores past the last group; only groups * bitWidth bytes are kept.
        var packed = output.GetSpan(groups * bitWidth + 16);
        var mask = bitWidth == 32 ? uint.MaxValue : (1u << bitWidth) - 1;
        var done = bitWidth <= 16 ? values.Length / 8 * 8 : 0;
        var at = PackGroups(values[..done], bitWidth, mask, packed);
        // Values go into a 64-bit accumulator at their width, least significant bits first, and whole
        // bytes leave it as they fill: fewer than 8 bits wait plus at most 32 new ones always fit.
        ulong pending = 0;
        var pendingBits = 0;
        foreach (var value in values[done..])
        {
            pending |= (ulong)((uint)value & mask) << pendingBits;
            pendingBits += bitWidth;
            while (pendingBits >= 8)
            {
                packed[at++] = (byte)pending;
                pending >>= 8;
                pendingBits -= 8;
            }
        }
        if (pendingBits > 0) packed[at++] = (byte)pending;
        // The last group's missing values are zero padding that the reader ignores.
        packed[at..(groups * bitWidth)].Clear();
        output.Advance(groups * bitWidth);
    }

    /// <summary>
    /// Whole groups of 8 values of at most 16 bits: a group is exactly <paramref name="bitWidth"/>
    /// bytes, built in one 128-bit word and stored at once (16 bytes, the next group overwrites the
    /// excess). The byte-at-a-time loop mispredicted its inner branch on every other value
    /// (dictionary indices of 10-14 bits).
    /// </summary>
    private static int PackGroups(ReadOnlySpan<int> values, int bitWidth, uint mask, Span<byte> packed)
    {
        var at = 0;
        for (var i = 0; i + 8 <= values.Length; i += 8)
        {
            var word = (UInt128)PackFour(values.Slice(i, 4), bitWidth, mask)
                | ((UInt128)PackFour(values.Slice(i + 4, 4), bitWidth, mask) << (4 * bitWidth));
            BinaryPrimitives.WriteUInt128LittleEndian(packed[at..], word);
            at += bitWidth;
        }
        return at;
    }

    /// <summary>Four values of at most 16 bits side by side in one word, the first in the lowest bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong PackFour(ReadOnlySpan<int> four, int bitWidth, uint mask) =>
        ((uint)four[0] & mask) | ((ulong)((uint)four[1] & mask) << bitWidth)
        | ((ulong)((uint)four[2] & mask) << (2 * bitWidth)) | ((ulong)((uint)four[3] & mask) << (3 * bitWidth));

    private static bool IsConstant(ReadOnlySpan<int> values)
    {
        var first = values[0];
        foreach (var value in values)
            if (value != first) return false;
        return true;
    }
}
