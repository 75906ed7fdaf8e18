using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Arcd.Maintenance.Retention;

/// <summary>The reply to an execute: what a run found or deleted (ARC-MANAGEMENT §1.8).</summary>
public sealed record RetentionExecuteResult(RetentionPolicy Policy, long DeletedCount, int FilesDeleted, TimeSpan Elapsed, bool DryRun, DateTime CutoffUtc,
    IReadOnlyList<string> AffectedMeasurements);

/// <summary>Counters for <c>/metrics</c> and <c>/api/v1/schedulers</c>.</summary>
public sealed class RetentionStats
{
    public long Runs;
    public long RunFailures;
    public long FilesDeleted;
    public long RowsDeleted;
    public long RunsResumed;
    public DateTime? LastRunUtc;
    public string? LastError;
}

/// <summary>
/// Runs policies and keeps their execution history: a real run records a <c>running</c> row before
/// it deletes anything, its progress chunk by chunk, and its end. A run a crash cut short is found
/// at the next start (<see cref="ResumeInterrupted"/>) and finished against its recorded cutoff, in
/// the same row, marked resumed.
/// </summary>
public sealed partial class RetentionService(RetentionStore store, RetentionRunner runner, TimeProvider clock, ILogger logger)
{
    public RetentionStore Store => store;
    public RetentionStats Stats { get; } = new();

    /// <summary>Runs one policy now (the HTTP execute); a failure is a <see cref="RetentionAbortedException"/> after the row says so.</summary>
    public RetentionExecuteResult Execute(RetentionPolicy policy, bool dryRun)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = policy.CutoffAt(now);
        var start = Stopwatch.GetTimestamp();
        if (dryRun)
        {
            var found = runner.Run(policy, cutoff, dryRun: true);
            return new RetentionExecuteResult(policy, found.DeletedCount, found.FilesDeleted, Stopwatch.GetElapsedTime(start), true, cutoff, found.AffectedMeasurements);
        }
        var execution = store.BeginExecution(policy.Id, now, cutoff);
        var result = RunRecorded(policy, execution);
        return new RetentionExecuteResult(policy, result.DeletedCount, result.FilesDeleted, Stopwatch.GetElapsedTime(start), false, cutoff, result.AffectedMeasurements);
    }

    /// <summary>Runs every active policy (the scheduler's job and its trigger); the last error, if any, after all were tried.</summary>
    public string? RunActive()
    {
        string? lastError = null;
        foreach (var policy in store.Policies().Where(p => p.IsActive))
        {
            try
            {
                Execute(policy, dryRun: false);
            }
            catch (RetentionAbortedException ex)
            {
                lastError = $"policy '{policy.Name}': {ex.Message}";
            }
        }
        Stats.LastRunUtc = clock.GetUtcNow().UtcDateTime;
        Stats.LastError = lastError;
        return lastError;
    }

    /// <summary>
    /// Finishes the runs a crash interrupted. Replacement recovery has already run, so each pending
    /// chunk is settled: deleted (its first file is gone; counted) or rolled back (its files are there;
    /// the run deletes them again).
    /// </summary>
    public int ResumeInterrupted(Func<string, bool> fileExists)
    {
        var resumed = 0;
        foreach (var interrupted in store.RunningExecutions())
        {
            var execution = interrupted with { Resumed = true, Pending = null };
            if (interrupted.Pending is { } chunk && !fileExists(chunk.FirstInput))
                execution = execution with { DeletedCount = execution.DeletedCount + chunk.Rows, FilesDeleted = execution.FilesDeleted + chunk.Files };
            store.Put(execution);
            var policy = store.Get(execution.PolicyId);
            if (policy is null) continue;
            LogResuming(logger, policy.Name, execution.Id, execution.CutoffUtc);
            Interlocked.Increment(ref Stats.RunsResumed);
            try
            {
                RunRecorded(policy, execution);
            }
            catch (RetentionAbortedException)
            {
                // Recorded as failed in its row; the next scheduled run tries again.
            }
            resumed++;
        }
        return resumed;
    }

    private RetentionRunResult RunRecorded(RetentionPolicy policy, RetentionExecution execution)
    {
        var start = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref Stats.Runs);
        var current = execution;
        try
        {
            var result = runner.Run(policy, execution.CutoffUtc, dryRun: false,
                beforeChunk: chunk => store.Put(current = current with { Pending = chunk }),
                afterChunk: chunk =>
                {
                    store.Put(current = current with { Pending = null, DeletedCount = current.DeletedCount + chunk.Rows, FilesDeleted = current.FilesDeleted + chunk.Files });
                    Interlocked.Add(ref Stats.FilesDeleted, chunk.Files);
                    Interlocked.Add(ref Stats.RowsDeleted, chunk.Rows);
                });
            store.Put(current with { Status = RetentionExecution.Completed, DurationMs = WholeMs(start), ErrorMessage = "" });
            return result with { DeletedCount = current.DeletedCount, FilesDeleted = current.FilesDeleted };
        }
        catch (RetentionAbortedException ex)
        {
            Interlocked.Increment(ref Stats.RunFailures);
            store.Put(current with { Status = RetentionExecution.Failed, Pending = null, DurationMs = WholeMs(start), ErrorMessage = ex.Message });
            LogFailed(logger, ex, policy.Name);
            throw;
        }
    }

    private static double WholeMs(long start) => Math.Round(Stopwatch.GetElapsedTime(start).TotalMilliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "retention: policy '{Policy}' execution {Execution} was cut short by a restart; finishing it against its cutoff {Cutoff:O}")]
    private static partial void LogResuming(ILogger logger, string policy, long execution, DateTime cutoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "retention: policy '{Policy}' failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string policy);
}
