using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Arcd.Logging;

/// <summary>
/// One JSON object per line, the shape of the stock JSON console formatter: Timestamp (UTC),
/// EventId, LogLevel, Category, Message, Exception, State.
/// </summary>
internal sealed class JsonLineFormatter() : ConsoleFormatter("arcd-json")
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = entry.Formatter(entry.State, entry.Exception);
        if (entry.Exception is null && message is null) return;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("Timestamp", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteNumber("EventId", entry.EventId.Id);
            json.WriteString("LogLevel", entry.LogLevel.ToString());
            json.WriteString("Category", entry.Category);
            json.WriteString("Message", message);
            if (entry.Exception is not null) json.WriteString("Exception", entry.Exception.ToString());
            if (entry.State is IReadOnlyList<KeyValuePair<string, object?>> state)
            {
                json.WriteStartObject("State");
                foreach (var (key, value) in state)
                {
                    switch (value)
                    {
                        case null: json.WriteNull(key); break;
                        case bool b: json.WriteBoolean(key, b); break;
                        case int or long or short or byte or uint or ulong or ushort or sbyte:
                            json.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
                        case double or float or decimal:
                            json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture)); break;
                        default: json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture)); break;
                    }
                }
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        textWriter.Write(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }
}

/// <summary>One line per entry for a terminal: <c>13:05:37.123 info: Category[EventId] message</c>, UTC.</summary>
internal sealed class TextLineFormatter() : ConsoleFormatter("arcd-text")
{
    public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = entry.Formatter(entry.State, entry.Exception);
        if (entry.Exception is null && message is null) return;
        textWriter.Write(DateTime.UtcNow.ToString("HH:mm:ss.fff ", CultureInfo.InvariantCulture));
        textWriter.Write(entry.LogLevel switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            LogLevel.Critical => "crit",
            _ => "none",
        });
        textWriter.Write(": ");
        textWriter.Write(entry.Category);
        textWriter.Write('[');
        textWriter.Write(entry.EventId.Id.ToString(CultureInfo.InvariantCulture));
        textWriter.Write("] ");
        textWriter.Write(message?.ReplaceLineEndings(" "));
        if (entry.Exception is not null)
        {
            textWriter.Write(' ');
            textWriter.Write(entry.Exception.ToString().ReplaceLineEndings(" "));
        }
        textWriter.Write('\n');
    }
}
