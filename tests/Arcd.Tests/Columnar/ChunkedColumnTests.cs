using System.Globalization;
using System.Text;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Parquet;
using ParquetNet = Parquet;

namespace Arcd.Tests.Columnar;

/// <summary>
/// A buffer's chunked columns against contiguous ones filled the same way: the same rows, nulls and
/// string codes, and the same Parquet bytes from the encoder, for batches that cross chunk borders.
/// </summary>
public class ChunkedColumnTests
{
    private static readonly ColumnKind[] Kinds = [ColumnKind.Int64, ColumnKind.Float64, ColumnKind.Boolean, ColumnKind.String];

    public static TheoryData<ColumnKind> EveryKind
    {
        get
        {
            var data = new TheoryData<ColumnKind>();
            foreach (var kind in Kinds) data.Add(kind);
            return data;
        }
    }

    [Fact]
    public void The_chunk_size_is_the_shift_the_readers_use()
    {
        Assert.Equal(Column.ChunkRows, 1 << Column.ChunkShift);
        Assert.Equal(Column.ChunkRows - 1, Column.ChunkMask);
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Random_batches_fill_a_chunked_column_exactly_as_a_contiguous_one(ColumnKind kind)
    {
        var random = new Random(11 + (int)kind);
        for (var round = 0; round < 12; round++)
        {
            using var chunked = Column.Chunked("c", kind, random.Next(1, 3000));
            using var contiguous = new Column("c", kind);
            var nullRate = random.Next(3) switch { 0 => 0.0, 1 => 0.3, _ => 0.01 };
            var distinct = random.Next(2) == 0 ? 40 : 1_000_000; // interned tags, or values that stop interning
            var batches = random.Next(1, 9);
            for (var b = 0; b < batches; b++)
            {
                using var batch = RandomColumn(random, kind, random.Next(0, 30_000), nullRate, distinct);
                if (random.Next(4) == 0)
                {
                    // The single-row path (WAL replay) and runs of nulls, across borders too.
                    for (var r = 0; r < batch.Count; r++)
                    {
                        chunked.AppendRow(batch, r);
                        contiguous.AppendRow(batch, r);
                    }
                    var nulls = random.Next(0, 20_000);
                    chunked.AppendNulls(nulls);
                    contiguous.AppendNulls(nulls);
                }
                else
                {
                    chunked.AppendColumn(batch);
                    contiguous.AppendColumn(batch);
                }
            }
            AssertSameRows(contiguous, chunked, $"round {round}");
            Assert.Equal(Math.Max(1, (chunked.Count + Column.ChunkRows - 1) / Column.ChunkRows), chunked.ChunkCount);
        }
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Rows_and_nulls_appended_one_at_a_time_cross_chunk_borders_intact(ColumnKind kind)
    {
        var random = new Random(3 + (int)kind);
        using var source = RandomColumn(random, kind, 3 * Column.ChunkRows + 123, 0.2, 30);
        using var chunked = Column.Chunked("c", kind);
        using var contiguous = new Column("c", kind);
        for (var row = 0; row < source.Count; row++)
        {
            chunked.AppendRow(source, row);
            contiguous.AppendRow(source, row);
            if (row % 5000 == 0)
            {
                chunked.AppendNulls(777);
                contiguous.AppendNulls(777);
            }
        }
        AssertSameRows(contiguous, chunked, "row by row");
        Assert.True(chunked.ChunkCount > 3);
    }

    [Fact]
    public void A_small_buffer_keeps_one_small_chunk()
    {
        using var column = Column.Chunked("v", ColumnKind.Float64, 16);
        for (var i = 0; i < 100; i++) column.AppendFloat64(i);
        Assert.Equal(1, column.ChunkCount);
        Assert.True(column.Capacity < Column.ChunkRows, $"capacity {column.Capacity}");
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (double)i), column.Float64Values.ToArray());
    }

    [Fact]
    public void A_column_of_several_chunks_has_no_single_span_and_says_so()
    {
        using var column = Column.Chunked("v", ColumnKind.Int64);
        for (var i = 0; i < Column.ChunkRows + 1; i++) column.AppendInt64(i);
        Assert.Equal(2, column.ChunkCount);
        var error = Assert.Throws<InvalidOperationException>(() => column.Int64Values.Length);
        Assert.Contains("chunked", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => column.PromoteInt64ToFloat64());
        var copy = new long[column.Count];
        column.CopyInt64To(copy);
        Assert.Equal(Enumerable.Range(0, Column.ChunkRows + 1).Select(i => (long)i), copy);
    }

    [Fact]
    public void The_time_order_of_a_chunked_column_is_that_of_its_values()
    {
        var random = new Random(8);
        var times = Enumerable.Range(0, 3 * Column.ChunkRows + 5).Select(_ => random.NextInt64(0, 1_000_000)).ToArray();
        using var column = Column.Chunked("time", ColumnKind.Int64);
        foreach (var t in times) column.AppendInt64(t);
        using var fromColumn = TimeOrder.Compute(column);
        using var fromSpan = TimeOrder.Compute(times);
        Assert.Equal(fromSpan.SortedTimes.ToArray(), fromColumn.SortedTimes.ToArray());
        Assert.Equal(Enumerable.Range(0, times.Length).Select(fromSpan.SourceRow), Enumerable.Range(0, times.Length).Select(fromColumn.SourceRow));
    }

    [Theory]
    [InlineData(false, ParquetCompression.Snappy)]
    [InlineData(true, ParquetCompression.Snappy)]
    [InlineData(true, ParquetCompression.Zstd)]
    public void The_encoder_writes_the_same_bytes_from_chunked_and_contiguous_columns(bool permuted, ParquetCompression compression)
    {
        var random = new Random(permuted ? 21 : 20);
        foreach (var rows in new[] { 1, Column.ChunkRows, Column.ChunkRows + 1, 50_000 })
        {
            foreach (var nullRate in new[] { 0.0, 0.2 })
            {
                var time = new Column("time", ColumnKind.Int64);
                var chunkedTime = Column.Chunked("time", ColumnKind.Int64);
                var start = 1_700_000_000_000_000L;
                for (var r = 0; r < rows; r++)
                {
                    var t = permuted ? start + random.NextInt64(0, 3_600_000_000) : start + r;
                    time.AppendInt64(t);
                    chunkedTime.AppendInt64(t);
                }
                var contiguous = new List<Column>();
                var chunked = new List<Column>();
                foreach (var kind in Kinds)
                {
                    foreach (var distinct in new[] { 50, 1_000_000 })
                    {
                        using var batch = RandomColumn(random, kind, rows, nullRate, distinct, $"{kind}-{distinct}");
                        var a = new Column(batch.Name, kind);
                        var b = Column.Chunked(batch.Name, kind);
                        // In pieces, as requests fill a buffer.
                        for (var from = 0; from < rows;)
                        {
                            var take = Math.Min(rows - from, random.Next(1, 9000));
                            using var piece = Slice(batch, from, take);
                            a.AppendColumn(piece);
                            b.AppendColumn(piece);
                            from += take;
                        }
                        contiguous.Add(a);
                        chunked.Add(b);
                    }
                }
                using var order = TimeOrder.Compute(time);
                // The whole buffer, and a middle range as the flush writes one hour of a buffer that spans two.
                var ranges = new List<(int Start, int Rows)> { (0, rows) };
                if (rows > 10) ranges.Add((rows / 3, rows / 2));
                foreach (var (from, count) in ranges)
                {
                    var expected = Encode(contiguous, order, from, count, compression);
                    var actual = Encode(chunked, order, from, count, compression);
                    Assert.True(expected.AsSpan().SequenceEqual(actual), $"{rows} rows, nulls {nullRate}, range {from}+{count}: {expected.Length} vs {actual.Length} bytes");
                    AssertReadsBack(actual, chunked, order, from, count);
                }
                time.Dispose();
                chunkedTime.Dispose();
                foreach (var column in contiguous.Concat(chunked)) column.Dispose();
            }
        }
    }

    /// <summary>An independent reader (Parquet.Net) sees rows [start, start + rows) of the order, value for value.</summary>
    private static void AssertReadsBack(byte[] file, List<Column> columns, TimeOrder order, int start, int rows)
    {
        using var stream = new MemoryStream(file);
        var reader = ParquetNet.ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
        using var group = reader.OpenRowGroupReader(0);
        var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
        foreach (var column in columns)
        {
            string? Expected(int i)
            {
                var row = order.SourceRow(start + i);
                if (!column.IsValid(row)) return null;
                return column.Kind switch
                {
                    ColumnKind.Int64 => column.Int64Reader[row].ToString(CultureInfo.InvariantCulture),
                    ColumnKind.Float64 => column.Float64Reader[row].ToString("R", CultureInfo.InvariantCulture),
                    ColumnKind.Boolean => column.BooleanReader[row].ToString(),
                    _ => Encoding.UTF8.GetString(column.GetStringBytes(row)),
                };
            }
            string?[] actual = column.Kind switch
            {
                ColumnKind.Int64 => Read<long>(group, fields[column.Name], rows).Select(v => v?.ToString(CultureInfo.InvariantCulture)).ToArray(),
                ColumnKind.Float64 => Read<double>(group, fields[column.Name], rows).Select(v => v?.ToString("R", CultureInfo.InvariantCulture)).ToArray(),
                ColumnKind.Boolean => Read<bool>(group, fields[column.Name], rows).Select(v => v?.ToString()).ToArray(),
                _ => ReadStrings(group, fields[column.Name], rows),
            };
            for (var i = 0; i < rows; i++) Assert.True(Expected(i) == actual[i], $"{column.Name}, row {start + i}: {Expected(i)} vs {actual[i]}");
        }
        reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static T?[] Read<T>(ParquetNet.ParquetRowGroupReader group, ParquetNet.Schema.DataField field, int rows) where T : struct
    {
        var values = new T?[rows];
        group.ReadAsync(field, values.AsMemory()).AsTask().GetAwaiter().GetResult();
        return values;
    }

    private static string?[] ReadStrings(ParquetNet.ParquetRowGroupReader group, ParquetNet.Schema.DataField field, int rows)
    {
        var values = new string?[rows];
        group.ReadAsync(field, values.AsMemory()).AsTask().GetAwaiter().GetResult();
        return values;
    }

    private static byte[] Encode(List<Column> columns, TimeOrder order, int start, int rows, ParquetCompression compression)
    {
        using var output = new MemoryStream();
        using (var writer = new ParquetFileWriter(output, columns.Select(c => new ParquetColumn(c.Name, c.Kind)).ToList(), new ParquetSettings(compression)))
        {
            writer.WriteRowGroup(order, start, rows, columns);
            writer.Finish(null);
        }
        return output.ToArray();
    }

    private static Column Slice(Column source, int from, int rows)
    {
        var slice = new Column(source.Name, source.Kind);
        for (var r = from; r < from + rows; r++) slice.AppendRow(source, r);
        return slice;
    }

    private static Column RandomColumn(Random random, ColumnKind kind, int rows, double nullRate, int distinct, string name = "c")
    {
        var column = new Column(name, kind);
        for (var r = 0; r < rows; r++)
        {
            if (random.NextDouble() < nullRate)
            {
                column.AppendNull();
                continue;
            }
            var value = random.Next(distinct);
            switch (kind)
            {
                case ColumnKind.Int64: column.AppendInt64(value - distinct / 2); break;
                case ColumnKind.Float64: column.AppendFloat64(value * 0.25); break;
                case ColumnKind.Boolean: column.AppendBoolean(value % 2 == 0); break;
                default: column.AppendString(Encoding.UTF8.GetBytes($"host-{value}")); break;
            }
        }
        return column;
    }

    private static void AssertSameRows(Column expected, Column actual, string context)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.NullCount, actual.NullCount);
        Assert.Equal(expected.HasCodes, actual.HasCodes);
        for (var row = 0; row < expected.Count; row++)
        {
            Assert.True(expected.IsValid(row) == actual.IsValid(row), $"{context}: validity of row {row}");
            var same = expected.Kind switch
            {
                ColumnKind.Int64 => expected.Int64Reader[row] == actual.Int64Reader[row],
                ColumnKind.Float64 => BitConverter.DoubleToInt64Bits(expected.Float64Reader[row]) == BitConverter.DoubleToInt64Bits(actual.Float64Reader[row]),
                ColumnKind.Boolean => expected.BooleanReader[row] == actual.BooleanReader[row],
                _ => expected.GetStringBytes(row).SequenceEqual(actual.GetStringBytes(row))
                     && (!expected.HasCodes || expected.CodeReader[row] == actual.CodeReader[row]),
            };
            Assert.True(same, $"{context}: row {row}");
        }
    }
}
