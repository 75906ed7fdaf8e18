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

    [Fact]
    public void Token_subcommands_and_their_options()
    {
        var create = CommandLine.Parse(["token", "create", "--name", "ci", "--permissions", "read", "--expires", "30d", "--config", "/x.json", "--Auth:TokenFile=/t.json"]);
        Assert.Equal(Verb.Token, create.Verb);
        Assert.Equal(("create", "ci", "read", "30d"), (create.Token!.Action, create.Token.Name, create.Token.Permissions, create.Token.Expires));
        Assert.Equal("/x.json", create.ConfigPath);
        Assert.Equal(["--Auth:TokenFile=/t.json"], create.Overrides);
        Assert.Equal("7", CommandLine.Parse(["token", "revoke", "7"]).Token!.Target);
        Assert.Throws<ArgumentException>(() => CommandLine.Parse(["token", "create"]));
        Assert.Throws<ArgumentException>(() => CommandLine.Parse(["token", "revoke"]));
        Assert.Throws<ArgumentException>(() => CommandLine.Parse(["token", "frobnicate"]));
    }
}
