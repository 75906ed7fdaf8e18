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
        var packed = output.GetSpan(groups * bitWidth);
        // Values go into a 64-bit accumulator at their width, least significant bits first, and whole
        // bytes leave it as they fill: fewer than 8 bits wait plus at most 32 new ones always fit.
        var mask = bitWidth == 32 ? uint.MaxValue : (1u << bitWidth) - 1;
        ulong pending = 0;
        var pendingBits = 0;
        var at = 0;
        foreach (var value in values)
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
        packed[at..].Clear();
        output.Advance(groups * bitWidth);
    }

    private static bool IsConstant(ReadOnlySpan<int> values)
    {
        var first = values[0];
        foreach (var value in values)
            if (value != first) return false;
        return true;
    }
}
