using Arcd.Ingest.Columnar;

namespace Arcd.Tests.Columnar;

/// <summary>Rows into columns by name, with the per-position memory of the previous rows' layout.</summary>
public class RowBatchBuilderTests
{
    [Fact]
    public void Rows_that_change_layout_swap_or_repeat_names_land_in_the_right_columns()
    {
        using var builder = new RowBatchBuilder("m");
        // Same layout, swapped order, a new column at a remembered position, a shorter row, then the first layout again.
        string[][] layouts = [["a", "b", "c"], ["a", "b", "c"], ["b", "a", "c"], ["a", "d", "c"], ["c"], ["a", "b", "c"]];
        for (var row = 0; row < layouts.Length; row++)
        {
            builder.BeginRow(row);
            foreach (var name in layouts[row]) Assert.Null(builder.SetInt64(name, row * 10 + name[0] - 'a'));
            builder.EndRow();
        }
        // A name twice in one record is refused even when the position memory would match it.
        builder.BeginRow(99);
        Assert.Null(builder.SetInt64("a", 1));
        Assert.Contains("given twice", builder.SetInt64("a", 2));
        builder.AbandonRow();

        using var batch = builder.Build();
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            var column = batch.Find(name)!;
            for (var row = 0; row < layouts.Length; row++)
            {
                if (layouts[row].Contains(name)) Assert.Equal(row * 10 + name[0] - 'a', column.Int64Values[row]);
                else Assert.False(column.IsValid(row), $"{name} row {row}");
            }
        }
    }

    [Fact]
    public void Rows_wider_than_the_first_memory_grow_it_and_keep_every_value_in_its_column()
    {
        using var builder = new RowBatchBuilder("m");
        var names = Enumerable.Range(0, 80).Select(i => $"f{i}").ToArray(); // past the 64 remembered positions
        for (var row = 0; row < 4; row++)
        {
            builder.BeginRow(row);
            var order = row % 2 == 0 ? names : names.Reverse().ToArray();
            foreach (var name in order) Assert.Null(builder.SetInt64(name, row * 1000 + int.Parse(name[1..], System.Globalization.CultureInfo.InvariantCulture)));
            builder.EndRow();
        }
        using var batch = builder.Build();
        foreach (var name in names)
        {
            var column = batch.Find(name)!;
            for (var row = 0; row < 4; row++) Assert.Equal(row * 1000 + int.Parse(name[1..], System.Globalization.CultureInfo.InvariantCulture), column.Int64Values[row]);
        }
    }
}
