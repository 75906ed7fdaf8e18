using Arcd;
using Arcd.Cli;
using Arcd.Configuration;
using Arcd.Hosting;

CommandLine command;
try
{
    command = CommandLine.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"arcd: {ex.Message}");
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

switch (command.Verb)
{
    case Verb.Help:
        Console.WriteLine(CommandLine.Usage);
        return 0;
    case Verb.Version:
        Console.WriteLine($"arcd {VersionInfo.Version}");
        return 0;
}

LoadedConfig config;
try
{
    config = ConfigLoader.Load(command.ConfigPath, command.Overrides);
}
catch (ConfigException ex)
{
    Console.Error.WriteLine($"arcd: configuration error: {ex.Message}");
    return 2;
}

if (command.Verb == Verb.Token) return TokenCommands.Run(config, command.Token!);
if (command.Verb == Verb.Compact) return CompactCommand.Run(config, command.Compact!);
if (command.Verb == Verb.Import) return ImportCommand.Run(config, command.Import!);

if (command.Verb == Verb.CheckConfig)
{
    foreach (var warning in config.Warnings) Console.Error.WriteLine($"arcd: warning: {warning}");
    Console.Error.WriteLine($"arcd: configuration OK (file: {config.FilePath ?? "none, embedded defaults"})");
    using var stdout = Console.OpenStandardOutput();
    ConfigPrinter.Write(stdout, config);
    stdout.Write("\n"u8);
    return 0;
}

return await Daemon.RunAsync(config);
