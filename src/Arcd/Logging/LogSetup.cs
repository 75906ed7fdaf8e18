using Arcd.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Arcd.Logging;

/// <summary>
/// Console logging to stderr (stdout stays for command output): JSON lines when stderr is not a
/// terminal, which is what journald and log shippers want, simple text on a terminal.
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
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(level);
            // Kestrel's per-connection chatter is noise at Information.
            builder.AddFilter("Microsoft", LogLevel.Warning);
            builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            if (json)
            {
                builder.AddJsonConsole(o =>
                {
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                });
            }
            else
            {
                builder.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "HH:mm:ss.fff ";
                });
            }
        });
    }
}
