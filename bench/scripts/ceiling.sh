#!/usr/bin/env bash
# arcd's fraction of the HTTP ceiling (issue 17): the same closed-loop load (msgpack columnar, Arc's shape,
# 1000 rows per request) against `arcd-bench ceiling` (a null AOT Kestrel server that reads each body
# whole and answers 204), then against arcd with the WAL sync (default) and off. One run, one machine.
# Usage: bench/scripts/ceiling.sh [seconds per run, default 15] [connections, default 32]
# Writes bench/results/ceiling.json and bench/results/ceiling.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
connections=${2:-32}
root=$PWD
work=$(mktemp -d)
trap 'pkill -x arcd 2>/dev/null || true; pkill -x arcd-bench 2>/dev/null || true; rm -rf "$work"' EXIT

load() { # name, pid
    artifacts/bench/arcd-bench load --url http://127.0.0.1:18390 --mode msgpack-columnar --connections "$connections" \
        --duration "$seconds" --pid "$2" --json "$work/$1.json" 2>/dev/null >/dev/null
}

artifacts/bench/arcd-bench ceiling --port 18390 2>"$work/ceiling.log" &
pid=$!
until curl -s -o /dev/null -X POST http://127.0.0.1:18390/; do sleep 0.05; done
load ceiling "$pid"
kill -TERM "$pid"; wait "$pid" || true

for mode in sync off; do
    rm -rf "$work/data"
    mkdir -p "$work/$mode"
    (cd "$work/$mode" && exec "$root/artifacts/aot/arcd" --Server:Port=18390 --Server:Host=127.0.0.1 --Auth:Enabled=false --Wal:Mode=$mode --Log:Level=Warning 2>"$work/arcd-$mode.log") &
    pid=$!
    until curl -sf http://127.0.0.1:18390/ready >/dev/null; do sleep 0.05; done
    load "wal-$mode" "$pid"
    kill -TERM "$pid"; wait "$pid" || true
done

python3 - "$work" "$seconds" "$connections" <<'PY'
import json, os, sys, datetime as dt
work, seconds, connections = sys.argv[1:]
runs = {name: json.load(open(f"{work}/{name}.json")) for name in ("ceiling", "wal-sync", "wal-off")}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
ceiling = runs["ceiling"]["records_per_sec"]
result = {"date": str(dt.date.today()), "cpu": cpu, "cores": os.cpu_count(), "seconds": int(seconds), "connections": int(connections), "runs": runs,
          "fraction_of_ceiling": {k: round(v["records_per_sec"] / ceiling, 3) for k, v in runs.items() if k != "ceiling"}}
json.dump(result, open("bench/results/ceiling.json", "w"), indent=2)
rows = "\n".join(f"| {k} | {v['records_per_sec']:,.0f} | {v['records_per_sec'] / ceiling:.0%} | {v['p50_ms']} / {v['p99_ms']} | {v['records_per_server_cpu_second']:,.0f} | {v['server_peak_rss_mib']:.0f} MiB | {v.get('server_allocated_bytes_per_record', '')} |"
                 for k, v in runs.items())
md = f"""# arcd against the HTTP ceiling

`bench/scripts/ceiling.sh {seconds} {connections}` on {result['date']}: {cpu}, {result['cores']} cores shared by the load client and the
server. Closed loop, msgpack columnar (Arc's shape, 1000 rows per request), {connections} connections, {seconds} s per run; the ceiling
is `arcd-bench ceiling` (AOT Kestrel, reads each body whole, answers 204).

| server | records/s | of the ceiling | p50 / p99 ms | records per server CPU-second | peak RSS | allocated B/record |
|---|---|---|---|---|---|---|
{rows}
"""
open("bench/results/ceiling.md", "w").write(md)
print(md)
PY
