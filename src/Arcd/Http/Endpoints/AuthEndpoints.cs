using System.Globalization;
using System.Text.Json;
using Arcd.Auth;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>
/// <c>GET /api/v1/auth/verify</c> (public; checks the presented token) and the admin token API of
/// docs/PROTOCOL.md §3.5: create, list, get, update, delete, revoke, rotate. Token values appear only in
/// the answer that creates or rotates them.
/// </summary>
public sealed class AuthEndpoints(AuthGate gate)
{
    public const string TokensPath = "/api/v1/auth/tokens";
    public const string CachePath = "/api/v1/auth/cache";
    public const string CacheInvalidatePath = "/api/v1/auth/cache/invalidate";

    /// <summary><c>GET /api/v1/auth/cache</c>: how many verification results are cached, and for how long.</summary>
    public Task CacheStatsAsync(HttpContext context)
    {
        if (gate.Verifier is not { } verifier) return Disabled(context);
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteBoolean("success", true);
            json.WriteNumber("entries", verifier.CachedEntries);
            json.WriteNumber("max_entries", verifier.MaxEntries);
            json.WriteNumber("ttl_seconds", verifier.CacheTtl.TotalSeconds);
        });
    }

    /// <summary><c>POST /api/v1/auth/cache/invalidate</c>: forget every cached result now.</summary>
    public Task CacheInvalidateAsync(HttpContext context)
    {
        if (gate.Verifier is not { } verifier) return Disabled(context);
        verifier.Invalidate();
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteBoolean("success", true);
            json.WriteString("message", "token verification cache cleared");
        });
    }

    public Task VerifyAsync(HttpContext context)
    {
        if (gate.Verifier is not { } verifier) return Disabled(context);
        var token = Credentials.Extract(context.Request);
        if (token is null) return Invalid(context, "No token provided");
        var record = verifier.Verify(token);
        if (record is null) return Invalid(context, "Invalid or expired token");
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteBoolean("valid", true);
            json.WritePropertyName("token_info");
            WriteInfo(json, record);
            WritePermissions(json, record);
        });
    }

    public async Task TokensAsync(HttpContext context, string path)
    {
        if (gate.Verifier is not { } verifier)
        {
            await Disabled(context);
            return;
        }
        var store = verifier.Store;
        var method = context.Request.Method;
        var rest = path.Length > TokensPath.Length ? path[(TokensPath.Length + 1)..] : "";
        try
        {
            if (rest.Length == 0)
            {
                if (HttpMethods.IsGet(method)) await ListAsync(context, verifier);
                else if (HttpMethods.IsPost(method)) await CreateAsync(context, verifier);
                else await JsonResponse.NotAllowedAsync(context, "GET, POST");
                return;
            }
            var parts = rest.Split('/');
            if (!long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || parts.Length > 2)
            {
                await JsonResponse.ErrorAsync(context, StatusCodes.Status404NotFound, $"no such endpoint: {method} {path}");
                return;
            }
            var record = store.Load().FirstOrDefault(r => r.Id == id);
            if (record is null)
            {
                await JsonResponse.ErrorAsync(context, StatusCodes.Status404NotFound, $"no token with id {id}");
                return;
            }
            switch (parts.Length == 2 ? parts[1] : "")
            {
                case "" when HttpMethods.IsGet(method):
                    await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json => Success(json, record));
                    return;
                case "" when HttpMethods.IsDelete(method):
                    store.Delete(id);
                    verifier.Invalidate();
                    await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json => json.WriteBoolean("success", true));
                    return;
                case "" when HttpMethods.IsPatch(method):
                    await UpdateAsync(context, verifier, record);
                    return;
                case "revoke" when HttpMethods.IsPost(method):
                    var revoked = store.Change(id, r => r with { Enabled = false });
                    verifier.Invalidate();
                    await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json => Success(json, revoked));
                    return;
                case "rotate" when HttpMethods.IsPost(method):
                    var token = store.Rotate(id);
                    verifier.Invalidate();
                    await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
                    {
                        json.WriteBoolean("success", true);
                        json.WriteString("new_token", token);
                        json.WriteString("message", "token rotated; the new value is shown only once");
                    });
                    return;
                default:
                    await JsonResponse.NotAllowedAsync(context, parts.Length == 2 ? "POST" : "GET, PATCH, DELETE");
                    return;
            }
        }
        catch (TokenStoreException ex)
        {
            await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, ex.Message);
        }
    }

    private static Task ListAsync(HttpContext context, TokenVerifier verifier)
    {
        var records = verifier.Store.Load();
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteBoolean("success", true);
            json.WriteStartArray("tokens");
            foreach (var record in records) WriteInfo(json, record);
            json.WriteEndArray();
            json.WriteNumber("count", records.Count);
        });
    }

    private static async Task CreateAsync(HttpContext context, TokenVerifier verifier)
    {
        using var body = await ReadJsonAsync(context);
        if (body is null) return;
        var root = body.RootElement;
        var name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
        if (name.Length == 0)
        {
            await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, "'name' is required");
            return;
        }
        var description = root.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
        var permissions = Permission.Read | Permission.Write;
        if (root.TryGetProperty("permissions", out var p) && !TryPermissions(p, out permissions, out var problem))
        {
            await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, problem!);
            return;
        }
        TimeSpan? expiresIn = null;
        if (root.TryGetProperty("expires_in", out var e) && e.ValueKind == JsonValueKind.String)
        {
            if (!DurationText.TryParse(e.GetString()!, out var span))
            {
                await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, "'expires_in' must look like 90s, 30m, 24h, 7d or 4w");
                return;
            }
            expiresIn = span;
        }
        var (record, token) = verifier.Store.Create(name, permissions, expiresIn, description);
        verifier.Invalidate();
        await JsonResponse.WriteAsync(context, StatusCodes.Status201Created, json =>
        {
            json.WriteBoolean("success", true);
            json.WriteString("token", token);
            json.WriteNumber("id", record.Id);
            json.WriteString("message", "token created; its value is shown only once");
        });
    }

    private static async Task UpdateAsync(HttpContext context, TokenVerifier verifier, TokenRecord record)
    {
        using var body = await ReadJsonAsync(context);
        if (body is null) return;
        var root = body.RootElement;
        var updated = record;
        if (root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String) updated = updated with { Name = n.GetString()! };
        if (root.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String) updated = updated with { Description = d.GetString()! };
        if (root.TryGetProperty("enabled", out var en) && en.ValueKind is JsonValueKind.True or JsonValueKind.False) updated = updated with { Enabled = en.GetBoolean() };
        if (root.TryGetProperty("permissions", out var p))
        {
            if (!TryPermissions(p, out var permissions, out var problem))
            {
                await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, problem!);
                return;
            }
            updated = updated with { Permissions = permissions };
        }
        var saved = verifier.Store.Change(record.Id, _ => updated);
        verifier.Invalidate();
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, json => Success(json, saved));
    }

    private static bool TryPermissions(JsonElement value, out Permission permissions, out string? problem)
    {
        permissions = Permission.None;
        problem = null;
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            problem = "'permissions' must be an array of strings (read, write, delete, admin)";
            return false;
        }
        if (!Permissions.TryParse(value.EnumerateArray().Select(v => v.GetString()!), out permissions, out var unknown))
        {
            problem = $"unknown permission '{unknown}' (read, write, delete, admin)";
            return false;
        }
        return true;
    }

    private static async Task<JsonDocument?> ReadJsonAsync(HttpContext context)
    {
        var (status, body) = await PooledBody.ReadAsync(context.Request, 64 * 1024);
        using (body)
        {
            if (status == BodyStatus.TooLarge)
            {
                await JsonResponse.ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "request body over 64 KiB");
                return null;
            }
            try
            {
                var document = JsonDocument.Parse(body!.Memory);
                if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
                document.Dispose();
            }
            catch (JsonException)
            {
            }
        }
        await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, "the body must be a JSON object");
        return null;
    }

    private static void Success(Utf8JsonWriter json, TokenRecord record)
    {
        json.WriteBoolean("success", true);
        json.WritePropertyName("token");
        WriteInfo(json, record);
    }

    private static void WriteInfo(Utf8JsonWriter json, TokenRecord record)
    {
        json.WriteStartObject();
        json.WriteNumber("id", record.Id);
        json.WriteString("name", record.Name);
        // Arc's TokenInfo: description omitted when empty, permissions an array (arc-tsdb-client's
        // models reject a string), last_used_at omitted because arcd does not track use.
        if (record.Description.Length > 0) json.WriteString("description", record.Description);
        WritePermissions(json, record);
        json.WriteString("created_at", record.CreatedAt);
        json.WriteBoolean("enabled", record.Enabled);
        if (record.ExpiresAt is { } expires) json.WriteString("expires_at", expires);
        else json.WriteNull("expires_at");
        json.WriteEndObject();
    }

    private static void WritePermissions(Utf8JsonWriter json, TokenRecord record)
    {
        json.WriteStartArray("permissions");
        foreach (var name in Permissions.ToNames(record.Permissions)) json.WriteStringValue(name);
        json.WriteEndArray();
    }

    private static Task Invalid(HttpContext context, string message) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, json =>
        {
            json.WriteBoolean("valid", false);
            json.WriteString("error", message);
        });

    private static Task Disabled(HttpContext context) =>
        JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, "authentication is disabled (Auth:Enabled=false)");
}
