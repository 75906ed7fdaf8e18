#!/usr/bin/env python3
"""Retention and delete benchmark, in one run of the AOT daemon.

Retention: a year of hourly partitions (8,760 hour directories of one measurement, 20 rows each,
one file per hour), all older than the policy's cutoff. Measures a dry run and the real run: time
and files/s (every file goes through a delete-only replacement: manifest, WAL intents, unlink and
directory fsync).
Delete: 2,000,000 rows of one measurement over 24 hours (480 files), then deletes half the rows
of every file (id % 2 = 0): time, rows scanned/s, rows removed/s and rows rewritten/s (the kept
rows written again by arcd's encoder), and the same for a dry run.
The data root is on the disk under /tmp, so deletions pay their fsyncs.
Usage: bench/scripts/retention_delete_bench.py   (writes bench/results/retention-delete.md)
"""
import datetime as dt
import http.client
import json
import os
import shutil
import subprocess
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PORT = 18094
WORK = "/tmp/arcd-retention-bench"


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


def write_lines(database, lines):
    status, data = request("POST", "/api/v1/write/line-protocol", "".join(lines).encode(), {"x-arc-database": database})
    assert status == 204, (status, data[:300])


def count_files(directory):
    total = 0
    for _, _, files in os.walk(directory):
        total += sum(1 for f in files if f.endswith(".parquet"))
    return total


def wait_files(directory, expected, timeout=600):
    deadline = time.time() + timeout
    while count_files(directory) < expected:
        if time.time() > deadline:
            raise TimeoutError(f"{count_files(directory)} of {expected} files in {directory}")
        time.sleep(0.2)


def main():
    subprocess.run(["make", "publish"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    root = os.path.join(WORK, "data")
    daemon = subprocess.Popen([os.path.join(ROOT, "artifacts/aot/arcd"), f"--Server:Port={PORT}", "--Server:Host=127.0.0.1",
                               "--Auth:Enabled=false", f"--Storage:Root={root}", f"--Wal:Dir={os.path.join(WORK, 'wal')}", "--Log:Level=Warning",
                               "--Ingest:MaxBufferAge=00:00:00.050", "--Compaction:Enabled=false", "--Delete:Enabled=true",
                               "--Delete:MaxRowsPerDelete=100000000", "--Retention:Schedule=0 0 1 1 *"],
                              cwd=WORK, stderr=open(os.path.join(WORK, "arcd.log"), "w"))
    try:
        for _ in range(400):
            try:
                if request("GET", "/ready")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
        first = now - dt.timedelta(days=367)
        hours = 8760
        print(f"writing {hours} hourly partitions ...", flush=True)
        for day in range(hours // 24):
            lines = []
            for h in range(24):
                t = first + dt.timedelta(hours=day * 24 + h)
                ns = int(t.timestamp()) * 1_000_000_000
                for r in range(20):
                    lines.append(f"year,host=h{r % 4} id={r}i,value={r}.5 {ns + r * 1_000_000_000}\n")
            write_lines("bench", lines)
            if day % 30 == 29:
                wait_files(os.path.join(root, "bench", "year"), (day + 1) * 24)
        wait_files(os.path.join(root, "bench", "year"), hours)

        status, policy, _ = post_json("/api/v1/retention", {"name": "year", "database": "bench", "measurement": "year",
                                                              "retention_days": 1, "buffer_days": 0, "is_active": True})
        assert status == 201, policy
        status, dry, dry_s = post_json(f"/api/v1/retention/{policy['id']}/execute", {"dry_run": True})
        assert status == 200 and dry["files_deleted"] == hours, dry
        status, real, real_s = post_json(f"/api/v1/retention/{policy['id']}/execute", {"confirm": True})
        assert status == 200 and real["files_deleted"] == hours, real
        assert count_files(os.path.join(root, "bench", "year")) == 0
        print(f"retention: dry run {dry_s:.2f} s, real run {real_s:.2f} s for {hours} files", flush=True)

        rows, files_per_request, requests = 2_000_000, 24, 20
        per_request = rows // requests
        base = int((now - dt.timedelta(days=3)).timestamp()) * 1_000_000_000
        print(f"writing {rows} rows for the delete ...", flush=True)
        for q in range(requests):
            lines = []
            for i in range(per_request):
                row = q * per_request + i
                hour = (i // 3) % files_per_request  # every hour gets odd and even ids, so every file is rewritten, none just removed
                lines.append(f"big,host=h{row % 50} id={row}i,value={row}.5,status=\"ok\" {base + hour * 3_600_000_000_000 + (row // 24) * 1_000_000}\n")
            write_lines("bench", lines)
        wait_files(os.path.join(root, "bench", "big"), requests * files_per_request)
        files = count_files(os.path.join(root, "bench", "big"))
        body = {"database": "bench", "measurement": "big", "where": "id % 2 = 0"}
        status, dry_delete, dry_delete_s = post_json("/api/v1/delete", {**body, "dry_run": True, "confirm": True})
        assert status == 200 and dry_delete["deleted_count"] == rows // 2, dry_delete
        status, delete, delete_s = post_json("/api/v1/delete", {**body, "dry_run": False, "confirm": True})
        assert status == 200 and delete["deleted_count"] == rows // 2, delete
        assert delete["rewritten_files"] == files and count_files(os.path.join(root, "bench", "big")) == files, delete
        print(f"delete: dry run {dry_delete_s:.2f} s, real run {delete_s:.2f} s over {files} files", flush=True)
    finally:
        daemon.terminate()
        daemon.wait(60)

    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
    out = os.path.join(ROOT, "bench", "results", "retention-delete.md")
    with open(out, "w") as f:
        f.write(f"# Retention and delete ({dt.date.today()}, {os.cpu_count()} cores, {cpu}, data root on disk)\n\n")
        f.write("Produced by `bench/scripts/retention_delete_bench.py` against the AOT binary.\n\n")
        f.write("## Retention over a year of hourly partitions\n\n")
        f.write("| run | files | rows | time (s) | files/s |\n|---|---|---|---|---|\n")
        f.write(f"| dry run | {dry['files_deleted']} | {dry['deleted_count']} | {dry_s:.2f} | {hours / dry_s:,.0f} |\n")
        f.write(f"| real run | {real['files_deleted']} | {real['deleted_count']} | {real_s:.2f} | {hours / real_s:,.0f} |\n\n")
        f.write("## Delete of half the rows of every file\n\n")
        f.write("| run | files | rows scanned | rows removed | rows rewritten | time (s) | scanned rows/s | removed rows/s | rewritten rows/s |\n")
        f.write("|---|---|---|---|---|---|---|---|---|\n")
        kept = rows - rows // 2
        f.write(f"| dry run | {dry_delete['affected_files']} | {rows} | {dry_delete['deleted_count']} | 0 | {dry_delete_s:.2f} | {rows / dry_delete_s:,.0f} | | |\n")
        f.write(f"| real run | {delete['rewritten_files']} | {rows} | {delete['deleted_count']} | {kept} | {delete_s:.2f} | {rows / delete_s:,.0f} | "
                f"{delete['deleted_count'] / delete_s:,.0f} | {kept / delete_s:,.0f} |\n")
    print(open(out).read())


if __name__ == "__main__":
    main()
