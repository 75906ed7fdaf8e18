using System.Runtime.InteropServices;
using Arcd.Auth;
using Arcd.Configuration;
using Arcd.Http;
using Arcd.Http.Endpoints;
using Arcd.Ingest.Catalog;
using Arcd.Ingest.Parquet;
using Arcd.Ingest.Shards;
using Arcd.Ingest.Storage;
using Arcd.Ingest.Wire;
using Arcd.Logging;
using Arcd.Query.Engine;
using Arcd.Query.Storage;
using Microsoft.Extensions.Logging;

namespace Arcd.Hosting;

/// <summary>
/// The composition root and lifecycle: start the engine, bind, tell systemd READY=1, wait for
/// SIGTERM/SIGINT, then stop accepting, finish in-flight requests, flush every buffer, exit 0.
/// </summary>
public static class Daemon
{
    public static async Task<int> RunAsync(LoadedConfig config)
    {
        var options = config.Options;
        using var loggerFactory = LogSetup.Create(options.Log);
        var logger = loggerFactory.CreateLogger("Arcd");
        foreach (var warning in config.Warnings) Log.ConfigWarning(logger, warning);

        // The local root holds the data on the local backend; on S3 it holds this node's state (catalog,
        // lock, upload spools) and the data lives in the bucket.
        var root = Path.GetFullPath(options.Storage.Root);
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.StartFailed(logger, $"Storage:Root {root} cannot be created: {ex.Message}");
            return 1;
        }

        // One process maintains a data root at a time (arcd compact checks this lock).
        using var rootLock = DataRootLock.TryAcquire(root);
        if (rootLock is null)
        {
            Log.StartFailed(logger, $"another arcd process (a daemon or 'arcd compact') is using {root}");
            return 1;
        }

        var storage = OpenStorage(options, root, logger);
        if (storage is null) return 1;
        using var storageLifetime = storage as IDisposable;
        // On S3, queries read a local mirror of the objects they need (DuckDB has no S3 access here).
        BucketMirror? mirror = null;
        if (storage is S3FileStorage bucket)
        {
            var cacheDirectory = options.Query.CacheDir.Length > 0 ? Path.GetFullPath(options.Query.CacheDir) : Path.Combine(root, ".arcd", "query-cache");
            try
            {
                mirror = new BucketMirror(bucket, cacheDirectory, options.Query.CacheBytes, options.Query.ListingCacheTtl);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.StartFailed(logger, $"Query:CacheDir {cacheDirectory}: {ex.Message}");
                return 1;
            }
            bucket.Changed += mirror.Changed;
        }
        using var probe = storage is S3FileStorage probed ? new StorageProbe(probed, options.Storage.S3.HealthCheckInterval) : null;
        var querySettings = QuerySettingsFrom(options, mirror?.Root ?? root);

        ColumnCatalog catalog;
        try
        {
            catalog = ColumnCatalog.Open(Path.Combine(root, ".arcd"), options.Ingest.MaxColumnsPerMeasurement, options.Ingest.MaxCatalogColumns);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.StartFailed(logger, $"column catalog: {ex.Message}");
            return 1;
        }
        using var catalogLifetime = catalog;

        // Replacements (compaction) that a crash interrupted are finished or rolled back before any query
        // can list files; with none pending this is one directory check.
        try
        {
            foreach (var outcome in storage.RecoverReplacements())
                Log.ReplacementRecovered(logger, outcome.Manifest.Id, outcome.RolledForward ? "rolled forward" : "rolled back", outcome.InputsDeleted);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.StartFailed(logger, $"replacement manifests under {storage.Location}/{FileReplacement.ManifestDirectory}: {ex.Message}");
            return 1;
        }

        ParquetSettings.TryParseCompression(options.Storage.Compression, out var compression);
        ConfigLoader.TryParseWalMode(options.Wal.Mode, out var walMode);
        var walDirectory = Path.GetFullPath(options.Wal.Dir);
        var engine = new IngestEngine(options.Ingest, storage, new ParquetSettings(compression), loggerFactory, walMode, walDirectory, options.Wal.SyncInterval, options.Node.EffectiveId);
        engine.Start();

        TokenVerifier? verifier = null;
        TokenStore? tokenStore = null;
        if (options.Auth.Enabled)
        {
            tokenStore = new TokenStore(options.Auth.TokenFile);
            try
            {
                tokenStore.Load(); // a broken store stops the start here, with its path and the reason
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TokenStoreException)
            {
                Log.StartFailed(logger, $"token store {tokenStore.Path}: {ex.Message}");
                return 1;
            }
            verifier = new TokenVerifier(tokenStore, options.Auth.CacheTtl, options.Auth.MaxCacheEntries);
            try
            {
                // A preset admin token is usable before /health or /ready can say 200: deployment scripts
                // write the moment the daemon looks up.
                if (Bootstrap.MustPrecedeListening(tokenStore)) Bootstrap.EnsureAdminToken(tokenStore, logger);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TokenStoreException)
            {
                Log.StartFailed(logger, $"token store {tokenStore.Path}: {ex.Message}");
                return 1;
            }
        }
        else
        {
            Log.AuthDisabled(logger, AuthOptions.EffectiveHost(options.Server, options.Auth));
        }
        var publicPaths = options.Auth.PublicPaths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var gate = new AuthGate(verifier, publicPaths);

        var maintenance = Maintenance.Create(options, storage, root, engine, catalog, querySettings, loggerFactory, mirror);
        if (maintenance is null) return 1;
        using var maintenanceLifetime = maintenance;
        var scheduler = maintenance.Scheduler;

        var state = new DaemonState();
        var writeStats = new WriteStats();
        var queryStats = new QueryStats();
        var router = new RequestRouter(gate,
            new HealthEndpoints(state, engine, probe is null ? null : () => probe.Failure),
            new MetricsEndpoint(engine, state, writeStats, maintenance.Compactor?.Stats, maintenance.Retention?.Stats, maintenance.Deleter.Stats,
                () => scheduler.States().FirstOrDefault(s => s.Name == SchedulerEndpoints.RetentionJob)?.NextRunUtc, maintenance.ContinuousQueries, queryStats, mirror),
            new WriteEndpoints(new WritePipeline(engine, catalog, options.Server.MaxRequestBytes, options.Server.MaxDecompressedBytes, DecodeLimits.Default, writeStats, logger)),
            new AuthEndpoints(gate),
            new QueryEndpoints(querySettings, loggerFactory.CreateLogger("Arcd.Query"), queryStats, storage.Readers, mirror, probe is null ? null : probe.Report),
            new CompactionEndpoints(maintenance.Compactor, scheduler),
            new RetentionEndpoints(maintenance.Retention, scheduler, TimeProvider.System, options.Server.ClientShapes),
            new DeleteEndpoints(maintenance.Deleter, options.Delete, scheduler),
            new SchedulerEndpoints(maintenance.Retention, options.Retention, scheduler, maintenance.ContinuousQueries),
            new ContinuousQueryEndpoints(maintenance.ContinuousQueries, scheduler, TimeProvider.System, options.Server.ClientShapes),
            CreateImports(options, engine, catalog, root));
        var application = new ArcdHttpApplication(router, logger, options.Server.TlsCertificatePath.Length > 0);

        var stopRequested = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true; // we exit on our own once everything is flushed
            stopRequested.TrySetResult(signal.Signal.ToString());
        }

        using var server = HttpListenerSetup.Create(options.Server, options.Auth, loggerFactory);
        try
        {
            await server.StartAsync(application, CancellationToken.None);
        }
        catch (IOException ex)
        {
            Log.StartFailed(logger, $"cannot listen on {HttpListenerSetup.DescribeUrl(options.Server, options.Auth)}: {ex.Message}");
            engine.Stop(options.Server.ShutdownTimeout);
            return 1;
        }

        // Listening first, then replay: /health answers at once, /ready (and writes) say 503 until replay is done.
        state.MarkNotReady("replaying write-ahead log");
        Notify(logger, $"READY=1\nSTATUS=listening on {HttpListenerSetup.DescribeUrl(options.Server, options.Auth)}\nMAINPID={Environment.ProcessId}");
        Log.Started(logger, VersionInfo.Version, HttpListenerSetup.DescribeUrl(options.Server, options.Auth), storage.Location,
            engine.ShardCount, engine.FlushWorkerCount, options.Wal.Mode);
        // A generated first admin token costs a 600k-round PBKDF2 hash: made after binding, so it does not
        // delay the start. Until it exists every protected request is a 401, which is right: nobody has it yet.
        if (tokenStore is not null && tokenStore.Load().Count == 0)
        {
            new Thread(() =>
            {
                try
                {
                    Bootstrap.EnsureAdminToken(tokenStore, logger);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TokenStoreException)
                {
                    Log.StartFailed(logger, $"token store {tokenStore.Path}: {ex.Message}");
                }
            }) { Name = "arcd-auth-bootstrap", IsBackground = true }.Start();
        }

        using var stopReplay = new CancellationTokenSource();
        var replay = new Thread(() =>
        {
            if (Recovery.Run(engine, walDirectory, options, logger, stopReplay.Token) is null) return;
            state.MarkReady();
            // Maintenance starts once the log is replayed: compaction re-points the intents of a live log.
            maintenance.Start();
        }) { Name = "arcd-wal-replay", IsBackground = true };
        replay.Start();

        var signalName = await stopRequested.Task;
        Log.Stopping(logger, signalName);
        Notify(logger, "STOPPING=1");
        state.MarkNotReady("shutting down");
        stopReplay.Cancel();
        replay.Join();
        maintenance.StopJobs();

        var deadline = DateTime.UtcNow + options.Server.ShutdownTimeout;
        using (var stopHttp = new CancellationTokenSource(options.Server.ShutdownTimeout / 2))
        {
            // Stops accepting, then waits for in-flight requests (each completes once its rows are in a buffer).
            await server.StopAsync(stopHttp.Token);
        }
        var left = deadline - DateTime.UtcNow;
        var flushed = engine.Stop(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        if (!flushed)
        {
            Log.StopTimedOut(logger);
            return 1;
        }
        Log.Stopped(logger, Interlocked.Read(ref engine.Counters.RecordsWritten), Interlocked.Read(ref engine.Counters.FilesWritten));
        return 0;
    }

    private static ImportEndpoints CreateImports(ArcdOptions options, IngestEngine engine, ColumnCatalog catalog, string root)
    {
        var submitter = new Arcd.Import.Submission.IngestSubmitter(engine, catalog, options.Import.FullTimeout);
        var spoolDirectory = options.Import.SpoolDirectory.Length > 0 ? options.Import.SpoolDirectory : Path.Combine(root, ".arcd", "import");
        return new ImportEndpoints(engine, new Arcd.Import.Csv.CsvImporter(submitter), new Arcd.Import.Parquet.ParquetImporter(submitter),
            new Arcd.Import.LineProtocol.LineProtocolImporter(submitter), new ImportSpool(spoolDirectory), options.Import);
    }

    /// <summary>
    /// The configured backend; on S3, proven by listing the bucket before anything is accepted, so a bad
    /// endpoint, secret or bucket stops the start with the server's own reason (null after logging it).
    /// </summary>
    private static IFileStorage? OpenStorage(ArcdOptions options, string root, ILogger logger)
    {
        if (!ConfigLoader.IsS3(options.Storage)) return new LocalFileStorage(root);
        S3FileStorage? s3 = null;
        try
        {
            s3 = new S3FileStorage(options.Storage.S3, Path.Combine(root, ".arcd", "s3-staging")) { NodeId = options.Node.EffectiveId };
            s3.CheckAccess();
            return s3;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            s3?.Dispose();
            Log.StartFailed(logger, $"Storage:S3: {ex.Message}");
            return null;
        }
    }

    private static QuerySettings QuerySettingsFrom(ArcdOptions options, string dataRoot)
    {
        var q = options.Query;
        return new QuerySettings(dataRoot, q.Timeout, q.MaxConcurrent, q.MaxQueued, q.MaxRows, q.MaxResultBytes,
            q.MemoryLimitBytes, q.Threads > 0 ? q.Threads : Environment.ProcessorCount);
    }

    private static void Notify(ILogger logger, string state)
    {
        var error = SystemdNotifier.Notify(state);
        if (error is not null) Log.NotifyFailed(logger, error);
    }
}
