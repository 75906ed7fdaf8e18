using System.Globalization;
using System.Text;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Flush;
using Arcd.Ingest.Parquet;
using Arcd.Tests.Support;
using ParquetNet = Parquet;

namespace Arcd.Tests.Parquet;

/// <summary>
/// Property tests for arcd's Parquet encoder: random batches (nulls, empty strings, NaN, extreme
/// values, one row, many rows, unsorted time) must read back identically through two independent
/// readers, DuckDB and Parquet.Net, with correct statistics.
/// </summary>
public class ParquetFileWriterTests
{
    private sealed record Sample(long[] Times, long?[] Ints, double?[] Doubles, bool?[] Bools, string?[] Strings);

    /// <summary>Time columns as the int64 page compressor sees them: far apart, neighbouring microseconds, or long runs of one second.</summary>
    public enum TimeShape { Scattered, Sequential, RunsOfEqualSeconds }

    private static long[] Times(Random random, int rows, TimeShape shape) => shape switch
    {
        TimeShape.Sequential => Enumerable.Range(0, rows).Select(i => 1_700_000_000_000_000L + i * (long)random.Next(1, 3)).ToArray(),
        TimeShape.RunsOfEqualSeconds => Enumerable.Range(0, rows).Select(_ => 1_700_000_000_000_000L + random.Next(Math.Max(1, rows / 200)) * 1_000_000L).ToArray(),
        _ => Enumerable.Range(0, rows).Select(_ => 1_700_000_000_000_000L + random.NextInt64(-10_000_000_000, 10_000_000_000)).ToArray(),
    };

    private static Sample RandomSample(Random random, int rows, TimeShape times = TimeShape.Scattered)
    {
        long[] extremeInts = [long.MinValue, long.MaxValue, 0, -1];
        double[] extremeDoubles = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, double.MaxValue];
        string[] strings = ["", "a", "host-1", "é ü 漢字", new string('x', 300), "z"];
        var nullRate = random.Next(4) switch { 0 => 0.0, 1 => 1.0, _ => random.NextDouble() * 0.5 };
        bool IsNull() => random.NextDouble() < nullRate;
        // Half the samples draw numbers from a few values (a dictionary chunk), half mostly distinct (PLAIN).
        long NextInt() => random.Next(5) == 0 ? extremeInts[random.Next(4)] : random.NextInt64();
        double NextDouble() => random.Next(5) == 0 ? extremeDoubles[random.Next(6)] : random.NextDouble() * 1e6 - 5e5;
        var intPool = Enumerable.Range(0, random.Next(2) == 0 ? Math.Max(1, rows / 16) : 0).Select(_ => NextInt()).ToArray();
        var doublePool = Enumerable.Range(0, random.Next(2) == 0 ? Math.Max(1, rows / 16) : 0).Select(_ => NextDouble()).ToArray();
        return new Sample(
            Times(random, rows, times),
            Enumerable.Range(0, rows).Select(_ => IsNull() ? (long?)null : intPool.Length > 0 ? intPool[random.Next(intPool.Length)] : NextInt()).ToArray(),
            Enumerable.Range(0, rows).Select(_ => IsNull() ? (double?)null : doublePool.Length > 0 ? doublePool[random.Next(doublePool.Length)] : NextDouble()).ToArray(),
            Enumerable.Range(0, rows).Select(_ => IsNull() ? (bool?)null : random.Next(2) == 0).ToArray(),
            Enumerable.Range(0, rows).Select(_ => IsNull() ? null : random.Next(3) == 0 ? $"s{random.Next(rows)}" : strings[random.Next(strings.Length)]).ToArray());
    }

    /// <summary>
    /// The same rows in a random arrival order, as concurrent clients' rows reach a buffer: its time
    /// order is then a permutation, which the encoder reads through (values hashed in arrival order).
    /// </summary>
    private static Sample Shuffled(Sample sample, int seed)
    {
        var permutation = Enumerable.Range(0, sample.Times.Length).ToArray();
        new Random(seed).Shuffle(permutation);
        T[] Permute<T>(T[] values) => permutation.Select(p => values[p]).ToArray();
        return new Sample(Permute(sample.Times), Permute(sample.Ints), Permute(sample.Doubles), Permute(sample.Bools), Permute(sample.Strings));
    }

    /// <summary>The sample in up to three batches, so the buffer maps each batch's interned strings into its own.</summary>
    private static MeasurementBuffer ToBuffer(Sample sample)
    {
        var rows = sample.Times.Length;
        int[] cuts = rows >= 3 ? [0, rows / 3, 2 * rows / 3, rows] : [0, rows];
        MeasurementBuffer? buffer = null;
        for (var c = 0; c + 1 < cuts.Length; c++)
        {
            using var batch = new ColumnBatch("m");
            var ints = new Column("i", ColumnKind.Int64);
            var doubles = new Column("d", ColumnKind.Float64);
            var bools = new Column("b", ColumnKind.Boolean);
            var strings = new Column("s", ColumnKind.String);
            for (var r = cuts[c]; r < cuts[c + 1]; r++)
            {
                batch.Time.AppendInt64(sample.Times[r]);
                if (sample.Ints[r] is { } i) ints.AppendInt64(i); else ints.AppendNull();
                if (sample.Doubles[r] is { } d) doubles.AppendFloat64(d); else doubles.AppendNull();
                if (sample.Bools[r] is { } b) bools.AppendBoolean(b); else bools.AppendNull();
                if (sample.Strings[r] is { } s) strings.AppendString(Encoding.UTF8.GetBytes(s)); else strings.AppendNull();
            }
            batch.Add(ints);
            batch.Add(doubles);
            batch.Add(bools);
            batch.Add(strings);
            if (buffer is null) buffer = MeasurementBuffer.StartWith("db", batch, 0, 0);
            else buffer.Append(batch, 0);
        }
        return buffer!;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_string_column_that_stopped_interning_is_written_the_plain_way_and_reads_back(bool shuffled)
    {
        var rows = Column.MaxInternedValues * 6 / 5;
        var sample = new Sample(
            Enumerable.Range(0, rows).Select(r => 1_700_000_000_000_000L + r).ToArray(),
            new long?[rows], new double?[rows], new bool?[rows],
            Enumerable.Range(0, rows).Select(r => r % 97 == 0 ? null : $"id-{r % 5000}").ToArray());
        if (shuffled) sample = Shuffled(sample, 3);
        using var buffer = ToBuffer(sample);
        Assert.False(buffer.Columns.Single(c => c.Name == "s").HasCodes);
        using var order = TimeOrder.Compute(buffer.Time);
        Assert.Equal(!shuffled, order.IsIdentity);
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "capped.parquet");
        await using (var file = File.Create(path))
            ParquetFileWriter.Write(file, buffer, order, 0, rows, ParquetSettings.Default, [new("arc:tags", "host")]);
        var expected = Enumerable.Range(0, rows).Select(r => order.SourceRow(r)).ToArray();
        AssertDuckDbReads(path, sample, expected);
        await AssertParquetNetReads(path, sample, expected);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Number_columns_of_few_values_get_a_dictionary_and_mostly_distinct_ones_stay_plain(bool shuffled)
    {
        const int rows = 20_000;
        var random = new Random(5);
        double[] gauges = [double.NaN, BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8_0000_0000_0001)), -0.0, 0.0, 12.5, double.NegativeInfinity];
        var few = new Sample(
            Enumerable.Range(0, rows).Select(r => 1_700_000_000_000_000L + r * 10_000L).ToArray(),
            Enumerable.Range(0, rows).Select(r => r % 11 == 0 ? null : (long?)(r % 7 - 3)).ToArray(),
            Enumerable.Range(0, rows).Select(r => r % 13 == 0 ? null : (double?)gauges[random.Next(gauges.Length)]).ToArray(),
            new bool?[rows], new string?[rows]);
        var distinct = few with
        {
            Ints = Enumerable.Range(0, rows).Select(_ => (long?)random.NextInt64()).ToArray(),
            Doubles = Enumerable.Range(0, rows).Select(_ => (double?)random.NextDouble()).ToArray(),
        };
        // Without nulls too (as `distinct` is): a whole buffer with none, in a permuted order, is hashed in arrival order.
        var fewNoNulls = few with { Ints = few.Ints.Select((v, r) => (long?)(v ?? r % 5)).ToArray(), Doubles = few.Doubles.Select(v => (double?)(v ?? 1.5)).ToArray() };
        using var temp = new TempDirectory();
        foreach (var (name, ordered, dictionary) in new[] { ("few", few, true), ("distinct", distinct, false), ("few-no-nulls", fewNoNulls, true) })
        {
            var sample = shuffled ? Shuffled(ordered, 9) : ordered;
            using var buffer = ToBuffer(sample);
            using var order = TimeOrder.Compute(buffer.Time);
            var path = Path.Combine(temp.Path, $"{name}.parquet");
            await using (var file = File.Create(path))
                ParquetFileWriter.Write(file, buffer, order, 0, rows, ParquetSettings.Default, [new("arc:tags", "host")]);
            var encodings = DuckDb.Query($"SELECT path_in_schema, encodings FROM parquet_metadata('{path}')").ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
            Assert.Equal(dictionary, encodings["i"].Contains("RLE_DICTIONARY", StringComparison.Ordinal));
            Assert.Equal(dictionary, encodings["d"].Contains("RLE_DICTIONARY", StringComparison.Ordinal));
            var expected = Enumerable.Range(0, rows).Select(r => order.SourceRow(r)).ToArray();
            AssertDuckDbReads(path, sample, expected);
            await AssertParquetNetReads(path, sample, expected);
        }
    }

    [Theory]
    [InlineData(ParquetCompression.Snappy)]
    [InlineData(ParquetCompression.Zstd)]
    [InlineData(ParquetCompression.None)]
    public async Task Random_batches_read_back_identically_in_duckdb_and_parquet_net(ParquetCompression compression)
    {
        var random = new Random(42 + (int)compression);
        using var temp = new TempDirectory();
        foreach (var rows in new[] { 1, 2, 7, 8, 9, 100, 1000, 20_000 })
        {
            var sample = RandomSample(random, rows);
            using var buffer = ToBuffer(sample);
            using var order = TimeOrder.Compute(buffer.Time);
            var path = Path.Combine(temp.Path, $"{compression}-{rows}.parquet");
            await using (var file = File.Create(path))
                ParquetFileWriter.Write(file, buffer, order, 0, rows, new ParquetSettings(compression), [new("arc:tags", "host")]);

            var expected = Enumerable.Range(0, rows).Select(r => order.SourceRow(r)).ToArray();
            AssertDuckDbReads(path, sample, expected);
            await AssertParquetNetReads(path, sample, expected);
        }
    }

    [Theory]
    [InlineData(TimeShape.Sequential)]
    [InlineData(TimeShape.RunsOfEqualSeconds)]
    public async Task Time_columns_of_every_shape_read_back_identically_in_duckdb_and_parquet_net(TimeShape shape)
    {
        var random = new Random(17 + (int)shape);
        using var temp = new TempDirectory();
        foreach (var rows in new[] { 1, 2, 9, 65, 1000, 20_000 })
        {
            var sample = Shuffled(RandomSample(random, rows, shape), rows);
            using var buffer = ToBuffer(sample);
            using var order = TimeOrder.Compute(buffer.Time);
            var path = Path.Combine(temp.Path, $"{shape}-{rows}.parquet");
            await using (var file = File.Create(path))
                ParquetFileWriter.Write(file, buffer, order, 0, rows, ParquetSettings.Default, [new("arc:tags", "host")]);

            var expected = Enumerable.Range(0, rows).Select(r => order.SourceRow(r)).ToArray();
            AssertDuckDbReads(path, sample, expected);
            await AssertParquetNetReads(path, sample, expected);
        }
    }

    private static void AssertDuckDbReads(string path, Sample sample, int[] expected)
    {
        var types = DuckDb.Types($"read_parquet('{path}')");
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["time"]);
        Assert.Equal("BIGINT", types["i"]);
        Assert.Equal("DOUBLE", types["d"]);
        Assert.Equal("BOOLEAN", types["b"]);
        Assert.Equal("VARCHAR", types["s"]);

        // Strings of doubles compare NaN and -0.0 exactly; file_row_number keeps file order without ORDER BY on values.
        var rows = DuckDb.Query($"SELECT epoch_us(time)::VARCHAR, i::VARCHAR, d, b, s FROM read_parquet('{path}', file_row_number=true) ORDER BY file_row_number");
        Assert.Equal(expected.Length, rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var source = expected[r];
            Assert.Equal(sample.Times[source].ToString(CultureInfo.InvariantCulture), rows[r][0]);
            Assert.Equal(sample.Ints[source]?.ToString(CultureInfo.InvariantCulture), rows[r][1]);
            AssertSameDouble(sample.Doubles[source], (double?)rows[r][2]);
            Assert.Equal(sample.Bools[source], (bool?)rows[r][3]);
            Assert.Equal(sample.Strings[source], (string?)rows[r][4]);
        }

        var kv = DuckDb.Query($"SELECT decode(key), decode(value) FROM parquet_kv_metadata('{path}')");
        Assert.Contains(kv, row => (string)row[0]! == "arc:tags" && (string)row[1]! == "host");

        // Statistics: null counts exact; min/max equal to what the data says.
        var stats = DuckDb.Query($"SELECT path_in_schema, stats_null_count, stats_min_value, stats_max_value FROM parquet_metadata('{path}')")
            .ToDictionary(r => (string)r[0]!, r => r);
        Assert.Equal((long)sample.Ints.Count(v => v is null), stats["i"][1]);
        Assert.Equal((long)sample.Strings.Count(v => v is null), stats["s"][1]);
        var ints = sample.Ints.Where(v => v is not null).Select(v => v!.Value).ToArray();
        if (ints.Length > 0)
        {
            Assert.Equal(ints.Min().ToString(CultureInfo.InvariantCulture), stats["i"][2]);
            Assert.Equal(ints.Max().ToString(CultureInfo.InvariantCulture), stats["i"][3]);
        }
        var minTime = DuckDb.Scalar($"SELECT epoch_us(min(time))::VARCHAR FROM read_parquet('{path}')");
        Assert.Equal(sample.Times.Min().ToString(CultureInfo.InvariantCulture), minTime);
        // Pruning by statistics must not lose rows: a range query agrees with a full count.
        var middle = sample.Times.Order().ElementAt(sample.Times.Length / 2);
        var inRange = Convert.ToInt64(DuckDb.Scalar($"SELECT count(*) FROM read_parquet('{path}') WHERE epoch_us(time) >= {middle}"), CultureInfo.InvariantCulture);
        Assert.Equal(sample.Times.Count(t => t >= middle), inRange);
    }

    private static async Task AssertParquetNetReads(string path, Sample sample, int[] expected)
    {
        await using var reader = await ParquetNet.ParquetReader.CreateAsync(path);
        var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
        using var group = reader.OpenRowGroupReader(0);
        var rows = expected.Length;

        var times = new DateTime[rows];
        await group.ReadAsync(fields["time"], times.AsMemory());
        var ints = new long?[rows];
        await group.ReadAsync(fields["i"], ints.AsMemory());
        var doubles = new double?[rows];
        await group.ReadAsync(fields["d"], doubles.AsMemory());
        var bools = new bool?[rows];
        await group.ReadAsync(fields["b"], bools.AsMemory());
        var strings = new string?[rows];
        await group.ReadAsync(fields["s"], strings.AsMemory());

        for (var r = 0; r < rows; r++)
        {
            var source = expected[r];
            Assert.Equal(sample.Times[source], (times[r].Ticks - DateTime.UnixEpoch.Ticks) / 10);
            Assert.Equal(sample.Ints[source], ints[r]);
            AssertSameDouble(sample.Doubles[source], doubles[r]);
            Assert.Equal(sample.Bools[source], bools[r]);
            Assert.Equal(sample.Strings[source], strings[r]);
        }
    }

    private static void AssertSameDouble(double? expected, double? actual)
    {
        if (expected is null || actual is null) Assert.Equal(expected, actual);
        else Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Value), BitConverter.DoubleToInt64Bits(actual.Value));
    }
}
