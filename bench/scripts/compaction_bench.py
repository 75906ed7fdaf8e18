#!/usr/bin/env python3
"""Compaction benchmark: a day of Telegraf-like data, before and after compaction, in one run.

Writes a day (yesterday, UTC) of 10 measurements x 10 hosts, one write every 10 s of data time, to
the AOT daemon with a 10 ms buffer age, so every write of every measurement becomes its own file,
as Telegraf's writes do with the default 5 s age. Then it measures:
  - files before and after (hourly, then daily);
  - query latency (median of 7) for count(*), GROUP BY host and a 1-hour range, before and after;
  - compaction throughput (rows/s, MB/s of input) from the daemon's own stats;
  - peak RSS during each cycle;
  - ingest rec/s (msgpack columnar into another database) during the hourly cycle against the
    same load without a cycle, from /metrics.
The data root is on /dev/shm, so generating 86,400 files does not wait on fsync; every number is a
before/after ratio in the same run. Compaction's age checks are set to 0 because every file was
written minutes ago (their names carry the wall clock of the flush); nothing else differs.
Usage: bench/scripts/compaction_bench.py [hours of data, default 24] [--no-load]   (writes bench/results/compaction[-noload].md)
"""
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PORT = 18093
HOURS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 24
# --no-load: no ingest during the hourly cycle, so its peak RSS is compaction's alone (results to compaction-noload.*).
NO_LOAD = "--no-load" in sys.argv
MEASUREMENTS, HOSTS, STEP_S = 10, 10, 10
WORK = "/dev/shm/arcd-compaction-bench"


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def query(sql):
    start = time.perf_counter()
    status, data = request("POST", "/api/v1/query", json.dumps({"sql": sql}), {"Content-Type": "application/json"})
    elapsed = time.perf_counter() - start
    assert status == 200, (status, data[:300])
    return elapsed * 1000, json.loads(data)


def metric(name):
    _, data = request("GET", "/metrics")
    for line in data.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def files(root):
    return sum(len([f for f in fs if f.endswith(".parquet")]) for _, _, fs in os.walk(os.path.join(root, "tele")))


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def latencies(day):
    hour = (day + dt.timedelta(hours=min(12, HOURS - 1))).strftime("%Y-%m-%dT%H:%M:%SZ")
    hour_end = (day + dt.timedelta(hours=min(12, HOURS - 1) + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sqls = {
        "count(*)": "SELECT count(*) FROM tele.m0",
        "GROUP BY host": "SELECT host, avg(usage), max(time) FROM tele.m0 GROUP BY host",
        "1-hour range": f"SELECT count(*), avg(usage) FROM tele.m0 WHERE time >= '{hour}' AND time < '{hour_end}'",
    }
    out = {}
    for name, sql in sqls.items():
        query(sql)  # warm DuckDB's metadata cache
        out[name] = statistics.median(query(sql)[0] for _ in range(7))
    _, result = query("SELECT count(*) FROM tele.m0")
    out["rows"] = result["data"][0][0]
    return out


def trigger(tier, pid):
    # Only the generated database: the load generator's files are not what is measured.
    status, data = request("POST", f"/api/v1/compaction/trigger?tier={tier}&database=tele")
    assert status == 200, data
    before = rss_mib(pid)
    peak, start = before, time.time()
    while True:
        _, stats = request("GET", "/api/v1/compaction/stats")
        if not json.loads(stats)["cycle_running"]:
            break
        peak = max(peak, rss_mib(pid))
        time.sleep(0.05)
    return time.time() - start, peak, before


def main():
    subprocess.run(["make", "publish"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["dotnet", "publish", "bench/Arcd.Bench", "-c", "Release", "-o", "artifacts/bench"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    root = os.path.join(WORK, "data")
    daemon = subprocess.Popen([os.path.join(ROOT, "artifacts/aot/arcd"), f"--Server:Port={PORT}", "--Server:Host=127.0.0.1",
                               "--Auth:Enabled=false", "--Wal:Mode=off", f"--Storage:Root={root}", "--Log:Level=Warning",
                               "--Ingest:MaxBufferAge=00:00:00.010", "--Compaction:HourlyMinAge=00:00:00", "--Compaction:DailyMinAge=00:00:00",
                               "--Compaction:HourlySchedule=0 0 1 1 *", "--Compaction:DailySchedule=0 0 1 1 *"],
                              cwd=WORK, stderr=open(os.path.join(WORK, "arcd.log"), "w"))
    try:
        for _ in range(200):
            try:
                if request("GET", "/ready")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        day = dt.datetime.combine(dt.date.today() - dt.timedelta(days=1), dt.time(), dt.timezone.utc)
        epoch = int(day.timestamp())
        conn = http.client.HTTPConnection("127.0.0.1", PORT)
        writes = HOURS * 3600 // STEP_S
        generated = time.time()
        for w in range(writes):
            t = (epoch + w * STEP_S) * 1_000_000_000
            lines = [f"m{m},host=host{h},region=r{h % 3} usage={(w * 7 + h * 13 + m) % 1000 / 10},load={h + m}i {t}"
                     for m in range(MEASUREMENTS) for h in range(HOSTS)]
            conn.request("POST", "/api/v1/write/line-protocol?precision=ns", "\n".join(lines), {"x-arc-database": "tele"})
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 204, resp.status
            time.sleep(0.012)  # past the 10 ms buffer age: every write of every measurement is a file
        time.sleep(1)
        generated = time.time() - generated
        results = {"hours": HOURS, "writes": writes, "rows": writes * MEASUREMENTS * HOSTS, "generate_s": generated}
        results["files_before"] = files(root)
        results["query_before"] = latencies(day)

        # Ingest without and with a cycle: the same closed-loop load into another database, rates from /metrics.
        load = None if NO_LOAD else subprocess.Popen([os.path.join(ROOT, "artifacts/bench/arcd-bench"), "load", "--url", f"http://127.0.0.1:{PORT}",
                                 "--mode", "msgpack-columnar", "--connections", "8", "--duration", "600", "--database", "loadgen"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0 if NO_LOAD else 3)
        a, t0 = metric("arcd_records_accepted_total"), time.time()
        time.sleep(0.1 if NO_LOAD else 10)
        results["ingest_idle_rps"] = (metric("arcd_records_accepted_total") - a) / (time.time() - t0)
        a, t0 = metric("arcd_records_accepted_total"), time.time()
        hourly_s, hourly_peak, hourly_before = trigger("hourly", daemon.pid)
        results["ingest_during_rps"] = (metric("arcd_records_accepted_total") - a) / (time.time() - t0)
        if load is not None:
            load.kill()
            load.wait()
        time.sleep(1)
        _, stats = request("GET", "/api/v1/compaction/stats")
        stats = json.loads(stats)
        results["hourly"] = {"seconds": hourly_s, "peak_rss_mib": hourly_peak, "rss_before_mib": hourly_before, "files_after": files(root),
                             "rows_in": metric("arcd_compaction_rows_in_total"), "bytes_in": metric("arcd_compaction_bytes_in_total"),
                             "bytes_out": metric("arcd_compaction_bytes_out_total"), "merge_s": metric("arcd_compaction_seconds_total"),
                             "jobs": stats["total_jobs_completed"], "failed": stats["total_jobs_failed"]}
        results["query_after_hourly"] = latencies(day)
        rows0, bytes0, merge0 = results["hourly"]["rows_in"], results["hourly"]["bytes_in"], results["hourly"]["merge_s"]
        daily_s, daily_peak, daily_before = trigger("daily", daemon.pid)
        results["daily"] = {"seconds": daily_s, "peak_rss_mib": daily_peak, "rss_before_mib": daily_before, "files_after": files(root),
                            "rows_in": metric("arcd_compaction_rows_in_total") - rows0, "bytes_in": metric("arcd_compaction_bytes_in_total") - bytes0,
                            "merge_s": metric("arcd_compaction_seconds_total") - merge0}
        results["query_after_daily"] = latencies(day)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait()
        shutil.rmtree(WORK, ignore_errors=True)

    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    suffix = "-noload" if NO_LOAD else ""
    with open(os.path.join(ROOT, f"bench/results/compaction{suffix}.json"), "w") as f:
        json.dump(results, f, indent=2)
    qb, qh, qd = results["query_before"], results["query_after_hourly"], results["query_after_daily"]
    h, d = results["hourly"], results["daily"]
    md = [f"# Compaction benchmark ({dt.date.today()}, {os.cpu_count()} cores)", "",
          f"{results['hours']} h of Telegraf-like data: {MEASUREMENTS} measurements x {HOSTS} hosts, a write every {STEP_S} s of data time, "
          f"every write of every measurement its own file ({results['rows']:,} rows). `bench/scripts/compaction_bench.py`.", "",
          "| | before | after hourly | after daily |", "|---|---|---|---|",
          f"| files | {results['files_before']:,} | {h['files_after']:,} | {d['files_after']:,} |"]
    for name in ("count(*)", "GROUP BY host", "1-hour range"):
        md.append(f"| `{name}` on m0, median ms | {qb[name]:.1f} | {qh[name]:.1f} ({qb[name] / qh[name]:.1f}x faster) | {qd[name]:.1f} ({qb[name] / qd[name]:.1f}x faster) |")
    md.append(f"| rows in m0 (must not change) | {qb['rows']:,} | {qh['rows']:,} | {qd['rows']:,} |")
    md += ["", "| cycle | wall s | merge s | rows/s | input MB/s | bytes in -> out | RSS before -> peak MiB |", "|---|---|---|---|---|---|---|",
           f"| hourly | {h['seconds']:.1f} | {h['merge_s']:.1f} | {h['rows_in'] / max(h['merge_s'], 1e-9):,.0f} | {h['bytes_in'] / 1e6 / max(h['merge_s'], 1e-9):.1f} | "
           f"{h['bytes_in'] / 1e6:.1f} MB -> {h['bytes_out'] / 1e6:.1f} MB | {h['rss_before_mib']:.0f} -> {h['peak_rss_mib']:.0f} {'' if NO_LOAD else ' (ingest load running)'} |",
           f"| daily | {d['seconds']:.1f} | {d['merge_s']:.1f} | {d['rows_in'] / max(d['merge_s'], 1e-9):,.0f} | {d['bytes_in'] / 1e6 / max(d['merge_s'], 1e-9):.1f} | "
           f"{d['bytes_in'] / 1e6:.1f} MB | {d['rss_before_mib']:.0f} -> {d['peak_rss_mib']:.0f} |",
           "", f"Ingest (msgpack columnar, 8 connections, into another database): {results['ingest_idle_rps']:,.0f} rec/s without a cycle, "
           f"{results['ingest_during_rps']:,.0f} rec/s during the hourly cycle ({results['ingest_during_rps'] / max(results['ingest_idle_rps'], 1):.2f}x)."
           if not NO_LOAD else "No ingest load in this run: the RSS columns are compaction's own."]
    with open(os.path.join(ROOT, f"bench/results/compaction{suffix}.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
