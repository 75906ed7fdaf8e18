using Arcd.Ingest.Columnar;

namespace Arcd.Ingest.Flush;

/// <summary>
/// A sealed buffer being written out, one file per UTC hour. <see cref="NextRow"/> only moves
/// past an hour once its file is durable, so a retry after a failure resumes at the failed hour
/// and never writes an hour twice.
/// </summary>
internal sealed class FlushJob : IDisposable
{
    public FlushJob(MeasurementBuffer buffer)
    {
        Buffer = buffer;
    }

    public MeasurementBuffer Buffer { get; }
    public TimeOrder? Order { get; set; }
    public int NextRow { get; set; }
    public int Attempts { get; set; }

    /// <summary>
    /// The path a failed attempt tried for the rows from <see cref="NextRow"/>: the retry uses it again and
    /// first asks whether it exists, because an object store may have committed a PUT whose answer was lost.
    /// </summary>
    public string? PendingPath { get; set; }

    public void Dispose()
    {
        Order?.Dispose();
        Buffer.Dispose();
    }
}
