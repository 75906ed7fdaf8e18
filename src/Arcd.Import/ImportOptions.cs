namespace Arcd.Import;

/// <summary>The <c>Import</c> section: limits of <c>/api/v1/import/*</c>.</summary>
public sealed class ImportOptions
{
    /// <summary>
    /// Largest uploaded file (413 beyond it), and for gzipped line protocol also its decompressed
    /// size. Arc's fixed cap is 500 MiB because it holds the file in memory; arcd streams it from
    /// a spool file on disk, so the default is 10 GiB.
    /// </summary>
    public long MaxBytes { get; set; } = 10L << 30;

    /// <summary>Where uploads are spooled while they are checked and written; empty: <c>&lt;Storage:Root&gt;/.arcd/import</c>.</summary>
    public string SpoolDirectory { get; set; } = "";

    /// <summary>Imports run one at a time (later ones wait): each already uses a core and the ingest memory budget.</summary>
    public int MaxConcurrent { get; set; } = 1;

    /// <summary>How long an import waits for room when ingest stays full before giving up with 503.</summary>
    public TimeSpan FullTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
