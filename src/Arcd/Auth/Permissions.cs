namespace Arcd.Auth;

/// <summary>Token permissions; <c>admin</c> implies every other one.</summary>
[Flags]
public enum Permission
{
    None = 0,
    Read = 1,
    Write = 2,
    Delete = 4,
    Admin = 8,
}

public static class Permissions
{
    public static bool Allows(Permission granted, Permission required) =>
        required == Permission.None || (granted & Permission.Admin) != 0 || (granted & required) == required;

    public static string Name(Permission permission) => permission switch
    {
        Permission.Read => "read",
        Permission.Write => "write",
        Permission.Delete => "delete",
        Permission.Admin => "admin",
        _ => "none",
    };

    /// <summary>Parses "read,write"; false with the offending word otherwise.</summary>
    public static bool TryParse(IEnumerable<string> words, out Permission permissions, out string? unknown)
    {
        permissions = Permission.None;
        unknown = null;
        foreach (var raw in words)
        {
            var word = raw.Trim().ToLowerInvariant();
            if (word.Length == 0) continue;
            switch (word)
            {
                case "read": permissions |= Permission.Read; break;
                case "write": permissions |= Permission.Write; break;
                case "delete": permissions |= Permission.Delete; break;
                case "admin": permissions |= Permission.Admin; break;
                default:
                    unknown = raw;
                    return false;
            }
        }
        return true;
    }

    public static string[] ToNames(Permission permissions) =>
        [.. new[] { Permission.Read, Permission.Write, Permission.Delete, Permission.Admin }.Where(p => (permissions & p) != 0).Select(Name)];
}
