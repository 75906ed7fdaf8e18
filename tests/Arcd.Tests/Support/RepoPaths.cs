namespace Arcd.Tests.Support;

/// <summary>Where the repository, the built daemon and the published AOT binary are.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The JIT build of the daemon that the test project's build produced (same configuration).</summary>
    public static string DaemonDll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Name; // artifacts/bin/Arcd.Tests/<config>/
            var path = Path.Combine(Root, "artifacts", "bin", "Arcd", configuration, "arcd.dll");
            if (!File.Exists(path)) throw new FileNotFoundException($"daemon not built at {path}");
            return path;
        }
    }

    /// <summary>The Native AOT binary: $ARCD_AOT_BINARY, else artifacts/aot/arcd (what `make publish` produces).</summary>
    public static string AotBinary
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("ARCD_AOT_BINARY") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Root, "artifacts", "aot", "arcd");
            if (!File.Exists(path))
                throw new FileNotFoundException($"the AOT binary is missing at {path}: run `make publish` (make test does it first)");
            return path;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "arcd.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find arcd.sln above " + AppContext.BaseDirectory);
    }
}
