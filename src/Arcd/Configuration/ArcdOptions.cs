using Arcd.Ingest;

namespace Arcd.Configuration;

/// <summary>
/// The whole configuration. Section and key names are user interface (arcd.json,
/// <c>ARCD_Section__Key</c>, <c>--Section:Key=value</c>): keep them stable.
/// </summary>
public sealed class ArcdOptions
{
    public static readonly string[] SectionNames = ["Server", "Node", "Storage", "Wal", "Ingest", "Auth", "Query", "Compaction", "Retention", "Delete", "ContinuousQueries", "Import", "Log", "Logging"];

    public ServerOptions Server { get; set; } = new();
    public NodeOptions Node { get; set; } = new();
    public StorageOptions Storage { get; set; } = new();
    public WalOptions Wal { get; set; } = new();
    public IngestOptions Ingest { get; set; } = new();
    public AuthOptions Auth { get; set; } = new();
    public QueryOptions Query { get; set; } = new();
    public Arcd.Maintenance.Compaction.CompactionOptions Compaction { get; set; } = new();
    public Arcd.Maintenance.Retention.RetentionOptions Retention { get; set; } = new();
    public Arcd.Maintenance.Deletion.DeleteOptions Delete { get; set; } = new();
    public Arcd.Maintenance.ContinuousQueries.CqOptions ContinuousQueries { get; set; } = new();
    public Arcd.Import.ImportOptions Import { get; set; } = new();

    /// <summary>Also bound from the <c>Logging</c> section (the name .NET users expect): <c>Logging:Format</c> = <c>Log:Format</c>.</summary>
    public LogOptions Log { get; set; } = new();
}

public sealed class NodeOptions
{
    /// <summary>This node's name in every file it writes (letters, digits, '-'); empty means the host name.</summary>
    public string Id { get; set; } = "";

    public string EffectiveId => Arcd.Ingest.Storage.NodeId.Resolve(Id);
}

public sealed class ServerOptions
{
    /// <summary>
    /// An IP address, <c>localhost</c>, or <c>*</c> / <c>0.0.0.0</c> / <c>::</c> for every interface. Empty (the
    /// default) means every interface with authentication on, and 127.0.0.1 with it off.
    /// </summary>
    public string Host { get; set; } = "";

    /// <summary>PEM certificate (chain) for HTTPS; with <see cref="TlsKeyPath"/>, arcd serves TLS only.</summary>
    public string TlsCertificatePath { get; set; } = "";
    public string TlsKeyPath { get; set; } = "";

    public int MaxConnections { get; set; } = 10_000;
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;
    public int MaxRequestHeaderCount { get; set; } = 100;
    public int MaxRequestLineBytes { get; set; } = 8 * 1024;

    /// <summary>A client must send its request headers within this time (cuts off slow-loris clients).</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A request body slower than this (after a 5 s grace) is aborted; 0 turns the check off.</summary>
    public int MinRequestBodyBytesPerSecond { get; set; } = 240;
    public int Port { get; set; } = 8000;

    /// <summary>Largest request body accepted (413 beyond it), checked from Content-Length before reading.</summary>
    public long MaxRequestBytes { get; set; } = 64L << 20;

    /// <summary>Largest body after gzip/zstd decompression (413 beyond it); never allocated up front.</summary>
    public long MaxDecompressedBytes { get; set; } = 256L << 20;

    /// <summary>How long a stop may take to finish in-flight requests and flush every buffer.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Management responses in Arc's shapes (<c>arc</c>), in arc-client-python's (<c>client</c>), or
    /// chosen per request by the User-Agent (<c>auto</c>: the client's for <c>arc-client-python/*</c>).
    /// docs/PROTOCOL.md §9.
    /// </summary>
    public string ClientShapes { get; set; } = "auto";
}

public sealed class WalOptions
{
    /// <summary>
    /// <c>sync</c>: a 204 is sent after the request is in the WAL and fdatasync returned (group commit).
    /// <c>async</c>: after the write; fdatasync every <see cref="SyncInterval"/>. <c>off</c>: no WAL; a
    /// 204 means in memory; SIGTERM still flushes everything.
    /// </summary>
    public string Mode { get; set; } = "sync";
    public string Dir { get; set; } = "./data/wal";

    /// <summary>Size at which a shard's log moves to a new segment file.</summary>
    public long SegmentBytes { get; set; } = 64L << 20;

    /// <summary>
    /// Freed segments each shard keeps (as <c>*.spare</c> files of about <see cref="SegmentBytes"/>) and
    /// reuses for its next segments instead of creating files: overwriting a file's blocks makes each
    /// fdatasync cheaper than appending to a new file. 0 deletes freed segments. Disk held: up to this
    /// many segments per shard.
    /// </summary>
    public int RecycleSegments { get; set; } = 4;

    /// <summary>How often <c>async</c> mode syncs.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}

public sealed class AuthOptions
{
    /// <summary>On by default, as Arc: every path but <see cref="PublicPaths"/> needs a token.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The token store (JSON, 0600); `arcd token ...` edits the same file.</summary>
    public string TokenFile { get; set; } = "./data/auth/tokens.json";

    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);
    public int MaxCacheEntries { get; set; } = 1000;

    /// <summary>Comma-separated paths reachable without a token.</summary>
    public string PublicPaths { get; set; } = "/health,/ready,/metrics";

    /// <summary>The host to bind by default: every interface with auth on, loopback with it off.</summary>
    public static string EffectiveHost(ServerOptions server, AuthOptions auth) =>
        server.Host.Length > 0 ? server.Host : auth.Enabled ? "*" : "127.0.0.1";
}

public sealed class QueryOptions
{
    /// <summary>A query still running after this is interrupted and answered 504 (Arc's default: 300 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Queries run at once, each on its own query thread; more wait in line.</summary>
    public int MaxConcurrent { get; set; } = 4;

    /// <summary>Queries that may wait for a query thread; beyond this a query gets 503.</summary>
    public int MaxQueued { get; set; } = 64;

    /// <summary>Rows one result may carry (413 beyond it when the result has not started streaming).</summary>
    public long MaxRows { get; set; } = 10_000_000;

    /// <summary>Bytes one result may carry, in its response encoding.</summary>
    public long MaxResultBytes { get; set; } = 2L << 30;

    /// <summary>DuckDB's memory limit. DuckDB cannot spill to disk here (it may not write), so a query over it fails.</summary>
    public long MemoryLimitBytes { get; set; } = 2L << 30;

    /// <summary>DuckDB's worker threads; 0 means one per core.</summary>
    public int Threads { get; set; }

    /// <summary>On S3 storage: the local read cache queries read the bucket's objects from; empty means {Storage:Root}/.arcd/query-cache.</summary>
    public string CacheDir { get; set; } = "";

    /// <summary>On S3 storage: bytes the read cache keeps (least recently used files go first; files in use stay).</summary>
    public long CacheBytes { get; set; } = 4L << 30;

    /// <summary>On S3 storage: how long a bucket listing is reused; this node's own writes refresh it at once.</summary>
    public TimeSpan ListingCacheTtl { get; set; } = TimeSpan.FromSeconds(5);
}

public sealed class LogOptions
{
    /// <summary>Trace, Debug, Information, Warning, Error or Critical.</summary>
    public string Level { get; set; } = "Information";

    /// <summary><c>auto</c> (JSON lines when stderr is not a terminal, e.g. journald), <c>json</c> or <c>text</c>.</summary>
    public string Format { get; set; } = "auto";
}
