using System.Globalization;
using System.Text;
using Arcd.Ingest.Shards;
using Microsoft.AspNetCore.Http;
using Arcd.Ingest.Metrics;

namespace Arcd.Http.Endpoints;

/// <summary><c>GET /metrics</c>: Prometheus text format 0.0.4.</summary>
public sealed class MetricsEndpoint(IngestEngine engine, DaemonState state, WriteStats writes, Arcd.Maintenance.Compaction.CompactionStats? compaction = null,
    Arcd.Maintenance.Retention.RetentionStats? retention = null, Arcd.Maintenance.Deletion.DeleteStats? deletes = null, Func<DateTime?>? retentionNextRun = null,
    Arcd.Maintenance.ContinuousQueries.CqService? continuousQueries = null, Arcd.Query.Engine.QueryStats? queries = null,
    Arcd.Query.Storage.BucketMirror? mirror = null)
{
    public Task HandleAsync(HttpContext context)
    {
        var counters = engine.Counters;
        var text = new StringBuilder(2048);
        Metric(text, "arcd_uptime_seconds", "gauge", "Seconds since start.", state.Uptime.TotalSeconds);
        Metric(text, "arcd_ready", "gauge", "1 when /ready answers 200.", state.NotReadyReason is null && Volatile.Read(ref counters.StorageFailing) == 0 ? 1 : 0);
        Metric(text, "arcd_records_accepted_total", "counter", "Records acknowledged (204).", Interlocked.Read(ref counters.RecordsAccepted));
        Metric(text, "arcd_records_written_total", "counter", "Records in durable Parquet files.", Interlocked.Read(ref counters.RecordsWritten));
        Metric(text, "arcd_files_written_total", "counter", "Parquet files written.", Interlocked.Read(ref counters.FilesWritten));
        Metric(text, "arcd_flush_failures_total", "counter", "Failed flush attempts (each is retried; no data is dropped).", Interlocked.Read(ref counters.FlushFailures));
        Metric(text, "arcd_storage_failing", "gauge", "1 while the latest flush attempt failed.", Volatile.Read(ref counters.StorageFailing));
        Metric(text, "arcd_rejected_over_budget_total", "counter", "Writes refused with 503: memory budget exhausted.", Interlocked.Read(ref counters.RejectedOverBudget));
        Metric(text, "arcd_rejected_queue_full_total", "counter", "Writes refused with 503: shard queue full.", Interlocked.Read(ref counters.RejectedQueueFull));
        Metric(text, "arcd_memory_budget_used_bytes", "gauge", "Decoded rows held in queues, buffers and flushes.", engine.Budget.UsedBytes);
        Metric(text, "arcd_memory_budget_limit_bytes", "gauge", "Ingest:MemoryBudgetBytes.", engine.Budget.LimitBytes);
        Metric(text, "arcd_buffers_live", "gauge", "Measurement buffers not yet in durable Parquet.", engine.LiveBuffers);
        Metric(text, "arcd_flush_queue_depth", "gauge", "Sealed buffers waiting for a flush worker.", engine.FlushQueueDepth);
        Metric(text, "arcd_shard_queue_depth", "gauge", "Requests waiting in shard queues.", engine.ShardQueueDepth);
        Metric(text, "arcd_wal_bytes_total", "counter", "Bytes appended to the write-ahead log.", engine.WalBytes);
        Metric(text, "arcd_wal_segments", "gauge", "WAL segment files on disk.", engine.WalSegments);
        Metric(text, "arcd_wal_records_replayed_total", "counter", "WAL records re-applied at start.", Interlocked.Read(ref counters.WalRecordsReplayed));
        if (queries is not null)
        {
            Family(text, "arcd_queries_total", "counter", "SQL queries that reached DuckDB, by how they ended (cancelled: the client disconnected and DuckDB was interrupted).");
            Sample(text, "arcd_queries_total", "outcome", "completed", queries.CompletedTotal);
            Sample(text, "arcd_queries_total", "outcome", "failed", queries.FailedTotal);
            Sample(text, "arcd_queries_total", "outcome", "timed_out", queries.TimedOutTotal);
            Sample(text, "arcd_queries_total", "outcome", "cancelled", queries.CancelledTotal);
        }
        if (mirror is not null)
        {
            Metric(text, "arcd_query_object_gets_total", "counter", "Objects downloaded from the bucket for queries (each is one GET).", mirror.Gets);
            Metric(text, "arcd_query_cache_hits_total", "counter", "Objects a query needed that the local read cache already held.", mirror.Hits);
            Metric(text, "arcd_query_object_lists_total", "counter", "Bucket listings made for queries (the tree and per-measurement object lists).", mirror.ListRequests);
            Metric(text, "arcd_query_cache_bytes", "gauge", "Bytes in the local read cache (Query:CacheDir, bounded by Query:CacheBytes).", mirror.CachedBytes);
        }
        Family(text, "arcd_stage_seconds_total", "counter", "Time spent per data-path stage (decompress, decode, queue_wait, wal_write, wal_sync, append, sort, encode, store).");
        foreach (var stage in StageTimes.All) Sample(text, "arcd_stage_seconds_total", "stage", StageTimes.Name(stage), counters.Stages.Read(stage).Seconds);
        Family(text, "arcd_stage_operations_total", "counter", "Operations timed per stage: requests (decompress, decode, queue_wait), shard drains (wal_write, wal_sync, append), buffers (sort), files (encode, store).");
        foreach (var stage in StageTimes.All) Sample(text, "arcd_stage_operations_total", "stage", StageTimes.Name(stage), counters.Stages.Read(stage).Count);
        Family(text, "arcd_write_requests_total", "counter", "Write requests by endpoint and status class.");
        for (var e = 0; e < WriteStats.Endpoints.Length; e++)
        {
            Sample(text, "arcd_write_requests_total", "endpoint", WriteStats.Endpoints[e], writes.Read(e, WriteStats.Ok), "class", "2xx");
            Sample(text, "arcd_write_requests_total", "endpoint", WriteStats.Endpoints[e], writes.Read(e, WriteStats.ClientError), "class", "4xx");
            Sample(text, "arcd_write_requests_total", "endpoint", WriteStats.Endpoints[e], writes.Read(e, WriteStats.ServerError), "class", "5xx");
        }
        Family(text, "arcd_write_records_total", "counter", "Records accepted (204) by endpoint.");
        for (var e = 0; e < WriteStats.Endpoints.Length; e++) Sample(text, "arcd_write_records_total", "endpoint", WriteStats.Endpoints[e], writes.Read(e, WriteStats.Records));
        Family(text, "arcd_write_bytes_total", "counter", "Request body bytes received (before decompression) by endpoint.");
        for (var e = 0; e < WriteStats.Endpoints.Length; e++) Sample(text, "arcd_write_bytes_total", "endpoint", WriteStats.Endpoints[e], writes.Read(e, WriteStats.Bytes));
        WriteDurations(text, writes);
        Metric(text, "arcd_buffered_rows", "gauge", "Rows accepted and not yet in durable Parquet files.", Interlocked.Read(ref counters.RecordsAccepted) - Interlocked.Read(ref counters.RecordsWritten));
        Metric(text, "arcd_gc_allocated_bytes_total", "counter", "Bytes allocated by the process.", GC.GetTotalAllocatedBytes());
        Family(text, "arcd_gc_collections_total", "counter", "Garbage collections by generation.");
        for (var generation = 0; generation <= 2; generation++) Sample(text, "arcd_gc_collections_total", "generation", generation.ToString(CultureInfo.InvariantCulture), GC.CollectionCount(generation));
        Metric(text, "arcd_gc_pause_seconds_total", "counter", "Time the GC paused the process.", GC.GetTotalPauseDuration().TotalSeconds);
        Metric(text, "arcd_gc_heap_bytes", "gauge", "Managed heap size after the last collection.", GC.GetGCMemoryInfo().HeapSizeBytes);
        Metric(text, "arcd_resident_memory_bytes", "gauge", "Resident set size of the process.", Environment.WorkingSet);
        Metric(text, "arcd_lock_contention_total", "counter", "Times a thread waited on a contended lock.", Monitor.LockContentionCount);
        if (compaction is { } c)
        {
            Metric(text, "arcd_compaction_cycles_total", "counter", "Compaction cycles run.", Interlocked.Read(ref c.Cycles));
            Metric(text, "arcd_compaction_cycle_failures_total", "counter", "Compaction cycles that failed (retried at the next cycle).", Interlocked.Read(ref c.CycleFailures));
            Metric(text, "arcd_compaction_jobs_total", "counter", "Compaction batches completed.", Interlocked.Read(ref c.JobsCompleted));
            Metric(text, "arcd_compaction_failures_total", "counter", "Compaction batches that failed (their files stay; retried later).", Interlocked.Read(ref c.JobsFailed));
            Metric(text, "arcd_compaction_files_in_total", "counter", "Files merged away by compaction.", Interlocked.Read(ref c.FilesIn));
            Metric(text, "arcd_compaction_files_out_total", "counter", "Files written by compaction.", Interlocked.Read(ref c.FilesOut));
            Metric(text, "arcd_compaction_bytes_in_total", "counter", "Bytes of the files merged away.", Interlocked.Read(ref c.BytesIn));
            Metric(text, "arcd_compaction_bytes_out_total", "counter", "Bytes of the files written.", Interlocked.Read(ref c.BytesOut));
            Metric(text, "arcd_compaction_rows_in_total", "counter", "Rows read by compaction.", Interlocked.Read(ref c.RowsIn));
            Metric(text, "arcd_compaction_rows_out_total", "counter", "Rows written by compaction (fewer when duplicates were removed).", Interlocked.Read(ref c.RowsOut));
            Metric(text, "arcd_compaction_seconds_total", "counter", "Time spent merging.", c.SecondsTotal);
            Metric(text, "arcd_compaction_manifests_recovered_total", "counter", "Interrupted replacements finished or rolled back.", Interlocked.Read(ref c.ManifestsRecovered));
            Metric(text, "arcd_compaction_partitions_leased_elsewhere_total", "counter", "Partitions skipped because another node held their compaction lease.", Interlocked.Read(ref c.PartitionsLeasedElsewhere));
            Family(text, "arcd_compaction_files_waiting", "gauge", "Files in partitions that are compaction candidates, by tier (as of the last cycle).");
            Sample(text, "arcd_compaction_files_waiting", "tier", "hourly", c.Tier(Arcd.Maintenance.Compaction.CompactionTier.Hourly).Waiting);
            Sample(text, "arcd_compaction_files_waiting", "tier", "daily", c.Tier(Arcd.Maintenance.Compaction.CompactionTier.Daily).Waiting);
        }
        if (retention is { } r)
        {
            Metric(text, "arcd_retention_runs_total", "counter", "Retention policy runs (scheduled, triggered or executed), dry runs excluded.", Interlocked.Read(ref r.Runs));
            Metric(text, "arcd_retention_run_failures_total", "counter", "Retention policy runs that failed.", Interlocked.Read(ref r.RunFailures));
            Metric(text, "arcd_retention_runs_resumed_total", "counter", "Retention runs a crash cut short, finished at the next start.", Interlocked.Read(ref r.RunsResumed));
            Metric(text, "arcd_retention_files_deleted_total", "counter", "Files deleted by retention.", Interlocked.Read(ref r.FilesDeleted));
            Metric(text, "arcd_retention_rows_deleted_total", "counter", "Rows in the files deleted by retention.", Interlocked.Read(ref r.RowsDeleted));
            var last = r.LastRunUtc;
            Metric(text, "arcd_retention_last_run_timestamp_seconds", "gauge", "When the scheduler last ran every active policy (0: not yet).",
                last is { } l ? (l - DateTime.UnixEpoch).TotalSeconds : 0);
            var next = retentionNextRun?.Invoke();
            Metric(text, "arcd_retention_next_run_timestamp_seconds", "gauge", "When the scheduler runs the active policies next.",
                next is { } n ? (n - DateTime.UnixEpoch).TotalSeconds : 0);
        }
        if (deletes is { } d)
        {
            Metric(text, "arcd_delete_requests_total", "counter", "Delete requests that reached the engine (after validation).", Interlocked.Read(ref d.Requests));
            Metric(text, "arcd_delete_refused_total", "counter", "Delete requests refused after counting (row limits) or for a flush that failed.", Interlocked.Read(ref d.Refused));
            Metric(text, "arcd_delete_rows_total", "counter", "Rows deleted.", Interlocked.Read(ref d.RowsDeleted));
            Metric(text, "arcd_delete_files_rewritten_total", "counter", "Files rewritten without the deleted rows.", Interlocked.Read(ref d.FilesRewritten));
            Metric(text, "arcd_delete_files_removed_total", "counter", "Files removed because every row was deleted.", Interlocked.Read(ref d.FilesRemoved));
            Metric(text, "arcd_delete_file_failures_total", "counter", "Files a delete could not process (left unchanged).", Interlocked.Read(ref d.FileFailures));
        }
        if (continuousQueries is { } cq) ContinuousQueryMetrics(text, cq);
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes).AsTask();
    }

    /// <summary>Per continuous query, labelled by name (unique): runs, failures, rows written, and how far its watermark is behind now.</summary>
    private static void ContinuousQueryMetrics(StringBuilder text, Arcd.Maintenance.ContinuousQueries.CqService cq)
    {
        var queries = cq.Store.Queries().OrderBy(q => q.Id).ToList();
        var now = DateTime.UtcNow;
        Family(text, "arcd_cq_runs_total", "counter", "Window runs of a continuous query (scheduled, manual, retried).");
        foreach (var q in queries) Sample(text, "arcd_cq_runs_total", "cq", Label(q.Name), Interlocked.Read(ref cq.StatsOf(q.Id).Runs));
        Family(text, "arcd_cq_failures_total", "counter", "Window runs that failed (the window is retried).");
        foreach (var q in queries) Sample(text, "arcd_cq_failures_total", "cq", Label(q.Name), Interlocked.Read(ref cq.StatsOf(q.Id).Failures));
        Family(text, "arcd_cq_rows_written_total", "counter", "Rows a continuous query wrote to its destination.");
        foreach (var q in queries) Sample(text, "arcd_cq_rows_written_total", "cq", Label(q.Name), Interlocked.Read(ref cq.StatsOf(q.Id).RowsWritten));
        Family(text, "arcd_cq_lag_seconds", "gauge", "Now minus the watermark (last_processed_time); 0 before the first window.");
        foreach (var q in queries)
            Sample(text, "arcd_cq_lag_seconds", "cq", Label(q.Name), cq.Store.Progress(q.Id).WatermarkUtc is { } w ? Math.Max(0, (now - w).TotalSeconds) : 0);
        Family(text, "arcd_cq_window_pending", "gauge", "1 while a window is in flight or waiting for its retry.");
        foreach (var q in queries) Sample(text, "arcd_cq_window_pending", "cq", Label(q.Name), cq.Store.Progress(q.Id).InFlight is null ? 0 : 1);
    }

    /// <summary>Prometheus histogram: cumulative buckets, +Inf, sum and count.</summary>
    private static void WriteDurations(StringBuilder text, WriteStats writes)
    {
        const string name = "arcd_write_duration_seconds";
        Family(text, name, "histogram", "Write requests from the router handing them over to their answer (read, decode, WAL, append; an acknowledgement waits for its group commit).");
        long cumulative = 0;
        for (var b = 0; b < WriteStats.DurationBounds.Length; b++)
        {
            cumulative += writes.DurationBucket(b);
            Sample(text, name + "_bucket", "le", WriteStats.DurationBounds[b].ToString("R", CultureInfo.InvariantCulture), cumulative);
        }
        cumulative += writes.DurationBucket(WriteStats.DurationBounds.Length);
        Sample(text, name + "_bucket", "le", "+Inf", cumulative);
        text.Append(name).Append("_sum ").Append(writes.DurationSumSeconds.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        // The count is the +Inf bucket by definition, so the two always agree.
        text.Append(name).Append("_count ").Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Label(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static void Metric(StringBuilder text, string name, string type, string help, double value)
    {
        Family(text, name, type, help);
        text.Append(name).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Family(StringBuilder text, string name, string type, string help)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    private static void Sample(StringBuilder text, string name, string label, string value, double sample, string? label2 = null, string? value2 = null)
    {
        text.Append(name).Append('{').Append(label).Append("=\"").Append(value).Append('"');
        if (label2 is not null) text.Append(',').Append(label2).Append("=\"").Append(value2).Append('"');
        text.Append("} ").Append(sample.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }
}
