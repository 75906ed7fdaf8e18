namespace Arcd.Ingest.Columnar;

/// <summary>
/// A batch's place in the write-ahead log: the record (shard, lsn) and the batch's index within the
/// decoded request. Buffers carry the range they hold, so a flush can say exactly which logged rows
/// its file holds (Wal/FORMAT.md, checkpoints).
/// </summary>
public readonly record struct WalPosition(int Shard, long Lsn, int Index) : IComparable<WalPosition>
{
    public int CompareTo(WalPosition other)
    {
        var byLsn = Lsn.CompareTo(other.Lsn);
        return byLsn != 0 ? byLsn : Index.CompareTo(other.Index);
    }

    public static bool operator <(WalPosition a, WalPosition b) => a.CompareTo(b) < 0;
    public static bool operator >(WalPosition a, WalPosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(WalPosition a, WalPosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(WalPosition a, WalPosition b) => a.CompareTo(b) >= 0;
}
