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
        Assert.Equal(4, o.Wal.RecycleSegments);
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
    [InlineData("--Storage:Backend=gcs", "Storage:Backend")]
    [InlineData("--Storage:Backend=s3", "Storage:S3:Bucket")]
    [InlineData("--Node:Id=a_b", "Node:Id")]
    [InlineData("--Storage:Compression=lz77", "Storage:Compression")]
    [InlineData("--Wal:Mode=fast", "Wal:Mode")]
    [InlineData("--Wal:SegmentBytes=10", "Wal:SegmentBytes")]
    [InlineData("--Wal:RecycleSegments=-1", "Wal:RecycleSegments")]
    [InlineData("--Wal:SyncInterval=00:00:00", "Wal:SyncInterval")]
    [InlineData("--Ingest:MaxBufferRows=0", "Ingest:MaxBufferRows")]
    [InlineData("--Ingest:FlushThreadNice=20", "Ingest:FlushThreadNice")]
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
    public void S3_settings_bind_validate_and_never_print_credentials()
    {
        string[] s3 = ["--Storage:Backend=s3", "--Storage:S3:Bucket=arc-data", "--Storage:S3:Endpoint=http://127.0.0.1:9000",
            "--Compaction:Enabled=false", "--Retention:Enabled=false", "--ContinuousQueries:Enabled=false"];
        var config = Load(args: [.. s3, "--Storage:S3:AccessKey=AKIDEXAMPLE", "--Storage:S3:SecretKey=s3cr3t-value", "--Storage:S3:Prefix=team/arc", "--Node:Id=ingest-1"]);
        var o = config.Options.Storage.S3;
        Assert.Equal(("arc-data", "team/arc", "us-east-1", true), (o.Bucket, o.Prefix, o.Region, o.EffectiveForcePathStyle));
        Assert.Equal("ingest-1", config.Options.Node.EffectiveId);
        using var printed = new MemoryStream();
        ConfigPrinter.Write(printed, config);
        var json = System.Text.Encoding.UTF8.GetString(printed.ToArray());
        Assert.DoesNotContain("s3cr3t-value", json);
        Assert.DoesNotContain("AKIDEXAMPLE", json);
        Assert.Contains("\"SecretKey\": \"(set)\"", json);

        // The AWS chain when neither key is set; one without the other is an error.
        Assert.Equal("", Load(args: s3).Options.Storage.S3.AccessKey);
        Assert.Contains("Storage:S3:SecretKey", Assert.Throws<ConfigException>(() => Load(args: [.. s3, "--Storage:S3:AccessKey=AKID"])).Message);
        Assert.Contains("Storage:S3:Endpoint", Assert.Throws<ConfigException>(() => Load(args: [.. s3, "--Storage:S3:Endpoint=127.0.0.1:9000"])).Message);
        Assert.Contains("Storage:S3:PartSizeBytes", Assert.Throws<ConfigException>(() => Load(args: [.. s3, "--Storage:S3:PartSizeBytes=1024"])).Message);
        // Every maintenance job runs on the bucket: the defaults need nothing switched off.
        Assert.True(Load(args: ["--Storage:Backend=s3", "--Storage:S3:Bucket=arc-data"]).Options.Compaction.Enabled);
        // Without Node:Id, the host name, made valid for a file name.
        Assert.True(Arcd.Ingest.Storage.NodeId.IsValid(Load().Options.Node.EffectiveId));
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
