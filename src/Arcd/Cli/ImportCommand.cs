using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Arcd.Configuration;

namespace Arcd.Cli;

/// <summary>
/// <c>arcd import FILE</c>: uploads a file to a running daemon's <c>/api/v1/import/*</c> as the
/// multipart form Arc defines, with a progress bar on a terminal, and prints what was imported.
/// </summary>
public static class ImportCommand
{
    public static int Run(LoadedConfig config, ImportArguments args)
    {
        var url = (args.Url ?? $"http://127.0.0.1:{config.Options.Server.Port}").TrimEnd('/');
        var token = args.Token ?? Environment.GetEnvironmentVariable("ARCD_TOKEN");
        var file = new FileInfo(args.File!);
        if (!file.Exists)
        {
            Console.Error.WriteLine($"arcd import: no such file: {file.FullName}");
            return 2;
        }
        var query = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) query.Add($"{name}={Uri.EscapeDataString(value)}");
        }
        Add("measurement", args.Measurement);
        Add("time_column", args.TimeColumn);
        Add("time_format", args.TimeFormat);
        Add("tags", args.Tags);
        Add("precision", args.Precision);
        Add("delimiter", args.Delimiter ?? (file.Name.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) ? "\t" : null));
        var path = $"/api/v1/import/{args.Format}{(query.Count > 0 ? "?" + string.Join('&', query) : "")}";

        var bar = Console.IsErrorRedirected ? null : new ProgressBar(file.Length);
        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var form = new MultipartFormDataContent();
        using var stream = file.OpenRead();
        var content = new StreamContent(new ProgressStream(stream, bar), 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "file", file.Name);
        using var request = new HttpRequestMessage(HttpMethod.Post, url + path) { Content = form };
        request.Headers.Add("x-arc-database", args.Database);
        if (!string.IsNullOrEmpty(token)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var started = Stopwatch.StartNew();
        HttpResponseMessage response;
        string text;
        try
        {
            response = client.Send(request);
            text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        }
        catch (HttpRequestException ex)
        {
            bar?.Clear();
            Console.Error.WriteLine($"arcd import: cannot reach {url}: {ex.Message}");
            return 1;
        }
        bar?.Clear();
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Console.Error.WriteLine($"arcd import: {(int)response.StatusCode} {ErrorOf(text)}");
                return 1;
            }
            var result = JsonDocument.Parse(text).RootElement.GetProperty("result");
            var rows = result.GetProperty("rows_imported").GetInt64();
            var target = result.TryGetProperty("measurement", out var m)
                ? $"{args.Database}.{m.GetString()}"
                : $"{args.Database} ({string.Join(", ", result.GetProperty("measurements").EnumerateArray().Select(x => x.GetString()))})";
            var seconds = started.Elapsed.TotalSeconds;
            var range = result.TryGetProperty("time_range_min", out var min)
                ? $", {result.GetProperty("partitions_created").GetInt32()} hours from {min.GetString()} to {result.GetProperty("time_range_max").GetString()}"
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"imported {rows:N0} rows into {target}{range} in {seconds:F1} s ({rows / Math.Max(seconds, 0.001):N0} rows/s)"));
            return 0;
        }
    }

    private static string ErrorOf(string text)
    {
        try
        {
            return JsonDocument.Parse(text).RootElement.GetProperty("error").GetString() ?? text;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return text;
        }
    }

    /// <summary>A one-line bar on stderr: percent, bytes sent, rate; then "writing" while the daemon works.</summary>
    private sealed class ProgressBar(long total)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _lastDraw = -1;

        public void Report(long sent)
        {
            var now = _clock.ElapsedMilliseconds;
            if (sent < total && now - _lastDraw < 100) return;
            _lastDraw = now;
            const int width = 30;
            var fraction = total == 0 ? 1 : (double)sent / total;
            var filled = (int)(fraction * width);
            var rate = sent / Math.Max(_clock.Elapsed.TotalSeconds, 0.001) / (1 << 20);
            var line = sent >= total
                ? string.Create(CultureInfo.InvariantCulture, $"[{new string('#', width)}] 100% {Mib(total)} sent; the daemon is checking and writing it...")
                : string.Create(CultureInfo.InvariantCulture, $"[{new string('#', filled)}{new string('.', width - filled)}] {fraction * 100,3:F0}% {Mib(sent)}/{Mib(total)} {rate:F1} MiB/s");
            Console.Error.Write("\r" + line.PadRight(Console.IsErrorRedirected ? 0 : Math.Max(Console.BufferWidth - 1, line.Length)));
        }

        public void Clear() => Console.Error.Write("\r\u001b[2K");

        private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):F1} MiB");
    }

    /// <summary>Counts what the upload has read and moves the bar.</summary>
    private sealed class ProgressStream(Stream inner, ProgressBar? bar) : Stream
    {
        private long _read;

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        private int Count(int n)
        {
            _read += n;
            bar?.Report(_read);
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
