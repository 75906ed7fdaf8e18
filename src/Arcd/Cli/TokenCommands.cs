using System.Globalization;
using Arcd.Auth;
using Arcd.Configuration;

namespace Arcd.Cli;

/// <summary><c>arcd token create|list|revoke</c> on the store in <c>Auth:TokenFile</c>.</summary>
public static class TokenCommands
{
    public static int Run(LoadedConfig config, TokenArguments arguments)
    {
        var store = new TokenStore(config.Options.Auth.TokenFile);
        try
        {
            switch (arguments.Action)
            {
                case "create":
                    if (!Permissions.TryParse(arguments.Permissions.Split(','), out var permissions, out var unknown))
                        return Fail($"unknown permission '{unknown}' (read, write, delete, admin)");
                    TimeSpan? expires = null;
                    if (arguments.Expires is not null)
                    {
                        if (!DurationText.TryParse(arguments.Expires, out var span)) return Fail("--expires must look like 90s, 30m, 24h, 7d or 4w");
                        expires = span;
                    }
                    var (record, token) = store.Create(arguments.Name!, permissions, expires, arguments.Description);
                    Console.Error.WriteLine($"created token #{record.Id} '{record.Name}' ({string.Join(',', Permissions.ToNames(record.Permissions))}" +
                        $"{(record.ExpiresAt is { } at ? $", expires {at:yyyy-MM-dd HH:mm}Z" : "")}) in {store.Path}; it is shown only once:");
                    Console.WriteLine(token);
                    return 0;
                case "list":
                    Console.WriteLine($"{"ID",-4} {"NAME",-24} {"PERMISSIONS",-26} {"STATE",-8} {"CREATED",-17} EXPIRES");
                    foreach (var r in store.Load())
                    {
                        var state = !r.Enabled ? "revoked" : r.ExpiresAt <= DateTime.UtcNow ? "expired" : "active";
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{r.Id,-4} {r.Name,-24} {string.Join(',', Permissions.ToNames(r.Permissions)),-26} {state,-8} {r.CreatedAt:yyyy-MM-dd HH:mm} {(r.ExpiresAt is { } e ? e.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "never")}"));
                    }
                    return 0;
                default:
                    var target = store.Find(arguments.Target!);
                    if (target is null) return Fail($"no token with id or name '{arguments.Target}'");
                    store.Change(target.Id, t => t with { Enabled = false });
                    Console.Error.WriteLine($"revoked token #{target.Id} '{target.Name}'; a running daemon refuses it from its next request");
                    return 0;
            }
        }
        catch (Exception ex) when (ex is TokenStoreException or IOException or UnauthorizedAccessException)
        {
            return Fail(ex.Message);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"arcd: {message}");
        return 2;
    }
}
