namespace Arcd.Ingest.Wire;

/// <summary>
/// Every size a decoder takes from the input is checked against these before anything is
/// allocated for it (array lengths are also checked against the bytes that remain).
/// </summary>
public sealed record DecodeLimits
{
    public static readonly DecodeLimits Default = new();

    public int MaxColumns { get; init; } = 1024;
    public int MaxColumnNameBytes { get; init; } = 256;
    public int MaxStringBytes { get; init; } = 1 << 20;
    public int MaxRowsPerRequest { get; init; } = 10_000_000;
    /// <summary>
    /// Levels of arrays and maps a value may nest below its payload map, the same for a single
    /// payload and for each element of an array or batch (deeper refuses the whole request).
    /// </summary>
    public int MaxNestingDepth { get; init; } = 32;
}
