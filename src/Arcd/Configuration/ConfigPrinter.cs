using System.Text.Json;

namespace Arcd.Configuration;

/// <summary>Prints the effective configuration as JSON in arcd.json's own shape, so it can be saved and edited.</summary>
public static class ConfigPrinter
{
    public static void Write(Stream output, LoadedConfig config)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        var o = config.Options;
        json.WriteStartObject();
        json.WriteStartObject("Server");
        json.WriteString("Host", o.Server.Host);
        json.WriteString("EffectiveHost", AuthOptions.EffectiveHost(o.Server, o.Auth));
        json.WriteNumber("Port", o.Server.Port);
        json.WriteNumber("MaxRequestBytes", o.Server.MaxRequestBytes);
        json.WriteNumber("MaxDecompressedBytes", o.Server.MaxDecompressedBytes);
        json.WriteString("ShutdownTimeout", o.Server.ShutdownTimeout.ToString("c"));
        json.WriteString("TlsCertificatePath", o.Server.TlsCertificatePath);
        json.WriteString("TlsKeyPath", o.Server.TlsKeyPath);
        json.WriteNumber("MaxConnections", o.Server.MaxConnections);
        json.WriteNumber("MaxRequestHeadersBytes", o.Server.MaxRequestHeadersBytes);
        json.WriteNumber("MaxRequestHeaderCount", o.Server.MaxRequestHeaderCount);
        json.WriteNumber("MaxRequestLineBytes", o.Server.MaxRequestLineBytes);
        json.WriteString("RequestHeadersTimeout", o.Server.RequestHeadersTimeout.ToString("c"));
        json.WriteString("KeepAliveTimeout", o.Server.KeepAliveTimeout.ToString("c"));
        json.WriteNumber("MinRequestBodyBytesPerSecond", o.Server.MinRequestBodyBytesPerSecond);
        json.WriteEndObject();
        json.WriteStartObject("Storage");
        json.WriteString("Backend", o.Storage.Backend);
        json.WriteString("Root", o.Storage.Root);
        json.WriteString("Compression", o.Storage.Compression);
        json.WriteEndObject();
        json.WriteStartObject("Wal");
        json.WriteString("Mode", o.Wal.Mode);
        json.WriteString("Dir", o.Wal.Dir);
        json.WriteNumber("SegmentBytes", o.Wal.SegmentBytes);
        json.WriteString("SyncInterval", o.Wal.SyncInterval.ToString("c"));
        json.WriteEndObject();
        json.WriteStartObject("Ingest");
        json.WriteNumber("MaxBufferRows", o.Ingest.MaxBufferRows);
        json.WriteString("MaxBufferAge", o.Ingest.MaxBufferAge.ToString("c"));
        json.WriteNumber("Shards", o.Ingest.Shards);
        json.WriteNumber("FlushWorkers", o.Ingest.FlushWorkers);
        json.WriteNumber("ShardQueueCapacity", o.Ingest.ShardQueueCapacity);
        json.WriteNumber("MemoryBudgetBytes", o.Ingest.MemoryBudgetBytes);
        json.WriteNumber("MaxColumnsPerMeasurement", o.Ingest.MaxColumnsPerMeasurement);
        json.WriteNumber("MaxCatalogColumns", o.Ingest.MaxCatalogColumns);
        json.WriteBoolean("PinShardThreads", o.Ingest.PinShardThreads);
        json.WriteEndObject();
        json.WriteStartObject("Auth");
        json.WriteBoolean("Enabled", o.Auth.Enabled);
        json.WriteString("TokenFile", o.Auth.TokenFile);
        json.WriteString("CacheTtl", o.Auth.CacheTtl.ToString("c"));
        json.WriteNumber("MaxCacheEntries", o.Auth.MaxCacheEntries);
        json.WriteString("PublicPaths", o.Auth.PublicPaths);
        json.WriteEndObject();
        json.WriteStartObject("Query");
        json.WriteString("Timeout", o.Query.Timeout.ToString("c"));
        json.WriteNumber("MaxConcurrent", o.Query.MaxConcurrent);
        json.WriteNumber("MaxQueued", o.Query.MaxQueued);
        json.WriteNumber("MaxRows", o.Query.MaxRows);
        json.WriteNumber("MaxResultBytes", o.Query.MaxResultBytes);
        json.WriteNumber("MemoryLimitBytes", o.Query.MemoryLimitBytes);
        json.WriteNumber("Threads", o.Query.Threads);
        json.WriteEndObject();
        var c = o.Compaction;
        json.WriteStartObject("Compaction");
        json.WriteBoolean("Enabled", c.Enabled);
        json.WriteBoolean("HourlyEnabled", c.HourlyEnabled);
        json.WriteBoolean("DailyEnabled", c.DailyEnabled);
        json.WriteString("HourlySchedule", c.HourlySchedule);
        json.WriteString("DailySchedule", c.DailySchedule);
        json.WriteString("HourlyMinAge", c.HourlyMinAge.ToString("c"));
        json.WriteNumber("HourlyMinFiles", c.HourlyMinFiles);
        json.WriteString("DailyMinAge", c.DailyMinAge.ToString("c"));
        json.WriteNumber("DailyMinFiles", c.DailyMinFiles);
        json.WriteNumber("DailySkipFileAgeCheckDays", c.DailySkipFileAgeCheckDays);
        json.WriteNumber("MaxFilesPerBatch", c.MaxFilesPerBatch);
        json.WriteNumber("MemoryLimitBytes", c.MemoryLimitBytes);
        json.WriteNumber("Threads", c.Threads);
        json.WriteNumber("RowGroupRows", c.RowGroupRows);
        json.WriteNumber("ZstdLevel", c.ZstdLevel);
        json.WriteString("Deduplicate", c.Deduplicate.ToString().ToLowerInvariant());
        json.WriteString("TempDirectory", c.TempDirectory);
        json.WriteEndObject();
        json.WriteStartObject("Log");
        json.WriteString("Level", o.Log.Level);
        json.WriteString("Format", o.Log.Format);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
