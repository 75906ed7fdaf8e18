using Arcd.Ingest.Wire.LineProtocol;

namespace Arcd.Import.LineProtocol;

/// <summary>One line-protocol import's parameters (ARC-MANAGEMENT §5.1): the database, an optional measurement filter, the precision.</summary>
public sealed record LineProtocolImportOptions(string Database, string? Measurement, TimePrecision Precision, long MaxDecompressedBytes);
