using System.Text;
using Amazon.S3.Model;
using Arcd.Ingest;
using Arcd.Ingest.Storage;
using Arcd.Tests.Support;

namespace Arcd.Tests.Storage;

/// <summary>
/// The storage seam's contract on a real S3 server (Ceph RGW): the same promises LocalFileStorage
/// keeps on disk — whole or nothing, never overwrite, commit hook before visibility, listings in
/// path order, and replacements exactly once through a crash at every step.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class S3FileStorageTests(CephRgw rgw) : IDisposable
{
    private readonly TempDirectory _staging = new();

    public void Dispose() => _staging.Dispose();

    private S3FileStorage Open(S3StorageOptions options) => new(options, _staging.Path);

    [Fact]
    public void Put_lands_under_arcs_key_below_the_prefix_and_reads_back()
    {
        var options = rgw.NewBucket(prefix: "team/arc");
        using var storage = Open(options);
        storage.Put("db/cpu/2026/12/01/14/cpu_20261201_140000_1.parquet", s => s.Write("PAR1-body"u8));

        Assert.Equal(["team/arc/db/cpu/2026/12/01/14/cpu_20261201_140000_1.parquet"], CephRgw.Keys(options));
        Assert.True(storage.Exists("db/cpu/2026/12/01/14/cpu_20261201_140000_1.parquet"));
        Assert.False(storage.Exists("db/cpu/2026/12/01/14/other.parquet"));
        using (var read = storage.OpenRead("db/cpu/2026/12/01/14/cpu_20261201_140000_1.parquet"))
        {
            Assert.True(read.CanSeek);
            read.Position = 5;
            Assert.Equal("body", new StreamReader(read).ReadToEnd());
        }
        Assert.Throws<S3KeyNotFoundException>(() => storage.OpenRead("db/cpu/missing.parquet"));
        Assert.Empty(Directory.GetFiles(_staging.Path));
    }

    [Fact]
    public void A_failed_write_uploads_nothing_and_leaves_no_spool()
    {
        var options = rgw.NewBucket();
        using var storage = Open(options);
        Assert.Throws<InvalidOperationException>(() => storage.Put("db/m/a.parquet", s =>
        {
            s.Write(new byte[1000]);
            throw new InvalidOperationException("encoder failed");
        }));
        Assert.Empty(CephRgw.Keys(options));
        Assert.Empty(Directory.GetFiles(_staging.Path));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(12 << 20)] // multipart: three parts of 5 MiB at most
    public void An_existing_key_is_never_replaced(int size)
    {
        var options = rgw.NewBucket();
        options.MultipartThresholdBytes = 6 << 20;
        options.PartSizeBytes = 5 << 20;
        using var storage = Open(options);
        var first = Pattern(size, seed: 1);
        storage.Put("db/m/a.parquet", s => s.Write(first));
        var ex = Assert.Throws<IOException>(() => storage.Put("db/m/a.parquet", s => s.Write(Pattern(size, seed: 2))));
        Assert.Contains("already exists", ex.Message);
        using var read = storage.OpenRead("db/m/a.parquet");
        var back = new MemoryStream();
        read.CopyTo(back);
        Assert.True(first.AsSpan().SequenceEqual(back.ToArray()));
        Assert.Equal(size, storage.List("db/m").Single().Size);
    }

    [Fact]
    public void BeforeCommit_runs_after_the_content_is_written_and_before_the_object_is_visible()
    {
        var options = rgw.NewBucket();
        using var storage = Open(options);
        var visibleInHook = true;
        storage.Put("db/m/a.parquet", s => s.Write("x"u8), () => visibleInHook = storage.Exists("db/m/a.parquet"));
        Assert.False(visibleInHook);
        Assert.True(storage.Exists("db/m/a.parquet"));

        // A hook that fails (the WAL intent could not be written) uploads nothing.
        Assert.Throws<IOException>(() => storage.Put("db/m/b.parquet", s => s.Write("x"u8), () => throw new IOException("intent")));
        Assert.False(storage.Exists("db/m/b.parquet"));
    }

    [Fact]
    public void Listings_page_through_in_path_order_with_sizes_and_directories()
    {
        var options = rgw.NewBucket(prefix: "p");
        using var storage = Open(options);
        using (var other = Open(options with { Prefix = "elsewhere" })) other.Put("db/m/2026/12/01/00/z.parquet", s => s.WriteByte(9));
        string[] paths =
        [
            "db/m/2026/12/01/00/a.parquet", "db/m/2026/12/01/00/b.parquet", "db/m/2026/12/01/01/a.parquet",
            "db/m/2026/12/02/00/a.parquet", "db/n/2026/12/01/00/a.parquet", "other/x/2026/12/01/00/a.parquet",
        ];
        foreach (var (path, i) in paths.Select((p, i) => (p, i))) storage.Put(path, s => s.Write(new byte[i + 1]));
        storage.ListPageSize = 2;

        Assert.Equal(paths[..4], storage.List("db/m", recursive: true).Select(f => f.Path));
        Assert.Equal([1, 2], storage.List("db/m/2026/12/01/00").Select(f => f.Size));
        Assert.Empty(storage.List("db/m/2026/12/01"));
        Assert.Equal(["db", "other"], storage.ListDirectories(""));
        Assert.Equal(["01", "02"], storage.ListDirectories("db/m/2026/12"));
        Assert.Equal(paths, storage.List("", recursive: true).Select(f => f.Path));
        Assert.All(storage.List("", recursive: true), f => Assert.InRange(f.LastModifiedUtc, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5)));
        Assert.Throws<ArgumentException>(() => storage.Put("../escape.parquet", s => s.WriteByte(1)));
    }

    [Fact]
    public void Delete_reports_whether_the_object_existed_and_is_idempotent()
    {
        var options = rgw.NewBucket();
        using var storage = Open(options);
        storage.Put("db/m/a.parquet", s => s.WriteByte(1));
        Assert.True(storage.Delete("db/m/a.parquet"));
        Assert.False(storage.Delete("db/m/a.parquet"));
        Assert.Empty(CephRgw.Keys(options));
    }

    [Fact]
    public void Wrong_credentials_and_a_missing_bucket_are_named_by_the_access_check()
    {
        var options = rgw.NewBucket();
        using (var good = Open(options)) good.CheckAccess();

        // GET-only checks: RGW leaves a connection dirty after refusing a signed PUT (../shared/S3.md, gap 6).
        using var wrongSecret = Open(options with { SecretKey = "not-the-secret" });
        Assert.Contains("SignatureDoesNotMatch", Assert.Throws<IOException>(wrongSecret.CheckAccess).Message);
        using var unknownKey = Open(options with { AccessKey = "nobody" });
        Assert.Contains("InvalidAccessKeyId", Assert.Throws<IOException>(unknownKey.CheckAccess).Message);
        using var noBucket = Open(options with { Bucket = options.Bucket + "-missing" });
        Assert.Contains("NoSuchBucket", Assert.Throws<IOException>(noBucket.CheckAccess).Message);
        using var nobodyHome = Open(options with { Endpoint = $"http://127.0.0.1:{FreePort.Next()}", RequestTimeout = TimeSpan.FromSeconds(5) });
        var refused = Assert.Throws<IOException>(nobodyHome.CheckAccess);
        Assert.Contains("at http://127.0.0.1:", refused.Message);
        Assert.DoesNotContain("not-the-secret", Assert.Throws<IOException>(wrongSecret.CheckAccess).Message);
    }

    [Fact]
    public void A_partition_lease_has_one_holder_until_released_or_expired_and_recovery_leaves_a_holders_replacement_alone()
    {
        var options = rgw.NewBucket(prefix: "arc");
        using var a = new S3FileStorage(options, _staging.Path) { NodeId = "node-a" };
        using var b = new S3FileStorage(options, _staging.Path) { NodeId = "node-b" };
        const string partition = "db/m/2026/12/01/00";

        var held = PartitionLease.TryTake(a, partition, "node-a", TimeSpan.FromMinutes(5));
        Assert.NotNull(held);
        Assert.Null(PartitionLease.TryTake(b, partition, "node-b", TimeSpan.FromMinutes(5)));
        Assert.True(PartitionLease.HeldByOther(b, partition, "node-b"));
        Assert.False(PartitionLease.HeldByOther(a, partition, "node-a"));

        // Node a is mid-replacement (manifest stored, output not yet visible): b's recovery must not roll it back.
        foreach (var input in new[] { $"{partition}/x.parquet", $"{partition}/y.parquet" }) a.Put(input, s => s.WriteByte(1));
        var manifest = new ReplacementManifest("20261201000000_abc", $"{partition}/m_compacted.parquet", [$"{partition}/x.parquet", $"{partition}/y.parquet"], DateTime.UtcNow);
        a.Put(manifest.Path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(
            $$"""{"version":1,"id":"{{manifest.Id}}","output":"{{manifest.Output}}","inputs":["{{manifest.Inputs[0]}}","{{manifest.Inputs[1]}}"],"created_at":"{{manifest.CreatedUtc:O}}"}""")));
        Assert.Empty(b.RecoverReplacements());
        Assert.Single(b.PendingReplacements());

        held!.Dispose();
        Assert.DoesNotContain(CephRgw.Keys(options), k => k.EndsWith(".lease", StringComparison.Ordinal));
        // Released: now b's recovery handles it (rolled back: the output never appeared).
        Assert.False(Assert.Single(b.RecoverReplacements()).RolledForward);

        // A holder that died leaves its lease to expire; then another node takes it over.
        Assert.NotNull(PartitionLease.TryTake(a, partition, "node-a", TimeSpan.FromMilliseconds(-1)));
        using var taken = PartitionLease.TryTake(b, partition, "node-b", TimeSpan.FromMinutes(5));
        Assert.NotNull(taken);
        Assert.Null(PartitionLease.TryTake(a, partition, "node-a", TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_replacement_that_crashes_after_any_step_recovers_to_exactly_one_state(bool withOutput)
    {
        string[] inputs = ["db/m/2026/12/01/00/a.parquet", "db/m/2026/12/01/00/b.parquet", "db/m/2026/12/01/00/c.parquet"];
        const string output = "db/m/2026/12/01/00/m_compacted.parquet";
        var steps = withOutput ? 6 : 5; // manifest put, (output put), 3 deletes, manifest delete (FileReplacementTests counts them)
        for (var crashAfter = 0; crashAfter < steps; crashAfter++)
        {
            var options = rgw.NewBucket(prefix: "arc");
            using (var seeded = Open(options))
            {
                foreach (var input in inputs) seeded.Put(input, s => s.Write(new byte[] { 1, 2, 3 }));
                var crashing = new FileReplacementTests.CrashingStorage(seeded, crashAfter);
                Assert.Throws<FileReplacementTests.SimulatedCrash>(() =>
                    crashing.Replace(inputs, withOutput ? output : null, withOutput ? s => s.Write("merged"u8) : null));
            }

            using var restarted = Open(options);
            restarted.RecoverReplacements();
            var files = restarted.List("db", recursive: true).Select(f => f.Path).ToList();
            var rolledForward = withOutput ? files.SequenceEqual([output]) : files.Count == 0;
            var rolledBack = files.SequenceEqual(inputs);
            Assert.True(rolledForward ^ rolledBack, $"crash after step {crashAfter}: {string.Join(", ", files)}");
            Assert.Empty(restarted.PendingReplacements());
            Assert.DoesNotContain(CephRgw.Keys(options), k => k.Contains("/.arcd/replacements/", StringComparison.Ordinal));
            if (crashAfter == 0) Assert.True(rolledBack, "nothing was committed yet");
            if (rolledForward && withOutput)
            {
                using var read = restarted.OpenRead(output);
                Assert.Equal("merged", new StreamReader(read, Encoding.UTF8).ReadToEnd());
            }
            if (rolledBack) restarted.Replace(inputs, withOutput ? output : null, withOutput ? s => s.Write("merged"u8) : null);
            Assert.Equal(withOutput ? [output] : [], restarted.List("db", recursive: true).Select(f => f.Path));
        }
    }

    private static byte[] Pattern(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
