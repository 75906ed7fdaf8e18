using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Arcd.Bench;

/// <summary>
/// Load generator in Arc's benchmark shape (BENCHMARKS.md): pre-generated bodies of 1000 rows for
/// measurements cpu/mem/disk/net, hosts server000-999, three float columns. Closed loop over N
/// connections, or open loop at a fixed record rate (latency measured from the scheduled send
/// time, so a stalled server shows up as latency, not as a lower offered rate).
/// </summary>
public static class LoadBench
{
    public const string Usage = """
        usage: arcd-bench load [--url http://127.0.0.1:8000] [--mode msgpack-columnar|msgpack-row|line-protocol]
                               [--compression none|gzip|zstd] [--connections 64] [--batch 1000] [--duration 30]
                               [--rate 0 (records/s, open loop; 0 = closed loop)] [--database bench] [--token T]
                               [--pid PID (server, for CPU and RSS)] [--json FILE]
                               [--path P (default: the mode's arcd endpoint; e.g. /write?db=bench for InfluxDB 1.x peers)]

        Server allocation (arcd's /metrics) and the p99 and p99.9 latency are reported for the whole run and
        for its steady state, from a third of the run on, once the server's pools and buffers have filled.

        Line protocol without compression gets timestamps never sent before (1 ms apart from 48 h ago),
        so peers that overwrite or deduplicate equal points do all the work.
        """;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var url = args.Get("url", "http://127.0.0.1:8000").TrimEnd('/');
        var mode = args.Get("mode", "msgpack-columnar");
        var compression = args.Get("compression", "none");
        var connections = args.GetInt("connections", 64);
        var batch = args.GetInt("batch", 1000);
        var duration = TimeSpan.FromSeconds(args.GetInt("duration", 30));
        var rate = args.GetInt("rate", 0);
        var database = args.Get("database", "bench");
        var token = args.Get("token", "");
        var pid = args.GetInt("pid", 0);
        var jsonPath = args.Get("json", "");
        var defaultPath = mode switch
        {
            "msgpack-columnar" or "msgpack-row" => "/api/v1/write/msgpack",
            "line-protocol" => "/api/v1/write/line-protocol",
            _ => throw new ArgumentException($"unknown --mode {mode}"),
        };
        var path = args.Get("path", defaultPath);
        args.EnsureAllUsed();
        var templates = mode == "line-protocol" && compression == "none"
            ? Enumerable.Range(0, 8).Select(i => new BenchmarkShape.LineProtocolTemplate(batch, i, DateTimeOffset.UtcNow.AddHours(-48).ToUnixTimeMilliseconds())).ToArray()
            : null;
        var requestSequence = -1L;
        var bodies = Enumerable.Range(0, 200).Select(i => Compress(BenchmarkShape.Body(mode, batch, i), compression)).ToArray();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };

        var before = ServerSample.Take(pid, await AllocatedBytesAsync(client));
        var latencies = new List<(long Scheduled, long Latency)>[connections];
        var errors = 0L;
        var sent = 0L;
        var clock = Stopwatch.StartNew();
        var end = duration;
        // Steady state: allocation from a third of the run on, once the server's pools and buffers have
        // filled (its first seconds allocate what it then reuses).
        var steady = Task.Run(async () =>
        {
            await Task.Delay(duration / 3);
            return (Allocated: await AllocatedBytesAsync(client), Sent: Interlocked.Read(ref sent));
        });
        using var progress = new Timer(_ => Console.Error.WriteLine(
            $"{clock.Elapsed.TotalSeconds,6:F1}s  {Interlocked.Read(ref sent) * batch / Math.Max(clock.Elapsed.TotalSeconds, 0.001) / 1e6,8:F2}M rec/s  errors {Interlocked.Read(ref errors)}"),
            null, 1000, 1000);

        // Open loop: each connection owns every n-th slot of the schedule.
        using var pacer = rate > 0 ? new OpenLoopPacer(connections, TimeSpan.FromSeconds((double)batch / rate), clock, end) : null;
        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = new List<(long, long)>(1 << 16);
            var next = worker;
            var scratch = templates is null ? null : new byte[templates.Max(t => t.Length)];
            while (clock.Elapsed < end)
            {
                var scheduled = clock.Elapsed;
                if (pacer is not null)
                {
                    await pacer.WaitForSlotAsync(worker);
                    if (clock.Elapsed >= end) break;
                    scheduled = pacer.DueAt(next);
                    next += connections;
                }
                ByteArrayContent content;
                if (templates is not null)
                {
                    var template = templates[(worker + mine.Count) % templates.Length];
                    template.Write(scratch!, Interlocked.Increment(ref requestSequence));
                    content = new ByteArrayContent(scratch!, 0, template.Length);
                }
                else content = new ByteArrayContent(bodies[(worker + mine.Count) % bodies.Length]);
                using var ownedContent = content;
                content.Headers.ContentType = new MediaTypeHeaderValue(mode == "line-protocol" ? "text/plain" : "application/msgpack");
                if (compression != "none") content.Headers.ContentEncoding.Add(compression);
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
                request.Headers.Add("x-arc-database", database);
                if (token.Length > 0) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                try
                {
                    using var response = await client.SendAsync(request);
                    if (response.IsSuccessStatusCode) Interlocked.Increment(ref sent);
                    else Interlocked.Increment(ref errors);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
                mine.Add((scheduled.Ticks, (clock.Elapsed - scheduled).Ticks));
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed.TotalSeconds;
        progress.Dispose();
        var after = ServerSample.Take(pid, await AllocatedBytesAsync(client));

        var all = latencies.SelectMany(l => l).Select(l => l.Latency).Order().ToArray();
        // Steady state, as for allocation: requests scheduled from a third of the run on, once a freshly
        // started server has filled its pools (its first second is the slowest of the run).
        var steadyFrom = (duration / 3).Ticks;
        var steadyLatencies = latencies.SelectMany(l => l).Where(l => l.Scheduled >= steadyFrom).Select(l => l.Latency).Order().ToArray();
        double Percentile(double p) => PercentileOf(all, p);
        static double PercentileOf(long[] sorted, double p) =>
            sorted.Length == 0 ? 0 : TimeSpan.FromTicks(sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))]).TotalMilliseconds;
        var records = sent * batch;
        var result = new Dictionary<string, double>
        {
            ["records_per_sec"] = records / elapsed,
            ["requests_per_sec"] = sent / elapsed,
            ["p50_ms"] = Percentile(0.50),
            ["p95_ms"] = Percentile(0.95),
            ["p99_ms"] = Percentile(0.99),
            ["p999_ms"] = Percentile(0.999),
            ["p99_ms_steady"] = PercentileOf(steadyLatencies, 0.99),
            ["p999_ms_steady"] = PercentileOf(steadyLatencies, 0.999),
            ["errors"] = errors,
            ["records"] = records,
            ["seconds"] = elapsed,
        };
        if (pid > 0)
        {
            var cpu = after.CpuSeconds - before.CpuSeconds;
            result["server_cpu_seconds"] = cpu;
            result["records_per_server_cpu_second"] = cpu > 0 ? records / cpu : 0;
            result["server_peak_rss_mib"] = after.PeakRssMiB;
        }
        if (after.AllocatedBytes >= 0 && before.AllocatedBytes >= 0 && records > 0)
            result["server_allocated_bytes_per_record"] = (double)(after.AllocatedBytes - before.AllocatedBytes) / records;
        var (steadyAllocated, steadySent) = await steady;
        if (after.AllocatedBytes >= 0 && steadyAllocated >= 0 && sent > steadySent)
            result["server_allocated_bytes_per_record_steady"] = (double)(after.AllocatedBytes - steadyAllocated) / ((sent - steadySent) * batch);

        Console.WriteLine($"mode {mode}, compression {compression}, {connections} connections, batch {batch}, {(rate > 0 ? $"open loop {rate} rec/s" : "closed loop")}, {elapsed:F1} s");
        foreach (var (name, value) in result) Console.WriteLine($"  {name,-34} {value.ToString("0.###", CultureInfo.InvariantCulture)}");
        if (jsonPath.Length > 0)
        {
            await using var file = File.Create(jsonPath);
            await using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("mode", mode);
            json.WriteString("compression", compression);
            json.WriteNumber("connections", connections);
            json.WriteNumber("batch", batch);
            json.WriteNumber("rate", rate);
            foreach (var (name, value) in result) json.WriteNumber(name, Math.Round(value, 3));
            json.WriteEndObject();
        }
        return errors > 0 && sent == 0 ? 1 : 0;
    }

    private static byte[] Compress(byte[] body, string compression)
    {
        switch (compression)
        {
            case "none": return body;
            case "gzip":
                using (var output = new MemoryStream())
                {
                    using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(body);
                    return output.ToArray();
                }
            case "zstd":
                using (var compressor = new ZstdSharp.Compressor(1)) return compressor.Wrap(body).ToArray();
            default: throw new ArgumentException($"unknown --compression {compression}");
        }
    }

    private static async Task<long> AllocatedBytesAsync(HttpClient client)
    {
        try
        {
            foreach (var line in (await client.GetStringAsync("/metrics")).Split('\n'))
                if (line.StartsWith("arcd_gc_allocated_bytes_total ", StringComparison.Ordinal))
                    return (long)double.Parse(line.AsSpan(30), CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
        }
        return -1;
    }

    private readonly record struct ServerSample(double CpuSeconds, double PeakRssMiB, long AllocatedBytes)
    {
        public static ServerSample Take(int pid, long allocated)
        {
            if (pid <= 0 || !File.Exists($"/proc/{pid}/stat")) return new ServerSample(0, 0, allocated);
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime are fields 14 and 15 of /proc/pid/stat, in clock ticks (100 per second here).
            var cpu = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
            var peak = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return new ServerSample(cpu, double.Parse(peak.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024, allocated);
        }
    }
}
