using Microsoft.Extensions.Logging;

namespace Arcd.Maintenance.Scheduling;

/// <summary>When a job runs next: a cron expression, or times a job computes itself (continuous queries).</summary>
public interface IJobSchedule
{
    /// <summary>What the status APIs show.</summary>
    string Text { get; }

    /// <summary>The next run time after <paramref name="afterUtc"/> (UTC).</summary>
    DateTime Next(DateTime afterUtc);
}

/// <summary>A schedule its owner computes: <see cref="MaintenanceScheduler.Reschedule"/> asks it again after a change.</summary>
public sealed class ComputedSchedule(string text, Func<DateTime, DateTime> next) : IJobSchedule
{
    public string Text { get; } = text;

    public DateTime Next(DateTime afterUtc) => next(afterUtc);
}

/// <summary>A job the scheduler runs at its schedule's times (UTC).</summary>
public sealed record ScheduledJob(string Name, IJobSchedule Schedule, Action Run);

/// <summary>What <c>/api/v1/.../status</c> shows of a job.</summary>
public sealed record ScheduledJobState(string Name, string Schedule, DateTime? NextRunUtc, DateTime? LastRunUtc, string? LastError);

/// <summary>
/// The maintenance scheduler shared by compaction, retention (and continuous queries after them):
/// one dedicated thread that runs each job at its cron times, one job at a time, in the order
/// they fall due. A tick missed while an earlier job ran (or while the process was down) runs once,
/// late, not once per missed tick. A second thread runs work asked for now (API triggers, deletes),
/// in order, so a request does not wait behind a scheduled cycle. The clock is a
/// <see cref="TimeProvider"/>, so tests move time instead of sleeping.
/// </summary>
public sealed partial class MaintenanceScheduler : IDisposable
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1);
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly List<Entry> _jobs = [];
    private readonly ManualResetEventSlim _wake = new();
    private readonly System.Collections.Concurrent.BlockingCollection<(string Name, Action Run, Action? Cancel)> _now = new();
    private readonly Thread _thread;
    private readonly Thread _onDemand;
    private volatile bool _stopping;
    private int _disposed;

    private sealed class Entry(ScheduledJob job, DateTime next)
    {
        public ScheduledJob Job { get; } = job;
        public DateTime Next { get; set; } = next;
        public DateTime? LastRun { get; set; }
        public string? LastError { get; set; }
    }

    public MaintenanceScheduler(IEnumerable<ScheduledJob> jobs, TimeProvider clock, ILogger logger)
    {
        _clock = clock;
        _logger = logger;
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var job in jobs) _jobs.Add(new Entry(job, job.Schedule.Next(now)));
        _thread = new Thread(Run) { Name = "arcd-scheduler", IsBackground = true };
        _onDemand = new Thread(RunRequested) { Name = "arcd-maintenance", IsBackground = true };
    }

    /// <summary>
    /// Starts the scheduler's thread. It is created here, by a thread of the daemon's own, never by a
    /// query thread: those are under a Landlock ruleset that forbids writing files, which a thread they
    /// create (and any thread pool worker they spawn) inherits.
    /// </summary>
    public void Start()
    {
        _thread.Start();
        _onDemand.Start();
    }

    /// <summary>Runs <paramref name="run"/> on the on-demand thread once the work asked for before it has run.</summary>
    public void RunNow(string name, Action run)
    {
        try
        {
            _now.Add((name, run, null));
        }
        catch (InvalidOperationException)
        {
            // Stopping: nothing new starts.
        }
    }

    /// <summary>
    /// Runs <paramref name="run"/> on the on-demand thread and completes with its result (or its
    /// exception). Requests use this for work that writes files: their own threads may be under a query
    /// thread's Landlock ruleset.
    /// </summary>
    public Task<T> RunNowAsync<T>(string name, Func<T> run)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _now.Add((name, () =>
            {
                try
                {
                    done.TrySetResult(run());
                }
                catch (Exception ex)
                {
                    done.TrySetException(ex);
                    throw;
                }
            }, () => done.TrySetException(new OperationCanceledException("arcd is shutting down"))));
        }
        catch (InvalidOperationException)
        {
            done.TrySetException(new OperationCanceledException("arcd is shutting down"));
        }
        return done.Task;
    }

    /// <summary>Asks <paramref name="job"/>'s schedule for its next time again (its owner's plans changed).</summary>
    public void Reschedule(string job)
    {
        lock (_jobs)
        {
            foreach (var entry in _jobs)
                if (entry.Job.Name == job) entry.Next = entry.Job.Schedule.Next(_clock.GetUtcNow().UtcDateTime);
        }
        if (!_stopping) _wake.Set();
    }

    public IReadOnlyList<ScheduledJobState> States()
    {
        lock (_jobs) return _jobs.Select(e => new ScheduledJobState(e.Job.Name, e.Job.Schedule.Text, _stopping ? null : e.Next, e.LastRun, e.LastError)).ToList();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping = true;
        _wake.Set();
        _now.CompleteAdding();
        if (_thread.IsAlive) _thread.Join(TimeSpan.FromSeconds(30));
        if (_onDemand.IsAlive) _onDemand.Join(TimeSpan.FromSeconds(30));
        // Work that never started fails its waiters instead of leaving them hanging.
        while (_now.TryTake(out var left)) left.Cancel?.Invoke();
        _wake.Dispose();
    }

    private void RunRequested()
    {
        foreach (var requested in _now.GetConsumingEnumerable())
        {
            if (_stopping) return;
            try
            {
                LogRunning(_logger, requested.Name);
                requested.Run();
            }
            catch (Exception ex)
            {
                LogFailed(_logger, ex, requested.Name);
            }
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            Entry? due = null;
            var now = _clock.GetUtcNow().UtcDateTime;
            lock (_jobs)
            {
                foreach (var entry in _jobs)
                    if (entry.Next <= now && (due is null || entry.Next < due.Next)) due = entry;
            }
            if (due is null)
            {
                DateTime next;
                lock (_jobs) next = _jobs.Count == 0 ? now + MaxSleep : _jobs.Min(e => e.Next);
                var wait = next - now;
                _wake.Wait(wait < MaxSleep ? (wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : MaxSleep);
                _wake.Reset();
                continue;
            }
            try
            {
                LogRunning(_logger, due.Job.Name);
                due.Job.Run();
                due.LastError = null;
            }
            catch (Exception ex)
            {
                // A failed run is logged and retried at its next time; the scheduler and the daemon go on.
                due.LastError = ex.Message;
                LogFailed(_logger, ex, due.Job.Name);
            }
            lock (_jobs)
            {
                due.LastRun = now;
                due.Next = due.Job.Schedule.Next(_clock.GetUtcNow().UtcDateTime);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "scheduler: running {Job}")]
    private static partial void LogRunning(ILogger logger, string job);

    [LoggerMessage(Level = LogLevel.Error, Message = "scheduler: {Job} failed; it runs again at its next time")]
    private static partial void LogFailed(ILogger logger, Exception exception, string job);
}
