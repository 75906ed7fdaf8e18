using System.Globalization;
using System.Net.Http.Headers;

namespace Arcd.Tests.Support;

/// <summary>One daemon shared by a test class: quick age flushes, small caps; tests use their own databases.</summary>
public sealed class DaemonFixture : IAsyncLifetime
{
    public const long MaxRequestBytes = 8 << 20;
    public const long MaxDecompressedBytes = 4 << 20;

    private readonly TempDirectory _temp = new();

    public DaemonProcess Daemon { get; private set; } = null!;

    public async Task InitializeAsync() => Daemon = await DaemonProcess.StartAsync(_temp.Path,
    [
        "--Ingest:MaxBufferAge=00:00:00.100",
        $"--Server:MaxRequestBytes={MaxRequestBytes}",
        $"--Server:MaxDecompressedBytes={MaxDecompressedBytes}",
    ]);

    public async Task DisposeAsync()
    {
        await Daemon.StopAsync();
        await Daemon.DisposeAsync();
        _temp.Dispose();
    }

    public async Task<HttpResponseMessage> PostAsync(string path, byte[] body, string? database = null, string? contentEncoding = null,
        params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(path.Contains("msgpack", StringComparison.Ordinal) ? "application/msgpack" : "text/plain");
        if (contentEncoding is not null) request.Content.Headers.ContentEncoding.Add(contentEncoding);
        if (database is not null) request.Headers.Add("x-arc-database", database);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return await Daemon.Client.SendAsync(request);
    }

    public string Source(string database, string measurement) => DuckDb.Files(Daemon.DataRoot, database, measurement);

    /// <summary>Waits until the measurement's files hold <paramref name="rows"/> rows (buffers flush after 100 ms).</summary>
    public async Task WaitForRowsAsync(string database, string measurement, long rows)
    {
        var directory = Path.Combine(Daemon.DataRoot, database, measurement);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long seen = -1;
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(directory) && Directory.GetFiles(directory, "*.parquet", SearchOption.AllDirectories).Length > 0)
            {
                seen = Convert.ToInt64(DuckDb.Scalar($"SELECT count(*) FROM {Source(database, measurement)}"), CultureInfo.InvariantCulture);
                if (seen == rows) return;
                Assert.True(seen < rows, $"{database}/{measurement} has {seen} rows, more than the {rows} expected");
            }
            await Task.Delay(50);
        }
        Assert.Fail($"{database}/{measurement} reached {seen} rows, not {rows}, within 30 s");
    }

    /// <summary>Nothing was stored for the database: after a flush interval its directory still does not exist.</summary>
    public async Task AssertNothingStoredAsync(string database)
    {
        await Task.Delay(400);
        Assert.False(Directory.Exists(Path.Combine(Daemon.DataRoot, database)), $"something was stored for {database}");
    }

    public string ArcTags(string database, string measurement)
    {
        var rows = DuckDb.Query($"SELECT DISTINCT decode(value) FROM parquet_kv_metadata('{Daemon.DataRoot}/{database}/{measurement}/**/*.parquet') WHERE decode(key) = 'arc:tags'");
        return rows.Count == 0 ? "" : (string)Assert.Single(rows)[0]!;
    }
}
