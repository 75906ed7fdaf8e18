using Arcd.Ingest.Buffers;
using Arcd.Ingest.Parquet;

namespace Arcd.Tests.Parquet;

/// <summary>The width-packed encoder against the definition in the Parquet spec, written bit by bit, and a decoder.</summary>
public class RleBitPackedHybridTests
{
    [Fact]
    public void Spec_example_is_packed_as_the_spec_shows()
    {
        // parquet-format Encodings.md: values 0..7 at bit width 3 pack to 10001000 11000110 11111010.
        using var output = new PooledBuffer();
        RleBitPackedHybrid.Encode([0, 1, 2, 3, 4, 5, 6, 7], 3, output);
        Assert.Equal(new byte[] { (1 << 1) | 1, 0b10001000, 0b11000110, 0b11111010 }, output.Span.ToArray());
    }

    [Fact]
    public void Random_values_at_every_width_match_the_bit_by_bit_definition_and_decode_back()
    {
        var random = new Random(20261201);
        for (var width = 1; width <= 31; width++)
        {
            for (var trial = 0; trial < 20; trial++)
            {
                var count = random.Next(1, 300);
                var values = new int[count];
                for (var i = 0; i < count; i++) values[i] = width == 31 ? random.Next() : random.Next(1 << width);
                using var output = new PooledBuffer();
                RleBitPackedHybrid.Encode(values, width, output);
                var bytes = output.Span.ToArray();
                if (values.Distinct().Count() == 1) continue; // an RLE run, not bit-packed
                Assert.Equal(Reference(values, width), bytes);
                Assert.Equal(values, Decode(bytes, width, count));
            }
        }
    }

    private static byte[] Reference(int[] values, int width)
    {
        var groups = (values.Length + 7) / 8;
        var packed = new byte[groups * width];
        long bit = 0;
        foreach (var value in values)
            for (var b = 0; b < width; b++, bit++)
                if ((value & (1 << b)) != 0) packed[bit >> 3] |= (byte)(1 << (int)(bit & 7));
        var header = new List<byte>();
        var h = ((ulong)groups << 1) | 1;
        while (h >= 0x80)
        {
            header.Add((byte)(h | 0x80));
            h >>= 7;
        }
        header.Add((byte)h);
        return [.. header, .. packed];
    }

    private static int[] Decode(byte[] bytes, int width, int count)
    {
        var offset = 0;
        ulong header = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[offset++];
            header |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) break;
        }
        Assert.Equal(1UL, header & 1);
        var values = new int[count];
        long bit = (long)offset * 8;
        for (var i = 0; i < count; i++)
            for (var b = 0; b < width; b++, bit++)
                if ((bytes[bit >> 3] & (1 << (int)(bit & 7))) != 0) values[i] |= 1 << b;
        return values;
    }
}
