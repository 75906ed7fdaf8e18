namespace Arcd.Import;

/// <summary>What kind of refusal an import ends with; the HTTP layer maps it to a status.</summary>
public enum ImportFailure
{
    /// <summary>The request or the data is wrong (400): a bad parameter, header, row or time.</summary>
    BadRequest,
    /// <summary>The file cannot be read as its format (422), as Arc answers.</summary>
    Unreadable,
    /// <summary>The file is over the import size limit (413).</summary>
    TooLarge,
    /// <summary>The ingest engine cannot take rows now (503): shutting down, replaying, or full for too long.</summary>
    Unavailable,
}

/// <summary>An import refused or stopped, with the message the client sees.</summary>
public sealed class ImportException(ImportFailure failure, string message) : Exception(message)
{
    public ImportFailure Failure { get; } = failure;

    public static ImportException BadRequest(string message) => new(ImportFailure.BadRequest, message);
}
