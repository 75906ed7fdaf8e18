using System.IO.Compression;
using Arcd.Import.Submission;
using Arcd.Ingest.Wire;

namespace Arcd.Import.LineProtocol;

/// <summary>
/// Imports a line-protocol file (gzip recognised by its magic bytes) in two streaming passes: the
/// first decodes every line and checks column kinds, so a bad line refuses the whole file with
/// its line number (Arc skips bad lines silently); the second submits the same line-aligned bodies
/// through the normal ingest path. Memory is one body of about <see cref="LineChunker.TargetBytes"/>.
/// </summary>
public sealed class LineProtocolImporter(IngestSubmitter submitter)
{
    public ImportSummary Import(Func<Stream> open, LineProtocolImportOptions options, Action<long>? progress = null)
    {
        var summary = Validate(open, options);
        long written = 0;
        using var input = Decompressed(open());
        using var chunker = new LineChunker(input, options.Measurement, options.MaxDecompressedBytes);
        while (chunker.TryNext(out var body, out _))
        {
            if (IsBlank(body.Span)) continue;
            written += submitter.Submit(options.Database, BodyFormat.LineProtocol, options.Precision, body.Span);
            progress?.Invoke(written);
        }
        return summary;
    }

    private ImportSummary Validate(Func<Stream> open, LineProtocolImportOptions options)
    {
        var summary = new ImportSummary();
        var plan = new ColumnKindPlan(submitter.Catalog, options.Database);
        using var input = Decompressed(open());
        using var chunker = new LineChunker(input, options.Measurement, options.MaxDecompressedBytes);
        var any = false;
        while (chunker.TryNext(out var body, out var firstLine))
        {
            any = true;
            if (IsBlank(body.Span)) continue;
            if (!BodyDecoder.TryDecode(BodyFormat.LineProtocol, body, options.Precision, TimeUnits.NowMicros(), DecodeLimits.Default, out var write, out var error))
            {
                if (error.Reason == RejectReason.EmptyBody) continue; // only comments and blank lines
                if (error.Details is [{ Line: { } line } first, ..])
                    throw ImportException.BadRequest($"line {firstLine + line - 1}: {first.Reason}; nothing was imported");
                throw ImportException.BadRequest($"lines {firstLine} onwards: {error.Message}; nothing was imported");
            }
            using (write)
            {
                plan.Add(write!.Batches, $"lines {firstLine} onwards");
                foreach (var batch in write.Batches)
                {
                    summary.Measurements.Add(batch.Measurement);
                    summary.AddRows(batch.RowCount);
                }
            }
        }
        if (!any) throw ImportException.BadRequest("file is empty");
        if (summary.Rows == 0)
            throw ImportException.BadRequest(options.Measurement is null
                ? "no valid line protocol records found in file"
                : $"no records found for measurement \"{options.Measurement}\"");
        return summary;
    }

    private static bool IsBlank(ReadOnlySpan<byte> body) => body.IndexOfAnyExcept(" \t\r\n"u8) < 0;

    /// <summary>The stream itself, or a gunzipping view when it starts with gzip's magic bytes.</summary>
    private static Stream Decompressed(Stream stream)
    {
        var buffered = new BufferedStream(stream, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        var n = buffered.Read(magic);
        buffered.Seek(-n, SeekOrigin.Current);
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(buffered, CompressionMode.Decompress) : buffered;
    }
}
