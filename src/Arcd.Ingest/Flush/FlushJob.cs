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

    public void Dispose()
    {
        Order?.Dispose();
        Buffer.Dispose();
    }
}
