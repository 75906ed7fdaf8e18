using System.Text.RegularExpressions;

namespace Arcd.Tests.Architecture;

/// <summary>
/// Reads which top-level folders of a project each folder's source refers to: <c>using</c>
/// directives of the project's namespaces, fully qualified names, and sibling-qualified names
/// (<c>Wire.NameRules</c>). Comments and string literals are blanked first, so prose and log
/// messages do not count.
/// </summary>
internal static partial class FolderDependencies
{
    /// <summary>Edges (from folder → to folder) with, for each, one file and line that makes it.</summary>
    public static Dictionary<(string From, string To), string> Scan(string projectDirectory, string rootNamespace)
    {
        var folders = Directory.GetDirectories(projectDirectory)
            .Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj"))
            .Select(name => name!)
            .ToHashSet(StringComparer.Ordinal);
        var edges = new Dictionary<(string, string), string>();
        foreach (var folder in folders)
        {
            foreach (var file in Directory.GetFiles(Path.Combine(projectDirectory, folder), "*.cs", SearchOption.AllDirectories))
            {
                var lines = StripCommentsAndStrings(File.ReadAllText(file)).Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    foreach (var target in References(lines[i], rootNamespace, folders))
                    {
                        if (target == folder) continue;
                        edges.TryAdd((folder, target), $"{Path.GetRelativePath(projectDirectory, file)}:{i + 1}");
                    }
                }
            }
        }
        return edges;
    }

    /// <summary>The sibling folders one line of code refers to.</summary>
    public static IEnumerable<string> References(string line, string rootNamespace, IReadOnlySet<string> folders)
    {
        foreach (Match match in Regex.Matches(line, Regex.Escape(rootNamespace) + @"\.(\w+)"))
            if (folders.Contains(match.Groups[1].Value)) yield return match.Groups[1].Value;
        foreach (Match match in SiblingQualified().Matches(line))
            if (folders.Contains(match.Groups[1].Value)) yield return match.Groups[1].Value;
    }

    /// <summary>Replaces comments and the contents of string and char literals with spaces, keeping line breaks.</summary>
    public static string StripCommentsAndStrings(string source)
    {
        var output = new char[source.Length];
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            var next = i + 1 < source.Length ? source[i + 1] : '\0';
            if (c == '/' && next == '/')
            {
                while (i < source.Length && source[i] != '\n') output[i++] = ' ';
            }
            else if (c == '/' && next == '*')
            {
                var end = source.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? source.Length : end + 2;
                for (; i < end; i++) output[i] = source[i] == '\n' ? '\n' : ' ';
            }
            else if (c == '"' && i + 2 < source.Length && source[i + 1] == '"' && source[i + 2] == '"')
            {
                var end = source.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                end = end < 0 ? source.Length : end + 3;
                for (; i < end; i++) output[i] = source[i] == '\n' ? '\n' : ' ';
            }
            else if (c is '"' or '\'')
            {
                var verbatim = i > 0 && source[i - 1] == '@' || i > 1 && source[i - 1] == '$' && source[i - 2] == '@';
                output[i++] = ' ';
                while (i < source.Length)
                {
                    if (!verbatim && source[i] == '\\' && i + 1 < source.Length)
                    {
                        output[i++] = ' ';
                        output[i++] = ' ';
                        continue;
                    }
                    if (source[i] == c)
                    {
                        if (verbatim && i + 1 < source.Length && source[i + 1] == c)
                        {
                            output[i++] = ' ';
                            output[i++] = ' ';
                            continue;
                        }
                        output[i++] = ' ';
                        break;
                    }
                    output[i] = source[i] == '\n' ? '\n' : ' ';
                    i++;
                }
            }
            else
            {
                output[i] = c;
                i++;
            }
        }
        return new string(output);
    }

    // A capitalised name followed by ".Name", not itself after a '.' or inside a longer name: Wire.NameRules, Wal.WalPosition.
    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)\.[A-Z]\w*")]
    private static partial Regex SiblingQualified();
}
