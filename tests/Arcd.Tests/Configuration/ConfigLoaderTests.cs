using Arcd.Configuration;
using Arcd.Tests.Support;

namespace Arcd.Tests.Configuration;

public class ConfigLoaderTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    private static LoadedConfig Load(string? file = null, string[]? args = null, Dictionary<string, string?>? env = null) =>
        ConfigLoader.Load(file, args ?? [], env ?? NoEnvironment);

    [Fact]
    public void Embedded_defaults_need_no_file()
    {
        var config = Load();
        var o = config.Options;
        Assert.Null(config.FilePath);
        Assert.Equal("", o.Server.Host);
        Assert.Equal("*", AuthOptions.EffectiveHost(o.Server, o.Auth)); // auth on: every interface, as Arc
        Assert.Equal("127.0.0.1", AuthOptions.EffectiveHost(o.Server, new AuthOptions { Enabled = false }));
        Assert.Equal(8000, o.Server.Port);
        Assert.Equal(64L << 20, o.Server.MaxRequestBytes);
        Assert.Equal("local", o.Storage.Backend);
        Assert.Equal("./data/arc", o.Storage.Root);
        Assert.Equal("sync", o.Wal.Mode);
        Assert.Equal(64L << 20, o.Wal.SegmentBytes);
        Assert.Equal("./data/wal", o.Wal.Dir);
        Assert.Equal(250_000, o.Ingest.MaxBufferRows);
        Assert.Equal(TimeSpan.FromSeconds(5), o.Ingest.MaxBufferAge);
        Assert.True(o.Auth.Enabled);
        Assert.Equal("/health,/ready,/metrics", o.Auth.PublicPaths);
    }

    [Fact]
    public void File_then_environment_then_command_line_each_override_the_last()
    {
        using var temp = new TempDirectory();
        var file = Path.Combine(temp.Path, "arcd.json");
        File.WriteAllText(file, """{ "Server": { "Port": 9001, "Host": "0.0.0.0" }, "Ingest": { "MaxBufferAge": "00:00:02" }, "Storage": { "Root": "/srv/arc" } }""");
        var config = Load(file,
            ["--Server:Port=9003", "--Ingest:MaxBufferRows", "500"],
            new() { ["ARCD_Server__Port"] = "9002", ["ARCD_Storage__Root"] = "/env/arc", ["PATH"] = "/bin" });
        Assert.Equal(file, config.FilePath);
        Assert.Equal(9003, config.Options.Server.Port);
        Assert.Equal("0.0.0.0", config.Options.Server.Host);
        Assert.Equal("/env/arc", config.Options.Storage.Root);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Options.Ingest.MaxBufferAge);
        Assert.Equal(500, config.Options.Ingest.MaxBufferRows);
    }

    [Theory]
    [InlineData("--Server:Port=70000", "Server:Port")]
    [InlineData("--Server:Port=abc", "Server")]
    [InlineData("--Server:Host=example.com", "Server:Host")]
    [InlineData("--Server:Prot=1", "unknown key 'Prot'")]
    [InlineData("--Storage:Backend=s3", "Storage:Backend")]
    [InlineData("--Storage:Compression=lz77", "Storage:Compression")]
    [InlineData("--Wal:Mode=fast", "Wal:Mode")]
    [InlineData("--Wal:SegmentBytes=10", "Wal:SegmentBytes")]
    [InlineData("--Wal:SyncInterval=00:00:00", "Wal:SyncInterval")]
    [InlineData("--Ingest:MaxBufferRows=0", "Ingest:MaxBufferRows")]
    [InlineData("--Ingest:MaxBufferAge=soon", "Ingest")]
    [InlineData("--Auth:PublicPaths=health", "Auth:PublicPaths")]
    [InlineData("--Server:TlsCertificatePath=/nonexistent.pem", "Server:TlsCertificatePath")]
    [InlineData("--Server:MaxConnections=0", "Server:MaxConnections")]
    [InlineData("--Log:Level=Loud", "Log:Level")]
    [InlineData("--Bogus:Key=1", "unknown configuration section 'Bogus'")]
    public void Bad_settings_are_precise_errors(string argument, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Load(args: [argument]));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_single_underscore_variable_is_a_warning_with_a_hint()
    {
        var config = Load(env: new() { ["ARCD_SERVER_PORT"] = "9000" });
        Assert.Equal(8000, config.Options.Server.Port);
        Assert.Contains(config.Warnings, w => w.Contains("SERVER_PORT") && w.Contains("two underscores"));
    }

    [Fact]
    public void Missing_config_file_is_an_error_naming_the_path()
    {
        var error = Assert.Throws<ConfigException>(() => Load("/nonexistent/arcd.json"));
        Assert.Contains("/nonexistent/arcd.json", error.Message);
    }

    [Fact]
    public void Invalid_json_is_an_error_naming_the_file()
    {
        using var temp = new TempDirectory();
        var file = Path.Combine(temp.Path, "arcd.json");
        File.WriteAllText(file, "{ \"Server\": { \"Port\": ");
        var error = Assert.Throws<ConfigException>(() => Load(file));
        Assert.Contains(file, error.Message);
    }

    [Fact]
    public void The_shipped_default_config_loads_and_binds_all_interfaces_with_one_line()
    {
        var shipped = Path.Combine(RepoPaths.Root, "packaging", "arcd.json");
        var config = Load(shipped);
        Assert.Equal("/var/lib/arcd/arc", config.Options.Storage.Root);
        Assert.Equal("*", Load(shipped, ["--Server:Host=*"]).Options.Server.Host);
    }
}
