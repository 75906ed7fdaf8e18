#!/usr/bin/env bash
# Regenerates bench/results/RESULTS.md: the seed's "Metrics to Track" (throughput, p50, p95, p99,
# CPU, memory, start-up, allocations) for arcd on this machine, with the peers beside it.
# Runs: start-up x20; msgpack columnar closed loop (WAL sync and off) and open loop at 3M rec/s;
# msgpack rows; line protocol with InfluxDB and VictoriaMetrics (peers.sh); the micro benchmarks.
# Usage: bench/scripts/results.sh [seconds per load run, default 20]   (about 6 minutes at 20)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
out=bench/results
raw=$out/raw
mkdir -p "$raw"
dotnet publish src/Arcd -c Release -r linux-x64 -o artifacts/aot >/dev/null
dotnet publish bench/Arcd.Bench -c Release -r linux-x64 -o artifacts/bench >/dev/null
work=$(mktemp -d)
port=18091
trap 'pkill -f "Server:Port=$port" 2>/dev/null || true; rm -rf "$work"' EXIT

artifacts/bench/arcd-bench startup --binary artifacts/aot/arcd --runs 20 --json "$raw/startup.json" >/dev/null

load() { # name wal mode connections [rate]
    local name=$1 wal=$2 mode=$3 connections=$4 rate=${5:-0}
    rm -rf "$work/data"
    (cd "$work" && exec "$OLDPWD/artifacts/aot/arcd" --Server:Port=$port --Server:Host=127.0.0.1 --Auth:Enabled=false \
        --Wal:Mode="$wal" --Log:Level=Warning 2>>"$work/arcd.log") &
    local pid=$!
    until curl -sf http://127.0.0.1:$port/ready >/dev/null; do sleep 0.05; done
    echo "== $name" >&2
    artifacts/bench/arcd-bench load --url http://127.0.0.1:$port --mode "$mode" --connections "$connections" --rate "$rate" \
        --duration "$seconds" --pid "$pid" --json "$raw/$name.json" >/dev/null 2>&1
    curl -s http://127.0.0.1:$port/metrics | grep -E '^arcd_stage_seconds_total' > "$raw/$name.stages"
    kill -TERM $pid
    wait $pid
}
load msgpack-columnar-wal-sync sync msgpack-columnar 64
load msgpack-columnar-wal-off off msgpack-columnar 64
load msgpack-columnar-wal-off-open-3M off msgpack-columnar 64 3000000
load msgpack-row-wal-sync sync msgpack-row 64
bench/scripts/peers.sh "$seconds" 16 >/dev/null
cp "$out/peers.json" "$raw/peers.json"
dotnet build bench/Arcd.MicroBench -c Release >/dev/null
dotnet artifacts/bin/Arcd.MicroBench/release/arcd-microbench.dll check bench/allocation-budgets.json 2>/dev/null \
    | sed -n '/^benchmark /,/^bench-check/p' > "$raw/micro.txt" || true

python3 bench/scripts/results_md.py "$raw" "$out/RESULTS.md" "$seconds"
