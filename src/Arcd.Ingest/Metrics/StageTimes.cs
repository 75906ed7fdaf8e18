using System.Diagnostics;

namespace Arcd.Ingest.Metrics;

/// <summary>The stages of the data path whose time /metrics reports (the profiling plan, built in).</summary>
public enum Stage
{
    Decompress,
    Decode,
    QueueWait,
    WalWrite,
    WalSync,
    Append,
    Sort,
    Encode,
    Store,
}

/// <summary>
/// Total time and count per stage, added once per request, drain or file (never per record), so the
/// cost is one timestamp and two interlocked adds where it is taken.
/// </summary>
public sealed class StageTimes
{
    public static readonly Stage[] All = Enum.GetValues<Stage>();

    // Each stage on its own cache line: shard and flush threads update different stages at once.
    private const int Stride = 8;
    private readonly long[] _values = new long[All.Length * Stride];

    /// <summary>Adds the time since <paramref name="startTimestamp"/> (a <see cref="Stopwatch"/> timestamp) to <paramref name="stage"/>.</summary>
    public void Add(Stage stage, long startTimestamp) => AddTicks(stage, Stopwatch.GetTimestamp() - startTimestamp);

    public void AddTicks(Stage stage, long ticks)
    {
        var i = (int)stage * Stride;
        Interlocked.Add(ref _values[i], ticks);
        Interlocked.Increment(ref _values[i + 1]);
    }

    public (double Seconds, long Count) Read(Stage stage)
    {
        var i = (int)stage * Stride;
        return ((double)Interlocked.Read(ref _values[i]) / Stopwatch.Frequency, Interlocked.Read(ref _values[i + 1]));
    }

    public static string Name(Stage stage) => stage switch
    {
        Stage.Decompress => "decompress",
        Stage.Decode => "decode",
        Stage.QueueWait => "queue_wait",
        Stage.WalWrite => "wal_write",
        Stage.WalSync => "wal_sync",
        Stage.Append => "append",
        Stage.Sort => "sort",
        Stage.Encode => "encode",
        _ => "store",
    };
}
