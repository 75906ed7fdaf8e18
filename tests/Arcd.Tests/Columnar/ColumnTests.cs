using System.Text;
using Arcd.Ingest.Columnar;

namespace Arcd.Tests.Columnar;

public class ColumnTests
{
    [Fact]
    public void Growth_keeps_values_and_nulls()
    {
        using var column = new Column("v", ColumnKind.Int64);
        for (var i = 0; i < 10_000; i++)
        {
            if (i % 7 == 0) column.AppendNull();
            else column.AppendInt64(i);
        }
        Assert.Equal(10_000, column.Count);
        Assert.Equal(Enumerable.Range(0, 10_000).Count(i => i % 7 == 0), column.NullCount);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(i % 7 != 0, column.IsValid(i));
            if (i % 7 != 0) Assert.Equal(i, column.Int64Values[i]);
        }
    }

    [Fact]
    public void Rows_appended_after_growth_past_the_first_null_are_valid()
    {
        using var column = new Column("v", ColumnKind.Float64);
        column.AppendNull();
        for (var i = 1; i < 5_000; i++) column.AppendFloat64(i);
        Assert.False(column.IsValid(0));
        for (var i = 1; i < 5_000; i++) Assert.True(column.IsValid(i), $"row {i}");
    }

    [Fact]
    public void Strings_are_stored_as_utf8_and_appended_with_offsets_rebased()
    {
        using var first = new Column("s", ColumnKind.String);
        first.AppendString("ab"u8);
        first.AppendNull();
        first.AppendString(""u8);
        using var second = new Column("s", ColumnKind.String);
        second.AppendString("héllo"u8);
        second.AppendNull();
        first.AppendColumn(second);

        string? At(int row) => first.IsValid(row) ? Encoding.UTF8.GetString(first.GetStringBytes(row)) : null;
        Assert.Equal<string?>(new List<string?> { "ab", null, "", "héllo", null }, Enumerable.Range(0, first.Count).Select(At).ToList());
        Assert.Equal(2, first.NullCount);
    }

    [Fact]
    public void Appending_a_column_with_nulls_to_one_without_keeps_both_validities()
    {
        using var target = new Column("v", ColumnKind.Boolean);
        target.AppendBoolean(true);
        using var source = new Column("v", ColumnKind.Boolean);
        source.AppendNull();
        source.AppendBoolean(false);
        target.AppendColumn(source);
        Assert.Equal([true, false, true], Enumerable.Range(0, 3).Select(target.IsValid).ToArray());
        Assert.False(target.BooleanValues[2]);
    }

    [Fact]
    public void Promotion_to_float_keeps_values_and_nulls()
    {
        using var column = new Column("v", ColumnKind.Int64);
        column.AppendInt64(3);
        column.AppendNull();
        column.PromoteInt64ToFloat64();
        column.AppendFloat64(0.5);
        Assert.Equal(ColumnKind.Float64, column.Kind);
        Assert.Equal(3.0, column.Float64Values[0]);
        Assert.False(column.IsValid(1));
        Assert.Equal(0.5, column.Float64Values[2]);
    }

    [Fact]
    public void Appending_a_different_kind_is_refused()
    {
        using var target = new Column("v", ColumnKind.Int64);
        using var source = new Column("v", ColumnKind.String);
        Assert.Throws<InvalidOperationException>(() => target.AppendColumn(source));
    }
}
