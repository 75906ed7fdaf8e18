#!/usr/bin/env python3
"""Import benchmark: a 1 GB CSV and a Parquet file through `arcd import`, one AOT daemon per import.

CSV: a day (yesterday, UTC) of Arc's benchmark shape (BENCHMARKS.md: measurement cpu, hosts
server000-999, floats value, cpu_idle, cpu_user), one point per host every 3 s: 28,800,000 rows,
about 1.1 GB. Imported with `arcd import FILE --database bench --measurement cpu --tags host`
(upload, check pass, write pass, flush; the CLI's own wall time).
Parquet: that day compacted by arcd itself into one daily file (`arcd compact`, zstd), then
imported into another database with `arcd import FILE --measurement cpu --tags host`.
Reported: file size, rows, seconds, rows/s, MB/s, the daemon's RSS before and its peak (VmHWM).
Defaults otherwise: WAL sync, Ingest:MemoryBudgetBytes 1 GiB, compaction off during imports.
Usage: bench/scripts/import_bench.py   (writes bench/results/import.md and import.json)
"""
import datetime as dt
import glob
import json
import os
import shutil
import subprocess
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ARCD = os.path.join(ROOT, "artifacts/aot/arcd")
PORT = 18097
WORK = "/tmp/arcd-import-bench"
HOSTS, STEP_S = 1000, 3


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def start(root):
    daemon = subprocess.Popen([ARCD, f"--Server:Port={PORT}", "--Server:Host=127.0.0.1", "--Auth:Enabled=false",
                               f"--Storage:Root={root}/data", f"--Wal:Dir={root}/wal", "--Compaction:Enabled=false",
                               "--Import:MaxBytes=4294967296", "--Log:Format=text"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/ready", timeout=1) as r:
                if r.status == 200:
                    return daemon
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("arcd did not become ready")


def stop(daemon):
    daemon.terminate()
    daemon.wait(timeout=300)


def imported(root, database):
    return sum(os.path.getsize(p) for p in glob.glob(f"{root}/data/{database}/**/*.parquet", recursive=True))


def run_import(root, path, database, extra):
    daemon = start(root)
    try:
        rss_before = status_kib(daemon.pid, "VmRSS")
        began = time.perf_counter()
        out = subprocess.run([ARCD, "import", path, "--database", database, "--measurement", "cpu", "--tags", "host",
                              "--url", f"http://127.0.0.1:{PORT}", *extra], capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - began
        peak = status_kib(daemon.pid, "VmHWM")
    finally:
        stop(daemon)
    print(out.stdout.strip())
    return seconds, rss_before, peak, out.stdout.strip()


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    day = dt.datetime.combine(dt.date.today() - dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
    base = int(day.timestamp())
    csv = os.path.join(WORK, "cpu.csv")
    rows = 0
    began = time.perf_counter()
    with open(csv, "w") as f:
        f.write("time,host,value,cpu_idle,cpu_user\n")
        hosts = [f"server{h:03d}" for h in range(HOSTS)]
        for step in range(0, 86400, STEP_S):
            t = base + step
            # Hashed values, so the Parquet side is not a run of repeats that compresses to nothing.
            lines = [f"{t},{hosts[h]},{(h * 2654435761 + step * 40503) % 10007 / 100},{(h * 40503 + step * 2654435761) % 9001 / 100},"
                     f"{(h * 69069 + step * 1103515245) % 7001 / 100}\n" for h in range(HOSTS)]
            f.writelines(lines)
            rows += HOSTS
    print(f"generated {rows} rows, {os.path.getsize(csv) / 1e9:.2f} GB in {time.perf_counter() - began:.0f} s")

    results = {}
    seconds, before, peak, line = run_import(WORK, csv, "bench", [])
    size = os.path.getsize(csv)
    results["csv"] = {"bytes": size, "rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
                      "mb_per_s": round(size / 1e6 / seconds, 1), "rss_before_mib": round(before / 1024), "peak_rss_mib": round(peak / 1024),
                      "parquet_bytes_written": imported(WORK, "bench"), "cli": line}

    # One daily Parquet file of the same rows, made by arcd's own compaction.
    for tier in ("hourly", "daily"):
        subprocess.run([ARCD, "compact", "--tier", tier, "--database", "bench", f"--Storage:Root={WORK}/data", f"--Wal:Dir={WORK}/wal",
                        "--Compaction:HourlyMinFiles=2", "--Compaction:HourlyMinAge=00:00:00", "--Compaction:DailyMinFiles=2",
                        "--Compaction:DailyMinAge=00:00:00", "--Compaction:MaxFilesPerBatch=500", "--Auth:Enabled=false"],
                       check=True)
    files = sorted(glob.glob(f"{WORK}/data/bench/cpu/**/*.parquet", recursive=True), key=os.path.getsize)
    parquet = os.path.join(WORK, "cpu.parquet")
    shutil.copy(files[-1], parquet)
    seconds, before, peak, line = run_import(WORK, parquet, "bench_parquet", [])
    parquet_rows = int(line.split("imported ")[1].split(" rows")[0].replace(",", ""))
    if parquet_rows != rows:
        raise RuntimeError(f"daily compaction left {len(files)} files; the largest holds {parquet_rows} of {rows} rows")
    size = os.path.getsize(parquet)
    results["parquet"] = {"bytes": size, "rows": parquet_rows, "seconds": round(seconds, 2), "rows_per_s": round(parquet_rows / seconds),
                          "mb_per_s": round(size / 1e6 / seconds, 1), "rss_before_mib": round(before / 1024), "peak_rss_mib": round(peak / 1024),
                          "daily_files": len(files), "cli": line}

    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/results/import.json"), "w") as f:
        json.dump(results, f, indent=2)
    c, p = results["csv"], results["parquet"]
    md = f"""# Imports

Generated by `bench/scripts/import_bench.py` on {dt.date.today()} ({os.cpu_count()} cores), AOT binary, WAL sync, data root on disk,
`Ingest:MemoryBudgetBytes` 1 GiB (default), one daemon per import. Times are `arcd import`'s wall time: upload to the spool,
check pass, write pass through the WAL and shard buffers, flush to Parquet.

| file | size | rows | seconds | rows/s | MB/s | daemon RSS before | peak RSS |
|---|---|---|---|---|---|---|---|
| CSV (Arc's shape, a day at {STEP_S} s × {HOSTS:,} hosts) | {c['bytes'] / 1e9:.2f} GB | {c['rows']:,} | {c['seconds']} | {c['rows_per_s']:,} | {c['mb_per_s']} | {c['rss_before_mib']} MiB | {c['peak_rss_mib']} MiB |
| Parquet (the same day, compacted by arcd into one zstd file) | {p['bytes'] / 1e6:.1f} MB | {p['rows']:,} | {p['seconds']} | {p['rows_per_s']:,} | {p['mb_per_s']} | {p['rss_before_mib']} MiB | {p['peak_rss_mib']} MiB |

CLI output: `{c['cli']}` / `{p['cli']}`.
"""
    with open(os.path.join(ROOT, "bench/results/import.md"), "w") as f:
        f.write(md)
    print(md)
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
