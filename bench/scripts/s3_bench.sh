#!/usr/bin/env bash
# Storage:Backend=s3 (Ceph RGW on 127.0.0.1, started here) against local disk, in one run on one machine:
#  1. ingest: the same closed-loop msgpack-columnar load (Arc's shape) against each backend, WAL sync:
#     records/s, p50/p99, server CPU and peak RSS (arcd-bench load);
#  2. queries on a day of data in the bucket (1,000 hosts every 60 s = 1.44M rows, imported with
#     `arcd import`, one file per hour): a day-long aggregate cold (empty read cache) and warm, and a
#     one-hour aggregate, with the objects fetched per query (x-arc-profile object_gets) and latency.
# The client, RGW and arcd share the machine's cores: compare the two backends, not absolute numbers.
# Usage: bench/scripts/s3_bench.sh [seconds per ingest run, default 15] [connections, default 16]
# Writes bench/results/s3.json and bench/results/s3.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
connections=${2:-16}
root=$PWD
out=bench/results
work=$(mktemp -d)
export S3_ROOT=$work/rgw S3_PORT=${S3_PORT:-19380}
endpoint=http://127.0.0.1:$S3_PORT
sha_empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
cleanup() { pkill -x arcd 2>/dev/null || true; tests/s3/ceph-rgw.sh stop || true; rm -rf "$work"; }
trap cleanup EXIT

tests/s3/ceph-rgw.sh install
tests/s3/ceph-rgw.sh start
s3curl() { curl -sf --aws-sigv4 aws:amz:us-east-1:s3 --user testkey:testsecret -H "x-amz-content-sha256: $sha_empty" "$@"; }
s3curl -X PUT "$endpoint/ingest" >/dev/null
s3curl -X PUT "$endpoint/day" >/dev/null

s3_settings() {
    echo "--Storage:Backend=s3 --Storage:S3:Endpoint=$endpoint --Storage:S3:Bucket=$1 --Storage:S3:AccessKey=testkey --Storage:S3:SecretKey=testsecret
          --Compaction:Enabled=false --Retention:Enabled=false --ContinuousQueries:Enabled=false"
}

start_arcd() { # name, settings...
    local name=$1; shift
    mkdir -p "$work/$name"
    (cd "$work/$name" && exec "$root/artifacts/aot/arcd" --Server:Port=18380 --Server:Host=127.0.0.1 --Auth:Enabled=false --Log:Level=Warning "$@" 2>"$work/$name.log") &
    pid=$!
    until curl -sf http://127.0.0.1:18380/ready >/dev/null; do sleep 0.05; done
}

stop_arcd() { kill -TERM "$pid"; wait "$pid" || true; }

echo "== ingest, $seconds s, $connections connections"
for backend in local s3; do
    if [[ $backend == s3 ]]; then start_arcd ingest-s3 $(s3_settings ingest); else start_arcd ingest-local; fi
    artifacts/bench/arcd-bench load --url http://127.0.0.1:18380 --mode msgpack-columnar --connections "$connections" \
        --duration "$seconds" --pid "$pid" --json "$work/ingest-$backend.json" 2>/dev/null
    stop_arcd
done

echo "== a day of data in the bucket"
python3 - "$work/day.csv" <<'EOF'
import datetime as dt, sys
day = dt.datetime.combine(dt.date.today() - dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
base = int(day.timestamp())
with open(sys.argv[1], "w") as f:
    f.write("time,host,value,cpu_idle,cpu_user\n")
    for step in range(0, 86400, 60):
        f.writelines(f"{base + step},server{h:03d},{(h * 2654435761 + step) % 10007 / 100},{(h + step * 7) % 9001 / 100},{(h * 3 + step) % 7001 / 100}\n" for h in range(1000))
EOF
start_arcd day $(s3_settings day) --Import:MaxBytes=1073741824
artifacts/aot/arcd import "$work/day.csv" --database bench --measurement cpu --tags host --url http://127.0.0.1:18380
stop_arcd

query() { # label, sql -> one JSON line
    local started ended body
    started=$(date +%s%N)
    body=$(curl -sf http://127.0.0.1:18380/api/v1/query -H 'Content-Type: application/json' -H 'x-arc-profile: true' -d "{\"sql\":\"$2\"}")
    ended=$(date +%s%N)
    python3 -c 'import json,sys; b=json.loads(sys.argv[3]); print(json.dumps({"query": sys.argv[1], "ms": round(int(sys.argv[2]) / 1e6, 1), "object_gets": b["profile"].get("object_gets"), "hour_partitions": b["profile"]["hour_partitions"], "files": b["profile"].get("files_scanned"), "rows": b["row_count"]}))' \
        "$1" "$((ended - started))" "$body"
}
yesterday=$(date -u -d yesterday +%Y-%m-%d)
today=$(date -u +%Y-%m-%d)
day_sql="SELECT host, avg(value) AS v FROM bench.cpu WHERE time >= '${yesterday}T00:00:00Z' AND time < '${today}T00:00:00Z' GROUP BY host"
hour_sql="SELECT host, max(cpu_user) AS m FROM bench.cpu WHERE time >= '${yesterday}T12:00:00Z' AND time < '${yesterday}T13:00:00Z' GROUP BY host"
start_arcd day $(s3_settings day) # a fresh start empties the read cache
{
    query "day, cold cache" "$day_sql"
    query "day, warm cache" "$day_sql"
    query "one hour, warm cache" "$hour_sql"
} >"$work/queries.jsonl"
lists=$(curl -s http://127.0.0.1:18380/metrics | awk '/^arcd_query_object_lists_total/ {print $2}')
peak_query_rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
stop_arcd
objects=$(head -1 "$work/queries.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["files"])')

python3 - "$work" "$out" "$seconds" "$connections" "$lists" "$peak_query_rss" "$objects" <<'EOF'
import json, os, platform, sys, datetime as dt
work, out, seconds, connections, lists, rss, objects = sys.argv[1:]
ingest = {b: json.load(open(f"{work}/ingest-{b}.json")) for b in ("local", "s3")}
queries = [json.loads(l) for l in open(f"{work}/queries.jsonl")]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
result = {"date": str(dt.date.today()), "cpu": cpu, "cores": os.cpu_count(), "ingest": ingest, "queries": queries,
          "query_list_requests": int(float(lists or 0)), "query_daemon_peak_rss_mib": round(int(rss) / 1024, 1), "day_objects": int(objects)}
json.dump(result, open(f"{out}/s3.json", "w"), indent=2)
l, s = ingest["local"], ingest["s3"]
rows = "\n".join(f"| {b} | {i['records_per_sec']:,.0f} | {i['p50_ms']} | {i['p99_ms']} | {i['records_per_server_cpu_second']:,.0f} | {i['server_peak_rss_mib']:.0f} MiB | {i['errors']} |"
                 for b, i in ingest.items())
qrows = "\n".join(f"| {q['query']} | {q['ms']} | {q['object_gets']} | {q['files']} | {q['hour_partitions']} | {q['rows']} |" for q in queries)
md = f"""# S3 storage against local disk

Generated by `bench/scripts/s3_bench.sh {seconds} {connections}` on {result['date']}: {cpu}, {result['cores']} cores shared by the
load client, Ceph RGW (bluestore, one OSD) and arcd (AOT, WAL sync). Compare the rows with each other, not with other machines.

## Ingest (msgpack columnar, Arc's shape, {connections} connections, {seconds} s, closed loop)

| backend | records/s | p50 ms | p99 ms | records per server CPU-second | peak RSS | errors |
|---|---|---|---|---|---|---|
{rows}

S3 / local: **{s['records_per_sec'] / l['records_per_sec']:.2f}×** records/s, p99 {s['p99_ms'] / l['p99_ms']:.2f}×.

## Queries on a day in the bucket (1.44M rows, {objects} objects, read cache emptied by a restart first)

| query | latency ms | objects fetched (GETs) | files read | partitions | rows |
|---|---|---|---|---|---|
{qrows}

Bucket listings for these three queries: {result['query_list_requests']} (the measurement tree and one object list, reused within
`Query:ListingCacheTtl`). Query daemon peak RSS: {result['query_daemon_peak_rss_mib']} MiB.
"""
open(f"{out}/s3.md", "w").write(md)
print(md)
EOF
