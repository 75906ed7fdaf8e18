using System.Collections.Concurrent;
using System.Text;

namespace Arcd.Ingest.Wire;

/// <summary>
/// Measurement, column and key names as strings, made once per process instead of once per
/// request: every request of a writer repeats the same few names. Bounded (names up to 256
/// characters, up to <see cref="MaxEntries"/> of them); past that a name is a fresh string, as before.
/// </summary>
internal static class NameCache
{
    public const int MaxEntries = 16_384;
    private const int MaxChars = 256;

    // Sized for its bound up front: a growing table reallocated itself in the middle of some request's decode.
    private static readonly ConcurrentDictionary<string, string> Names = new(Environment.ProcessorCount, MaxEntries, StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> ByChars = Names.GetAlternateLookup<ReadOnlySpan<char>>();

    private static int _entries;

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxChars) return Encoding.UTF8.GetString(utf8);
        Span<char> chars = stackalloc char[MaxChars];
        var text = chars[..Encoding.UTF8.GetChars(utf8, chars)];
        if (ByChars.TryGetValue(text, out var known)) return known;
        var made = new string(text);
        // A counter, not Names.Count (which takes every lock); a race may overshoot the bound by a few.
        if (Volatile.Read(ref _entries) >= MaxEntries) return made;
        var kept = Names.GetOrAdd(made, made);
        if (ReferenceEquals(kept, made)) Interlocked.Increment(ref _entries);
        return kept;
    }
}
