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
}

/// <summary>A refusal with the message a client sees: where (column, row, byte offset) and what.</summary>
public readonly record struct DecodeError(RejectReason Reason, string Message);
