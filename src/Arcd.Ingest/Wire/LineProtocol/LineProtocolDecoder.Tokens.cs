using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;

namespace Arcd.Ingest.Wire.LineProtocol;

/// <summary>The tokenizer: field values, booleans, escapes and key characters of one line.</summary>
public sealed partial class LineProtocolDecoder
{
    private bool TryParseFieldValue(ReadOnlySpan<byte> line, ref int i, (int Offset, int Length) key, out string? problem)
    {
        problem = null;
        if (i >= line.Length) return Fail("missing value", out problem);
        if (line[i] == '"')
        {
            // String: \" and \\ are escapes; any other backslash is literal (Influx's rule).
            i++;
            var offset = _scratch.Length;
            while (true)
            {
                if (i >= line.Length) return Fail("unterminated string (missing closing quote)", out problem);
                var c = line[i];
                if (c == '"') break;
                if (c == '\\' && i + 1 < line.Length && (line[i + 1] == '"' || line[i + 1] == '\\'))
                {
                    _scratch.WriteByte(line[i + 1]);
                    i += 2;
                    continue;
                }
                _scratch.WriteByte(c);
                i++;
            }
            i++;
            if (_scratch.Length - offset > _limits.MaxStringBytes) return Fail($"string longer than {_limits.MaxStringBytes} bytes", out problem);
            _fields.Add(new PendingField(key.Offset, key.Length, FieldKind.String, 0, 0, offset, _scratch.Length - offset));
            return true;
        }

        // Plain decimals (nearly every value) are read while their end is found.
        if (FastDecimal.TryParseToDelimiter(line[i..], out var quick, out var quickLength))
        {
            i += quickLength;
            _fields.Add(new PendingField(key.Offset, key.Length, FieldKind.Float64, 0, quick, 0, 0));
            return true;
        }
        var start = i;
        i = ValueEnd(line, i);
        var token = line[start..i];
        if (token.IsEmpty) return Fail("missing value", out problem);
        if (TryParseBoolean(token, out var boolean))
        {
            _fields.Add(new PendingField(key.Offset, key.Length, FieldKind.Boolean, boolean ? 1 : 0, 0, 0, 0));
            return true;
        }
        var last = token[^1];
        if (last == 'i')
        {
            if (!TryParseInteger(token, out var integer))
                return Fail($"invalid integer '{Encoding.UTF8.GetString(token)}' (int64 range)", out problem);
            _fields.Add(new PendingField(key.Offset, key.Length, FieldKind.Int64, integer, 0, 0, 0));
            return true;
        }
        if (last == 'u')
        {
            if (!Utf8Parser.TryParse(token[..^1], out ulong unsigned, out var used) || used != token.Length - 1 || token[0] == '-')
                return Fail($"invalid unsigned integer '{Encoding.UTF8.GetString(token)}'", out problem);
            if (unsigned > long.MaxValue) return Fail($"unsigned integer {unsigned} is above the int64 range arcd stores", out problem);
            _fields.Add(new PendingField(key.Offset, key.Length, FieldKind.Int64, (long)unsigned, 0, 0, 0));
            return true;
        }
        // Floats the fast path above could not take: exponents, more than 15 digits. NaN and Inf are not line protocol.
        var first = token[0];
        if ((first is >= (byte)'0' and <= (byte)'9' || first is (byte)'-' or (byte)'+' or (byte)'.')
            && Utf8Parser.TryParse(token, out double real, out var consumed) && consumed == token.Length && double.IsFinite(real))
        {
            _fields.Add(new PendingField(key.Offset, key.Length, FieldKind.Float64, 0, real, 0, 0));
            return true;
        }
        return Fail($"invalid field value '{Encoding.UTF8.GetString(token)}' (strings must be in double quotes; integers end in i or u)", out problem);
    }

    /// <summary>Where a field value that is not a quoted string ends: the next ',' or ' ', or the line's end.</summary>
    private static int ValueEnd(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && line[i] != ',' && line[i] != ' ') i++;
        return i;
    }

    /// <summary>An integer field value: an int64 in decimal, then 'i'.</summary>
    private static bool TryParseInteger(ReadOnlySpan<byte> token, out long value)
    {
        value = 0;
        return token.Length >= 2 && token[^1] == 'i' && Utf8Parser.TryParse(token[..^1], out value, out var used) && used == token.Length - 1;
    }

    private static bool TryParseBoolean(ReadOnlySpan<byte> token, out bool value)
    {
        // Most values are numbers: one look at the first byte settles them.
        if (token[0] is not ((byte)'t' or (byte)'T' or (byte)'f' or (byte)'F'))
        {
            value = false;
            return false;
        }
        switch (token.Length)
        {
            case 1 when token[0] is (byte)'t' or (byte)'T': value = true; return true;
            case 1 when token[0] is (byte)'f' or (byte)'F': value = false; return true;
            case 4 when token.SequenceEqual("true"u8) || token.SequenceEqual("True"u8) || token.SequenceEqual("TRUE"u8): value = true; return true;
            case 5 when token.SequenceEqual("false"u8) || token.SequenceEqual("False"u8) || token.SequenceEqual("FALSE"u8): value = false; return true;
            default: value = false; return false;
        }
    }

    /// <summary>
    /// Copies a name or tag value into the scratch buffer, resolving backslash escapes of
    /// <c>, = space \ "</c>; any other backslash stays literal. Stops at an unescaped space, or
    /// comma / equals sign as asked.
    /// </summary>
    private (int Offset, int Length) Unescape(ReadOnlySpan<byte> line, ref int i, bool stopAtComma, bool stopAtEquals)
    {
        // Runs without a stop character or backslash are found vectorized and copied in one go
        // (byte-by-byte copying was 16% of line-protocol ingest in the profile).
        var stops = (stopAtComma, stopAtEquals) switch
        {
            (true, true) => StopsCommaEquals,
            (true, false) => StopsComma,
            (false, true) => StopsEquals,
            _ => StopsSpace,
        };
        var mask = (byte)(SpaceOrBackslash | (stopAtComma ? Comma : 0) | (stopAtEquals ? EqualsSign : 0));
        var offset = _scratch.Length;
        while (i < line.Length)
        {
            var run = RunLength(line[i..], stops, mask);
            if (run < 0)
            {
                _scratch.Write(line[i..]);
                i = line.Length;
                break;
            }
            if (run > 0)
            {
                _scratch.Write(line.Slice(i, run));
                i += run;
            }
            if (line[i] != '\\') break; // a stop character
            if (i + 1 < line.Length && line[i + 1] is (byte)',' or (byte)'=' or (byte)' ' or (byte)'\\' or (byte)'"')
            {
                _scratch.WriteByte(line[i + 1]);
                i += 2;
                continue;
            }
            _scratch.WriteByte((byte)'\\');
            i++;
        }
        return (offset, _scratch.Length - offset);
    }

    /// <summary>
    /// Bytes before the first stop character, or -1. Names and tag values are mostly a few bytes long,
    /// where a table loop beats the vectorized search's setup; longer ones go to the search.
    /// </summary>
    private static int RunLength(ReadOnlySpan<byte> text, SearchValues<byte> stops, byte mask)
    {
        var scalar = Math.Min(text.Length, 16);
        var kinds = StopKinds;
        for (var k = 0; k < scalar; k++)
            if ((kinds[text[k]] & mask) != 0) return k;
        if (scalar == text.Length) return -1;
        var rest = text[scalar..].IndexOfAny(stops);
        return rest < 0 ? -1 : scalar + rest;
    }

    private const byte SpaceOrBackslash = 1, Comma = 2, EqualsSign = 4;

    private static readonly byte[] StopKinds = CreateStopKinds();

    private static byte[] CreateStopKinds()
    {
        var kinds = new byte[256];
        kinds[' '] = kinds['\\'] = SpaceOrBackslash;
        kinds[','] = Comma;
        kinds['='] = EqualsSign;
        return kinds;
    }

    private static readonly SearchValues<byte> StopsCommaEquals = SearchValues.Create(" ,=\\"u8);
    private static readonly SearchValues<byte> StopsComma = SearchValues.Create(" ,\\"u8);
    private static readonly SearchValues<byte> StopsEquals = SearchValues.Create(" =\\"u8);
    private static readonly SearchValues<byte> StopsSpace = SearchValues.Create(" \\"u8);

    private bool IsTagKey(ReadOnlySpan<byte> key)
    {
        var scratch = _scratch.Span;
        foreach (var (offset, length) in CollectionsMarshal.AsSpan(_tagKeys))
            if (length == key.Length && scratch.Slice(offset, length).SequenceEqual(key)) return true;
        return false;
    }

    private bool TryKeyChars(ReadOnlySpan<byte> utf8, Span<char> chars, out int length)
    {
        length = 0;
        if (utf8.Length > _limits.MaxColumnNameBytes) return false;
        // Keys are nearly always ASCII: widened in a loop, cheaper than the transcoder's call for a few bytes.
        return TryAscii(utf8, chars, out length) || Encoding.UTF8.TryGetChars(utf8, chars, out length);
    }

    private static bool TryAscii(ReadOnlySpan<byte> bytes, Span<char> chars, out int length)
    {
        length = bytes.Length;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] >= 0x80) return false;
            chars[i] = (char)bytes[i];
        }
        return true;
    }
}
