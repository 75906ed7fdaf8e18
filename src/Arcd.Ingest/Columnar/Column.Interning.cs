namespace Arcd.Ingest.Columnar;

/// <summary>
/// String columns' interning: each row's code in the column's <see cref="StringDictionary"/>, so the
/// Parquet encoder writes a tag's dictionary without hashing a value again.
/// </summary>
public sealed partial class Column
{
    /// <summary>Rows after which a column whose distinct values exceed a quarter of them stops interning.</summary>
    public const int ProbeRows = 256;

    /// <summary>
    /// A first look: a column still seven eighths new values after this many rows (a random host per
    /// row, ids) stops here instead of hashing up to <see cref="ProbeRows"/> (1.5-2% of the daemon's CPU
    /// on Arc's benchmark shape went to values interned only to be dropped).
    /// </summary>
    public const int EarlyProbeRows = 64;

    /// <summary>Distinct values a string column interns before it stops (a cardinality cap on its memory).</summary>
    public const int MaxInternedValues = 65_536;

    private void Intern(int row, ReadOnlySpan<byte> utf8)
    {
        var code = _interned!.GetOrAdd(utf8);
        // Interning pays when values repeat (tags); a column that is still mostly new values after
        // its first rows (ids, Arc's benchmark with a random host per row) stops, and costs nothing more.
        if (_interned.Count > MaxInternedValues
            || (row == EarlyProbeRows - 1 && _interned.Count > EarlyProbeRows * 7 / 8)
            || (row == ProbeRows - 1 && _interned.Count > ProbeRows / 4))
        {
            StopInterning();
        }
        else
        {
            _codes![row - _chunkBase] = code;
        }
    }

    private void StopInterning()
    {
        if (_interned is not null) StringDictionary.Return(_interned);
        _interned = null;
        if (_codeChunks is not null)
        {
            for (var k = 0; k < _chunkCount; k++) ColumnArrays<int>.Return(_codeChunks[k]);
            _codeChunks = null;
        }
        else if (_codes is not null)
        {
            ColumnArrays<int>.Return(_codes);
        }
        _codes = null;
    }

    /// <summary>
    /// Codes for rows appended from <paramref name="source"/>: its dictionary is mapped into this one
    /// value by value (one lookup per distinct value, not per row), then its codes are translated.
    /// </summary>
    private void AppendCodes(Column source, int start, int rows)
    {
        if (source._codes is null)
        {
            // The batch stopped interning (high cardinality): so does the buffer; hashing its rows
            // here would cost what interning was meant to save.
            StopInterning();
            return;
        }
        var distinct = source._interned!.Count;
        var remap = ColumnArrays<int>.Rent(Math.Max(distinct, 1));
        try
        {
            for (var d = 0; d < distinct; d++)
            {
                remap[d] = _interned!.GetOrAdd(source._interned[d]);
                if (_interned.Count > MaxInternedValues)
                {
                    StopInterning();
                    return;
                }
            }
            var codes = source.Codes;
            for (var done = 0; done < rows;)
            {
                var target = CodeRun(start + done, rows - done);
                for (var i = 0; i < target.Length; i++)
                {
                    var code = codes[done + i];
                    target[i] = code < 0 ? -1 : remap[code];
                }
                done += target.Length;
            }
        }
        finally
        {
            ColumnArrays<int>.Return(remap);
        }
    }
}
