namespace Arcd.Bench;

/// <summary><c>--name value</c> pairs; unknown names are errors.</summary>
public sealed class BenchArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static BenchArgs Parse(ReadOnlySpan<string> args)
    {
        var parsed = new BenchArgs();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"expected --name value, got '{args[i]}'");
            parsed._values[args[i][2..]] = args[++i];
        }
        return parsed;
    }

    public string Get(string name, string fallback) => _values.Remove(name, out var value) ? value : fallback;

    public int GetInt(string name, int fallback) => _values.Remove(name, out var value) ? int.Parse(value) : fallback;

    public void EnsureAllUsed()
    {
        if (_values.Count > 0) throw new ArgumentException($"unknown option --{_values.Keys.First()}");
    }
}
