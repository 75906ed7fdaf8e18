using Arcd.Query.Sql;
using Microsoft.AspNetCore.Http;

namespace Arcd.Http.Endpoints;

/// <summary>
/// Arc's Accept-Encoding rule for streamed query bodies (docs/PROTOCOL.md §7.7): tokens split on
/// commas, a token whose first parameter is <c>q=0</c> is refused, zstd wins over gzip (or x-gzip)
/// whatever the order or weights, anything else is identity.
/// </summary>
public static class ResponseEncoding
{
    public const string Zstd = "zstd";
    public const string Gzip = "gzip";

    /// <summary>The encoding for this query's streamed body, or null; adds <c>Vary: Accept-Encoding</c>. Empty results stay plain.</summary>
    public static string? Negotiate(HttpContext context, QueryPlan plan)
    {
        context.Response.Headers.Vary = "Accept-Encoding";
        return plan.HasNoFiles ? null : Choose(context.Request.Headers.AcceptEncoding.ToString());
    }

    public static string? Choose(string acceptEncoding)
    {
        bool zstd = false, gzip = false;
        foreach (var token in acceptEncoding.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = token.Split(';', StringSplitOptions.TrimEntries);
            if (parts.Length > 1 && parts[1].StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                && double.TryParse(parts[1][2..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var q)
                && q == 0)
                continue;
            switch (parts[0].ToLowerInvariant())
            {
                case "zstd": zstd = true; break;
                case "gzip" or "x-gzip": gzip = true; break;
            }
        }
        return zstd ? Zstd : gzip ? Gzip : null;
    }
}
