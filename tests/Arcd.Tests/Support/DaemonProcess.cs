using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Arcd.Tests.Support;

/// <summary>
/// The real daemon as a child process on 127.0.0.1 and a free port, with a temporary data root.
/// Either the JIT build (fast to iterate) or the published Native AOT binary.
/// </summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();

    private DaemonProcess(Process process, int port, string dataRoot, HttpMessageHandler? handler)
    {
        Process = process;
        Port = port;
        DataRoot = dataRoot;
        var scheme = handler is null ? "http" : "https";
        Client = new HttpClient(handler ?? new SocketsHttpHandler()) { BaseAddress = new Uri($"{scheme}://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public Process Process { get; }
    public int Port { get; }
    public string DataRoot { get; }
    public HttpClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <param name="tlsHandler">For a daemon serving HTTPS: the client handler that trusts its certificate.</param>
    /// <param name="waitReady">Also wait for /ready (WAL replayed, writes accepted); tests of the replay window pass false.</param>
    public static async Task<DaemonProcess> StartAsync(string workDir, IEnumerable<string>? settings = null, bool aot = false,
        IDictionary<string, string>? environment = null, HttpMessageHandler? tlsHandler = null, bool waitReady = true, bool waitHealthy = true)
    {
        var port = FreePort.Next();
        var dataRoot = Path.Combine(workDir, "data", "arc");
        // ./arcd.json comes before /etc/arcd/arcd.json: without one, a daemon started while the package test
        // had arcd installed read the package's config and shared its WAL directory with other tests.
        var localConfig = Path.Combine(workDir, "arcd.json");
        if (!File.Exists(localConfig) && !(settings ?? []).Contains("--config")) File.WriteAllText(localConfig, "{}");
        var start = new ProcessStartInfo
        {
            FileName = aot ? RepoPaths.AotBinary : "dotnet",
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (!aot) start.ArgumentList.Add(RepoPaths.DaemonDll);
        start.ArgumentList.Add($"--Server:Port={port}");
        start.ArgumentList.Add($"--Storage:Root={dataRoot}");
        start.ArgumentList.Add("--Log:Format=text");
        // Tests that are not about authentication run without it (it is on by default); auth tests turn it back on.
        start.ArgumentList.Add("--Auth:Enabled=false");
        start.ArgumentList.Add($"--Auth:TokenFile={Path.Combine(workDir, "data", "auth", "tokens.json")}");
        foreach (var setting in settings ?? []) start.ArgumentList.Add(setting);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start arcd");
        var daemon = new DaemonProcess(process, port, dataRoot, tlsHandler);
        process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!waitHealthy) return daemon; // a crash test that expects the process to die early
        await daemon.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        if (waitReady) await daemon.WaitReadyAsync(TimeSpan.FromSeconds(120));
        return daemon;
    }

    public Task<HttpResponseMessage> PostMsgPackAsync(byte[] body, string? database = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/write/msgpack") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/msgpack");
        if (database is not null) request.Headers.Add("x-arc-database", database);
        return Client.SendAsync(request);
    }

    /// <summary>Waits until /ready is 200 (after WAL replay).</summary>
    public async Task WaitReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited) throw new InvalidOperationException($"arcd exited with {Process.ExitCode}; output:\n{Output}");
            try
            {
                using var response = await Client.GetAsync("/ready");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(20);
        }
        throw new TimeoutException("arcd did not become ready; output:\n" + Output);
    }

    /// <summary>kill -9: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (!Process.HasExited) Process.Kill();
        await Process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then the exit code (the daemon flushes everything before it exits).</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!Process.HasExited) Signals.Send(Process.Id, Signals.SigTerm);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("arcd did not exit after SIGTERM; output:\n" + Output);
        }
        return Process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
        Process.Dispose();
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited) throw new InvalidOperationException($"arcd exited with {Process.ExitCode} before /health; output:\n{Output}");
            try
            {
                using var response = await Client.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(20);
        }
        throw new TimeoutException("arcd did not answer /health; output:\n" + Output);
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }
}
