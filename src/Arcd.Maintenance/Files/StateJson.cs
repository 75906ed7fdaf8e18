using System.Globalization;
using System.Text.Json;

namespace Arcd.Maintenance.Files;

/// <summary>
/// The JSON conventions of maintenance's state files (retention, continuous queries): times as Arc
/// prints its stored times (RFC 3339, UTC, whole seconds), and nullable fields written as null.
/// </summary>
public static class StateJson
{
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTime ParseTime(JsonElement element) =>
        DateTime.Parse(element.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name);
        else json.WriteString(name, value);
    }

    public static void WriteNullable(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } v) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    public static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    public static void WriteNullable(Utf8JsonWriter json, string name, DateTime? value)
    {
        if (value is { } v) json.WriteString(name, Time(v));
        else json.WriteNull(name);
    }

    public static string? NullableString(JsonElement parent, string name) =>
        parent.GetProperty(name) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    public static int? NullableInt(JsonElement parent, string name) =>
        parent.GetProperty(name) is { ValueKind: JsonValueKind.Number } n ? n.GetInt32() : null;

    public static double? NullableDouble(JsonElement parent, string name) =>
        parent.GetProperty(name) is { ValueKind: JsonValueKind.Number } n ? n.GetDouble() : null;

    public static DateTime? NullableTime(JsonElement parent, string name) =>
        parent.GetProperty(name) is { ValueKind: JsonValueKind.String } s ? ParseTime(s) : null;
}
