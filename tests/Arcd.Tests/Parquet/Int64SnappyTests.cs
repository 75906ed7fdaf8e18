using System.Runtime.InteropServices;
using Arcd.Ingest.Parquet;
using Snappier;

namespace Arcd.Tests.Parquet;

/// <summary>The int64 page compressor's output, decompressed by an independent snappy decoder (Snappier), on every shape of sequence.</summary>
public class Int64SnappyTests
{
    [Fact]
    public void Empty_and_single_values_round_trip()
    {
        AssertRoundTrips([]);
        AssertRoundTrips([0]);
        AssertRoundTrips([long.MinValue]);
        AssertRoundTrips([1_700_000_000_000_000]);
    }

    [Fact]
    public void Sorted_microsecond_timestamps_round_trip_at_about_four_bytes_a_value()
    {
        var values = Enumerable.Range(0, 100_000).Select(i => 1_700_000_000_000_000L + i).ToArray();
        var compressed = AssertRoundTrips(values);
        // A 1-byte literal tag, the 1 differing byte and a 2-byte copy; a carry every 256 values adds a byte.
        Assert.InRange(compressed, values.Length * 4, values.Length * 4 + values.Length / 128 + 16);
    }

    [Fact]
    public void Runs_of_equal_timestamps_become_long_copies()
    {
        // 1000 hosts reporting at the same second, for 100 seconds.
        var values = Enumerable.Range(0, 100_000).Select(i => 1_700_000_000_000_000L + i / 1000 * 1_000_000).ToArray();
        var compressed = AssertRoundTrips(values);
        // A copy element covers at most 64 bytes: 3 bytes per 8 equal values, and a few per run.
        Assert.InRange(compressed, 1, values.Length * 3 / 8 + 100 * 8);
    }

    [Fact]
    public void Run_lengths_around_every_copy_boundary_round_trip()
    {
        var random = new Random(20261204);
        for (var run = 1; run <= 20; run++)
            for (var lead = 0; lead < 3; lead++)
            {
                var values = new List<long>();
                for (var i = 0; i < lead; i++) values.Add(random.NextInt64());
                for (var i = 0; i < run; i++) values.Add(42);
                values.Add(43);
                for (var i = 0; i < run; i++) values.Add(-1);
                AssertRoundTrips([.. values]);
            }
    }

    [Fact]
    public void Random_sequences_of_every_shape_round_trip()
    {
        var random = new Random(20261203);
        for (var trial = 0; trial < 400; trial++)
        {
            var count = random.Next(0, trial % 10 == 0 ? 20_000 : 300);
            var values = new long[count];
            var value = random.NextInt64(long.MinValue, long.MaxValue);
            for (var i = 0; i < count; i++)
            {
                // Steps of every size: none (equal values), a few bits, a few bytes, or a jump anywhere,
                // so values share 0 to 8 high bytes with their neighbour and literals run long or short.
                value = (trial % 4) switch
                {
                    0 => value + random.Next(0, 3),
                    1 => value + (random.Next(4) == 0 ? random.NextInt64(-1L << 40, 1L << 40) : 0),
                    2 => random.Next(3) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : value + random.Next(-300, 300),
                    _ => value + (random.Next(2) == 0 ? 0 : 1L << random.Next(0, 64)),
                };
                values[i] = value;
            }
            AssertRoundTrips(values);
        }
    }

    [Fact]
    public void Incompressible_values_stay_within_the_bound()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 50_000).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)).ToArray();
        var compressed = AssertRoundTrips(values);
        Assert.InRange(compressed, values.Length * 8, values.Length * 8 + 16); // one long literal
    }

    /// <summary>Compresses into a buffer of exactly the bound followed by a guard, decompresses with Snappier; returns the compressed length.</summary>
    private static int AssertRoundTrips(long[] values)
    {
        const int Guard = 64;
        var bound = Int64Snappy.MaxCompressedLength(values.Length);
        var buffer = new byte[bound + Guard];
        buffer.AsSpan(bound).Fill(0xA5);
        var written = Int64Snappy.Compress(values, buffer.AsSpan(0, bound));
        Assert.True(written <= bound - 8, $"{written} bytes written, bound {bound} less the 8 bytes of slack");
        Assert.All(buffer.AsSpan(bound).ToArray(), b => Assert.Equal(0xA5, b));

        var expected = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var compressed = buffer.AsSpan(0, written);
        Assert.Equal(expected.Length, Snappy.GetUncompressedLength(compressed));
        var decompressed = new byte[expected.Length];
        Assert.Equal(expected.Length, Snappy.Decompress(compressed, decompressed));
        Assert.Equal(expected, decompressed);
        return written;
    }
}
