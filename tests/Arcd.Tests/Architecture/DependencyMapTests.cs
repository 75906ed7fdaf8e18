using Arcd.Tests.Support;

namespace Arcd.Tests.Architecture;

/// <summary>
/// The folders of each project depend on each other one way only (docs/ARCHITECTURE.md, "The
/// dependency map"). A folder may use the folders listed for it and nothing else of its project;
/// a new edge must be added here on purpose, and one that closes a cycle is refused.
/// </summary>
public sealed class DependencyMapTests
{
    // The ingest path, leaves first: Buffers, Metrics, Platform → Storage, Columnar → Wire, Catalog,
    // Parquet → Wal → Flush → Shards (the engine, which owns replay and the flush hand-off).
    private static readonly Dictionary<string, string[]> IngestMap = new()
    {
        ["Buffers"] = [],
        ["Metrics"] = [],
        ["Platform"] = [],
        ["Storage"] = ["Platform"],
        ["Columnar"] = ["Buffers"],
        ["Wire"] = ["Columnar", "Buffers"],
        ["Catalog"] = ["Columnar"],
        ["Parquet"] = ["Columnar", "Buffers"],
        ["Wal"] = ["Wire", "Columnar", "Buffers", "Platform"],
        ["Flush"] = ["Parquet", "Storage", "Wal", "Columnar", "Metrics", "Buffers", "Platform"],
        ["Shards"] = ["Flush", "Wal", "Parquet", "Catalog", "Wire", "Columnar", "Storage", "Metrics", "Buffers", "Platform"],
    };

    private static readonly Dictionary<string, string[]> QueryMap = new()
    {
        ["Sql"] = ["Storage"],
        ["Storage"] = [],
        ["Output"] = [],
        ["Engine"] = ["Sql", "Storage", "Output"],
        ["Show"] = ["Sql", "Storage", "Output"],
    };

    private static readonly Dictionary<string, string[]> DaemonMap = new()
    {
        ["Logging"] = ["Configuration"],
        ["Configuration"] = [],
        ["Auth"] = [],
        ["Http"] = ["Auth", "Logging", "Configuration"],
        ["Cli"] = ["Auth", "Configuration", "Logging"],
        ["Hosting"] = ["Http", "Auth", "Cli", "Configuration", "Logging"],
    };

    // Maintenance: the shared pieces (Files: names, the rewrite gate, the Parquet merger; Scheduling) under the three jobs, which never use each other;
    // continuous queries sit on top: they replace a window's output with Deletion and expire old data with Retention.
    private static readonly Dictionary<string, string[]> MaintenanceMap = new()
    {
        ["Files"] = [],
        ["Scheduling"] = [],
        ["Compaction"] = ["Files"],
        ["Retention"] = ["Files"],
        ["Deletion"] = ["Files"],
        ["ContinuousQueries"] = ["Files", "Deletion", "Retention"],
    };

    // Import: the way into the ingest path (Submission) under the readers of each format.
    private static readonly Dictionary<string, string[]> ImportMap = new()
    {
        ["Submission"] = [],
        ["Arrow"] = ["Submission"],
        ["Csv"] = ["Submission"],
        ["LineProtocol"] = ["Submission"],
        ["Parquet"] = ["Arrow", "Submission"],
    };

    public static TheoryData<string, string> Projects => new()
    {
        { "src/Arcd.Import", "Arcd.Import" },
        { "src/Arcd.Maintenance", "Arcd.Maintenance" },
        { "src/Arcd.Ingest", "Arcd.Ingest" },
        { "src/Arcd.Query", "Arcd.Query" },
        { "src/Arcd", "Arcd" },
    };

    [Theory]
    [MemberData(nameof(Projects))]
    public void Folders_depend_only_on_the_folders_the_map_allows(string project, string rootNamespace)
    {
        var map = MapFor(project);
        var directory = Path.Combine(RepoPaths.Root, project);
        var edges = FolderDependencies.Scan(directory, rootNamespace);
        var unmapped = Directory.GetDirectories(directory).Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj") && !map.ContainsKey(name!)).ToList();
        Assert.True(unmapped.Count == 0, $"{project}: folders missing from the dependency map: {string.Join(", ", unmapped)}");
        var refused = edges.Where(e => !map[e.Key.From].Contains(e.Key.To))
            .Select(e => $"{e.Key.From} → {e.Key.To} ({e.Value})").ToList();
        Assert.True(refused.Count == 0, $"{project}: dependencies the map does not allow:\n{string.Join('\n', refused)}");
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void The_map_itself_has_no_cycle(string project, string rootNamespace)
    {
        _ = rootNamespace;
        var map = MapFor(project);
        var state = new Dictionary<string, int>();
        foreach (var folder in map.Keys) Visit(folder, []);

        void Visit(string folder, List<string> path)
        {
            if (state.GetValueOrDefault(folder) == 2) return;
            Assert.False(state.GetValueOrDefault(folder) == 1, $"{project}: cycle {string.Join(" → ", path)} → {folder}");
            state[folder] = 1;
            foreach (var next in map[folder]) Visit(next, [.. path, folder]);
            state[folder] = 2;
        }
    }

    [Fact]
    public void A_back_edge_is_found_through_a_using_a_qualified_name_or_a_sibling_name()
    {
        var directory = Directory.CreateTempSubdirectory("arcd-arch-");
        try
        {
            Directory.CreateDirectory(Path.Combine(directory.FullName, "Columnar"));
            Directory.CreateDirectory(Path.Combine(directory.FullName, "Wire"));
            Directory.CreateDirectory(Path.Combine(directory.FullName, "Wal"));
            Directory.CreateDirectory(Path.Combine(directory.FullName, "Parquet"));
            File.WriteAllText(Path.Combine(directory.FullName, "Columnar", "A.cs"),
                "namespace Arcd.Ingest.Columnar;\nclass A { bool Ok(string s) => Wire.NameRules.IsValidColumnName(s); }\n");
            File.WriteAllText(Path.Combine(directory.FullName, "Wire", "B.cs"),
                "using Arcd.Ingest.Columnar;\nnamespace Arcd.Ingest.Wire;\nclass B { Arcd.Ingest.Wal.WalRecord? R; }\n");
            File.WriteAllText(Path.Combine(directory.FullName, "Parquet", "C.cs"),
                "namespace Arcd.Ingest.Parquet;\n// Wal.WalRecord in a comment, \"Wire.NameRules\" in a string: not dependencies\nclass C { string S = \"Wal.X\"; }\n");
            var edges = FolderDependencies.Scan(directory.FullName, "Arcd.Ingest");
            Assert.Equal(
                ["Columnar → Wire", "Wire → Columnar", "Wire → Wal"],
                edges.Keys.Select(e => $"{e.From} → {e.To}").Order(StringComparer.Ordinal));
            Assert.Equal("Columnar/A.cs:2", edges[("Columnar", "Wire")]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static Dictionary<string, string[]> MapFor(string project) => project switch
    {
        "src/Arcd.Ingest" => IngestMap,
        "src/Arcd.Query" => QueryMap,
        "src/Arcd.Maintenance" => MaintenanceMap,
        "src/Arcd.Import" => ImportMap,
        _ => DaemonMap,
    };
}
