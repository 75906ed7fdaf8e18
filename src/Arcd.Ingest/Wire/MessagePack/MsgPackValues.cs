using MessagePack;

namespace Arcd.Ingest.Wire.MessagePack;

/// <summary>Reading helpers shared by the payload readers.</summary>
internal static class MsgPackValues
{
    /// <summary>A string key or name, interned for the request (no string per row for repeated keys).</summary>
    public static string ReadName(ref MessagePackReader reader, DecodeContext context)
    {
        if (reader.TryReadStringSpan(out var utf8)) return context.Intern(utf8);
        return reader.ReadString() ?? "";
    }

    /// <summary>
    /// A string value's UTF-8 bytes without copying them when they are contiguous (they are, for a
    /// request body). The span points into the body, which outlives the decode, not into the reader.
    /// </summary>
    public static ReadOnlySpan<byte> ReadUtf8(scoped ref MessagePackReader reader)
    {
        if (reader.TryReadStringSpan(out var utf8))
            return System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(utf8), utf8.Length);
        return System.Buffers.BuffersExtensions.ToArray(reader.ReadStringSequence() ?? default);
    }

    /// <summary>Reads any integer encoding; uint64 above int64's range sets <paramref name="overflow"/>.</summary>
    public static long ReadInteger(ref MessagePackReader reader, out bool overflow)
    {
        overflow = false;
        if (reader.NextCode == MessagePackCode.UInt64)
        {
            var unsigned = reader.ReadUInt64();
            if (unsigned > long.MaxValue)
            {
                overflow = true;
                return 0;
            }
            return (long)unsigned;
        }
        return reader.ReadInt64();
    }

    /// <summary>A row-format or columnar timestamp (integer or float, any unit), scaled to µs.</summary>
    public static bool TryReadTime(ref MessagePackReader reader, bool detectUnit, ref TimeUnit unit, out long micros, out string? error)
    {
        long value;
        micros = 0;
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Integer:
                value = ReadInteger(ref reader, out var overflow);
                if (overflow)
                {
                    error = "is above the int64 range";
                    return false;
                }
                break;
            case MessagePackType.Float:
                var real = reader.ReadDouble();
                if (!double.IsFinite(real) || real >= 9.2e18 || real <= -9.2e18)
                {
                    error = "is not a finite int64-range number";
                    return false;
                }
                value = (long)real; // truncation, as Arc
                break;
            default:
                error = $"has invalid timestamp type {Describe(reader.NextMessagePackType)}";
                return false;
        }
        if (detectUnit) unit = TimeUnits.Detect(value);
        if (!TimeUnits.TryToMicros(value, unit, out micros) || !TimeUnits.IsRepresentable(micros))
        {
            error = $"{value} ({unit}) is outside years 0001-9999";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>Skips one value with a depth cap, so a deeply nested ignored key cannot exhaust the stack.</summary>
    public static bool TrySkip(ref MessagePackReader reader, int depthLeft)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
            case MessagePackType.Map:
                if (depthLeft == 0) return false;
                var isMap = reader.NextMessagePackType == MessagePackType.Map;
                var items = isMap ? reader.ReadMapHeader() * 2L : reader.ReadArrayHeader();
                for (long i = 0; i < items; i++)
                    if (!TrySkip(ref reader, depthLeft - 1)) return false;
                return true;
            default:
                reader.Skip();
                return true;
        }
    }

    public static long Remaining(ref MessagePackReader reader) => reader.Sequence.Length - reader.Consumed;

    public static string Describe(MessagePackType type) => type switch
    {
        MessagePackType.Integer => "integer",
        MessagePackType.Nil => "nil",
        MessagePackType.Boolean => "bool",
        MessagePackType.Float => "float",
        MessagePackType.String => "string",
        MessagePackType.Binary => "binary",
        MessagePackType.Array => "array",
        MessagePackType.Map => "map",
        MessagePackType.Extension => "extension",
        _ => "unknown",
    };
}
