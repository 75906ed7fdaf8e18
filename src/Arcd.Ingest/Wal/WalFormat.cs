using System.Buffers.Binary;
using System.IO.Hashing;

namespace Arcd.Ingest.Wal;

/// <summary>How the WAL is used: see FORMAT.md and the README's durability contract.</summary>
public enum WalMode
{
    Off,
    Async,
    Sync,
}

/// <summary>
/// Framing shared by segments and checkpoint logs (FORMAT.md): little-endian
/// <c>[u32 payload length][u32 CRC-32C of the payload][payload]</c>.
/// </summary>
public static class WalFraming
{
    /// <summary>Byte offsets of a frame header (FORMAT.md, "Frames"); persisted, never change.</summary>
    public static class Layout
    {
        public const int Length = 0;    // u32, payload bytes
        public const int Checksum = 4;  // u32, CRC-32C of the payload
        public const int Payload = 8;
    }

    public const int FrameHeaderBytes = Layout.Payload;
    public const int MaxPayloadBytes = 1 << 30;

    public static uint Checksum(ReadOnlySpan<byte> payload) => Crc32C.Compute(payload);

    public static void WriteHeader(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination[Layout.Length..], (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[Layout.Checksum..], Checksum(payload));
    }

    public enum ReadStatus
    {
        Ok,
        End,
        Torn,
        Corrupt,
    }

    /// <summary>
    /// Reads one frame at <paramref name="offset"/>. <see cref="ReadStatus.Torn"/>: the frame runs past
    /// the end of the data (an interrupted append). <see cref="ReadStatus.Corrupt"/>: a complete frame
    /// whose checksum fails, or an impossible length.
    /// </summary>
    public static ReadStatus TryRead(ReadOnlySpan<byte> data, int offset, out ReadOnlySpan<byte> payload, out int next)
    {
        payload = default;
        next = offset;
        if (offset == data.Length) return ReadStatus.End;
        if (data.Length - offset < FrameHeaderBytes) return ReadStatus.Torn;
        var length = BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
        var checksum = BinaryPrimitives.ReadUInt32LittleEndian(data[(offset + 4)..]);
        if (length > MaxPayloadBytes) return ReadStatus.Corrupt;
        if (data.Length - offset - FrameHeaderBytes < length) return ReadStatus.Torn;
        payload = data.Slice(offset + FrameHeaderBytes, (int)length);
        if (Checksum(payload) != checksum) return ReadStatus.Corrupt;
        next = offset + FrameHeaderBytes + (int)length;
        return ReadStatus.Ok;
    }
}

/// <summary>CRC-32C (Castagnoli), the checksum of every WAL and checkpoint frame.</summary>
internal static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        // System.IO.Hashing has CRC-32 (IEEE) but not Castagnoli; the SSE4.2 instruction is used where present.
        if (System.Runtime.Intrinsics.X86.Sse42.X64.IsSupported)
        {
            var longs = data.Length / 8;
            for (var i = 0; i < longs; i++)
                crc = (uint)System.Runtime.Intrinsics.X86.Sse42.X64.Crc32(crc, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i * 8, 8)));
            data = data[(longs * 8)..];
            foreach (var b in data) crc = System.Runtime.Intrinsics.X86.Sse42.Crc32(crc, b);
            return ~crc;
        }
        if (System.Runtime.Intrinsics.Arm.Crc32.Arm64.IsSupported)
        {
            var longs = data.Length / 8;
            for (var i = 0; i < longs; i++)
                crc = System.Runtime.Intrinsics.Arm.Crc32.Arm64.ComputeCrc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i * 8, 8)));
            data = data[(longs * 8)..];
            foreach (var b in data) crc = System.Runtime.Intrinsics.Arm.Crc32.ComputeCrc32C(crc, b);
            return ~crc;
        }
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var value = i;
            for (var bit = 0; bit < 8; bit++) value = (value & 1) != 0 ? (value >> 1) ^ 0x82F63B78u : value >> 1;
            table[i] = value;
        }
        return table;
    }
}
