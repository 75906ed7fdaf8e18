namespace Arcd.Cli;

public enum Verb
{
    Run,
    CheckConfig,
    Version,
    Help,
}

/// <summary>What the command line asked for: a verb, an optional config file, and key overrides.</summary>
public sealed record CommandLine(Verb Verb, string? ConfigPath, IReadOnlyList<string> Overrides)
{
    public const string Usage = """
        usage: arcd [run] [--config PATH] [--Section:Key=value ...]
               arcd check-config [--config PATH] [--Section:Key=value ...]
               arcd version
               arcd help

        run           start the daemon (the default verb)
        check-config  print the effective configuration as JSON, or the precise error (exit 2)
        version       print the version

        Configuration: --config PATH, else ./arcd.json, else /etc/arcd/arcd.json, else embedded
        defaults; then ARCD_Section__Key environment variables; then --Section:Key=value.
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with a usable message.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var verb = Verb.Run;
        string? configPath = null;
        var overrides = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (i == 0 && TryVerb(arg, out var named))
            {
                verb = named;
                continue;
            }
            if (arg is "--config" or "-c")
            {
                if (i + 1 >= args.Count) throw new ArgumentException($"{arg} needs a file path");
                configPath = args[++i];
            }
            else if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                configPath = arg["--config=".Length..];
            }
            else if (arg is "--help" or "-h")
            {
                verb = Verb.Help;
            }
            else if (arg == "--version")
            {
                verb = Verb.Version;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains(':'))
            {
                overrides.Add(arg);
                // "--Section:Key value" form: the value travels with it.
                if (!arg.Contains('=') && i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) overrides.Add(args[++i]);
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}' (settings are --Section:Key=value)");
            }
        }
        return new CommandLine(verb, configPath, overrides);
    }

    private static bool TryVerb(string arg, out Verb verb)
    {
        switch (arg)
        {
            case "run": verb = Verb.Run; return true;
            case "check-config": verb = Verb.CheckConfig; return true;
            case "version": verb = Verb.Version; return true;
            case "help": verb = Verb.Help; return true;
            default: verb = default; return false;
        }
    }
}
