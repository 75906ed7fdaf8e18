using Arcd.Ingest.Catalog;
using Arcd.Ingest.Columnar;
using Arcd.Tests.Support;

namespace Arcd.Tests.Catalog;

public class ColumnCatalogTests
{
    private static ColumnBatch Batch(string measurement, params (string Name, ColumnKind Kind, bool AllNull)[] columns)
    {
        var batch = new ColumnBatch(measurement);
        batch.Time.AppendInt64(1);
        foreach (var (name, kind, allNull) in columns)
        {
            var column = new Column(name, kind);
            if (allNull) column.AppendNull();
            else if (kind == ColumnKind.String) column.AppendString("x"u8);
            else if (kind == ColumnKind.Boolean) column.AppendBoolean(true);
            else if (kind == ColumnKind.Int64) column.AppendInt64(1);
            else column.AppendFloat64(1);
            batch.Add(column);
        }
        return batch;
    }

    [Fact]
    public void Frozen_kind_values()
    {
        Assert.Equal(1, (byte)KindClass.Numeric);
        Assert.Equal(2, (byte)KindClass.String);
        Assert.Equal(3, (byte)KindClass.Boolean);
    }

    [Fact]
    public void A_conflicting_kind_is_refused_and_numbers_may_alternate_even_after_reopening()
    {
        using var temp = new TempDirectory();
        using (var catalog = ColumnCatalog.Open(temp.Path))
        {
            using var first = Batch("cpu", ("v", ColumnKind.Int64, false), ("host", ColumnKind.String, false));
            Assert.True(catalog.TryAdmit("db", [first], out _, out _));
        }
        using (var catalog = ColumnCatalog.Open(temp.Path))
        {
            Assert.Equal(2, catalog.Count);
            using var floats = Batch("cpu", ("v", ColumnKind.Float64, false));
            Assert.True(catalog.TryAdmit("db", [floats], out _, out _));
            using var strings = Batch("cpu", ("v", ColumnKind.String, false));
            Assert.False(catalog.TryAdmit("db", [strings], out var error, out var column));
            Assert.Equal("v", column);
            Assert.Contains("numbers in earlier writes but strings here", error);
            using var otherDatabase = Batch("cpu", ("v", ColumnKind.String, false));
            Assert.True(catalog.TryAdmit("db2", [otherDatabase], out _, out _));
        }
    }

    [Fact]
    public void Conflicts_within_one_request_are_refused_and_nothing_is_recorded()
    {
        using var temp = new TempDirectory();
        using var catalog = ColumnCatalog.Open(temp.Path);
        using var a = Batch("m", ("v", ColumnKind.Boolean, false), ("w", ColumnKind.Int64, false));
        using var b = Batch("m", ("v", ColumnKind.String, false));
        Assert.False(catalog.TryAdmit("db", [a, b], out var error, out _));
        Assert.Contains("elsewhere in this request", error);
        Assert.Equal(0, catalog.Count);
    }

    [Fact]
    public void All_null_columns_do_not_fix_a_kind()
    {
        using var temp = new TempDirectory();
        using var catalog = ColumnCatalog.Open(temp.Path);
        using var nulls = Batch("m", ("v", ColumnKind.String, true));
        Assert.True(catalog.TryAdmit("db", [nulls], out _, out _));
        using var numbers = Batch("m", ("v", ColumnKind.Float64, false));
        Assert.True(catalog.TryAdmit("db", [numbers], out _, out _));
    }

    [Fact]
    public void A_torn_last_line_is_cut_off_and_the_rest_loads()
    {
        using var temp = new TempDirectory();
        using (var catalog = ColumnCatalog.Open(temp.Path))
        {
            using var batch = Batch("m", ("a", ColumnKind.Int64, false), ("b", ColumnKind.String, false));
            Assert.True(catalog.TryAdmit("db", [batch], out _, out _));
        }
        var path = Path.Combine(temp.Path, ColumnCatalog.FileName);
        var whole = File.ReadAllBytes(path);
        File.WriteAllBytes(path, whole[..^7]);
        using (var catalog = ColumnCatalog.Open(temp.Path))
        {
            Assert.Equal(1, catalog.Count);
            using var again = Batch("m", ("b", ColumnKind.Boolean, false));
            Assert.True(catalog.TryAdmit("db", [again], out _, out _)); // the torn entry never counted
        }
        Assert.EndsWith("\n", File.ReadAllText(path));
    }

    [Fact]
    public void A_corrupt_line_in_the_middle_refuses_to_open_with_the_position()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(Path.Combine(temp.Path, ColumnCatalog.FileName), "{\"db\":\"d\",\"m\":\"m\",\"c\":\"a\",\"k\":1}\nnot json\n{\"db\":\"d\",\"m\":\"m\",\"c\":\"b\",\"k\":2}\n");
        var error = Assert.Throws<InvalidDataException>(() => ColumnCatalog.Open(temp.Path));
        Assert.Contains("byte 33", error.Message);
    }

    [Fact]
    public void Inventing_columns_without_end_hits_the_caps_with_a_400_reason()
    {
        using var temp = new TempDirectory();
        using (var catalog = ColumnCatalog.Open(temp.Path, maxColumnsPerMeasurement: 3, maxEntries: 5))
        {
            using var three = Batch("m", ("a", ColumnKind.Int64, false), ("b", ColumnKind.Int64, false), ("c", ColumnKind.Int64, false));
            Assert.True(catalog.TryAdmit("db", [three], out _, out _));
            using var fourth = Batch("m", ("d", ColumnKind.Int64, false));
            Assert.False(catalog.TryAdmit("db", [fourth], out var error, out var column));
            Assert.Contains("more than 3 columns", error);
            Assert.Equal("d", column);
            using var again = Batch("m", ("a", ColumnKind.Float64, false));
            Assert.True(catalog.TryAdmit("db", [again], out _, out _)); // known columns stay writable
            using var other = Batch("n", ("x", ColumnKind.Int64, false), ("y", ColumnKind.Int64, false));
            Assert.True(catalog.TryAdmit("db", [other], out _, out _));
            using var sixth = Batch("o", ("z", ColumnKind.Int64, false));
            Assert.False(catalog.TryAdmit("db", [sixth], out var full, out _));
            Assert.Contains("catalog is full", full);
        }
        using (var reopened = ColumnCatalog.Open(temp.Path, maxColumnsPerMeasurement: 3, maxEntries: 5))
        {
            using var fourth = Batch("m", ("d", ColumnKind.Int64, false));
            Assert.False(reopened.TryAdmit("db", [fourth], out _, out _)); // the counts survive a restart
        }
    }
}
