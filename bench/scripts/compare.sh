#!/usr/bin/env bash
# Before/after throughput of two arcd binaries in one run on one machine, alternating A and B so
# drift in the machine's speed hits both: msgpack columnar (Arc's benchmark shape), WAL sync.
# Usage: bench/scripts/compare.sh BINARY_A BINARY_B [runs, default 3] [seconds, default 15] [connections, default 32]
# Prints one line per run and the medians; raw JSON under bench/results/compare/.
set -euo pipefail
cd "$(dirname "$0")/../.."
a=$1 b=$2 runs=${3:-3} seconds=${4:-15} connections=${5:-32}
out=bench/results/compare
mkdir -p "$out"
work=$(mktemp -d)
trap 'pkill -f "$work" 2>/dev/null || true; rm -rf "$work"' EXIT
[[ -x artifacts/bench/arcd-bench ]] || dotnet publish bench/Arcd.Bench -c Release -o artifacts/bench >/dev/null

run() {
    local label=$1 binary=$2 n=$3
    rm -rf "$work/data" && mkdir -p "$work/data"
    (cd "$work/data" && exec "$binary" --Server:Port=18090 --Server:Host=127.0.0.1 --Auth:Enabled=false --Wal:Mode=sync --Log:Level=Warning 2>"$work/$label.log") &
    local pid=$!
    until curl -sf http://127.0.0.1:18090/ready >/dev/null; do sleep 0.05; done
    artifacts/bench/arcd-bench load --url http://127.0.0.1:18090 --mode msgpack-columnar --connections "$connections" \
        --duration "$seconds" --pid "$pid" --json "$out/$label-$n.json" >/dev/null 2>&1
    kill -TERM $pid; wait $pid || true
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(f\"{sys.argv[2]:>2} run {sys.argv[3]}: {d['records_per_sec']/1e6:6.2f}M rec/s  p99 {d['p99_ms']:6.1f} ms  errors {d['errors']}  peak RSS {d['server_peak_rss_mib']:6.0f} MiB  {d['server_allocated_bytes_per_record']:5.1f} B/record  {d['records_per_server_cpu_second']/1e6:5.2f}M rec/CPU-s\")" "$out/$label-$n.json" "$label" "$n"
}

for n in $(seq 1 "$runs"); do
    run A "$(realpath "$a")" "$n"
    run B "$(realpath "$b")" "$n"
done
python3 - "$out" "$runs" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
med, cpu = {}, {}
for label in "AB":
    runs_json = [json.load(open(f"{out}/{label}-{n}.json")) for n in range(1, runs + 1)]
    values = [d["records_per_sec"] for d in runs_json]
    med[label] = statistics.median(values)
    cpu[label] = statistics.median(d["records_per_server_cpu_second"] for d in runs_json)
    print(f"{label} median {med[label]/1e6:.2f}M rec/s  (min {min(values)/1e6:.2f}M, max {max(values)/1e6:.2f}M)  {cpu[label]/1e6:.2f}M rec/CPU-s")
print(f"B/A = {med['B']/med['A']:.3f} rec/s, {cpu['B']/cpu['A']:.3f} rec/CPU-s")
PY
