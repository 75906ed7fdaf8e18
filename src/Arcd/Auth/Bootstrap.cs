using Microsoft.Extensions.Logging;

namespace Arcd.Auth;

/// <summary>
/// First start with authentication on and no tokens: create an admin token and print it once,
/// to stderr, outside the log (it is never logged). <c>ARCD_AUTH_BOOTSTRAP_TOKEN</c> (at least 32
/// characters) supplies the value instead, for automated deployments.
/// </summary>
public static partial class Bootstrap
{
    public const string Variable = "ARCD_AUTH_BOOTSTRAP_TOKEN";

    public static void EnsureAdminToken(TokenStore store, ILogger logger)
    {
        if (store.Load().Count > 0) return;
        var preset = Environment.GetEnvironmentVariable(Variable);
        if (preset is not null && preset.Length < 32) throw new TokenStoreException($"{Variable} must be at least 32 characters");
        var (record, token) = store.Create("admin", Permission.Read | Permission.Write | Permission.Delete | Permission.Admin, null,
            "created at first start", preset);
        LogCreated(logger, record.Id, store.Path);
        if (preset is not null) return;
        Console.Error.WriteLine($"""

            ================================================================================
              arcd created an admin token. It is shown this once; store it now:

                {token}

              Use it as: Authorization: Bearer <token>   (or x-api-key, Token, Basic, ?p=)
              Manage tokens with: arcd token create|list|revoke
            ================================================================================

            """);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "no tokens existed: created admin token #{Id} in {Path} (printed once on stderr, or taken from ARCD_AUTH_BOOTSTRAP_TOKEN)")]
    private static partial void LogCreated(ILogger logger, long id, string path);
}
