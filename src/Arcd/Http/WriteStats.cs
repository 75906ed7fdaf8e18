using System.Diagnostics;

namespace Arcd.Http;

/// <summary>
/// Requests (by status class), records and body bytes per write endpoint, and how long write
/// requests took inside arcd (a latency histogram over every write endpoint), for /metrics.
/// </summary>
public sealed class WriteStats
{
    public static readonly string[] Endpoints = ["/api/v1/write/msgpack", "/write", "/api/v2/write", "/api/v1/write/line-protocol"];

    public const int Ok = 0, ClientError = 1, ServerError = 2, Records = 3, Bytes = 4;
    private const int Stride = 8; // one cache line per endpoint
    private readonly long[] _values = new long[Endpoints.Length * Stride];

    /// <summary>Upper bounds of the latency buckets, in seconds (Prometheus <c>le</c>; +Inf follows).</summary>
    public static readonly double[] DurationBounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
    private static readonly long[] BoundTicks = DurationBounds.Select(s => (long)(s * Stopwatch.Frequency)).ToArray();

    // Per bucket (not cumulative; the exporter sums), then +Inf; the sum is kept in Stopwatch ticks.
    private readonly long[] _durations = new long[DurationBounds.Length + 1];
    private long _durationTicks;

    /// <param name="elapsedTicks">Stopwatch ticks from the router handing the request over to its answer.</param>
    public void Record(string path, int status, long records, long bytes, long elapsedTicks)
    {
        var endpoint = Array.IndexOf(Endpoints, path);
        if (endpoint < 0) return;
        var i = endpoint * Stride;
        Interlocked.Increment(ref _values[i + (status < 400 ? Ok : status < 500 ? ClientError : ServerError)]);
        if (records > 0) Interlocked.Add(ref _values[i + Records], records);
        Interlocked.Add(ref _values[i + Bytes], bytes);
        var bucket = 0;
        while (bucket < BoundTicks.Length && elapsedTicks > BoundTicks[bucket]) bucket++;
        Interlocked.Increment(ref _durations[bucket]);
        Interlocked.Add(ref _durationTicks, elapsedTicks);
    }

    public long Read(int endpoint, int field) => Interlocked.Read(ref _values[endpoint * Stride + field]);

    /// <summary>Requests in latency bucket <paramref name="bucket"/> alone (the last is beyond every bound).</summary>
    public long DurationBucket(int bucket) => Interlocked.Read(ref _durations[bucket]);

    public double DurationSumSeconds => (double)Interlocked.Read(ref _durationTicks) / Stopwatch.Frequency;
}
