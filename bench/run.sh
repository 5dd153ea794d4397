#!/usr/bin/env bash
# Runs the microbenchmarks of a bench build dir and prints one table.
# Usage: bench/run.sh <build-dir>   (make bench does this)
set -euo pipefail
build="${1:-build-bench}"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)  machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
"$build/bench/tempo_ingest_bench" --benchmark_min_time=0.5 --benchmark_counters_tabular=true
# Blocks: 1 M spans in 4 blocks, trace by ID (RESULTS.md's figure uses --spans=10000000).
"$build/bench/tempo_trace_by_id_bench" --spans=1000000 --block_spans=250000 --lookups=2000 \
  --dir="$build/bench/trace-by-id-1m"
# End-to-end ingest over OTLP/gRPC and OTLP/HTTP against <build-dir>/tempo (short run: 60 s per
# protocol; DURATION, CORPUS_SPANS, ... tune it, see bench/README.md).
"$(dirname "$0")/load/run_ingest.sh" "$build"
