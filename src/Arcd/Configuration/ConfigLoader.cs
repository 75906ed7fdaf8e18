using System.Net;
using Arcd.Ingest;
using Arcd.Ingest.Parquet;
using Arcd.Ingest.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Arcd.Configuration;

/// <summary>Effective configuration plus where it came from and what was ignored.</summary>
public sealed record LoadedConfig(ArcdOptions Options, string? FilePath, IReadOnlyList<string> Warnings);

/// <summary>A configuration that cannot be used, with a message that names the key and the problem.</summary>
public sealed class ConfigException(string message) : Exception(message);

/// <summary>
/// Layers, later wins: embedded defaults, the JSON file (<c>--config PATH</c>, else ./arcd.json,
/// else /etc/arcd/arcd.json), <c>ARCD_Section__Key</c> environment variables, then
/// <c>--Section:Key=value</c> arguments. Binding uses the source generator (AOT-safe) and
/// refuses unknown keys inside known sections, so a typo is an error rather than a silent default.
/// </summary>
public static class ConfigLoader
{
    public const string EnvironmentPrefix = "ARCD_";
    public static readonly string[] DefaultFiles = ["arcd.json", "/etc/arcd/arcd.json"];

    public static LoadedConfig Load(string? configPath, IReadOnlyList<string> overrides, IDictionary<string, string?>? environment = null)
    {
        var filePath = ResolveFile(configPath);
        var builder = new ConfigurationBuilder();
        if (filePath is not null) builder.AddJsonFile(filePath, optional: false, reloadOnChange: false);
        if (environment is null) builder.AddEnvironmentVariables(EnvironmentPrefix);
        else builder.AddInMemoryCollection(FromEnvironment(environment));
        builder.AddCommandLine([.. overrides]);

        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new ConfigException($"cannot read {filePath ?? "configuration"}: {ex.Message}");
        }

        var warnings = new List<string>();
        CheckSections(root, warnings);
        var options = new ArcdOptions();
        Bind(root, "Server", s => s.Bind(options.Server, Strict));
        Bind(root, "Node", s => s.Bind(options.Node, Strict));
        Bind(root, "Storage", s => s.Bind(options.Storage, Strict));
        Bind(root, "Wal", s => s.Bind(options.Wal, Strict));
        Bind(root, "Ingest", s => s.Bind(options.Ingest, Strict));
        Bind(root, "Auth", s => s.Bind(options.Auth, Strict));
        Bind(root, "Query", s => s.Bind(options.Query, Strict));
        Bind(root, "Compaction", s => s.Bind(options.Compaction, Strict));
        Bind(root, "Retention", s => s.Bind(options.Retention, Strict));
        Bind(root, "Delete", s => s.Bind(options.Delete, Strict));
        Bind(root, "ContinuousQueries", s => s.Bind(options.ContinuousQueries, Strict));
        Bind(root, "Import", s => s.Bind(options.Import, Strict));
        Bind(root, "Log", s => s.Bind(options.Log, Strict));
        Bind(root, "Logging", s => s.Bind(options.Log, Strict));
        Validate(options);
        return new LoadedConfig(options, filePath, warnings);
    }

    private static void Strict(BinderOptions o) => o.ErrorOnUnknownConfiguration = true;

    public static bool IsS3(StorageOptions storage) => string.Equals(storage.Backend, "s3", StringComparison.OrdinalIgnoreCase);

    private static void ValidateS3(ArcdOptions o)
    {
        var s3 = o.Storage.S3;
        if (s3.Bucket.Length is < 3 or > 63 || !s3.Bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
            Fail("Storage:S3:Bucket", $"'{s3.Bucket}' is not an S3 bucket name (3 to 63 lowercase letters, digits, '-' or '.')");
        if (s3.Endpoint.Length > 0 && !(Uri.TryCreate(s3.Endpoint, UriKind.Absolute, out var endpoint) && endpoint.Scheme is "http" or "https"))
            Fail("Storage:S3:Endpoint", $"'{s3.Endpoint}' is not an http:// or https:// URL");
        if (s3.Prefix.Split('/', StringSplitOptions.RemoveEmptyEntries).Any(segment => segment is "." or ".."))
            Fail("Storage:S3:Prefix", "must not contain '.' or '..' segments");
        if (string.IsNullOrWhiteSpace(s3.Region)) Fail("Storage:S3:Region", "must not be empty");
        if ((s3.AccessKey.Length > 0) != (s3.SecretKey.Length > 0))
            Fail(s3.AccessKey.Length > 0 ? "Storage:S3:SecretKey" : "Storage:S3:AccessKey", "set both AccessKey and SecretKey, or neither (the AWS credential chain)");
        if (s3.PartSizeBytes is < 5L << 20 or > 5L << 30) Fail("Storage:S3:PartSizeBytes", "must be between 5 MiB (5242880) and 5 GiB");
        if (s3.MultipartThresholdBytes < s3.PartSizeBytes) Fail("Storage:S3:MultipartThresholdBytes", "must be at least Storage:S3:PartSizeBytes");
        if (s3.RequestTimeout <= TimeSpan.Zero) Fail("Storage:S3:RequestTimeout", "must be positive");
        if (s3.HealthCheckInterval < TimeSpan.FromMilliseconds(100)) Fail("Storage:S3:HealthCheckInterval", "must be at least 00:00:00.100");
        if (o.Query.CacheBytes < 1L << 20) Fail("Query:CacheBytes", "must be at least 1 MiB (1048576)");
        if (o.Query.ListingCacheTtl < TimeSpan.Zero) Fail("Query:ListingCacheTtl", "must not be negative");
    }

    private static string? ResolveFile(string? configPath)
    {
        if (configPath is not null)
        {
            var full = Path.GetFullPath(configPath);
            if (!File.Exists(full)) throw new ConfigException($"config file not found: {full}");
            return full;
        }
        foreach (var candidate in DefaultFiles)
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        return null;
    }

    /// <summary>Used by tests to supply a fixed environment instead of the process's.</summary>
    private static IEnumerable<KeyValuePair<string, string?>> FromEnvironment(IDictionary<string, string?> environment)
    {
        foreach (var (name, value) in environment)
        {
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)) continue;
            yield return new(name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), value);
        }
    }

    // One non-generic call per type: the binder's source generator cannot see through generics.
    private static void Bind(IConfiguration root, string section, Action<IConfiguration> bind)
    {
        try
        {
            bind(root.GetSection(section));
        }
        catch (InvalidOperationException ex)
        {
            // The binder names unknown keys as "...were not found on the instance of T: 'A', 'B'".
            var unknown = ex.Message.IndexOf("were not found", StringComparison.Ordinal) >= 0 ? ex.Message[(ex.Message.LastIndexOf(": ", StringComparison.Ordinal) + 2)..] : null;
            throw new ConfigException(unknown is null ? $"{section}: {ex.Message}" : $"{section}: unknown key {unknown}");
        }
    }

    /// <summary>
    /// An unknown section is an error. An unknown top-level scalar is only a warning: variables such
    /// as ARCD_SERVER_PORT (one underscore) land there, and they deserve a hint, not a refusal.
    /// </summary>
    private static void CheckSections(IConfigurationRoot root, List<string> warnings)
    {
        foreach (var child in root.GetChildren())
        {
            if (ArcdOptions.SectionNames.Contains(child.Key, StringComparer.OrdinalIgnoreCase)) continue;
            if (child.Key.Equals("AUTH_BOOTSTRAP_TOKEN", StringComparison.OrdinalIgnoreCase)) continue; // ARCD_AUTH_BOOTSTRAP_TOKEN is read by the bootstrap
            if (child.GetChildren().Any())
                throw new ConfigException($"unknown configuration section '{child.Key}' (known: {string.Join(", ", ArcdOptions.SectionNames)})");
            warnings.Add($"ignored configuration key '{child.Key}': keys are Section:Key (environment: ARCD_Section__Key, two underscores)");
        }
    }

    private static void Validate(ArcdOptions o)
    {
        if (o.Server.Host.Length > 0 && !IsBindableHost(o.Server.Host)) Fail("Server:Host", $"'{o.Server.Host}' is not an IP address, 'localhost' or '*'");
        if ((o.Server.TlsCertificatePath.Length > 0) != (o.Server.TlsKeyPath.Length > 0))
            Fail("Server:TlsCertificatePath", "TLS needs both Server:TlsCertificatePath and Server:TlsKeyPath");
        if (o.Server.TlsCertificatePath.Length > 0 && !File.Exists(o.Server.TlsCertificatePath)) Fail("Server:TlsCertificatePath", $"{o.Server.TlsCertificatePath} does not exist");
        if (o.Server.TlsKeyPath.Length > 0 && !File.Exists(o.Server.TlsKeyPath)) Fail("Server:TlsKeyPath", $"{o.Server.TlsKeyPath} does not exist");
        if (o.Server.MaxConnections < 1) Fail("Server:MaxConnections", "must be at least 1");
        if (o.Server.MaxRequestHeadersBytes < 1024) Fail("Server:MaxRequestHeadersBytes", "must be at least 1024");
        if (o.Server.MaxRequestHeaderCount < 8) Fail("Server:MaxRequestHeaderCount", "must be at least 8");
        if (o.Server.MaxRequestLineBytes < 256) Fail("Server:MaxRequestLineBytes", "must be at least 256");
        if (o.Server.RequestHeadersTimeout <= TimeSpan.Zero) Fail("Server:RequestHeadersTimeout", "must be positive");
        if (o.Server.KeepAliveTimeout <= TimeSpan.Zero) Fail("Server:KeepAliveTimeout", "must be positive");
        if (o.Server.MinRequestBodyBytesPerSecond < 0) Fail("Server:MinRequestBodyBytesPerSecond", "must be 0 (off) or more");
        if (o.Server.Port is < 1 or > 65535) Fail("Server:Port", $"{o.Server.Port} is not a TCP port (1-65535)");
        if (o.Server.MaxRequestBytes is < 1 or > int.MaxValue) Fail("Server:MaxRequestBytes", "must be 1 to 2147483647");
        if (o.Server.MaxDecompressedBytes is < 1 or > int.MaxValue) Fail("Server:MaxDecompressedBytes", "must be 1 to 2147483647");
        if (o.Server.ShutdownTimeout <= TimeSpan.Zero) Fail("Server:ShutdownTimeout", "must be positive");

        if (o.Node.Id.Length > 0 && !NodeId.IsValid(o.Node.Id))
            Fail("Node:Id", $"'{o.Node.Id}' must be 1 to {NodeId.MaxLength} letters, digits or '-', starting with a letter or digit");
        if (!IsS3(o.Storage) && !string.Equals(o.Storage.Backend, "local", StringComparison.OrdinalIgnoreCase))
            Fail("Storage:Backend", $"'{o.Storage.Backend}' is not one of local, s3");
        if (string.IsNullOrWhiteSpace(o.Storage.Root)) Fail("Storage:Root", "must not be empty");
        if (IsS3(o.Storage)) ValidateS3(o);
        if (!ParquetSettings.TryParseCompression(o.Storage.Compression, out _))
            Fail("Storage:Compression", $"'{o.Storage.Compression}' is not one of snappy, zstd, none");

        if (!TryParseWalMode(o.Wal.Mode, out _)) Fail("Wal:Mode", $"'{o.Wal.Mode}' is not one of sync, async, off");
        if (string.IsNullOrWhiteSpace(o.Wal.Dir)) Fail("Wal:Dir", "must not be empty");
        if (o.Wal.SegmentBytes < 1 << 16) Fail("Wal:SegmentBytes", "must be at least 65536");
        if (o.Wal.RecycleSegments is < 0 or > 64) Fail("Wal:RecycleSegments", "must be between 0 and 64");
        if (o.Wal.SyncInterval <= TimeSpan.Zero) Fail("Wal:SyncInterval", "must be positive (a TimeSpan such as 00:00:00.100)");

        if (o.Ingest.MaxBufferRows < 1) Fail("Ingest:MaxBufferRows", "must be at least 1");
        if (o.Ingest.MaxBufferAge <= TimeSpan.Zero) Fail("Ingest:MaxBufferAge", "must be positive (a TimeSpan such as 00:00:05)");
        if (o.Ingest.Shards is < 0 or > 256) Fail("Ingest:Shards", "must be 0 (one per processor) to 256");
        if (o.Ingest.FlushWorkers is < 0 or > 256) Fail("Ingest:FlushWorkers", "must be 0 (automatic) to 256");
        if (o.Ingest.FlushThreadNice is < 0 or > 19) Fail("Ingest:FlushThreadNice", "must be 0 (no change) to 19");
        if (o.Ingest.ShardQueueCapacity < 1) Fail("Ingest:ShardQueueCapacity", "must be at least 1");
        if (o.Ingest.MaxColumnsPerMeasurement < 1) Fail("Ingest:MaxColumnsPerMeasurement", "must be at least 1");
        if (o.Ingest.MaxCatalogColumns < 1) Fail("Ingest:MaxCatalogColumns", "must be at least 1");
        if (o.Ingest.MemoryBudgetBytes < 1 << 20) Fail("Ingest:MemoryBudgetBytes", "must be at least 1 MiB (1048576)");

        if (string.IsNullOrWhiteSpace(o.Auth.TokenFile)) Fail("Auth:TokenFile", "must not be empty");
        if (o.Auth.CacheTtl < TimeSpan.Zero) Fail("Auth:CacheTtl", "must not be negative");
        if (o.Auth.MaxCacheEntries < 1) Fail("Auth:MaxCacheEntries", "must be at least 1");
        foreach (var path in o.Auth.PublicPaths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!path.StartsWith('/')) Fail("Auth:PublicPaths", $"'{path}' is not a path (it must start with '/')");
        if (o.Query.Timeout <= TimeSpan.Zero) Fail("Query:Timeout", "must be positive");
        if (o.Query.MaxConcurrent is < 1 or > 256) Fail("Query:MaxConcurrent", "must be between 1 and 256");
        if (o.Query.MaxQueued is < 0 or > 100_000) Fail("Query:MaxQueued", "must be between 0 and 100000");
        if (o.Query.MaxRows < 1) Fail("Query:MaxRows", "must be at least 1");
        if (o.Query.MaxResultBytes < 1024) Fail("Query:MaxResultBytes", "must be at least 1024");
        if (o.Query.MemoryLimitBytes < 64L << 20) Fail("Query:MemoryLimitBytes", "must be at least 64 MiB (67108864)");
        if (o.Query.Threads is < 0 or > 1024) Fail("Query:Threads", "must be between 0 (one per core) and 1024");

        var c = o.Compaction;
        if (!Arcd.Maintenance.Scheduling.CronSchedule.TryParse(c.HourlySchedule, out _, out var hourlyError)) Fail("Compaction:HourlySchedule", hourlyError!);
        if (!Arcd.Maintenance.Scheduling.CronSchedule.TryParse(c.DailySchedule, out _, out var dailyError)) Fail("Compaction:DailySchedule", dailyError!);
        if (c.HourlyMinAge < TimeSpan.Zero || c.DailyMinAge < TimeSpan.Zero) Fail("Compaction:HourlyMinAge/DailyMinAge", "must not be negative");
        if (c.HourlyMinFiles < 2) Fail("Compaction:HourlyMinFiles", "must be at least 2");
        if (c.DailyMinFiles < 2) Fail("Compaction:DailyMinFiles", "must be at least 2");
        if (c.DailySkipFileAgeCheckDays < 1) Fail("Compaction:DailySkipFileAgeCheckDays", "must be at least 1");
        if (c.MaxFilesPerBatch is < 2 or > 500) Fail("Compaction:MaxFilesPerBatch", "must be between 2 and 500");
        if (c.MemoryLimitBytes < 32L << 20) Fail("Compaction:MemoryLimitBytes", "must be at least 32 MiB (33554432)");
        if (c.Threads is < 1 or > 256) Fail("Compaction:Threads", "must be between 1 and 256");
        if (c.RowGroupRows is < 1024 or > 16_777_216) Fail("Compaction:RowGroupRows", "must be between 1024 and 16777216");
        if (c.LeaseDuration < TimeSpan.FromMinutes(1)) Fail("Compaction:LeaseDuration", "must be at least 00:01:00");
        if (c.ZstdLevel is < 1 or > 22) Fail("Compaction:ZstdLevel", "must be between 1 and 22");

        if (!Arcd.Maintenance.Scheduling.CronSchedule.TryParse(o.Retention.Schedule, out _, out var retentionError)) Fail("Retention:Schedule", retentionError!);
        if (o.Delete.ConfirmationThreshold < 0) Fail("Delete:ConfirmationThreshold", "must not be negative");
        if (o.Delete.MaxRowsPerDelete < 1) Fail("Delete:MaxRowsPerDelete", "must be at least 1");
        if (o.Delete.FlushTimeout <= TimeSpan.Zero) Fail("Delete:FlushTimeout", "must be positive");
        if (o.ContinuousQueries.Lateness < TimeSpan.Zero) Fail("ContinuousQueries:Lateness", "must not be negative");
        if (o.ContinuousQueries.MaxWindowsPerTick < 1) Fail("ContinuousQueries:MaxWindowsPerTick", "must be at least 1");
        if (o.ContinuousQueries.Timeout <= TimeSpan.Zero) Fail("ContinuousQueries:Timeout", "must be positive");
        if (o.Import.MaxBytes < 1) Fail("Import:MaxBytes", "must be at least 1");
        if (o.Import.MaxConcurrent < 1) Fail("Import:MaxConcurrent", "must be at least 1");
        if (o.Import.FullTimeout <= TimeSpan.Zero) Fail("Import:FullTimeout", "must be positive");
        if (o.Server.ClientShapes.ToLowerInvariant() is not ("auto" or "arc" or "client"))
            Fail("Server:ClientShapes", $"'{o.Server.ClientShapes}' is not one of auto, arc, client");

        if (!Enum.TryParse<LogLevel>(o.Log.Level, ignoreCase: true, out _) || int.TryParse(o.Log.Level, out _))
            Fail("Log:Level", $"'{o.Log.Level}' is not one of Trace, Debug, Information, Warning, Error, Critical");
        if (o.Log.Format.ToLowerInvariant() is not ("auto" or "json" or "text"))
            Fail("Log:Format", $"'{o.Log.Format}' is not one of auto, json, text");
    }

    public static bool TryParseWalMode(string text, out Arcd.Ingest.Wal.WalMode mode)
    {
        switch (text.ToLowerInvariant())
        {
            case "sync": mode = Arcd.Ingest.Wal.WalMode.Sync; return true;
            case "async": mode = Arcd.Ingest.Wal.WalMode.Async; return true;
            case "off": mode = Arcd.Ingest.Wal.WalMode.Off; return true;
            default: mode = default; return false;
        }
    }

    private static bool IsBindableHost(string host) =>
        host is "*" || host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(host, out _);

    private static void Fail(string key, string problem) => throw new ConfigException($"{key}: {problem}");
}
