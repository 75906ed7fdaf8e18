using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Arcd.Auth;

/// <summary>
/// Arc's token hashes (docs/PROTOCOL.md §3.3): <c>$pbkdf2-sha256$&lt;iterations&gt;$&lt;salt b64&gt;$&lt;key b64&gt;</c>
/// (PBKDF2-HMAC-SHA256, 16-byte salt, 32-byte key, standard base64 without padding), and Arc's
/// legacy bare lowercase hex SHA-256 of the token, accepted so an old store keeps working.
/// Comparisons are constant-time.
/// </summary>
public static class TokenHasher
{
    public const int Iterations = 600_000;
    private const int MaxIterations = 10_000_000;
    private const int MaxEncodedLength = 128;

    /// <summary>32 random bytes, base64 URL alphabet with padding (44 characters), as Arc issues them.</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_');

    public static string Hash(string token, int iterations = Iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(token), salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"$pbkdf2-sha256${iterations.ToString(CultureInfo.InvariantCulture)}${Unpadded(salt)}${Unpadded(key)}";
    }

    /// <summary>First 16 hex characters of SHA-256(token): the lookup index stored beside each hash.</summary>
    public static string Prefix(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..16];

    public static bool Verify(string token, string hash)
    {
        if (hash.Length > MaxEncodedLength) return false;
        var tokenBytes = Encoding.UTF8.GetBytes(token);
        if (!hash.StartsWith('$'))
        {
            // Legacy: bare hex SHA-256 (the Python-era format).
            var digest = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(tokenBytes)));
            return CryptographicOperations.FixedTimeEquals(digest, Encoding.ASCII.GetBytes(hash));
        }
        var parts = hash.Split('$');
        if (parts.Length != 5 || parts[1] != "pbkdf2-sha256") return false;
        if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations is < 1 or > MaxIterations) return false;
        if (!TryUnpadded(parts[3], out var salt) || !TryUnpadded(parts[4], out var expected) || expected.Length == 0) return false;
        var actual = Rfc2898DeriveBytes.Pbkdf2(tokenBytes, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static string Unpadded(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static bool TryUnpadded(string text, out byte[] bytes)
    {
        var padded = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        bytes = new byte[padded.Length];
        if (!Convert.TryFromBase64String(padded, bytes, out var written)) return false;
        bytes = bytes[..written];
        return true;
    }
}
