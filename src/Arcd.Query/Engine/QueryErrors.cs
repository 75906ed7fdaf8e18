namespace Arcd.Query.Engine;

/// <summary>The query ran past Query:Timeout and was interrupted (504).</summary>
public sealed class QueryTimeoutException(string message) : Exception(message);

/// <summary>The result passed Query:MaxRows or Query:MaxResultBytes (413).</summary>
public sealed class ResultTooLargeException(string message) : Exception(message);

/// <summary>DuckDB refused or failed the statement; <see cref="IsClientError"/> for errors in the statement itself (400).</summary>
public sealed class QueryFailedException(string message, bool isClientError, Exception inner) : Exception(message, inner)
{
    public bool IsClientError { get; } = isClientError;

    // DuckDB names the class of an error first ("Binder Error: ..."). These are mistakes in the
    // statement (a missing column, a bad cast); everything else is arcd's or the machine's problem.
    private static readonly string[] ClientErrorPrefixes =
    [
        "Parser Error", "Binder Error", "Catalog Error", "Conversion Error", "Invalid Input Error", "Syntax Error",
        "Not implemented Error", "Out of Range Error", "Constraint Error", "Permission Error", "Invalid Error",
        "Mismatch Type Error",
    ];

    public static QueryFailedException From(Exception ex)
    {
        var message = ex.Message.Trim();
        var isClient = ClientErrorPrefixes.Any(p => message.StartsWith(p, StringComparison.Ordinal));
        return new QueryFailedException(message, isClient, ex);
    }
}
