using System.Collections.Concurrent;
using System.Text;
using Arcd.Ingest.Columnar;

namespace Arcd.Ingest.Wire;

/// <summary>
/// Measurement, column and key names as strings, made once per process instead of once per
/// request: every request of a writer repeats the same few names. Bounded (names up to 256
/// characters, up to <see cref="MaxEntries"/> of them); past that a name is a fresh string, as before.
/// In front of it, each thread keeps the names it met last in a small table keyed by their bytes:
/// a row-format body repeats the same keys every row, and transcoding and hashing them for the
/// shared table was 11% of its decode.
/// </summary>
internal static class NameCache
{
    public const int MaxEntries = 16_384;
    private const int MaxChars = 256;

    // Sized for its bound up front: a growing table reallocated itself in the middle of some request's decode.
    private static readonly ConcurrentDictionary<string, string> Names = new(Environment.ProcessorCount, MaxEntries, StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> ByChars = Names.GetAlternateLookup<ReadOnlySpan<char>>();

    private static int _entries;

    /// <summary>Names up to this many bytes are held by the per-thread table (their <see cref="ShortKey"/> and length identify them exactly).</summary>
    private const int RecentMaxBytes = 16;
    private const int RecentSlotBits = 6;

    [ThreadStatic] private static RecentName[]? t_recent;

    private struct RecentName
    {
        public ShortKey Key;
        public int Length;
        public string? Name;
    }

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length is 0 or > RecentMaxBytes) return Lookup(utf8);
        var key = ShortKey.Of(utf8);
        var recent = t_recent ??= new RecentName[1 << RecentSlotBits];
        var hash = (key.A * 0x9E3779B97F4A7C15) ^ ulong.RotateLeft(key.B * 0xC2B2AE3D27D4EB4F, 31) ^ (ulong)utf8.Length;
        hash ^= hash >> 29;
        hash *= 0x9E3779B97F4A7C15;
        // Two ways: a row's few keys (value, cpu_idle, cpu_user) must not keep evicting one another.
        var index = (int)(hash >> (64 - RecentSlotBits));
        ref var slot = ref recent[index];
        if (Matches(slot, key, utf8.Length) is { } known) return known;
        ref var other = ref recent[index ^ 1];
        if (Matches(other, key, utf8.Length) is { } second) return second;
        var name = Lookup(utf8);
        other = slot; // the older entry goes to the second way
        slot = new RecentName { Key = key, Length = utf8.Length, Name = name };
        return name;
    }

    private static string? Matches(in RecentName entry, ShortKey key, int length) =>
        entry.Length == length && entry.Key.SameAs(key) ? entry.Name : null;

    private static string Lookup(ReadOnlySpan<byte> utf8)
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
