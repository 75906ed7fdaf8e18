using System.Globalization;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Flush;
using Arcd.Ingest.Parquet;
using ParquetNet = Parquet;

namespace Arcd.Tests.Support;

/// <summary>Shared pieces of the fuzz/property targets.</summary>
public static class FuzzSupport
{
    /// <summary>Cases per target: 100k in the normal run; <c>make fuzz</c> sets ARCD_FUZZ_CASES higher.</summary>
    public static int Cases => int.TryParse(Environment.GetEnvironmentVariable("ARCD_FUZZ_CASES"), out var cases) ? cases : 100_000;

    /// <summary>How many accepted cases per target are also written to Parquet and read back.</summary>
    public const int RoundTrips = 200;

    /// <summary>Writes the batch with arcd's encoder and reads it back with Parquet.Net: every value must survive.</summary>
    public static void AssertParquetRoundTrip(ColumnBatch batch, string context)
    {
        if (batch.RowCount == 0) return;
        using var buffer = MeasurementBuffer.StartWith("db", batch, 0, 0);
        using var order = TimeOrder.Compute(buffer.Time);
        using var file = new MemoryStream();
        ParquetFileWriter.Write(file, buffer, order, 0, buffer.RowCount, ParquetSettings.Default, null);
        file.Position = 0;
        var reader = ParquetNet.ParquetReader.CreateAsync(file).GetAwaiter().GetResult();
        try
        {
            AssertColumns(reader, buffer, order, context);
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static void AssertColumns(ParquetNet.ParquetReader reader, MeasurementBuffer buffer, TimeOrder order, string context)
    {
        var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
        using var group = reader.OpenRowGroupReader(0);
        var rows = buffer.RowCount;
        var times = new DateTime[rows];
        group.ReadAsync(fields["time"], times.AsMemory()).AsTask().GetAwaiter().GetResult();
        for (var r = 0; r < rows; r++)
            Assert.True(order.SortedTimes[r] == (times[r].Ticks - DateTime.UnixEpoch.Ticks) / 10, $"{context}: time row {r}");
        foreach (var column in buffer.Columns)
        {
            var expected = Enumerable.Range(0, rows).Select(r => Render(column, order.SourceRow(r))).ToArray();
            var actual = ReadRendered(group, fields[column.Name], column.Kind, rows);
            Assert.True(expected.SequenceEqual(actual), $"{context}: column {column.Name}: [{string.Join(",", expected)}] vs [{string.Join(",", actual)}]");
        }
    }

    private static string?[] ReadRendered(ParquetNet.ParquetRowGroupReader group, ParquetNet.Schema.DataField field, ColumnKind kind, int rows)
    {
        switch (kind)
        {
            case ColumnKind.Int64:
                var longs = new long?[rows];
                group.ReadAsync(field, longs.AsMemory()).AsTask().GetAwaiter().GetResult();
                return longs.Select(v => v?.ToString(CultureInfo.InvariantCulture)).ToArray();
            case ColumnKind.Float64:
                var doubles = new double?[rows];
                group.ReadAsync(field, doubles.AsMemory()).AsTask().GetAwaiter().GetResult();
                return doubles.Select(v => v is null ? null : BitConverter.DoubleToInt64Bits(v.Value).ToString(CultureInfo.InvariantCulture)).ToArray();
            case ColumnKind.Boolean:
                var bools = new bool?[rows];
                group.ReadAsync(field, bools.AsMemory()).AsTask().GetAwaiter().GetResult();
                return bools.Select(v => v?.ToString()).ToArray();
            default:
                var strings = new string?[rows];
                group.ReadAsync(field, strings.AsMemory()).AsTask().GetAwaiter().GetResult();
                return strings;
        }
    }

    private static string? Render(Column column, int row)
    {
        if (!column.IsValid(row)) return null;
        return column.Kind switch
        {
            ColumnKind.Int64 => column.Int64Reader[row].ToString(CultureInfo.InvariantCulture),
            ColumnKind.Float64 => BitConverter.DoubleToInt64Bits(column.Float64Reader[row]).ToString(CultureInfo.InvariantCulture),
            ColumnKind.Boolean => column.BooleanReader[row].ToString(),
            _ => System.Text.Encoding.UTF8.GetString(column.GetStringBytes(row)),
        };
    }

    public static byte[] Mutate(byte[] seed, Random random)
    {
        var body = (byte[])seed.Clone();
        var mutations = 1 + random.Next(4);
        for (var m = 0; m < mutations && body.Length > 0; m++)
        {
            switch (random.Next(5))
            {
                case 0: body[random.Next(body.Length)] = (byte)random.Next(256); break;
                case 1: body = body[..random.Next(body.Length)]; break;
                case 2: body[random.Next(body.Length)] ^= (byte)(1 << random.Next(8)); break;
                case 3:
                    var at = random.Next(body.Length);
                    body = [.. body[..at], (byte)random.Next(256), .. body[at..]];
                    break;
                default:
                    // Duplicate a slice: grows structure the way concatenation bugs do.
                    var start = random.Next(body.Length);
                    var length = Math.Min(body.Length - start, random.Next(1, 16));
                    body = [.. body[..start], .. body.AsSpan(start, length), .. body[start..]];
                    break;
            }
        }
        return body;
    }
}
