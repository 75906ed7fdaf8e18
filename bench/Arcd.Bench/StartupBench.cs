using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Arcd.Bench;

/// <summary>
/// Spawns the daemon N times and measures, per start: exec → first 200 on /health, exec → first
/// 204 on a write, and RSS once idle. The client retries the connection in a tight loop over a
/// raw socket, so the figure is the daemon's, not a client's start-up.
/// </summary>
public static class StartupBench
{
    public const string Usage = """
        usage: arcd-bench startup [--binary PATH] [--runs N] [--port P] [--json FILE]

        Starts the daemon N times (default 20) on 127.0.0.1:P (default 18000) with a fresh data
        root each time (authentication off, WAL in its default sync mode) and reports the median
        exec -> /health 200, exec -> first 204, and idle RSS.
        """;

    // docs/PROTOCOL.md §12 TV1: the smallest realistic write.
    private static readonly byte[] Tv1 = Convert.FromHexString(
        "82a16da3637075a7636f6c756d6e7383a474696d6592cf0000018bcfe56800cf0000018bcfe56be8a4686f737492a161a162a5757361676592cb3ff8000000000000cb4004000000000000");

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var binary = Path.GetFullPath(args.Get("binary", "artifacts/aot/arcd"));
        var runs = args.GetInt("runs", 20);
        var port = args.GetInt("port", 18000);
        var jsonPath = args.Get("json", "");
        args.EnsureAllUsed();
        if (!File.Exists(binary)) throw new ArgumentException($"no daemon binary at {binary} (make publish)");

        var health = new List<double>();
        var firstWrite = new List<double>();
        var idleRss = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var (healthMs, rss) = await MeasureOnceAsync(binary, port, write: false);
            health.Add(healthMs);
            idleRss.Add(rss);
            var (writeMs, _) = await MeasureOnceAsync(binary, port, write: true);
            firstWrite.Add(writeMs);
        }

        var size = new FileInfo(binary).Length;
        Console.WriteLine($"binary           {binary} ({size / 1e6:F1} MB)");
        Console.WriteLine($"runs             {runs}");
        Console.WriteLine($"exec -> /health  median {Median(health):F1} ms  (min {health.Min():F1}, max {health.Max():F1})");
        Console.WriteLine($"exec -> 204      median {Median(firstWrite):F1} ms  (min {firstWrite.Min():F1}, max {firstWrite.Max():F1})");
        Console.WriteLine($"idle RSS         median {Median(idleRss):F1} MiB");
        if (jsonPath.Length > 0)
        {
            await using var file = File.Create(jsonPath);
            await using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("machine", $"{Environment.ProcessorCount} cores, {Environment.OSVersion}");
            json.WriteString("date", DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteNumber("runs", runs);
            json.WriteNumber("binary_bytes", size);
            json.WriteNumber("health_median_ms", Math.Round(Median(health), 2));
            json.WriteNumber("first_write_median_ms", Math.Round(Median(firstWrite), 2));
            json.WriteNumber("idle_rss_median_mib", Math.Round(Median(idleRss), 2));
            json.WriteEndObject();
        }
        return 0;
    }

    private static async Task<(double Milliseconds, double IdleRssMiB)> MeasureOnceAsync(string binary, int port, bool write)
    {
        var dataRoot = Directory.CreateTempSubdirectory("arcd-bench-").FullName;
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = dataRoot,
        };
        start.ArgumentList.Add($"--Server:Port={port}");
        start.ArgumentList.Add($"--Storage:Root={Path.Combine(dataRoot, "arc")}");
        start.ArgumentList.Add($"--Wal:Dir={Path.Combine(dataRoot, "wal")}");
        // The write probe carries no token: measure the daemon, not the first-start token bootstrap.
        start.ArgumentList.Add("--Auth:Enabled=false");
        var request = write ? WriteRequest(port) : Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
        var expected = write ? "HTTP/1.1 204" : "HTTP/1.1 200";

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            while (true)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("daemon did not answer within 30 s");
                if (process.HasExited) throw new InvalidOperationException($"daemon exited with {process.ExitCode}");
                var status = TryRequest(port, request);
                if (status is null) continue; // not listening yet: retry at once
                // 503 while the (empty) WAL is being replayed: a client retries, so the probe does too.
                if (write && status.StartsWith("HTTP/1.1 503", StringComparison.Ordinal)) continue;
                if (!status.StartsWith(expected, StringComparison.Ordinal)) throw new InvalidOperationException($"unexpected answer: {status}");
                break;
            }
            var elapsed = clock.Elapsed.TotalMilliseconds;
            await Task.Delay(300); // let start-up work settle before reading the idle footprint
            return (elapsed, ReadRssMiB(process.Id));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            Directory.Delete(dataRoot, recursive: true);
        }
    }

    private static byte[] WriteRequest(int port)
    {
        var head = Encoding.ASCII.GetBytes(
            $"POST /api/v1/write/msgpack HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nx-arc-database: bench\r\nContent-Type: application/msgpack\r\nContent-Length: {Tv1.Length}\r\nConnection: close\r\n\r\n");
        return [.. head, .. Tv1];
    }

    /// <summary>The status line, or null while the port refuses connections.</summary>
    private static string? TryRequest(int port, byte[] request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Connect(IPAddress.Loopback, port);
        }
        catch (SocketException)
        {
            return null;
        }
        socket.Send(request);
        var buffer = new byte[256];
        var read = socket.Receive(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
    }

    private static double ReadRssMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
