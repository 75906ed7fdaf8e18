using System.Text;

namespace Arcd.Ingest.Storage;

/// <summary>
/// The node's name in the files it writes (<c>Node:Id</c>): letters, digits and '-', 1 to 63
/// characters, so it fits Arc's file-name pattern (no '_' or '.') and any object-store key.
/// </summary>
public static class NodeId
{
    public const int MaxLength = 63;

    public static bool IsValid(string id) =>
        id.Length is > 0 and <= MaxLength && char.IsAsciiLetterOrDigit(id[0]) && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary><paramref name="configured"/>, else the host name made valid (other characters become '-').</summary>
    public static string Resolve(string configured)
    {
        if (configured.Length > 0) return configured;
        var host = new StringBuilder();
        foreach (var c in Environment.MachineName.Split('.')[0])
            host.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-');
        var id = host.ToString().Trim('-');
        if (id.Length > MaxLength) id = id[..MaxLength].TrimEnd('-');
        return id.Length > 0 ? id : "node";
    }
}
