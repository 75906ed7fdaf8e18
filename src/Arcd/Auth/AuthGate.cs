using Microsoft.AspNetCore.Http;

namespace Arcd.Auth;

/// <summary>
/// Every request passes here before its endpoint: public paths go through; everything else needs
/// a valid token (401), and the permission its endpoint requires (403), with Arc's bodies (§3.2).
/// With authentication off it lets everything through.
/// </summary>
/// <summary>Why a request was refused: 401 (no or bad token) or 403 (permission), with Arc's message.</summary>
public sealed record AuthRefusal(int Status, string Message);

public sealed class AuthGate(TokenVerifier? verifier, IReadOnlySet<string> publicPaths)
{
    public TokenVerifier? Verifier => verifier;

    /// <summary>Null when the request may proceed; otherwise the refusal for the HTTP layer to send.</summary>
    public AuthRefusal? Check(HttpContext context, string path, Permission required)
    {
        if (verifier is null || publicPaths.Contains(path)) return null;
        var token = Credentials.Extract(context.Request);
        if (token is null) return Refuse(context, StatusCodes.Status401Unauthorized, "Authentication required");
        var record = verifier.Verify(token);
        if (record is null) return Refuse(context, StatusCodes.Status401Unauthorized, "Invalid or expired token");
        if (!Permissions.Allows(record.Permissions, required))
            return Refuse(context, StatusCodes.Status403Forbidden, $"Permission denied: {Permissions.Name(required)} required");
        context.Items[typeof(TokenRecord)] = record;
        return null;
    }

    private static AuthRefusal Refuse(HttpContext context, int status, string message)
    {
        if (status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer realm=\"arcd\"";
        return new AuthRefusal(status, message);
    }
}
