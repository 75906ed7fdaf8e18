namespace Arcd.Ingest.Wire;

/// <summary>
/// Why a request body was refused. One enum for every decoder so the HTTP layer maps it to a
/// status and metrics get a stable label. Values are labels only; never persisted.
/// </summary>
public enum RejectReason
{
    EmptyBody,
    Malformed,
    UnsupportedShape,
    MissingMeasurement,
    InvalidMeasurementType,
    InvalidMeasurementName,
    InvalidDatabaseName,
    EmptyColumns,
    InvalidColumnName,
    DuplicateColumn,
    LengthMismatch,
    InvalidTimestamp,
    TimestampOutOfRange,
    UnsupportedValueType,
    MixedTypes,
    IntegerOutOfRange,
    LimitExceeded,
    TrailingBytes,
    InvalidPrecision,
    InvalidLine,
    ColumnKindConflict,
    UnsupportedEncoding,
    DecompressedTooLarge,
    InvalidCompression,
}

/// <summary>
/// A refusal with the message a client sees: where (column, row, byte offset) and what, plus up to
/// <see cref="MaxDetails"/> per-element or per-line details (docs/PROTOCOL.md Part A item 1).
/// </summary>
public readonly record struct DecodeError(RejectReason Reason, string Message, IReadOnlyList<ErrorDetail>? Details = null)
{
    public const int MaxDetails = 20;
}

/// <summary>One failing element (<see cref="Index"/> in an array or batch) or line (1-based <see cref="Line"/>).</summary>
public sealed record ErrorDetail(int? Index, int? Line, string? Column, string Reason);
