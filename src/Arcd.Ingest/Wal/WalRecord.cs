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
    /// <summary>Byte offsets of the record payload's fixed header (FORMAT.md, "Record payload"); persisted, never change.</summary>
    public static class Layout
    {
        public const int Lsn = 0;              // i64
        public const int Format = 8;           // u8, BodyFormat
        public const int Precision = 9;        // u8, TimePrecision
        public const int NowMicros = 10;       // i64
        public const int DatabaseLength = 18;  // u16
        public const int Database = 20;        // UTF-8, then the body
    }

    public const int FixedBytes = Layout.Database;

    public static int PayloadLength(string database, int bodyLength) => FixedBytes + Encoding.UTF8.GetByteCount(database) + bodyLength;

    public static void WritePayload(Span<byte> destination, long lsn, BodyFormat format, byte precision, long nowMicros, string database, ReadOnlySpan<byte> body)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination[Layout.Lsn..], lsn);
        destination[Layout.Format] = (byte)format;
        destination[Layout.Precision] = precision;
        BinaryPrimitives.WriteInt64LittleEndian(destination[Layout.NowMicros..], nowMicros);
        var nameLength = Encoding.UTF8.GetBytes(database, destination[Layout.Database..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[Layout.DatabaseLength..], (ushort)nameLength);
        // The name was written after its length slot; this keeps one pass over the destination.
        body.CopyTo(destination[(Layout.Database + nameLength)..]);
    }

    public static bool TryParse(ReadOnlySpan<byte> payload, out WalRecord? record)
    {
        record = null;
        if (payload.Length < FixedBytes) return false;
        var format = (BodyFormat)payload[Layout.Format];
        if (!Enum.IsDefined(format)) return false;
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[Layout.DatabaseLength..]);
        if (payload.Length < FixedBytes + nameLength) return false;
        record = new WalRecord(
            BinaryPrimitives.ReadInt64LittleEndian(payload[Layout.Lsn..]),
            format,
            payload[Layout.Precision],
            BinaryPrimitives.ReadInt64LittleEndian(payload[Layout.NowMicros..]),
            Encoding.UTF8.GetString(payload.Slice(Layout.Database, nameLength)),
            payload[(Layout.Database + nameLength)..].ToArray());
        return true;
    }
}
