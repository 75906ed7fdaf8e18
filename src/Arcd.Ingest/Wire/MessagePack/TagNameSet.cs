namespace Arcd.Ingest.Wire.MessagePack;

/// <summary>
/// The tag names of the row record being read, asked once per field (a field named like a tag is
/// renamed). Records carry a few tags: they are compared in a small array, which costs less than
/// hashing every field name (4% of row decode in a HashSet); past <see cref="Inline"/> names a
/// HashSet takes over, so a record with thousands of tags stays linear.
/// </summary>
internal sealed class TagNameSet
{
    private const int Inline = 8;
    private readonly string[] _names = new string[Inline];
    private int _count;
    private HashSet<string>? _many;

    public void Clear()
    {
        _count = 0;
        _many?.Clear();
    }

    public void Add(string name)
    {
        if (Contains(name)) return;
        if (_count < Inline)
        {
            _names[_count++] = name;
            return;
        }
        _many ??= new HashSet<string>(StringComparer.Ordinal);
        _many.Add(name);
    }

    public bool Contains(string name)
    {
        for (var i = 0; i < _count; i++)
            if (string.Equals(_names[i], name)) return true;
        return _many is { Count: > 0 } many && many.Contains(name);
    }
}
