using Microsoft.Extensions.Logging;

namespace Arcd.Auth;

/// <summary>
/// First start with authentication on and no tokens: create an admin token. Its value comes from
/// <c>ARCD_AUTH_BOOTSTRAP_TOKEN</c>, or from the file named by <c>ARCD_AUTH_BOOTSTRAP_TOKEN_FILE</c>
/// (systemd credentials, secrets mounts), at least 32 characters; otherwise one is generated and
/// printed once to stderr, outside the log (it is never logged).
/// </summary>
public static partial class Bootstrap
{
    public const string Variable = "ARCD_AUTH_BOOTSTRAP_TOKEN";
    public const string FileVariable = "ARCD_AUTH_BOOTSTRAP_TOKEN_FILE";

    /// <summary>The preset admin token value, or null when none is configured.</summary>
    public static string? PresetToken()
    {
        var preset = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(preset) && Environment.GetEnvironmentVariable(FileVariable) is { Length: > 0 } file)
        {
            try
            {
                preset = File.ReadAllText(file).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new TokenStoreException($"{FileVariable}={file}: {ex.Message}");
            }
        }
        if (string.IsNullOrEmpty(preset)) return null;
        if (preset.Length < 32) throw new TokenStoreException($"the bootstrap admin token ({Variable} or {FileVariable}) must be at least 32 characters");
        return preset;
    }

    /// <summary>
    /// Whether the admin token must be made before the socket is bound: a preset value is known to
    /// deployment scripts, which write as soon as /ready says 200. A generated one is known to nobody
    /// until it is printed, so it may be hashed (600k PBKDF2 rounds) after binding.
    /// </summary>
    public static bool MustPrecedeListening(TokenStore store) => store.Load().Count == 0 && PresetToken() is not null;

    public static void EnsureAdminToken(TokenStore store, ILogger logger)
    {
        if (store.Load().Count > 0) return;
        var preset = PresetToken();
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "no tokens existed: created admin token #{Id} in {Path} (printed once on stderr, or taken from ARCD_AUTH_BOOTSTRAP_TOKEN[_FILE])")]
    private static partial void LogCreated(ILogger logger, long id, string path);
}
