using System.Text;
using Microsoft.AspNetCore.Http;

namespace Arcd.Auth;

/// <summary>
/// Where a client's token may be (docs/PROTOCOL.md §3.1 and Part A item 4), first match wins:
/// <c>Authorization: Bearer t</c>, <c>Token t</c>, <c>Basic base64(user:t)</c> (the password is the
/// token, as InfluxDB 1.x clients send it), any other <c>Authorization</c> value verbatim,
/// <c>x-api-key: t</c>, then the <c>p</c> query parameter (InfluxDB 1.x).
/// </summary>
public static class Credentials
{
    public static string? Extract(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString().Trim();
        if (authorization.Length > 0)
        {
            if (TryScheme(authorization, "Bearer", out var bearer)) return bearer;
            if (TryScheme(authorization, "Token", out var token)) return token;
            if (TryScheme(authorization, "Basic", out var basic)) return FromBasic(basic);
            return authorization;
        }
        var apiKey = request.Headers["x-api-key"].ToString().Trim();
        if (apiKey.Length > 0) return apiKey;
        var password = request.Query["p"].ToString();
        return password.Length > 0 ? password : null;
    }

    private static bool TryScheme(string header, string scheme, out string value)
    {
        value = "";
        if (header.Length <= scheme.Length + 1 || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header[scheme.Length] != ' ') return false;
        value = header[(scheme.Length + 1)..].Trim();
        return value.Length > 0;
    }

    /// <summary>base64(user:password) → password; anything undecodable yields an empty (invalid) token.</summary>
    private static string FromBasic(string encoded)
    {
        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out var written)) return "";
        var text = Encoding.UTF8.GetString(bytes, 0, written);
        var colon = text.IndexOf(':');
        return colon < 0 ? "" : text[(colon + 1)..];
    }
}
