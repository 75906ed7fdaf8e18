using Amazon.S3;
using Amazon.S3.Model;
using Arcd.Ingest;
using Arcd.Ingest.Storage;

namespace Arcd.Tests.Support;

/// <summary>
/// A real S3 server for the test run: Ceph RGW on 127.0.0.1, installed (when missing) and started by
/// the repository's tests/s3/ceph-rgw.sh once per run, stopped at the end. With S3_ENDPOINT set (and
/// S3_ACCESS_KEY, S3_SECRET_KEY) an already running server is used instead. Every test takes a
/// bucket of its own.
/// </summary>
public sealed class CephRgw : IAsyncLifetime
{
    private static int _buckets;
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"arcd-rgw-{Environment.ProcessId}");
    private bool _started;

    public string Endpoint { get; private set; } = "";
    public string AccessKey { get; private set; } = "testkey";
    public string SecretKey { get; private set; } = "testsecret";

    public Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("S3_ENDPOINT") is { Length: > 0 } endpoint)
        {
            Endpoint = endpoint;
            AccessKey = Environment.GetEnvironmentVariable("S3_ACCESS_KEY") ?? AccessKey;
            SecretKey = Environment.GetEnvironmentVariable("S3_SECRET_KEY") ?? SecretKey;
            return Task.CompletedTask;
        }
        Script("install");
        try
        {
            Script("start");
        }
        catch
        {
            if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
            throw;
        }
        _started = true;
        Endpoint = $"http://127.0.0.1:{Port}";
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        if (_started)
        {
            Script("stop");
            Directory.Delete(_root, recursive: true);
        }
        return Task.CompletedTask;
    }

    /// <summary>$S3_PORT, else a base whose S3 and monitor ports are free (a stray cluster on the default would answer instead).</summary>
    private int Port { get; } = int.TryParse(Environment.GetEnvironmentVariable("S3_PORT"), out var port) ? port : FreeBasePort();

    private static int FreeBasePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            var candidate = Random.Shared.Next(20_000, 60_000);
            if (Bindable(candidate) && Bindable(candidate + 1) || attempt > 100) return candidate;
        }
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>An outage: the gateway is killed (the cluster and its data stay) until <see cref="StartGateway"/>.</summary>
    public void StopGateway()
    {
        Skip.If(!_started, "an outage needs the server this run started (S3_ENDPOINT points elsewhere)");
        Script("gateway-stop");
    }

    public void StartGateway() => Script("gateway-start");

    /// <summary>Settings for a new, empty bucket (created here) under <paramref name="prefix"/>.</summary>
    public S3StorageOptions NewBucket(string prefix = "")
    {
        var options = new S3StorageOptions
        {
            Endpoint = Endpoint, Bucket = $"arcd-test-{Environment.ProcessId}-{Interlocked.Increment(ref _buckets)}",
            Prefix = prefix, AccessKey = AccessKey, SecretKey = SecretKey,
        };
        using var client = S3ClientFactory.Create(options);
        client.PutBucketAsync(new PutBucketRequest { BucketName = options.Bucket }).GetAwaiter().GetResult();
        return options;
    }

    /// <summary>Every key in the bucket, prefix included (what another tool sees).</summary>
    public static IReadOnlyList<string> Keys(S3StorageOptions options)
    {
        using var client = S3ClientFactory.Create(options);
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = options.Bucket };
        while (true)
        {
            var page = client.ListObjectsV2Async(request).GetAwaiter().GetResult();
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            if (page.IsTruncated != true) return keys;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public static AmazonS3Client Client(S3StorageOptions options) => S3ClientFactory.Create(options);

    private void Script(string verb)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(RepoPaths.Root, "tests", "s3", "ceph-rgw.sh"), verb)
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["S3_ROOT"] = _root;
        start.Environment["S3_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"tests/s3/ceph-rgw.sh {verb} failed ({process.ExitCode}): {stdout.Result}{stderr.Result}");
    }
}

/// <summary>
/// Runs alone (after the parallel collections): Ceph's three daemons and the tests' arcd processes
/// would otherwise starve the timing-sensitive crash tests on a 2-core machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class S3Collection : ICollectionFixture<CephRgw>
{
    public const string Name = "Ceph RGW";
}
