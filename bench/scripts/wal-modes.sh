#!/usr/bin/env bash
# Throughput and latency of Wal:Mode sync vs async vs off on Arc's benchmark shape (msgpack columnar,
# 1000 rows per request), plus the disk's fdatasync'ed sequential write speed for context.
# Usage: bench/scripts/wal-modes.sh [seconds per mode, default 20] [connections, default 64]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
connections=${2:-64}
out=bench/results/wal-modes
mkdir -p "$out"
work=$(mktemp -d)
trap 'pkill -x arcd 2>/dev/null || true; rm -rf "$work"' EXIT

echo "disk: $(dd if=/dev/zero of="$work/dd" bs=1M count=512 conv=fdatasync 2>&1 | tail -1)"
rm -f "$work/dd"
for mode in ${MODES:-sync async off}; do
    rm -rf "$work/data"
    (cd "$work" && exec "$OLDPWD/artifacts/aot/arcd" --Server:Port=18080 --Server:Host=127.0.0.1 --Auth:Enabled=false --Wal:Mode=$mode --Log:Level=Warning 2>"$work/arcd-$mode.log") &
    pid=$!
    until curl -sf http://127.0.0.1:18080/ready >/dev/null; do sleep 0.05; done
    artifacts/bench/arcd-bench load --url http://127.0.0.1:18080 --mode msgpack-columnar --connections "$connections" \
        --duration "$seconds" --pid "$pid" --json "$out/$mode.json" 2>/dev/null
    wal_bytes=$(curl -s http://127.0.0.1:18080/metrics | awk '/^arcd_wal_bytes_total/ {print $2}')
    echo "  wal bytes written: $wal_bytes ($(awk -v b="$wal_bytes" -v s="$seconds" 'BEGIN {printf "%.0f MB/s", b / s / 1e6}'))"
    kill -TERM $pid
    wait $pid
done
