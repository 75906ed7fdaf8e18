#!/usr/bin/env bash
# Peers side by side: installs InfluxDB 1.x and VictoriaMetrics from Debian's packages when missing,
# starts each on 127.0.0.1 with a fresh data directory, and runs the same line-protocol load
# (arcd-bench, Arc's shape, timestamps never repeated) against InfluxDB, VictoriaMetrics and arcd in
# one run; prints the table and the ratios and writes bench/results/peers.{json,md}.
# Usage: bench/scripts/peers.sh [seconds per server, default 20] [connections, default 16]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
connections=${2:-16}
out=bench/results
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$work"; }
trap cleanup EXIT

if ! command -v influxd >/dev/null || ! command -v victoria-metrics >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq influxdb victoria-metrics >/dev/null
fi
# Debian's packages may start their services on every interface; the peers here run by hand on loopback.
if [[ -d /run/systemd/system ]]; then systemctl disable --now influxdb victoria-metrics 2>/dev/null || true; fi
[[ -x artifacts/aot/arcd ]] || dotnet publish src/Arcd -c Release -r linux-x64 -o artifacts/aot >/dev/null
[[ -x artifacts/bench/arcd-bench ]] || dotnet publish bench/Arcd.Bench -c Release -r linux-x64 -o artifacts/bench >/dev/null

wait_for() { for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done; echo "$1 never answered" >&2; exit 1; }

run() { # name url path pid
    echo "== $1" >&2
    artifacts/bench/arcd-bench load --url "$2" --path "$3" --mode line-protocol --connections "$connections" \
        --duration "$seconds" --pid "$4" --json "$work/$1.json" >/dev/null 2>&1
}

# InfluxDB 1.x
mkdir -p "$work/influxdb"
sed "s|@DIR@|$work/influxdb|g" bench/peers/influxdb.conf > "$work/influxdb/influxdb.conf"
influxd run -config "$work/influxdb/influxdb.conf" >"$work/influxdb/log" 2>&1 &
pids+=($!); influx_pid=$!
wait_for http://127.0.0.1:8086/ping
curl -sf -XPOST http://127.0.0.1:8086/query --data-urlencode 'q=CREATE DATABASE bench' >/dev/null
run influxdb http://127.0.0.1:8086 "/write?db=bench" "$influx_pid"
kill -TERM "$influx_pid"; wait "$influx_pid" 2>/dev/null || true

# VictoriaMetrics
victoria-metrics -httpListenAddr=127.0.0.1:8428 -storageDataPath="$work/vm" >"$work/vm.log" 2>&1 &
pids+=($!); vm_pid=$!
wait_for http://127.0.0.1:8428/health
run victoria-metrics http://127.0.0.1:8428 "/write?db=bench" "$vm_pid"
kill -TERM "$vm_pid"; wait "$vm_pid" 2>/dev/null || true

# arcd, in its default durable mode (WAL sync) and with the WAL off
for wal in sync off; do
    mkdir -p "$work/arcd-$wal"
    (cd "$work/arcd-$wal" && exec "$OLDPWD/artifacts/aot/arcd" --Server:Port=18099 --Server:Host=127.0.0.1 --Auth:Enabled=false \
        --Wal:Mode=$wal --Log:Level=Warning 2>log) &
    pids+=($!); arcd_pid=$!
    wait_for http://127.0.0.1:18099/ready
    run "arcd-wal-$wal" http://127.0.0.1:18099 "/write?db=bench" "$arcd_pid"
    kill -TERM "$arcd_pid"; wait "$arcd_pid" 2>/dev/null || true
done

python3 - "$work" "$out" "$seconds" "$connections" <<'PY'
import json, sys, datetime, os
work, out, seconds, connections = sys.argv[1:]
names = ["influxdb", "victoria-metrics", "arcd-wal-sync", "arcd-wal-off"]
rows = {n: json.load(open(f"{work}/{n}.json")) for n in names}
vm = rows["victoria-metrics"]["records_per_sec"]
influx = rows["influxdb"]["records_per_sec"]
lines = [f"# Line protocol, peers side by side\n",
         f"{datetime.date.today()}, {os.cpu_count()} cores, {connections} connections, 1000 lines per request, {seconds} s per server; "
         "`bench/scripts/peers.sh`. Same client (arcd-bench, timestamps never repeated) for all; servers on 127.0.0.1 on the same cores.\n",
         "| server | records/s | × VictoriaMetrics | × InfluxDB | p50 ms | p99 ms | errors | records per server CPU-s | peak RSS MiB |",
         "|---|---|---|---|---|---|---|---|---|"]
for n in names:
    r = rows[n]
    lines.append(f"| {n} | {r['records_per_sec']:,.0f} | {r['records_per_sec'] / vm:.2f} | {r['records_per_sec'] / influx:.2f} | "
                 f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']:.0f} | {r.get('records_per_server_cpu_second', 0):,.0f} | {r.get('server_peak_rss_mib', 0):.0f} |")
text = "\n".join(lines) + "\n"
print(text)
open(f"{out}/peers.md", "w").write(text)
json.dump(rows, open(f"{out}/peers.json", "w"), indent=2)
PY
