using System.Buffers;

namespace Arcd.Import.LineProtocol;

/// <summary>
/// Cuts a line-protocol stream into bodies of whole lines, about <see cref="TargetBytes"/> each,
/// keeping the first line number of each so errors name the line in the file. A measurement
/// filter blanks the other lines (a blank line keeps the numbering; the decoder skips it).
/// </summary>
public sealed class LineChunker(Stream input, string? measurement, long maxBytes) : IDisposable
{
    public const int TargetBytes = 4 << 20;
    public const int MaxLineBytes = 16 << 20;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(TargetBytes * 2);
    private int _filled;
    private int _handedOut;
    private long _read;
    private bool _ended;
    private long _nextLine = 1;

    /// <summary>The next body and its first line's number, or false at the end. The body is valid until the next call.</summary>
    public bool TryNext(out ReadOnlyMemory<byte> body, out long firstLine)
    {
        // Drop what the previous call handed out.
        if (_handedOut > 0)
        {
            Buffer.BlockCopy(_buffer, _handedOut, _buffer, 0, _filled - _handedOut);
            _filled -= _handedOut;
            _handedOut = 0;
        }
        while (!_ended && _filled < TargetBytes) Fill();
        var end = _filled;
        if (!_ended)
        {
            var lastNewline = _buffer.AsSpan(0, _filled).LastIndexOf((byte)'\n');
            while (lastNewline < 0 && !_ended)
            {
                if (_filled >= MaxLineBytes) throw ImportException.BadRequest($"line {_nextLine}: longer than {MaxLineBytes} bytes");
                Fill();
                lastNewline = _buffer.AsSpan(0, _filled).LastIndexOf((byte)'\n');
            }
            end = _ended && lastNewline < 0 ? _filled : lastNewline + 1;
        }
        if (end == 0)
        {
            body = default;
            firstLine = _nextLine;
            return false;
        }
        var span = _buffer.AsSpan(0, end);
        if (measurement is not null) BlankOtherMeasurements(span, measurement);
        firstLine = _nextLine;
        _nextLine += span.Count((byte)'\n');
        _handedOut = end;
        body = _buffer.AsMemory(0, end);
        return true;
    }

    public long BytesRead => _read;

    private void Fill()
    {
        if (_filled == _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _filled);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        var n = input.Read(_buffer, _filled, _buffer.Length - _filled);
        if (n == 0)
        {
            _ended = true;
            return;
        }
        _filled += n;
        _read += n;
        if (_read > maxBytes) throw new ImportException(ImportFailure.TooLarge, $"file exceeds the import limit of {maxBytes} bytes (Import:MaxBytes) once decompressed");
    }

    /// <summary>Overwrites every line whose measurement is not <paramref name="keep"/> with spaces (the decoder skips blank lines).</summary>
    private static void BlankOtherMeasurements(Span<byte> text, string keep)
    {
        Span<byte> wanted = stackalloc byte[System.Text.Encoding.UTF8.GetMaxByteCount(keep.Length)];
        wanted = wanted[..System.Text.Encoding.UTF8.GetBytes(keep, wanted)];
        while (!text.IsEmpty)
        {
            var newline = text.IndexOf((byte)'\n');
            var line = newline < 0 ? text : text[..newline];
            var trimmed = line.TrimStart(" \t"u8);
            if (!trimmed.IsEmpty && trimmed[0] != '#' && !Measurement(trimmed).SequenceEqual(wanted)) line.Fill((byte)' ');
            text = newline < 0 ? default : text[(newline + 1)..];
        }
    }

    /// <summary>A line's measurement as written (escapes kept): up to the first unescaped comma or space.</summary>
    private static ReadOnlySpan<byte> Measurement(ReadOnlySpan<byte> line)
    {
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\') i++;
            else if (line[i] is (byte)',' or (byte)' ') return line[..i];
        }
        return line;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
