namespace Arcd.Maintenance.Retention;

/// <summary><c>Retention:*</c> settings. Unlike Arc, the scheduler needs no licence.</summary>
public sealed class RetentionOptions
{
    /// <summary>The retention API and scheduler; off answers 404 as Arc does.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When every active policy runs (5-field cron, UTC).</summary>
    public string Schedule { get; set; } = "0 3 * * *";
}
