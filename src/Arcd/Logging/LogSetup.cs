using System.Diagnostics.CodeAnalysis;
using Arcd.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Arcd.Logging;

/// <summary>
/// Console logging to stderr (stdout stays for command output): JSON lines when stderr is not a
/// terminal, which is what journald and log shippers want, simple text on a terminal.
/// The factory is put together by hand: <c>LoggerFactory.Create</c> builds a dependency-injection
/// container first, which cost 3.4 ms of a ~19 ms start.
/// </summary>
public static class LogSetup
{
    public static ILoggerFactory Create(LogOptions options)
    {
        var level = Enum.Parse<LogLevel>(options.Level, ignoreCase: true);
        var json = options.Format.ToLowerInvariant() switch
        {
            "json" => true,
            "text" => false,
            _ => Console.IsErrorRedirected,
        };
        ConsoleFormatter formatter = json ? new JsonLineFormatter() : new TextLineFormatter();
        var console = new ConsoleLoggerOptions { LogToStandardErrorThreshold = LogLevel.Trace, FormatterName = formatter.Name };
        var provider = new ConsoleLoggerProvider(new FixedOptions<ConsoleLoggerOptions>(console), [formatter]);
        var filters = new LoggerFilterOptions { MinLevel = level };
        // Kestrel's per-connection chatter is noise at Information.
        filters.Rules.Add(new LoggerFilterRule(null, "Microsoft", LogLevel.Warning, null));
        // Added, not passed to the constructor: the factory disposes providers it was given by AddProvider only,
        // and disposing the console provider drains its queue, so a start that fails still prints why.
        var factory = new LoggerFactory([], new FixedOptions<LoggerFilterOptions>(filters));
        factory.AddProvider(provider);
        return factory;
    }

    /// <summary>Options that never change (the configuration is read once at start).</summary>
    private sealed class FixedOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;
        public T Get(string? name) => value;
        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
