using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using ArmCrc32 = System.Runtime.Intrinsics.Arm.Crc32;

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

    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data);

    /// <summary>The CRC register after <paramref name="data"/>, from <paramref name="crc"/> (no final inversion).</summary>
    internal static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        // System.IO.Hashing has CRC-32 (IEEE) but not Castagnoli; the SSE4.2 / ARMv8 instruction is used where present.
        if (!Sse42.X64.IsSupported && !ArmCrc32.Arm64.IsSupported)
        {
            foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }
        // The instruction's latency is three times its throughput, so one chain runs at a third of its speed
        // (the WAL checksum of every request was 2.5% of the daemon's CPU): three chains over three adjacent
        // blocks run together, then join, since CRC(A‖B) = CRC(A) shifted over |B| zero bytes ⊕ CRC(B) from 0.
        while (data.Length >= 3 * Stride)
        {
            uint crc1 = 0, crc2 = 0;
            ref var start = ref MemoryMarshal.GetReference(data);
            for (var i = 0; i < Stride; i += 8)
            {
                crc = Step(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
                crc1 = Step(crc1, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, Stride + i)));
                crc2 = Step(crc2, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, 2 * Stride + i)));
            }
            crc = ShiftOverStride(crc) ^ crc1;
            crc = ShiftOverStride(crc) ^ crc2;
            data = data[(3 * Stride)..];
        }
        var longs = data.Length / 8;
        for (var i = 0; i < longs; i++) crc = Step(crc, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i * 8, 8)));
        foreach (var b in data[(longs * 8)..]) crc = Sse42.IsSupported ? Sse42.Crc32(crc, b) : ArmCrc32.ComputeCrc32C(crc, b);
        return crc;
    }

    /// <summary>Bytes each of the three chains covers per round (a multiple of 8).</summary>
    internal const int Stride = 1024;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Step(uint crc, ulong data) =>
        Sse42.X64.IsSupported ? (uint)Sse42.X64.Crc32(crc, data) : ArmCrc32.Arm64.ComputeCrc32C(crc, data);

    // The register moved over Stride zero bytes, byte by byte of the register: a linear map, so four lookups.
    private static readonly uint[] StrideShift = BuildStrideShift();

    private static uint ShiftOverStride(uint crc) =>
        StrideShift[crc & 0xFF] ^ StrideShift[256 + ((crc >> 8) & 0xFF)] ^ StrideShift[512 + ((crc >> 16) & 0xFF)] ^ StrideShift[768 + (crc >> 24)];

    private static uint[] BuildStrideShift()
    {
        // Each register bit's image after Stride zero bytes (the table step, so it holds on every CPU).
        var bits = new uint[32];
        for (var bit = 0; bit < 32; bit++)
        {
            var value = 1u << bit;
            for (var n = 0; n < Stride; n++) value = Table[value & 0xFF] ^ (value >> 8);
            bits[bit] = value;
        }
        var shift = new uint[1024];
        for (var k = 0; k < 4; k++)
            for (var i = 0; i < 256; i++)
            {
                uint image = 0;
                for (var b = 0; b < 8; b++)
                    if ((i & (1 << b)) != 0) image ^= bits[8 * k + b];
                shift[256 * k + i] = image;
            }
        return shift;
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
