using Arcd.Ingest.Columnar;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.MessagePack;
using Arcd.Tests.Support;

namespace Arcd.Tests.Columnar;

/// <summary>
/// A request's columns, batches and decoded write come from pools and go back when disposed: a
/// reused one must be indistinguishable from a new one, and disposing twice must not hand the same
/// object to two owners (which would mix two requests' rows).
/// </summary>
public class PooledObjectsTests
{
    [Fact]
    public void A_rented_column_is_empty_whatever_its_last_use_held()
    {
        for (var round = 0; round < 50; round++)
        {
            var used = Column.Rent("host", ColumnKind.String);
            used.AppendString("a"u8);
            used.AppendNull();
            used.AppendString("bb"u8);
            used.Dispose();

            using var column = Column.Rent("v", ColumnKind.Float64, 4);
            Assert.Equal("v", column.Name);
            Assert.Equal(ColumnKind.Float64, column.Kind);
            Assert.Equal(0, column.Count);
            Assert.Equal(0, column.NullCount);
            Assert.Equal(0, column.StringByteCount);
            column.AppendFloat64(1.5);
            Assert.True(column.IsValid(0)); // no bitmap left over from the nulls before
            Assert.Equal([1.5], column.Float64Values.ToArray());
        }
    }

    [Fact]
    public void A_rented_string_column_interns_from_scratch()
    {
        var used = Column.Rent("host", ColumnKind.String);
        for (var i = 0; i < 300; i++) used.AppendString(System.Text.Encoding.UTF8.GetBytes("h" + i)); // stops interning
        used.Dispose();

        using var column = Column.Rent("host", ColumnKind.String);
        column.AppendString("x"u8);
        column.AppendString("x"u8);
        Assert.True(column.HasCodes);
        Assert.Equal(1, column.InternedCount);
        Assert.Equal([0, 0], column.Codes.ToArray());
    }

    [Fact]
    public void Disposing_a_column_twice_gives_it_back_once()
    {
        for (var round = 0; round < 50; round++)
        {
            var column = Column.Rent("v", ColumnKind.Int64);
            column.Dispose();
            column.Dispose();
            using var first = Column.Rent("a", ColumnKind.Int64);
            using var second = Column.Rent("b", ColumnKind.Int64);
            Assert.NotSame(first, second);
        }
    }

    [Fact]
    public void A_rented_batch_is_empty_and_disposing_it_twice_gives_it_back_once()
    {
        for (var round = 0; round < 50; round++)
        {
            var used = ColumnBatch.Rent("cpu");
            used.TagNames = ["host"];
            used.Time.AppendInt64(1);
            var column = Column.Rent("host", ColumnKind.String);
            column.AppendString("a"u8);
            used.Add(column);
            used.Dispose();
            used.Dispose();

            using var first = ColumnBatch.Rent("mem", 8);
            using var second = ColumnBatch.Rent("disk", 8);
            Assert.NotSame(first, second);
            Assert.Equal("mem", first.Measurement);
            Assert.Equal(0, first.RowCount);
            Assert.Empty(first.Columns);
            Assert.Empty(first.TagNames);
            first.Time.AppendInt64(7);
            Assert.Equal([7L], first.Time.Int64Values.ToArray());
        }
    }

    [Fact]
    public void A_decoded_write_handed_over_keeps_its_batches_alive_and_comes_back_empty()
    {
        var body = MsgPack.Columnar("cpu", ("time", [1_700_000_000_000_000L, 1_700_000_000_000_001L]), ("v", [1.0, 2.0]));
        Assert.True(MsgPackDecoder.TryDecode(body, DecodeLimits.Default, 0, out var write, out var error), error.Message);
        var batch = Assert.Single(write!.Batches);
        write.HandOver(); // as the engine takes them
        write.Dispose();
        Assert.Equal([1.0, 2.0], batch.Find("v")!.Float64Values.ToArray()); // not disposed with the write

        using var next = DecodedWrite.Rent();
        Assert.Empty(next.Batches);
        Assert.Equal(0, next.TotalRows);
        batch.Dispose();
    }

    [Fact]
    public void Decoding_Arcs_shape_again_and_again_allocates_almost_nothing()
    {
        // Arc's benchmark shape: 1000 rows of time, host and three doubles (BENCHMARKS.md).
        var random = new Random(5);
        var body = MsgPack.Columnar("cpu",
            ("time", Enumerable.Range(0, 1000).Select(i => (object?)(1_700_000_000_000_000L + i)).ToArray()),
            ("host", Enumerable.Range(0, 1000).Select(_ => (object?)$"server{random.Next(1000):000}").ToArray()),
            ("usage_user", Enumerable.Range(0, 1000).Select(_ => (object?)random.NextDouble()).ToArray()),
            ("usage_system", Enumerable.Range(0, 1000).Select(_ => (object?)random.NextDouble()).ToArray()),
            ("usage_idle", Enumerable.Range(0, 1000).Select(_ => (object?)random.NextDouble()).ToArray()));
        void DecodeAndRelease()
        {
            Assert.True(MsgPackDecoder.TryDecode(body, DecodeLimits.Default, 0, out var write, out var error), error.Message);
            write!.Dispose();
        }
        for (var i = 0; i < 20; i++) DecodeAndRelease(); // pools, the name cache and this thread's decode context
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) DecodeAndRelease();
        var perDecode = (GC.GetAllocatedBytesForCurrentThread() - before) / 100.0;
        // Before pooling: about 1 KB per decode (columns, batch, lists, decode context, write).
        Assert.True(perDecode < 100, $"{perDecode} bytes allocated per 1000-row decode");
    }
}
