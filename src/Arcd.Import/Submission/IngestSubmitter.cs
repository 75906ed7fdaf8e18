using Arcd.Ingest.Buffers;
using Arcd.Ingest.Catalog;
using Arcd.Ingest.Shards;
using Arcd.Ingest.Wal;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;

namespace Arcd.Import.Submission;

/// <summary>
/// Puts one body of rows arcd produced itself (an import chunk, a continuous-query result chunk)
/// through the same steps as a write request: decode, column catalog, WAL, shard buffers. Unlike a
/// request it waits while the memory budget or queues are full (ingest from clients comes first)
/// and answers only once the body is in the WAL, so rows are durable as a 204 would make them.
/// </summary>
public sealed class IngestSubmitter(IngestEngine engine, ColumnCatalog catalog, TimeSpan fullTimeout)
{
    public ColumnCatalog Catalog => catalog;

    /// <summary>Submits a chunk's rows as one tagged columnar body (none when it is empty); returns the rows.</summary>
    public long Submit(string database, ColumnChunk chunk, IReadOnlyList<string> tags, string measurement) =>
        chunk.Rows == 0 ? 0 : Submit(database, BodyFormat.TaggedColumnar, TimePrecision.Microseconds, chunk.Take(tags, measurement));

    /// <summary>Submits <paramref name="bytes"/>; returns the rows it held. Throws <see cref="ImportException"/>.</summary>
    public long Submit(string database, BodyFormat format, TimePrecision precision, ReadOnlySpan<byte> bytes)
    {
        var now = TimeUnits.NowMicros();
        var body = new PooledBuffer(bytes.Length);
        body.Write(bytes);
        try
        {
            if (!BodyDecoder.TryDecode(format, body.Memory, precision, now, DecodeLimits.Default, out var write, out var error))
                throw ImportException.BadRequest(error.Message);
            using (write)
            {
                if (!catalog.TryAdmit(database, write!.Batches, out var conflict, out _))
                    throw ImportException.BadRequest(conflict!);
                WalBody? logged = engine.WalMode != WalMode.Off ? new WalBody(body, format, (byte)precision, now) : null;
                var batches = write.Detach();
                long rows = 0;
                foreach (var batch in batches) rows += batch.RowCount;
                var deadline = DateTime.UtcNow + fullTimeout;
                while (true)
                {
                    var status = engine.TrySubmit(database, batches, logged, out var appended);
                    if (status == SubmitStatus.Accepted)
                    {
                        if (logged is not null) body = null; // the engine owns it now
                        try
                        {
                            appended.AsTask().GetAwaiter().GetResult(); // a pooled source: never GetResult before it completes
                        }
                        catch (WalUnavailableException ex)
                        {
                            throw new ImportException(ImportFailure.Unavailable, $"write-ahead log unavailable ({ex.Message})");
                        }
                        return rows;
                    }
                    if (status is SubmitStatus.Stopping or SubmitStatus.Replaying || DateTime.UtcNow > deadline)
                    {
                        foreach (var batch in batches) batch.Dispose();
                        throw new ImportException(ImportFailure.Unavailable, status is SubmitStatus.Stopping or SubmitStatus.Replaying
                            ? $"the ingest engine is not taking writes ({status})"
                            : $"the ingest engine stayed full for {fullTimeout.TotalSeconds:F0} s ({status})");
                    }
                    // Memory budget or queue full: client writes come first; wait for flushes.
                    Thread.Sleep(20);
                }
            }
        }
        finally
        {
            body?.Dispose();
        }
    }
}
