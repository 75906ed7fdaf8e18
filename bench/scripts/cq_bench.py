#!/usr/bin/env python3
"""Continuous query benchmark, in one run of the AOT daemon.

Source: a day (yesterday, UTC) of Arc's benchmark shape (BENCHMARKS.md: measurement cpu, hosts
server000-999, float columns value, cpu_idle, cpu_user), one point per host every 10 s:
8,640,000 rows, written as line protocol and flushed.
Rollup: a 1-hour continuous query (time_bucket 1 hour, GROUP BY host; avg, max, min, count), tags
[host], run two ways through POST /execute:
  - one execute over the whole day (one run, 24 windows' rows),
  - 24 executes of one hour each (what the scheduler does per window, catch-up included),
and then the whole day again (a re-run: the day's output is deleted first, then written again).
Reported: seconds, source rows/s, output rows, peak RSS during the run.
Ingest while CQs run: the same closed-loop load (arcd-bench, msgpack columnar, 8 connections) into
another database for 10 s with no CQ running, then for 10 s while whole-day executes run back to
back; rec/s from /metrics, and the ratio.
The data root is on /tmp (disk), WAL on (sync), compaction off.
Usage: bench/scripts/cq_bench.py   (writes bench/results/cq.md)
"""
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import subprocess
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PORT = 18095
WORK = "/tmp/arcd-cq-bench"
HOSTS, STEP_S = 1000, 10


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=3600)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def post_json(path, obj):
    start = time.perf_counter()
    status, data = request("POST", path, json.dumps(obj), {"Content-Type": "application/json"})
    return status, json.loads(data) if data else None, time.perf_counter() - start


def metric(name):
    _, data = request("GET", "/metrics")
    for line in data.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def timed_with_peak(pid, action):
    peak, done = [rss_mib(pid)], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mib(pid))
            time.sleep(0.02)
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = action()
    finally:
        done.set()
        sampler.join()
    return result, peak[0]


def main():
    subprocess.run(["make", "publish"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["dotnet", "publish", "bench/Arcd.Bench", "-c", "Release", "-o", "artifacts/bench"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    root = os.path.join(WORK, "data")
    daemon = subprocess.Popen([os.path.join(ROOT, "artifacts/aot/arcd"), f"--Server:Port={PORT}", "--Server:Host=127.0.0.1",
                               "--Auth:Enabled=false", f"--Storage:Root={root}", f"--Wal:Dir={os.path.join(WORK, 'wal')}", "--Log:Level=Warning",
                               "--Compaction:Enabled=false", "--Retention:Schedule=0 0 1 1 *"],
                              cwd=WORK, stderr=open(os.path.join(WORK, "arcd.log"), "w"))
    results = {}
    try:
        for _ in range(400):
            try:
                if request("GET", "/ready")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        day = dt.datetime.combine(dt.date.today() - dt.timedelta(days=1), dt.time(), dt.timezone.utc)
        epoch = int(day.timestamp())
        conn = http.client.HTTPConnection("127.0.0.1", PORT)
        steps = 24 * 3600 // STEP_S
        seed_start = time.time()
        for s in range(0, steps, 10):
            lines = []
            for step in range(s, min(s + 10, steps)):
                t = (epoch + step * STEP_S) * 1_000_000_000
                for h in range(HOSTS):
                    lines.append(f"cpu,host=server{h:03d} value={(step * 7 + h) % 1000 / 10},cpu_idle={(step + h * 3) % 100},cpu_user={(h * 11 + step) % 100 / 2} {t}\n")
            conn.request("POST", "/api/v1/write/line-protocol?precision=ns", "".join(lines).encode(), {"x-arc-database": "bench"})
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 204, resp.status
        rows = steps * HOSTS
        deadline = time.time() + 600
        while metric("arcd_records_written_total") < rows and time.time() < deadline:
            time.sleep(0.2)
        results["source_rows"] = rows
        results["seed_s"] = time.time() - seed_start

        query = ("SELECT time_bucket(INTERVAL '1 hour', time) AS time, host, avg(value) AS value, max(cpu_idle) AS cpu_idle_max, "
                 "min(cpu_user) AS cpu_user_min, count(*) AS points FROM bench.cpu WHERE time >= {start_time} AND time < {end_time} GROUP BY 1, 2")
        status, body, _ = post_json("/api/v1/continuous_queries", {
            "name": "cpu-1h", "database": "bench", "source_measurement": "cpu", "destination_measurement": "cpu_1h",
            "query": query, "interval": "1h", "tag_columns": ["host"], "is_active": True})
        assert status == 201, body
        cq = body["id"]
        start, end = day.strftime("%Y-%m-%dT%H:%M:%SZ"), (day + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

        def execute(s, e):
            status, body, elapsed = post_json(f"/api/v1/continuous_queries/{cq}/execute", {"start_time": s, "end_time": e})
            assert status == 200, body
            return body["records_written"], elapsed

        (written, elapsed), peak = timed_with_peak(daemon.pid, lambda: execute(start, end))
        results["day"] = {"seconds": elapsed, "written": written, "peak_rss_mib": peak}

        def hourly():
            total_written, total = 0, 0.0
            for h in range(24):
                w, e = execute((day + dt.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ"), (day + dt.timedelta(hours=h + 1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
                total_written += w
                total += e
            return total_written, total
        (written, elapsed), peak = timed_with_peak(daemon.pid, hourly)
        results["hours"] = {"seconds": elapsed, "written": written, "peak_rss_mib": peak}
        (written, elapsed), peak = timed_with_peak(daemon.pid, lambda: execute(start, end))
        results["rerun"] = {"seconds": elapsed, "written": written, "peak_rss_mib": peak}
        # The last run's rows are durable in the WAL; poll until the buffer age flushes them to Parquet.
        answer = {}
        for _ in range(60):
            _, data = request("POST", "/api/v1/query", json.dumps({"sql": "SELECT count(*) AS n, count(DISTINCT epoch_us(time)::VARCHAR || host) AS d FROM bench.cpu_1h"}),
                              {"Content-Type": "application/json"})
            answer = json.loads(data)
            if answer.get("data") and answer["data"][0][0] >= results["hours"]["written"]:
                break
            time.sleep(0.5)
        assert answer.get("data"), answer
        results["output_rows"] = answer["data"][0]
        print(json.dumps(results), flush=True)

        load = subprocess.Popen([os.path.join(ROOT, "artifacts/bench/arcd-bench"), "load", "--url", f"http://127.0.0.1:{PORT}",
                                 "--mode", "msgpack-columnar", "--connections", "8", "--duration", "600", "--database", "loadgen"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)
            a, t0 = metric("arcd_records_accepted_total"), time.time()
            time.sleep(10)
            results["ingest_idle_rps"] = (metric("arcd_records_accepted_total") - a) / (time.time() - t0)
            stop, runs = threading.Event(), [0]

            def cq_loop():
                while not stop.is_set():
                    execute(start, end)
                    runs[0] += 1
            runner = threading.Thread(target=cq_loop)
            runner.start()
            a, t0 = metric("arcd_records_accepted_total"), time.time()
            time.sleep(10)
            results["ingest_during_rps"] = (metric("arcd_records_accepted_total") - a) / (time.time() - t0)
            stop.set()
            runner.join()
            results["cq_runs_during_load"] = runs[0]
        finally:
            load.kill()
            load.wait()
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait()
        shutil.rmtree(WORK, ignore_errors=True)

    rows = results["source_rows"]
    lines = ["# Continuous query benchmark", "",
             f"Generated by `bench/scripts/cq_bench.py` on {dt.date.today()} ({os.cpu_count()} cores), AOT binary, WAL sync, data root on disk.",
             f"Source: a day of Arc's benchmark shape, {rows:,} rows (1,000 hosts, one point per host every 10 s). "
             "Query: 1-hour `time_bucket` GROUP BY host with avg, max, min, count; `tag_columns` [host].", "",
             "| run | seconds | source rows/s | rows written | peak RSS (MiB) |", "|---|---|---|---|---|"]
    for key, label in (("day", "one execute over the day"), ("hours", "24 executes of one hour (the scheduler's windows)"),
                       ("rerun", "the day again (output deleted first, then rewritten)")):
        r = results[key]
        lines.append(f"| {label} | {r['seconds']:.2f} | {rows / r['seconds']:,.0f} | {r['written']:,} | {r['peak_rss_mib']:.0f} |")
    lines += ["", f"Destination after all runs: {results['output_rows'][0]:,} rows, {results['output_rows'][1]:,} distinct (time, host): "
                  "every window once.", "",
              "## Ingest while continuous queries run (same run, same load)", "",
              "| | rec/s |", "|---|---|",
              f"| no CQ running | {results['ingest_idle_rps']:,.0f} |",
              f"| whole-day CQ executes back to back ({results['cq_runs_during_load']} runs in 10 s) | {results['ingest_during_rps']:,.0f} |",
              f"| ratio | {results['ingest_during_rps'] / results['ingest_idle_rps']:.2f} |", ""]
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/results/cq.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(ROOT, "bench/results/cq.json"), "w") as f:
        json.dump(results, f, indent=2)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
