# arcd — build, test, publish, run, install. `make help` lists the targets.
SHELL := /bin/bash
DOTNET ?= dotnet
RID ?= $(shell uname -s | sed 's/Linux/linux/;s/Darwin/osx/')-$(shell uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/;s/arm64/arm64/')
AOT_DIR := artifacts/aot
BENCH_DIR := artifacts/bench
PREFIX ?= /usr/local

.PHONY: help build test publish run install uninstall clean bench-startup bench-check

help:
	@echo "make run            publish the Native AOT binary and run it with embedded defaults (port 8000, auth on, ./data)"
	@echo "make test           publish, then run every test (unit, integration, AOT smoke, packaging)"
	@echo "make build          debug build of everything"
	@echo "make publish        Native AOT binary at $(AOT_DIR)/arcd"
	@echo "make deb           build artifacts/deb/arcd_<version>_<arch>.deb (binary, libduckdb, config, systemd unit, arcd user, state dir)"
	@echo "make install        install binary, config and service (systemd on Linux, launchd on macOS); DESTDIR honoured"
	@echo "make uninstall      remove what install put in place (data is kept)"
	@echo "make bench-check    micro benchmarks (BenchmarkDotNet, in memory); fails when one allocates over bench/allocation-budgets.json"
	@echo "make bench-results  regenerate bench/results/RESULTS.md: every figure as a ratio in one run (ceiling, baseline commit, peers, micro)"
	@echo "make bench-peers    InfluxDB 1.x, VictoriaMetrics and arcd under the same line-protocol load, with ratios"
	@echo "make profile        perf CPU profile of the AOT binary under load: folded stacks, SVG flame graph, top functions"
	@echo "make bench-startup  median exec->/health, exec->first 204 and idle RSS over 20 starts"
	@echo "make bench-compaction  a day of Telegraf-like files: file count, query latency, throughput, RSS and ingest before/after compaction"
	@echo "make bench-retention  retention over a year of hourly partitions (files/s) and delete throughput (rows/s rewritten)"
	@echo "make bench-cq       continuous queries: source rows/s of a 1-hour rollup of a day of Arc's shape, ingest rec/s with and without CQs"
	@echo "make bench-import   arcd import of a 1 GB CSV and of a Parquet file: rows/s, MB/s, peak RSS"
	@echo "make bench-ceiling  arcd (WAL sync and off) as a fraction of the HTTP ceiling (a null AOT Kestrel server), same load, same run"
	@echo "make bench-s3       Storage:Backend=s3 (Ceph RGW, started here) against local disk: ingest rec/s and p99, day queries cold/warm with GETs"
	@echo "make bench-wal      records/s and latency for Wal:Mode sync, async and off (Arc's benchmark shape)"
	@echo "make crash-test     kill -9 the AOT daemon under load 200 times; every acknowledged row must be in Parquet once"
	@echo "make fuzz           the decoder fuzz targets with 5M cases each (ARCD_FUZZ_CASES to change)"
	@echo "make clean          remove build output"

build:
	$(DOTNET) build arcd.sln

# The native compiler reports code it compiled to always throw (a type a package needs is missing,
# as when a pinned dependency is older than a package expects) as a message, not a warning: fail on it.
publish:
	@mkdir -p artifacts; set -o pipefail; $(DOTNET) publish src/Arcd -c Release -r $(RID) -o $(AOT_DIR) | tee artifacts/publish.log
	@! grep -q "will always throw" artifacts/publish.log || { echo "publish: the native compiler says code will always throw (see above)"; exit 1; }

run: publish
	$(AOT_DIR)/arcd

test: publish
	$(DOTNET) test arcd.sln

.PHONY: deb
deb: publish
	packaging/deb/build.sh $(AOT_DIR)/arcd artifacts/deb

install: publish
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" BINARY="$(AOT_DIR)/arcd" packaging/install.sh install

uninstall:
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" packaging/install.sh uninstall

bench-check:
	$(DOTNET) build bench/Arcd.MicroBench -c Release
	$(DOTNET) artifacts/bin/Arcd.MicroBench/release/arcd-microbench.dll check bench/allocation-budgets.json

bench-startup: publish
	$(DOTNET) publish bench/Arcd.Bench -c Release -r $(RID) -o $(BENCH_DIR)
	$(BENCH_DIR)/arcd-bench startup --binary $(AOT_DIR)/arcd --runs 20 --json bench/results/startup.json

clean:
	rm -rf artifacts

.PHONY: fuzz
fuzz:
	ARCD_FUZZ_CASES=$${ARCD_FUZZ_CASES:-5000000} $(DOTNET) test arcd.sln --filter "FullyQualifiedName~Fuzz"

.PHONY: crash-test
crash-test: publish
	ARCD_CRASH_KILLS=$${ARCD_CRASH_KILLS:-200} $(DOTNET) test arcd.sln --filter "FullyQualifiedName~CrashTests" --logger "console;verbosity=detailed"

.PHONY: bench-results
bench-results:
	bench/scripts/results.sh 15

.PHONY: bench-peers
bench-peers: publish
	$(DOTNET) publish bench/Arcd.Bench -c Release -r $(RID) -o $(BENCH_DIR)
	bench/scripts/peers.sh 20 16

.PHONY: profile
profile:
	bench/scripts/profile.sh 20 msgpack-columnar off

.PHONY: bench-wal
bench-wal: publish
	$(DOTNET) publish bench/Arcd.Bench -c Release -r $(RID) -o $(BENCH_DIR)
	bench/scripts/wal-modes.sh 20 64

.PHONY: bench-import
bench-import: publish
	python3 bench/scripts/import_bench.py

.PHONY: bench-ceiling
bench-ceiling: publish
	$(DOTNET) publish bench/Arcd.Bench -c Release -r $(RID) -o $(BENCH_DIR)
	bench/scripts/ceiling.sh 15 32

.PHONY: bench-s3
bench-s3: publish
	$(DOTNET) publish bench/Arcd.Bench -c Release -r $(RID) -o $(BENCH_DIR)
	bench/scripts/s3_bench.sh 15 16

.PHONY: bench-cq
bench-cq:
	python3 bench/scripts/cq_bench.py

.PHONY: bench-retention
bench-retention:
	bench/scripts/retention_delete_bench.py

.PHONY: bench-compaction
bench-compaction:
	bench/scripts/compaction_bench.py 24
