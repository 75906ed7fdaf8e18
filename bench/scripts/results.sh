#!/usr/bin/env bash
# Regenerates bench/results/RESULTS.md: every figure of the seed's profiling plan and of issue 17 as a
# ratio measured in one run on one machine (absolute rec/s do not carry between machines):
#   - arcd against the HTTP ceiling (`arcd-bench ceiling`, a null AOT Kestrel server, same client);
#   - this tree against a baseline commit (BASELINE, built from a git worktree), same load, same run;
#   - line protocol against VictoriaMetrics and InfluxDB (peers.sh);
#   - micro benchmarks of both trees.
# Runs: start-up x20; ceiling; msgpack columnar WAL sync at 32 connections (baseline, current; five alternating pairs), WAL off
# (current), 64 connections (baseline, current: peak RSS), open loop at 1/3 of the current closed-loop
# rate (baseline, current: p99); msgpack rows; peers; bench-check of both trees, three alternating rounds.
# Usage: [BASELINE=rev] bench/scripts/results.sh [seconds per load run, default 15]   (about 16 minutes at 15)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
baseline=${BASELINE:-2d95061}
out=bench/results
raw=$out/raw
rm -rf "$raw" && mkdir -p "$raw"
root=$PWD
work=$(mktemp -d)
port=18091
trap 'pkill -f "Server:Port=$port" 2>/dev/null || true; pkill -f "ceiling --port $port" 2>/dev/null || true; rm -rf "$work"; git worktree remove --force "$root/artifacts/baseline-src" 2>/dev/null || true' EXIT

echo "== building this tree and the baseline ($baseline)" >&2
dotnet publish src/Arcd -c Release -r linux-x64 -o artifacts/aot >/dev/null
dotnet publish bench/Arcd.Bench -c Release -r linux-x64 -o artifacts/bench >/dev/null
git worktree remove --force artifacts/baseline-src 2>/dev/null || true
git worktree add --detach artifacts/baseline-src "$baseline" >/dev/null 2>&1
(cd artifacts/baseline-src && dotnet publish src/Arcd -c Release -r linux-x64 -o "$root/artifacts/baseline" >/dev/null)
git -C "$root" rev-parse --short HEAD > "$raw/current.rev"
git -C "$root" rev-parse --short "$baseline" > "$raw/baseline.rev"

artifacts/bench/arcd-bench startup --binary artifacts/aot/arcd --runs 20 --json "$raw/startup.json" >/dev/null

drive() { # name mode connections rate pid
    echo "== $1" >&2
    artifacts/bench/arcd-bench load --url http://127.0.0.1:$port --mode "$2" --connections "$3" --rate "$4" \
        --duration "$seconds" --pid "$5" --json "$raw/$1.json" >/dev/null 2>&1
}

load() { # name binary wal mode connections [rate]
    local name=$1 binary=$2 wal=$3 mode=$4 connections=$5 rate=${6:-0}
    rm -rf "$work/data" && mkdir -p "$work/data"
    (cd "$work/data" && exec "$root/$binary" --Server:Port=$port --Server:Host=127.0.0.1 --Auth:Enabled=false \
        --Wal:Mode="$wal" --Log:Level=Warning 2>>"$work/arcd.log") &
    local pid=$!
    until curl -sf http://127.0.0.1:$port/ready >/dev/null; do sleep 0.05; done
    drive "$name" "$mode" "$connections" "$rate" "$pid"
    curl -s http://127.0.0.1:$port/metrics | grep -E '^arcd_stage_seconds_total' > "$raw/$name.stages"
    kill -TERM $pid
    wait $pid || true
}

artifacts/bench/arcd-bench ceiling --port $port --host 127.0.0.1 2>"$work/ceiling.log" &
ceiling=$!
until curl -s -o /dev/null -X POST http://127.0.0.1:$port/; do sleep 0.05; done
drive ceiling msgpack-columnar 32 0 "$ceiling"
kill -TERM $ceiling; wait $ceiling || true
# The ceiling as earlier runs measured it, on Kestrel's default 4 KiB receive buffers (arcd now uses 64 KiB).
artifacts/bench/arcd-bench ceiling --port $port --host 127.0.0.1 --buffers kestrel 2>"$work/ceiling.log" &
ceiling=$!
until curl -s -o /dev/null -X POST http://127.0.0.1:$port/; do sleep 0.05; done
drive ceiling-kestrel-buffers msgpack-columnar 32 0 "$ceiling"
kill -TERM $ceiling; wait $ceiling || true

load baseline-sync-32 artifacts/baseline/arcd sync msgpack-columnar 32
load current-sync-32 artifacts/aot/arcd sync msgpack-columnar 32
# Four more alternating pairs: one pair's records per CPU-second ratio moved by +-0.2 between runs on
# this machine (three pairs of one run gave 1.70x-2.03x); RESULTS.md gives the median of the five pairs' ratios.
for pair in 2 3 4 5; do
    load baseline-sync-32-pair$pair artifacts/baseline/arcd sync msgpack-columnar 32
    load current-sync-32-pair$pair artifacts/aot/arcd sync msgpack-columnar 32
done
load current-off-32 artifacts/aot/arcd off msgpack-columnar 32
load baseline-sync-64 artifacts/baseline/arcd sync msgpack-columnar 64
load current-sync-64 artifacts/aot/arcd sync msgpack-columnar 64
third=$(python3 -c "import json; print(int(json.load(open('$raw/current-sync-32.json'))['records_per_sec'] / 3))")
load baseline-open-third artifacts/baseline/arcd sync msgpack-columnar 32 "$third"
load current-open-third artifacts/aot/arcd sync msgpack-columnar 32 "$third"
load current-off-open-third artifacts/aot/arcd off msgpack-columnar 32 "$third"
# The same open loop against the null server: the p99 this machine and client allow at all.
artifacts/bench/arcd-bench ceiling --port $port --host 127.0.0.1 2>"$work/ceiling.log" &
ceiling=$!
until curl -s -o /dev/null -X POST http://127.0.0.1:$port/; do sleep 0.05; done
drive ceiling-open-third msgpack-columnar 32 "$third" "$ceiling"
kill -TERM $ceiling; wait $ceiling || true
load current-rows-sync-64 artifacts/aot/arcd sync msgpack-row 64

bench/scripts/peers.sh "$seconds" 16 >/dev/null
cp "$out/peers.json" "$raw/peers.json"

# Micro benchmarks: three rounds of each tree, alternating, so a slow phase of this machine hits both
# (one run's single pass caught the current tree in one and read every stage slower); RESULTS.md takes
# each benchmark's median of its three rounds.
dotnet build bench/Arcd.MicroBench -c Release >/dev/null
(cd artifacts/baseline-src && dotnet build bench/Arcd.MicroBench -c Release >/dev/null) || true
for round in 1 2 3; do
    echo "== micro benchmarks, round $round" >&2
    dotnet artifacts/bin/Arcd.MicroBench/release/arcd-microbench.dll check bench/allocation-budgets.json 2>/dev/null \
        | sed -n '/^benchmark /,/^bench-check/p' > "$raw/micro-current-$round.txt" || true
    (cd artifacts/baseline-src && dotnet artifacts/bin/Arcd.MicroBench/release/arcd-microbench.dll check bench/allocation-budgets.json 2>/dev/null \
        | sed -n '/^benchmark /,/^bench-check/p' > "$root/$raw/micro-baseline-$round.txt") || true
done

python3 bench/scripts/results_md.py "$raw" "$out/RESULTS.md" "$seconds"
