using System.Globalization;
using Arcd.Query.Sql;

namespace Arcd.Query.Engine;

/// <summary>
/// DuckDB's own half of the sandbox, applied once to the database before any query and then
/// locked: no external access except reads under the data root, no extension installing or
/// loading, no spilling to a temp directory (it would be a write), bounded memory and threads,
/// UTC session time zone (so a literal without offset means UTC, as pruning assumes).
/// </summary>
internal static class QuerySandbox
{
    public static IEnumerable<string> Statements(QuerySettings settings, string dataRoot)
    {
        yield return "SET GLOBAL TimeZone = 'UTC'";
        yield return string.Create(CultureInfo.InvariantCulture, $"SET GLOBAL threads = {settings.Threads}");
        yield return string.Create(CultureInfo.InvariantCulture, $"SET GLOBAL memory_limit = '{settings.MemoryLimitBytes}B'");
        yield return "SET GLOBAL temp_directory = ''";
        yield return "SET GLOBAL parquet_metadata_cache = true";
        yield return "SET GLOBAL autoinstall_known_extensions = false";
        yield return "SET GLOBAL autoload_known_extensions = false";
        yield return "SET GLOBAL allow_community_extensions = false";
        yield return $"SET GLOBAL allowed_directories = [{QueryPlanner.QuoteLiteral(dataRoot)}]";
        yield return "SET GLOBAL enable_external_access = false";
        yield return "SET GLOBAL lock_configuration = true";
    }

    public static void Apply(DuckDbConnection connection, QuerySettings settings, string dataRoot)
    {
        foreach (var statement in Statements(settings, dataRoot)) connection.Execute(statement);
    }
}

/// <summary>
/// A DuckDB of its own under the query sandbox's settings, for user SQL that maintenance runs on its
/// own threads (continuous queries): reads under the data root only, no extensions, bounded memory.
/// </summary>
public sealed class SandboxedDuckDb : IDisposable
{
    private readonly DuckDbDatabase _database;

    public SandboxedDuckDb(QuerySettings settings)
    {
        _database = new DuckDbDatabase();
        try
        {
            Connection = _database.Connect();
            QuerySandbox.Apply(Connection, settings, Path.GetFullPath(settings.DataRoot).TrimEnd('/') + "/");
        }
        catch
        {
            Connection?.Dispose();
            _database.Dispose();
            throw;
        }
    }

    public DuckDbConnection Connection { get; }

    public void Dispose()
    {
        Connection.Dispose();
        _database.Dispose();
    }
}
