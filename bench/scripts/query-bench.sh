#!/usr/bin/env bash
# Query API over a large measurement: loads Arc's benchmark shape for N seconds (WAL off), restarts
# arcd (so DuckDB starts cold), then times COUNT(*), GROUP BY host and a 1M-row LIMIT, as JSON and
# as Arrow IPC, with curl. Usage: bench/scripts/query-bench.sh [load seconds, default 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
out=bench/results/query.md
work=$(mktemp -d)
port=18090
trap 'pkill -f "Server:Port=$port" 2>/dev/null || true; rm -rf "$work"' EXIT

start() {
    (cd "$work" && exec "$OLDPWD/artifacts/aot/arcd" --Server:Port=$port --Server:Host=127.0.0.1 --Auth:Enabled=false \
        --Wal:Mode=off --Log:Level=Warning 2>>"$work/arcd.log") &
    pid=$!
    until curl -sf http://127.0.0.1:$port/ready >/dev/null; do sleep 0.05; done
}

start
artifacts/bench/arcd-bench load --url http://127.0.0.1:$port --mode msgpack-columnar --connections 64 --duration "$seconds" >/dev/null 2>&1
kill -TERM $pid; wait $pid
start

query() { # name, path, sql [, extra header]: prints "seconds bytes" of the best of 3 runs and of the first (cold) one
    local name=$1 path=$2 sql=$3 header=${4:-X-Nothing: 1} first="" best=""
    for run in 1 2 3; do
        local t
        t=$(curl -s -o "$work/out" -w '%{http_code} %{time_total} %{size_download}' -XPOST "http://127.0.0.1:$port$path" \
            -H 'Content-Type: application/json' -H "$header" --data-binary "{\"sql\": \"$sql\"}")
        [[ ${t%% *} == 200 ]] || { echo "$name failed: $t $(head -c 300 "$work/out")" >&2; exit 1; }
        t=${t#* }
        [[ -z $first ]] && first=$t
        if [[ -z $best ]] || awk -v a="${t%% *}" -v b="${best%% *}" 'BEGIN {exit !(a < b)}'; then best=$t; fi
    done
    printf '| %s | %s | %.3f | %.3f | %s |\n' "$name" "$path" "${first%% *}" "${best%% *}" "${best#* }"
}

rows=$(curl -s -XPOST http://127.0.0.1:$port/api/v1/query -H 'Content-Type: application/json' \
    --data-binary '{"sql": "SELECT count(*) FROM bench.cpu"}' | sed -E 's/.*"data":\[\[([0-9]+)\]\].*/\1/')
files=$(find "$work/data/arc/bench/cpu" -name '*.parquet' | wc -l)
{
    echo "# Query API benchmark"
    echo
    echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), arcd $(artifacts/aot/arcd version | cut -d' ' -f2)."
    echo "bench.cpu: $rows rows in $files Parquet files (Arc's benchmark shape, loaded for ${seconds} s, WAL off);"
    echo "arcd restarted before the queries (the COUNT(*) that sizes the table starts DuckDB). curl on the same machine."
    echo
    echo "| query | endpoint | first run (s) | best of 3 (s) | bytes |"
    echo "|---|---|---|---|---|"
    query "COUNT(*)" /api/v1/query "SELECT count(*) FROM bench.cpu"
    query "GROUP BY host" /api/v1/query "SELECT host, count(*) AS n, max(time) AS last FROM bench.cpu GROUP BY host ORDER BY host"
    query "GROUP BY host" /api/v1/query/arrow "SELECT host, count(*) AS n, max(time) AS last FROM bench.cpu GROUP BY host ORDER BY host"
    query "LIMIT 1000000" /api/v1/query "SELECT * FROM bench.cpu LIMIT 1000000"
    query "LIMIT 1000000" /api/v1/query/arrow "SELECT * FROM bench.cpu LIMIT 1000000"
    query "LIMIT 1000000 (zstd)" /api/v1/query/arrow "SELECT * FROM bench.cpu LIMIT 1000000" "x-arc-arrow-compression: zstd"
} | tee "$out"
