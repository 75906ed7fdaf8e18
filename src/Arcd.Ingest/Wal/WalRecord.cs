using Arcd.Ingest.Wire;
using System.Buffers.Binary;
using System.Text;

namespace Arcd.Ingest.Wal;

/// <summary>
/// One logged request (FORMAT.md): the validated, decompressed body and what is needed to decode
/// it exactly as the first time — its format, the line-protocol precision, and the server clock
/// that filled missing timestamps.
/// </summary>
public sealed record WalRecord(long Lsn, BodyFormat Format, byte Precision, long NowMicros, string Database, ReadOnlyMemory<byte> Body)
{
    // lsn i64 | format u8 | precision u8 | now i64 | database length u16 | database | body
    public const int FixedBytes = 8 + 1 + 1 + 8 + 2;

    public static int PayloadLength(string database, int bodyLength) => FixedBytes + Encoding.UTF8.GetByteCount(database) + bodyLength;

    public static void WritePayload(Span<byte> destination, long lsn, BodyFormat format, byte precision, long nowMicros, string database, ReadOnlySpan<byte> body)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, lsn);
        destination[8] = (byte)format;
        destination[9] = precision;
        BinaryPrimitives.WriteInt64LittleEndian(destination[10..], nowMicros);
        var nameLength = Encoding.UTF8.GetBytes(database, destination[20..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[18..], (ushort)nameLength);
        // The name was written after its length slot; this keeps one pass over the destination.
        body.CopyTo(destination[(20 + nameLength)..]);
    }

    public static bool TryParse(ReadOnlySpan<byte> payload, out WalRecord? record)
    {
        record = null;
        if (payload.Length < FixedBytes) return false;
        var format = (BodyFormat)payload[8];
        if (!Enum.IsDefined(format)) return false;
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[18..]);
        if (payload.Length < FixedBytes + nameLength) return false;
        record = new WalRecord(
            BinaryPrimitives.ReadInt64LittleEndian(payload),
            format,
            payload[9],
            BinaryPrimitives.ReadInt64LittleEndian(payload[10..]),
            Encoding.UTF8.GetString(payload.Slice(20, nameLength)),
            payload[(20 + nameLength)..].ToArray());
        return true;
    }
}
