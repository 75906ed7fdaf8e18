using System.Collections.Concurrent;

namespace Arcd.Query.Engine;

/// <summary>Too many queries running and waiting: the caller answers 503.</summary>
public sealed class QueryBusyException(string message) : Exception(message);

/// <summary>DuckDB could not be opened or configured; every query fails with this until restart.</summary>
public sealed class QueryEngineUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// DuckDB behind a few dedicated query threads. The first thread restricts itself (Landlock),
/// then opens the in-memory database, so DuckDB's worker threads are born restricted too;
/// applies and locks the sandbox settings; and starts the other query threads, each with its
/// own connection to the same database (<see cref="DuckDbDatabase"/>). A query runs wholly on one of these threads, result
/// streaming included, because DuckDB executes on the thread that fetches.
/// Created on the first query: arcd's start-up never loads libduckdb.
/// </summary>
public sealed class QueryEngine : IDisposable
{
    private readonly QuerySettings _settings;
    private readonly BlockingCollection<Action<DuckDbConnection>> _jobs;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DuckDbDatabase? _database;
    private int _queued;

    /// <summary>"landlock" when query threads cannot write files; otherwise why not (logged at first query).</summary>
    public string WriteProtection { get; private set; } = "starting";

    public QueryEngine(QuerySettings settings)
    {
        _settings = settings;
        _jobs = new BlockingCollection<Action<DuckDbConnection>>();
        var first = new Thread(FirstThreadMain) { Name = "arcd-query-0", IsBackground = true };
        first.Start();
    }

    /// <summary>Completes when DuckDB is open and locked down; faults when it could not be.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Runs <paramref name="work"/> on a query thread with its DuckDB connection.</summary>
    public async Task<T> RunAsync<T>(Func<DuckDbConnection, T> work)
    {
        await _ready.Task.ConfigureAwait(false);
        if (Interlocked.Increment(ref _queued) > _settings.MaxConcurrent + _settings.MaxQueued)
        {
            Interlocked.Decrement(ref _queued);
            throw new QueryBusyException($"too many queries: {_settings.MaxConcurrent} running and {_settings.MaxQueued} waiting (Query:MaxConcurrent, Query:MaxQueued)");
        }
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _jobs.Add(connection =>
        {
            try
            {
                done.SetResult(work(connection));
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
            finally
            {
                Interlocked.Decrement(ref _queued);
            }
        });
        return await done.Task.ConfigureAwait(false);
    }

    private void FirstThreadMain()
    {
        DuckDbConnection primary;
        try
        {
            WriteProtection = Landlock.ForbidWritesOnThisThread() ?? "landlock";
            var root = Path.GetFullPath(_settings.DataRoot).TrimEnd('/') + "/";
            _database = new DuckDbDatabase();
            primary = _database.Connect();
            QuerySandbox.Apply(primary, _settings, root);
            for (var i = 1; i < _settings.MaxConcurrent; i++)
            {
                var connection = _database.Connect();
                // Started from this restricted thread, so it inherits the restriction.
                new Thread(() => Serve(connection)) { Name = $"arcd-query-{i}", IsBackground = true }.Start();
            }
        }
        catch (Exception ex)
        {
            _ready.SetException(new QueryEngineUnavailableException($"the query engine (DuckDB) could not start: {ex.Message}", ex));
            return;
        }
        _ready.SetResult();
        Serve(primary);
    }

    private void Serve(DuckDbConnection connection)
    {
        try
        {
            foreach (var job in _jobs.GetConsumingEnumerable()) job(connection);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Stops taking queries; the query threads end when the queue is empty. DuckDB is left to the process exit.</summary>
    public void Dispose()
    {
        _jobs.CompleteAdding();
    }
}
