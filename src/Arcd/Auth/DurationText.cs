using System.Globalization;

namespace Arcd.Auth;

/// <summary>Durations as people type them for token expiry: <c>90s</c>, <c>30m</c>, <c>24h</c>, <c>7d</c>, <c>4w</c>.</summary>
public static class DurationText
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0) return false;
        try
        {
            duration = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                'w' => TimeSpan.FromDays(7 * amount),
                _ => TimeSpan.Zero,
            };
        }
        catch (OverflowException)
        {
            return false;
        }
        return duration > TimeSpan.Zero;
    }
}
