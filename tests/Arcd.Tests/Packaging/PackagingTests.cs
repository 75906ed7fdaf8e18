using System.Diagnostics;
using Arcd.Tests.Support;

namespace Arcd.Tests.Packaging;

/// <summary>
/// Runs alone, after the parallel collections: installing the package puts /etc/arcd/arcd.json in place
/// (JSON logs, /var/lib/arcd/wal), and a daemon another test started meanwhile without ./arcd.json read it.
/// That made LogFormatTests see JSON on a terminal and two daemons share one WAL directory.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SystemPackagesCollection
{
    public const string Name = "System packages";
}

[Collection(SystemPackagesCollection.Name)]
public class PackagingTests
{
    private static (int ExitCode, string Output) Run(string file, params string[] args) => ChildProcess.Run(file, args);

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    [SkippableFact]
    public void Systemd_unit_verifies_cleanly()
    {
        var analyze = Which("systemd-analyze");
        // A developer machine without systemd (macOS); CI installs it and always runs this.
        Skip.If(analyze is null && Environment.GetEnvironmentVariable("CI") is null, "systemd-analyze is not installed");
        Assert.NotNull(analyze);

        using var temp = new TempDirectory();
        // verify checks that ExecStart is executable: point it at a real binary, keep everything else.
        var unit = File.ReadAllText(Path.Combine(RepoPaths.Root, "arcd.service"))
            .Replace("ExecStart=/usr/local/bin/arcd", "ExecStart=/bin/true", StringComparison.Ordinal);
        Assert.Contains("Type=notify", unit);
        Assert.Contains("ProtectSystem=strict", unit);
        Assert.Contains("StateDirectory=arcd", unit);
        var path = Path.Combine(temp.Path, "arcd.service");
        File.WriteAllText(path, unit);
        var (exitCode, output) = Run(analyze, "verify", path);
        Assert.True(exitCode == 0 && output.Trim().Length == 0, $"systemd-analyze verify: exit {exitCode}\n{output}");
    }

    /// <summary>
    /// <c>make deb</c>'s package on this machine: lintian has nothing to say (errors or warnings), dpkg
    /// installs it, its unit verifies, the binary runs, the account and state directory exist, and a
    /// purge leaves none of it behind. Needs root and dpkg (CI runs as root on Debian).
    /// </summary>
    [SkippableFact]
    public void Deb_package_is_lintian_clean_installs_verifies_runs_and_purges_without_leftovers()
    {
        Skip.If(Which("dpkg") is null || Which("dpkg-deb") is null, "not a Debian system");
        Skip.If(Environment.UserName != "root", "installing a package needs root");
        Skip.IfNot(File.Exists(RepoPaths.AotBinary), "no published binary (make publish)");
        using var temp = new TempDirectory();
        var (built, buildOutput) = Run(Path.Combine(RepoPaths.Root, "packaging", "deb", "build.sh"), RepoPaths.AotBinary, temp.Path);
        Assert.True(built == 0, buildOutput);
        var deb = Directory.GetFiles(temp.Path, "arcd_*.deb").Single();
        Assert.Matches(@"arcd_\d+\.\d+\.\d+_[a-z0-9]+\.deb$", deb);
        if (Which("lintian") is { } lintian)
        {
            var (lintExit, lintOutput) = Run(lintian, "--fail-on", "error,warning", deb);
            Assert.True(lintExit == 0, lintOutput);
        }

        Run("dpkg", "--purge", "arcd"); // a leftover from an interrupted run
        try
        {
            var (installed, installOutput) = Run("dpkg", "-i", deb);
            Assert.True(installed == 0, installOutput);
            if (Which("systemd-analyze") is { } analyze)
            {
                var (verified, verifyOutput) = Run(analyze, "verify", "/usr/lib/systemd/system/arcd.service");
                Assert.True(verified == 0 && verifyOutput.Trim().Length == 0, $"systemd-analyze verify: exit {verified}\n{verifyOutput}");
            }
            var (versionExit, version) = Run("/usr/bin/arcd", "version");
            Assert.True(versionExit == 0, version);
            Assert.StartsWith("arcd ", version);
            var (configExit, config) = Run("/usr/bin/arcd", "check-config", "--config", "/etc/arcd/arcd.json");
            Assert.True(configExit == 0, config);
            var (userExit, user) = Run("getent", "passwd", "arcd");
            Assert.True(userExit == 0, user);
            var (_, owner) = Run("stat", "-c", "%U:%G %a", "/var/lib/arcd");
            Assert.Equal("arcd:arcd 750", owner.Trim());
        }
        finally
        {
            var (purged, purgeOutput) = Run("dpkg", "--purge", "arcd");
            Assert.True(purged == 0, purgeOutput);
        }
        string[] gone = ["/usr/bin/arcd", "/usr/lib/arcd", "/etc/arcd", "/var/lib/arcd", "/usr/lib/systemd/system/arcd.service", "/usr/lib/sysusers.d/arcd.conf"];
        foreach (var path in gone) Assert.False(File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null, $"{path} is left after purge");
        Assert.NotEqual(0, Run("getent", "passwd", "arcd").ExitCode);
        Assert.NotEqual(0, Run("dpkg", "-s", "arcd").ExitCode);
    }

    [Fact]
    public void Unit_stop_timeout_leaves_room_for_the_shutdown_timeout()
    {
        var unit = File.ReadAllLines(Path.Combine(RepoPaths.Root, "arcd.service"));
        var stopSeconds = int.Parse(unit.Single(l => l.StartsWith("TimeoutStopSec=", StringComparison.Ordinal))["TimeoutStopSec=".Length..]);
        var shutdown = Arcd.Configuration.ConfigLoader.Load(Path.Combine(RepoPaths.Root, "packaging", "arcd.json"), [], new Dictionary<string, string?>())
            .Options.Server.ShutdownTimeout;
        Assert.True(stopSeconds > shutdown.TotalSeconds + 30, $"TimeoutStopSec={stopSeconds}s vs Server:ShutdownTimeout={shutdown}");
    }

    [Fact]
    public void Launchd_plist_parses_with_a_plist_parser()
    {
        var plist = Path.Combine(RepoPaths.Root, "packaging", "macos", "dev.arcd.arcd.plist");
        const string Script = """
            import plistlib, sys
            with open(sys.argv[1], 'rb') as f:
                job = plistlib.load(f)
            assert job['Label'] == 'dev.arcd.arcd', job['Label']
            assert job['ProgramArguments'][0] == '/usr/local/bin/arcd', job['ProgramArguments']
            assert job['ProgramArguments'][1:] == ['run', '--config', '/usr/local/etc/arcd/arcd.json']
            assert job['ExitTimeOut'] >= 150
            assert job['KeepAlive'] == {'SuccessfulExit': False}
            print('ok')
            """;
        var (exitCode, output) = Run("python3", "-c", Script, plist);
        Assert.True(exitCode == 0, output);
        Assert.Equal("ok", output.Trim());
    }

    [SkippableFact]
    public void Install_script_stages_binary_config_and_service_under_destdir()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the install script's Linux layout (systemd, sysusers) is tested on Linux");
        using var temp = new TempDirectory();
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "packaging", "install.sh"));
        start.ArgumentList.Add("install");
        start.Environment["DESTDIR"] = temp.Path;
        start.Environment["BINARY"] = RepoPaths.AotBinary;
        using (var process = Process.Start(start)!)
        {
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, output);
        }
        Assert.True(File.Exists(Path.Combine(temp.Path, "usr/local/bin/arcd")));
        Assert.Equal("../lib/arcd/arcd", new FileInfo(Path.Combine(temp.Path, "usr/local/bin/arcd")).LinkTarget);
        Assert.True(File.Exists(Path.Combine(temp.Path, "usr/local/lib/arcd/libduckdb.so")));
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "packaging", "arcd.json")), File.ReadAllText(Path.Combine(temp.Path, "etc/arcd/arcd.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "arcd.service")), File.ReadAllText(Path.Combine(temp.Path, "etc/systemd/system/arcd.service")));
        Assert.True(File.Exists(Path.Combine(temp.Path, "usr/lib/sysusers.d/arcd.conf")));

        // The installed config is valid for the installed binary.
        var (exitCode, output2) = Run(Path.Combine(temp.Path, "usr/local/bin/arcd"), "check-config", "--config", Path.Combine(temp.Path, "etc/arcd/arcd.json"));
        Assert.True(exitCode == 0, output2);

        // Uninstall removes the binary and libduckdb, keeps the config.
        var remove = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        remove.ArgumentList.Add(Path.Combine(RepoPaths.Root, "packaging", "install.sh"));
        remove.ArgumentList.Add("uninstall");
        remove.Environment["DESTDIR"] = temp.Path;
        using (var process = Process.Start(remove)!)
        {
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
        }
        Assert.False(Path.Exists(Path.Combine(temp.Path, "usr/local/bin/arcd")));
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "usr/local/lib/arcd")));
        Assert.True(File.Exists(Path.Combine(temp.Path, "etc/arcd/arcd.json")));
    }
}
