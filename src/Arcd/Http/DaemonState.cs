using System.Diagnostics;

namespace Arcd.Http;

/// <summary>Liveness and readiness facts shared by /health and /ready.</summary>
public sealed class DaemonState
{
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private volatile string? _notReadyReason = "starting";

    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_startTimestamp);

    /// <summary>Null when ready; otherwise why not (starting, shutting down, storage failing).</summary>
    public string? NotReadyReason => _notReadyReason;

    public void MarkReady() => _notReadyReason = null;

    public void MarkNotReady(string reason) => _notReadyReason = reason;
}
