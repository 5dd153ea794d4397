#!/usr/bin/env bash
# `make bench`: the short benchmark run (10–25 minutes on the shared 2 cores today, half or more
# of it the searches; the corpus is generated once, a few minutes more):
#   1. microbenchmarks: tempo_ingest_bench (decode, regroup, WAL append, push pipeline) and
#      tempo_trace_by_id_bench on 1 M spans in 4 blocks;
#   2. end-to-end ingest over OTLP/gRPC and OTLP/HTTP (bench/load/run_ingest.sh, DURATION=30 s
#      per protocol);
#   3. the query benchmark over the 2 M-span corpus with the DuckDB reference
#      (bench/load/run_query.sh, ITERATIONS=3 timed runs per search);
#   4. one summary table (bench/summary.py) of everything.
# Every step's output and JSON goes to RESULTS_DIR (default <build>/bench/results/<UTC time>/);
# a failing step is reported and the others still run.
#
# Usage: bench/run.sh <build-dir>   (make bench does this)
# Environment: DURATION (ingest seconds per protocol, default 30), CORPUS_SPANS, SEED, ITERATIONS,
# LOOKUPS, DUCKDB, MEMORY_MAX, ... of run_ingest.sh and run_query.sh; SKIP="micro ingest query"
# skips steps; RESULTS_DIR.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build-bench}"
results="${RESULTS_DIR:-$build/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$results"

source "$here/load/lib.sh"
source "$here/bench_meta.sh"
bench_write_meta "$results/meta.json" "${BENCH_COMMAND:-bench/run.sh $*}" \
  "short: DURATION=${DURATION:-30} CORPUS_SPANS=${CORPUS_SPANS:-2000000}"
echo "results: $results"
cat "$results/meta.json"

micro() {
  # The load corpus (generated here when absent; the ingest and query steps reuse it) feeds the
  # push pipeline and block cut microbenchmarks.
  local corpus
  corpus="$(bench_corpus "$build" "${CORPUS_SPANS:-2000000}" "${SEED:-1}")" || return 1
  # Blocks: 1 M spans in 4 blocks, trace by ID (RESULTS.md's figure uses --spans=10000000).
  TEMPO_BENCH_CORPUS="$corpus" bench_micro "$build" "$results" "${TBI_SPANS:-1000000}" \
    "${TBI_BLOCK_SPANS:-250000}" 2000
}
ingest() {
  DURATION="${DURATION:-30}" JSON_OUT="$results/ingest.jsonl" "$here/load/run_ingest.sh" "$build"
}
query() {
  # 1 unrecorded + 3 timed runs per search (run_query.sh alone: 5): the searches take seconds each
  # at 2 M spans today, which makes the query step most of the run.
  ITERATIONS="${ITERATIONS:-3}" RESULTS_DIR="$results" "$here/load/run_query.sh" "$build"
}

bench_step micro micro
bench_step ingest ingest
bench_step query query

bench_summary "$results" || exit 1
