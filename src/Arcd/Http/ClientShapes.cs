using Microsoft.AspNetCore.Http;

namespace Arcd.Http;

/// <summary>Which response shapes a request gets (docs/PROTOCOL.md §9): Arc's, or arc-client-python's.</summary>
public static class ClientShapes
{
    public const string ClientAgentPrefix = "arc-client-python/";

    public static bool WantsClientShape(HttpContext context, string mode) => mode.ToLowerInvariant() switch
    {
        "client" => true,
        "arc" => false,
        _ => context.Request.Headers.UserAgent.ToString().StartsWith(ClientAgentPrefix, StringComparison.Ordinal),
    };
}
