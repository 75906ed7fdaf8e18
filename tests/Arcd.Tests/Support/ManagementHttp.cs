using System.Net;
using System.Text;
using System.Text.Json;

namespace Arcd.Tests.Support;

/// <summary>JSON calls to the management APIs: status and parsed body (null for an empty one).</summary>
internal static class ManagementHttp
{
    public const string ClientAgent = "arc-client-python/0.1.0";

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(DaemonProcess daemon, HttpMethod method, string path, string? json = null,
        string? userAgent = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, contentType);
        if (userAgent is not null) request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        using var response = await daemon.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(DaemonProcess daemon, string path, string json, string? userAgent = null) =>
        SendAsync(daemon, HttpMethod.Post, path, json, userAgent);

    public static Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(DaemonProcess daemon, string path, string? userAgent = null) =>
        SendAsync(daemon, HttpMethod.Get, path, null, userAgent);

    public static async Task WriteLineProtocolAsync(DaemonProcess daemon, string database, string lines)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/write/line-protocol") { Content = new StringContent(lines) };
        request.Headers.Add("x-arc-database", database);
        using var response = await daemon.Client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.NoContent)
            throw new InvalidOperationException($"write answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {seconds} s for {what}");
            await Task.Delay(20);
        }
    }

    public static long Nanos(DateTime time) => (time - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>Parquet files under a directory (recursively), temp files included when asked.</summary>
    public static string[] ParquetFiles(string directory) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, "*.parquet", SearchOption.AllDirectories) : [];

    public static string[] TempFiles(string root) =>
        Directory.GetFiles(root, ".arc-*.tmp", SearchOption.AllDirectories);
}
