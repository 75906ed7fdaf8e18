#!/usr/bin/env bash
# CPU profile of the AOT binary under load: publishes an unstripped build, runs Arc's benchmark
# shape against it for N seconds while `perf record -g` samples it, and writes the folded stacks,
# an SVG flame graph and the top functions to bench/results/profile/.
# Usage: bench/scripts/profile.sh [seconds, default 20] [mode, default msgpack-columnar] [Wal:Mode, default off]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
mode=${2:-msgpack-columnar}
wal=${3:-off}
out=bench/results/profile
mkdir -p "$out"
command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf; }
# Its own artifacts path: an unstripped build in the shared obj/ would be copied by the next plain
# publish into artifacts/aot (it once put a 53 MB unstripped binary under bench-results).
dotnet publish src/Arcd -c Release -r linux-x64 -p:StripSymbols=false --artifacts-path artifacts/profile-build -o artifacts/aot-profile >/dev/null
[[ -x artifacts/bench/arcd-bench ]] || dotnet publish bench/Arcd.Bench -c Release -r linux-x64 -o artifacts/bench >/dev/null
work=$(mktemp -d)
port=18095
trap 'pkill -f "Server:Port=$port" 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$work" && exec "$OLDPWD/artifacts/aot-profile/arcd" --Server:Port=$port --Server:Host=127.0.0.1 --Auth:Enabled=false \
    --Wal:Mode="$wal" --Log:Level=Warning 2>"$work/arcd.log") &
pid=$!
until curl -sf http://127.0.0.1:$port/ready >/dev/null; do sleep 0.05; done
perf record -F 997 -g -p "$pid" -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null &
perf_pid=$!
artifacts/bench/arcd-bench load --url http://127.0.0.1:$port --mode "$mode" --connections ${PROFILE_CONNECTIONS:-64} --duration "$seconds" \
    --pid "$pid" --json "$out/load.json" 2>/dev/null | tail -12
wait $perf_pid
curl -s http://127.0.0.1:$port/metrics | grep -E '^arcd_stage_seconds_total' > "$out/stages.txt"
perf script -i "$work/perf.data" 2>/dev/null | python3 bench/scripts/flamegraph.py "$out/arcd-$mode-wal-$wal" 30 | tee "$out/top-$mode-wal-$wal.txt"
echo "stage seconds (from /metrics):"; cat "$out/stages.txt"
