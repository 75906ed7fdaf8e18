using Microsoft.Extensions.Logging;

namespace Arcd.Logging;

/// <summary>The daemon's own log events, source-generated (no boxing, no format parsing at run time).</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "arcd {Version} listening on {Url}; data root {Root}; {Shards} shards, {FlushWorkers} flush workers; WAL {WalMode}")]
    public static partial void Started(ILogger logger, string version, string url, string root, int shards, int flushWorkers, string walMode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void ConfigWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Signal}: stopping; finishing in-flight requests and flushing every buffer")]
    public static partial void Stopping(ILogger logger, string signal);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped: {Records} records written to {Files} files")]
    public static partial void Stopped(ILogger logger, long records, long files);

    [LoggerMessage(Level = LogLevel.Critical, Message = "shutdown timed out before every buffer was written")]
    public static partial void StopTimedOut(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "replacement {Id} interrupted by a crash was {Outcome} ({Deleted} inputs deleted)")]
    public static partial void ReplacementRecovered(ILogger logger, string id, string outcome, int deleted);

    [LoggerMessage(Level = LogLevel.Critical, Message = "cannot start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "authentication is disabled (Auth:Enabled=false): anyone who can reach {Host} can write; keep it on loopback or behind an authenticating proxy")]
    public static partial void AuthDisabled(ILogger logger, string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "systemd notify failed: {Reason}")]
    public static partial void NotifyFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "query engine (DuckDB) started; query threads cannot write files: {Protection}")]
    public static partial void QueryEngineStarted(ILogger logger, string protection);

    [LoggerMessage(Level = LogLevel.Warning, Message = "query threads are not write-protected by the kernel ({Reason}); the SQL checks and DuckDB's locked settings still apply")]
    public static partial void QueryWriteProtectionMissing(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "query failed after its response had started; connection aborted: {Reason}")]
    public static partial void QueryFailedMidStream(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "query failed: {Reason}")]
    public static partial void QueryFailed(ILogger logger, Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "query interrupted after {ElapsedMs:0} ms: the client disconnected")]
    public static partial void QueryCancelled(ILogger logger, double elapsedMs);
}
