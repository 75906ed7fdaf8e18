using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http;

/// <summary>
/// A management API's JSON body read with Arc's (Go's) rules (ARC-MANAGEMENT.md, section 0.1): a JSON content
/// type is required, keys match case-insensitively, unknown keys are ignored, an absent key is the
/// zero value, and a value of the wrong type is a 400 naming the field. Bodies are small: at most
/// <see cref="MaxBytes"/>.
/// </summary>
public sealed class ManagementBody
{
    public const int MaxBytes = 1 << 20;

    private readonly Dictionary<string, JsonElement> _fields;

    private ManagementBody(Dictionary<string, JsonElement> fields) => _fields = fields;

    /// <summary>The first type error met while reading fields (the 400 message), or null.</summary>
    public string? Error { get; private set; }

    /// <summary>The parsed body, or the 400/413 message in <paramref name="error"/>.</summary>
    public static async Task<(ManagementBody? Body, int Status, string? Error)> ReadAsync(HttpContext context)
    {
        var type = context.Request.ContentType ?? "";
        var mediaType = type.Split(';')[0].Trim();
        if (!mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase))
            return (null, StatusCodes.Status400BadRequest, "Invalid request body: Unprocessable Entity");
        if (context.Request.ContentLength > MaxBytes)
            return (null, StatusCodes.Status413PayloadTooLarge, $"Invalid request body: larger than {MaxBytes} bytes");
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBytes) return (null, StatusCodes.Status413PayloadTooLarge, $"Invalid request body: larger than {MaxBytes} bytes");
        }
        if (buffer.Length == 0) return (null, StatusCodes.Status400BadRequest, "Invalid request body: unexpected end of JSON input");
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return (null, StatusCodes.Status400BadRequest, $"Invalid request body: json: cannot unmarshal {Kind(document.RootElement)} into Go value of type object");
            var fields = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in document.RootElement.EnumerateObject()) fields[property.Name] = property.Value.Clone();
            return (new ManagementBody(fields), StatusCodes.Status200OK, null);
        }
        catch (JsonException ex)
        {
            return (null, StatusCodes.Status400BadRequest, $"Invalid request body: {ex.Message}");
        }
    }

    public bool Has(string key) => _fields.ContainsKey(key);

    /// <summary>Present and JSON null.</summary>
    public bool IsNull(string key) => _fields.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.Null;

    /// <summary>A string field; null when absent or null.</summary>
    public string? String(string key)
    {
        if (!_fields.TryGetValue(key, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        Fail(key, value, "string");
        return null;
    }

    /// <summary>An integer field; null when absent or null.</summary>
    public int? Int(string key)
    {
        if (!_fields.TryGetValue(key, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)) return number;
        Fail(key, value, "int");
        return null;
    }

    /// <summary>An array of strings; null when absent or null.</summary>
    public List<string>? Strings(string key)
    {
        if (!_fields.TryGetValue(key, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Array)
        {
            Fail(key, value, "[]string");
            return null;
        }
        var list = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                Fail(key, item, "string");
                return null;
            }
            list.Add(item.GetString()!);
        }
        return list;
    }

    /// <summary>A boolean field; null when absent or null.</summary>
    public bool? Bool(string key)
    {
        if (!_fields.TryGetValue(key, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
        Fail(key, value, "bool");
        return null;
    }

    private void Fail(string key, JsonElement value, string type)
    {
        var found = value.ValueKind == JsonValueKind.Number ? $"number {value.GetRawText()}" : Kind(value);
        Error ??= $"Invalid request body: json: cannot unmarshal {found} into Go struct field .{key} of type {type}";
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };
}
