namespace Arcd.Cli;

public enum Verb
{
    Run,
    CheckConfig,
    Version,
    Help,
    Token,
    Compact,
    Import,
}

/// <summary>What the command line asked for: a verb, an optional config file, and key overrides.</summary>
public sealed record CommandLine(Verb Verb, string? ConfigPath, IReadOnlyList<string> Overrides)
{
    /// <summary>For <c>arcd token ...</c>: the subcommand and its own options (--name, --permissions, ...).</summary>
    public TokenArguments? Token { get; init; }

    /// <summary>For <c>arcd compact</c>: the tiers (empty: every enabled one) and the database (null: all).</summary>
    public CompactArguments? Compact { get; init; }

    /// <summary>For <c>arcd import FILE</c>: the file, the target and the import's parameters.</summary>
    public ImportArguments? Import { get; init; }

    public const string Usage = """
        usage: arcd [run] [--config PATH] [--Section:Key=value ...]
               arcd check-config [--config PATH] [--Section:Key=value ...]
               arcd token create --name NAME [--permissions read,write] [--expires 30d] [--description TEXT]
               arcd token list
               arcd token revoke ID|NAME
               arcd compact [--tier hourly,daily] [--database NAME] [--config PATH] [--Section:Key=value ...]
               arcd import FILE --database NAME [--measurement NAME] [--url URL] [--token TOKEN] [--format csv|parquet|lp]
                           [--time-column NAME] [--time-format epoch_s|epoch_ms|epoch_us|epoch_ns] [--tags a,b]
                           [--precision ns|us|ms|s] [--delimiter C]
               arcd version
               arcd help

        run           start the daemon (the default verb)
        check-config  print the effective configuration as JSON, or the precise error (exit 2)
        token         manage API tokens in Auth:TokenFile (safe while the daemon runs)
        compact       run one compaction cycle now on Storage:Root, for cron-less operation; refuses while a
                      daemon runs on that root (use POST /api/v1/compaction/trigger then)
        import        upload a CSV, Parquet or line-protocol file to a running daemon (POST /api/v1/import/*) with a
                      progress bar; --url defaults to http://127.0.0.1:<Server:Port>, --token to $ARCD_TOKEN (an admin token)
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
        TokenArguments? token = null;
        CompactArguments? compact = null;
        ImportArguments? import = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (i == 0 && arg == "compact")
            {
                verb = Verb.Compact;
                compact = new CompactArguments();
                continue;
            }
            if (i == 0 && arg == "import")
            {
                verb = Verb.Import;
                import = new ImportArguments();
                continue;
            }
            if (import is not null && import.TryTake(args, ref i)) continue;
            if (compact is not null && arg is "--tier" or "--database")
            {
                if (i + 1 >= args.Count) throw new ArgumentException($"{arg} needs a value");
                if (arg == "--tier") compact.Tiers = args[++i];
                else compact.Database = args[++i];
                continue;
            }
            if (i == 0 && arg == "token")
            {
                if (args.Count < 2) throw new ArgumentException("token needs a subcommand: create, list or revoke");
                verb = Verb.Token;
                token = new TokenArguments(args[1]);
                i++;
                continue;
            }
            if (token is not null && TryTokenOption(args, ref i, token)) continue;
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
        if (token is not null) token.Validate();
        import?.Validate();
        return new CommandLine(verb, configPath, overrides) { Token = token, Compact = compact, Import = import };
    }

    private static bool TryTokenOption(IReadOnlyList<string> args, ref int i, TokenArguments token)
    {
        string Value(ref int index, string name) => index + 1 < args.Count ? args[++index] : throw new ArgumentException($"{name} needs a value");
        switch (args[i])
        {
            case "--name": token.Name = Value(ref i, "--name"); return true;
            case "--permissions": token.Permissions = Value(ref i, "--permissions"); return true;
            case "--expires": token.Expires = Value(ref i, "--expires"); return true;
            case "--description": token.Description = Value(ref i, "--description"); return true;
            default:
                if (args[i].StartsWith('-') || token.Target is not null) return false;
                token.Target = args[i];
                return true;
        }
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

/// <summary>What <c>arcd compact</c> was asked to do.</summary>
public sealed class CompactArguments
{
    public string Tiers { get; set; } = "";
    public string? Database { get; set; }
}

/// <summary>What <c>arcd token</c> was asked to do.</summary>
public sealed class TokenArguments(string action)
{
    public string Action { get; } = action;
    public string? Name { get; set; }
    public string Permissions { get; set; } = "read,write";
    public string? Expires { get; set; }
    public string Description { get; set; } = "";

    /// <summary>The id or name for <c>revoke</c>.</summary>
    public string? Target { get; set; }

    public void Validate()
    {
        switch (Action)
        {
            case "create" when string.IsNullOrWhiteSpace(Name): throw new ArgumentException("token create needs --name");
            case "create" or "list": return;
            case "revoke" when Target is null: throw new ArgumentException("token revoke needs an id or name");
            case "revoke": return;
            default: throw new ArgumentException($"unknown token subcommand '{Action}' (create, list, revoke)");
        }
    }
}
