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

    [Fact]
    public void String_values_are_interned_while_appended_and_mapped_when_columns_are_appended()
    {
        using var first = new Column("host", ColumnKind.String);
        using var second = new Column("host", ColumnKind.String);
        string?[] a = ["h1", "h2", null, "h1", ""];
        string?[] b = ["h3", "h1", null, "h3"];
        foreach (var v in a) { if (v is null) first.AppendNull(); else first.AppendString(Encoding.UTF8.GetBytes(v)); }
        foreach (var v in b) { if (v is null) second.AppendNull(); else second.AppendString(Encoding.UTF8.GetBytes(v)); }
        Assert.True(first.HasCodes);
        Assert.Equal(3, first.InternedCount); // h1, h2, ""
        Assert.Equal([0, 1, -1, 0, 2], first.Codes.ToArray());

        using var buffer = new Column("host", ColumnKind.String);
        buffer.AppendColumn(first);
        buffer.AppendColumn(second);
        string?[] all = [.. a, .. b];
        Assert.True(buffer.HasCodes);
        Assert.Equal(4, buffer.InternedCount);
        for (var row = 0; row < all.Length; row++)
        {
            var code = buffer.Codes[row];
            if (all[row] is null)
            {
                Assert.Equal(-1, code);
                Assert.False(buffer.IsValid(row));
            }
            else
            {
                Assert.Equal(all[row], Encoding.UTF8.GetString(buffer.InternedValue(code)));
                Assert.Equal(all[row], Encoding.UTF8.GetString(buffer.GetStringBytes(row)));
            }
        }
    }

    [Fact]
    public void Interning_stops_at_the_cardinality_cap_and_values_stay_intact()
    {
        // Values that repeat enough to pass the probe, but more than the cap in all.
        using var ids = new Column("id", ColumnKind.String);
        for (var i = 0; i <= Column.MaxInternedValues + Column.ProbeRows; i++) ids.AppendString(Encoding.UTF8.GetBytes(i < Column.ProbeRows ? "first" : $"id-{i}"));
        Assert.False(ids.HasCodes);
        Assert.Equal(Column.MaxInternedValues + Column.ProbeRows + 1, ids.Count);
        Assert.Equal("id-65536", Encoding.UTF8.GetString(ids.GetStringBytes(Column.MaxInternedValues)));
        Assert.Equal("first", Encoding.UTF8.GetString(ids.GetStringBytes(0)));

        // A batch that stopped interning, appended to an interning buffer: the buffer stops too.
        using var small = new Column("id", ColumnKind.String);
        for (var i = 0; i < 3; i++) small.AppendString(Encoding.UTF8.GetBytes($"x{i % 2}"));
        using var unique = new Column("id", ColumnKind.String);
        for (var i = 0; i < 2000; i++) unique.AppendString(Encoding.UTF8.GetBytes($"y{i}"));
        Assert.False(unique.HasCodes); // mostly new values after its first ProbeRows rows
        small.AppendColumn(unique);
        Assert.False(small.HasCodes);
        Assert.Equal("x1", Encoding.UTF8.GetString(small.GetStringBytes(1)));
        Assert.Equal("y1999", Encoding.UTF8.GetString(small.GetStringBytes(2002)));

        // Nearly all new in the first EarlyProbeRows rows: stopped there. Fewer, interleaved (40 hosts): kept past it.
        using var random = new Column("host", ColumnKind.String);
        for (var i = 0; i < Column.EarlyProbeRows; i++) random.AppendString(Encoding.UTF8.GetBytes($"h{i}"));
        Assert.False(random.HasCodes);
        using var interleaved = new Column("host", ColumnKind.String);
        for (var i = 0; i < Column.ProbeRows; i++) interleaved.AppendString(Encoding.UTF8.GetBytes($"h{i % 40}"));
        Assert.True(interleaved.HasCodes);
        Assert.Equal("h39", Encoding.UTF8.GetString(interleaved.InternedValue(interleaved.Codes[Column.ProbeRows - 1 - 216])));

        // Repeating values keep interning past the probe.
        using var hosts = new Column("host", ColumnKind.String);
        for (var i = 0; i < 5000; i++) hosts.AppendString(Encoding.UTF8.GetBytes($"h{i % 50}"));
        Assert.True(hosts.HasCodes);
        Assert.Equal(50, hosts.InternedCount);
    }
}
