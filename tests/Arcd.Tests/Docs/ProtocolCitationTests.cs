using System.Text.RegularExpressions;
using Arcd.Tests.Support;

namespace Arcd.Tests.Docs;

/// <summary>Every "docs/PROTOCOL.md §…", "Part A item N" and "TVn" cited in the code names a section that exists there.</summary>
public sealed partial class ProtocolCitationTests
{
    [Fact]
    public void Every_cited_section_exists()
    {
        var protocol = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "PROTOCOL.md"));
        var sections = SectionHeading().Matches(protocol).Select(m => m.Groups[1].Value).ToHashSet();
        var partA = protocol[protocol.IndexOf("## Part A", StringComparison.Ordinal)..protocol.IndexOf("## 1.", StringComparison.Ordinal)];
        var items = PartAItem().Matches(partA).Select(m => m.Groups[1].Value).ToHashSet();
        var vectors = VectorRow().Matches(protocol).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.NotEmpty(sections);
        Assert.NotEmpty(items);
        Assert.NotEmpty(vectors);

        var missing = new List<string>();
        var citing = 0;
        foreach (var directory in new[] { "src", "tests", "bench" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, directory), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains("/obj/", StringComparison.Ordinal) || file.EndsWith(nameof(ProtocolCitationTests) + ".cs", StringComparison.Ordinal)) continue;
                var text = File.ReadAllText(file);
                if (!text.Contains("PROTOCOL.md", StringComparison.Ordinal)) continue;
                citing++;
                Assert.DoesNotMatch(BarePath(), text);
                var where = Path.GetRelativePath(RepoPaths.Root, file);
                foreach (Match m in SectionCitation().Matches(text))
                    if (!sections.Contains(m.Groups[1].Value)) missing.Add($"{where}: §{m.Groups[1].Value}");
                foreach (Match m in ItemCitation().Matches(text))
                    if (!items.Contains(m.Groups[1].Value)) missing.Add($"{where}: Part A item {m.Groups[1].Value}");
                foreach (Match m in VectorCitation().Matches(text))
                    if (!vectors.Contains(m.Groups[1].Value)) missing.Add($"{where}: TV{m.Groups[1].Value}");
            }
        }
        Assert.True(citing > 10, $"only {citing} files cite docs/PROTOCOL.md");
        Assert.True(missing.Count == 0, "cited but missing from docs/PROTOCOL.md:\n" + string.Join('\n', missing));
    }

    [GeneratedRegex(@"^#{2,3} (\d+(?:\.\d+)?)\.? ", RegexOptions.Multiline)]
    private static partial Regex SectionHeading();

    [GeneratedRegex(@"^(\d+)\. \*\*", RegexOptions.Multiline)]
    private static partial Regex PartAItem();

    [GeneratedRegex(@"^\| TV(\d+) \|", RegexOptions.Multiline)]
    private static partial Regex VectorRow();

    [GeneratedRegex(@"§(\d+(?:\.\d+)?)")]
    private static partial Regex SectionCitation();

    [GeneratedRegex(@"Part A item (\d+)")]
    private static partial Regex ItemCitation();

    [GeneratedRegex(@"\bTV(\d+)\b")]
    private static partial Regex VectorCitation();

    // "PROTOCOL.md" without "docs/" before it points nowhere in this repository.
    [GeneratedRegex(@"(?<!docs/)PROTOCOL\.md")]
    private static partial Regex BarePath();
}
