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
}
