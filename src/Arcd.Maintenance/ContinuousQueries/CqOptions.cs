namespace Arcd.Maintenance.ContinuousQueries;

/// <summary><c>ContinuousQueries:*</c> settings.</summary>
public sealed class CqOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>A window runs once it has closed plus this, so points that arrive a little late are in it.</summary>
    public TimeSpan Lateness { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Windows one query runs per scheduler tick while it catches up; the next tick follows a second later.</summary>
    public int MaxWindowsPerTick { get; set; } = 10;

    /// <summary>How long one run's query may take (Arc: 10 minutes).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>Counters of one continuous query for <c>/metrics</c>.</summary>
public sealed class CqQueryStats
{
    public long Runs;
    public long Failures;
    public long RowsWritten;
}
