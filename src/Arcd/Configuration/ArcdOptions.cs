using Arcd.Ingest;

namespace Arcd.Configuration;

/// <summary>
/// The whole configuration. Section and key names are user interface (arcd.json,
/// <c>ARCD_Section__Key</c>, <c>--Section:Key=value</c>): keep them stable.
/// </summary>
public sealed class ArcdOptions
{
    public static readonly string[] SectionNames = ["Server", "Storage", "Wal", "Ingest", "Auth", "Query", "Log"];

    public ServerOptions Server { get; set; } = new();
    public StorageOptions Storage { get; set; } = new();
    public WalOptions Wal { get; set; } = new();
    public IngestOptions Ingest { get; set; } = new();
    public AuthOptions Auth { get; set; } = new();
    public QueryOptions Query { get; set; } = new();
    public LogOptions Log { get; set; } = new();
}

public sealed class ServerOptions
{
    /// <summary>An IP address, <c>localhost</c>, or <c>*</c> / <c>0.0.0.0</c> / <c>::</c> for every interface.</summary>
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 8000;

    /// <summary>Largest request body accepted (413 beyond it), checked from Content-Length before reading.</summary>
    public long MaxRequestBytes { get; set; } = 64L << 20;

    /// <summary>Largest body after gzip/zstd decompression (413 beyond it); never allocated up front.</summary>
    public long MaxDecompressedBytes { get; set; } = 256L << 20;

    /// <summary>How long a stop may take to finish in-flight requests and flush every buffer.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromMinutes(2);
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

    /// <summary>How often <c>async</c> mode syncs.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}

public sealed class AuthOptions
{
    public bool Enabled { get; set; }
}

public sealed class QueryOptions
{
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class LogOptions
{
    /// <summary>Trace, Debug, Information, Warning, Error or Critical.</summary>
    public string Level { get; set; } = "Information";

    /// <summary><c>auto</c> (JSON lines when stderr is not a terminal, e.g. journald), <c>json</c> or <c>text</c>.</summary>
    public string Format { get; set; } = "auto";
}
