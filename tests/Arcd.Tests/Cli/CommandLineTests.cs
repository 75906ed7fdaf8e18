using Arcd.Cli;

namespace Arcd.Tests.Cli;

public class CommandLineTests
{
    [Fact]
    public void No_arguments_means_run_with_defaults()
    {
        var command = CommandLine.Parse([]);
        Assert.Equal(Verb.Run, command.Verb);
        Assert.Null(command.ConfigPath);
        Assert.Empty(command.Overrides);
    }

    [Fact]
    public void Verbs_config_and_overrides_are_separated()
    {
        var command = CommandLine.Parse(["check-config", "--config", "/etc/x.json", "--Server:Port=1", "--Ingest:Shards", "2"]);
        Assert.Equal(Verb.CheckConfig, command.Verb);
        Assert.Equal("/etc/x.json", command.ConfigPath);
        Assert.Equal(["--Server:Port=1", "--Ingest:Shards", "2"], command.Overrides);
    }

    [Theory]
    [InlineData("version", Verb.Version)]
    [InlineData("--version", Verb.Version)]
    [InlineData("help", Verb.Help)]
    [InlineData("-h", Verb.Help)]
    [InlineData("run", Verb.Run)]
    public void Verbs(string arg, Verb verb) => Assert.Equal(verb, CommandLine.Parse([arg]).Verb);

    [Theory]
    [InlineData("stray")]
    [InlineData("--config")]
    [InlineData("--port=1")]
    public void Bad_arguments_are_explained(string arg)
    {
        Assert.Throws<ArgumentException>(() => CommandLine.Parse([arg]));
    }
}
