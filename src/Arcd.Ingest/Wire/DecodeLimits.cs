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
    public int MaxNestingDepth { get; init; } = 32;
}
