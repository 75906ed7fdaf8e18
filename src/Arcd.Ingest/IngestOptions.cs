namespace Arcd.Ingest;

/// <summary>The <c>Ingest</c> configuration section (key names are part of the user interface).</summary>
public sealed class IngestOptions
{
    /// <summary>
    /// Seal a measurement buffer when it holds this many rows. Measured on 2 cores (msgpack columnar,
    /// WAL off, closed loop): 250k rows gives the same throughput as 1M (8.5-9.7M vs 9.2M rec/s) at
    /// 225-243 MiB peak RSS instead of 647 MiB and 13.5 instead of 16 bytes allocated per record; files
    /// hold 250k rows (about 1.5-2.5 MB) instead of 1M. Smaller buffers shorten the latency tail
    /// (open loop at 1.85M rec/s, WAL off: 50k rows gave p99 12.6-13.4 ms against 19.6-22.7 ms) but
    /// write five times as many files, so the default stays.
    /// </summary>
    public int MaxBufferRows { get; set; } = 250_000;

    /// <summary>Seal a buffer this long after its first row arrived.</summary>
    public TimeSpan MaxBufferAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Shard threads; 0 means one per processor.</summary>
    public int Shards { get; set; }

    /// <summary>
    /// Pin shard thread N to CPU N modulo the processor count (Linux). Off by default: measured on 2
    /// cores it did not help (see README, Measured); it may on larger machines with the client elsewhere.
    /// </summary>
    public bool PinShardThreads { get; set; }

    /// <summary>
    /// Nice value of the flush threads (Linux; 0 = the same as every other thread, up to 19). Sorting
    /// and encoding a buffer takes a core for milliseconds; a higher nice value lets the request path
    /// (Kestrel, decode, shard threads) preempt it. Flushing still gets its share of the CPU (CFS
    /// weights, never starvation) and falls behind only as far as the memory budget allows. Off by
    /// default: measured on 2 cores shared with the client (open loop at a third of the maximum,
    /// 2 rounds), nice 5 against 0 moved p99 by less than the run-to-run noise (11.9/13.6 against
    /// 54.4/10.9 ms WAL off, 30.2/42.3 against 37.2/34.5 ms WAL sync).
    /// </summary>
    public int FlushThreadNice { get; set; }

    /// <summary>
    /// Flush threads (sort, encode, write); 0 means half the processors, at least two. Measured on 2
    /// cores: with one, the faster decoder outran the flush (8.3M rec/s filled the memory budget and
    /// got 503s); with two, 8.3M rec/s with no error and 615-654 MiB peak RSS.
    /// </summary>
    public int FlushWorkers { get; set; }

    /// <summary>Requests that may wait in one shard's queue before writes get 503.</summary>
    public int ShardQueueCapacity { get; set; } = 4096;

    /// <summary>Bytes of decoded rows held in queues, buffers and flushes together; beyond it writes get 503.</summary>
    public long MemoryBudgetBytes { get; set; } = 1L << 30;

    /// <summary>Distinct columns one measurement may ever have (the catalog refuses more with a 400).</summary>
    public int MaxColumnsPerMeasurement { get; set; } = 4096;

    /// <summary>Distinct columns across all measurements the catalog keeps (bounds its memory and file).</summary>
    public int MaxCatalogColumns { get; set; } = 1_000_000;

    internal int EffectiveShards => Shards > 0 ? Shards : Environment.ProcessorCount;
    internal int EffectiveFlushWorkers => FlushWorkers > 0 ? FlushWorkers : Math.Max(2, Environment.ProcessorCount / 2);
}

/// <summary>The <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    /// <summary><c>local</c> (files under <see cref="Root"/>) or <c>s3</c> (an S3-compatible bucket, <see cref="S3"/>).</summary>
    public string Backend { get; set; } = "local";

    /// <summary>Data root for the local backend; files go under <c>{Root}/{db}/{m}/YYYY/MM/DD/HH/</c>.</summary>
    public string Root { get; set; } = "./data/arc";

    /// <summary>Parquet page compression: <c>snappy</c> (default), <c>zstd</c> or <c>none</c>.</summary>
    public string Compression { get; set; } = "snappy";

    /// <summary>The S3-compatible bucket (<c>Storage:S3</c>).</summary>
    public S3StorageOptions S3 { get; set; } = new();
}

/// <summary>The <c>Storage:S3</c> configuration section.</summary>
public sealed record S3StorageOptions
{
    /// <summary>Service URL of an S3-compatible server (Ceph RGW, MinIO); empty for AWS itself.</summary>
    public string Endpoint { get; set; } = "";

    public string Bucket { get; set; } = "";

    /// <summary>Key prefix every object goes under (no leading or trailing '/'); Arc's layout follows it.</summary>
    public string Prefix { get; set; } = "";

    public string Region { get; set; } = "us-east-1";

    /// <summary>Path-style addressing (<c>endpoint/bucket/key</c>); null means true with a custom endpoint, false on AWS.</summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>Static credentials; both empty means the standard AWS chain (environment, profile, instance, web identity).</summary>
    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    /// <summary>Files at least this large are uploaded in parts (multipart upload).</summary>
    public long MultipartThresholdBytes { get; set; } = 64L << 20;

    /// <summary>Part size of a multipart upload (S3's minimum is 5 MiB).</summary>
    public long PartSizeBytes { get; set; } = 16L << 20;

    /// <summary>Per-request timeout; a request past it fails like any other S3 error (and is retried by its caller).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often /ready's view of the bucket is refreshed by a real list and read.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    public bool EffectiveForcePathStyle => ForcePathStyle ?? Endpoint.Length > 0;
}
