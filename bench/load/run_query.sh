#!/usr/bin/env bash
# Query benchmark: starts <build>/tempo on free loopback ports with a temporary data dir, loads
# QUERY_SPANS spans of the corpus over OTLP/gRPC, waits until every span is in a block (the
# ingester cuts after trace_idle_period 2 s / max_block_duration 15 s here; /metrics is polled
# with a deadline), runs tempo_query (fixed list: trace by ID hits and misses, the searches of the
# issue with and without most_recent, tag values) with a time window covering the data, stops the
# server, then runs the same searches in DuckDB over the same spans (bench/load/duckdb_ref.mjs)
# and prints one table with our p50/p99, DuckDB's, and the ratio.
#
# Usage: bench/load/run_query.sh [build-dir]      (bench/run.sh and bench/run_full.sh call it)
# Environment (defaults = the short run):
#   CORPUS_SPANS=2000000 SEED=1   the corpus (cached in <build>/bench/corpus/, shared with
#                                 run_ingest.sh)
#   QUERY_SPANS=$CORPUS_SPANS     spans to load; more than the corpus loops it (new trace IDs and
#                                 later times for every pass, as tempo_load does); the times are
#                                 shifted so that the data ends when the load starts (the server
#                                 does not search the future)
#   ITERATIONS=5 WARMUP=1         timed and untimed runs of every search / tag-values query
#   LOOKUPS=100                   trace-by-ID lookups per row (hits, misses), after 20 warm-ups
#   SERVICE=payment LIMIT=20      the service of the service+duration search (a service of the
#                                 seed-1 corpus); search limit
#   QUERY_COMPACTION=false        true: the compactor runs (default cycle) while loading and
#                                 querying; false: blocks stay as the ingester cut them
#   DUCKDB=1                      0 skips the DuckDB reference (needs node and the npm registry
#                                 the first time: @duckdb/node-api goes to <build>/bench/duckdb)
#   MEMORY_MAX=                   e.g. 4G: start the server under that memory limit if possible
#   LOAD_CONNECTIONS=4 LOAD_CONCURRENCY=32   gRPC channels and requests in flight while loading
#   RESULTS_DIR=<dir>             write query_load.jsonl, wait_blocks.json, query.jsonl,
#                                 duckdb.jsonl, query_server.json there (bench/summary.py reads
#                                 them); default: a temporary dir, printed at the end
#   TEMPO_BIN=<build>/tempo   KEEP=1 (keep the data dir and server log)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
build="${1:-build-bench}"
bench_bin="$build/bench"
server_bin="${TEMPO_BIN:-$build/tempo}"
corpus_spans="${CORPUS_SPANS:-2000000}"
seed="${SEED:-1}"
query_spans="${QUERY_SPANS:-$corpus_spans}"
compaction="${QUERY_COMPACTION:-false}"
memory_max="${MEMORY_MAX:-}"

bench_require "$server_bin" "$bench_bin/tempo_corpus" "$bench_bin/tempo_load" "$bench_bin/tempo_query"

results="${RESULTS_DIR:-}"
own_results=0
if [[ -z "$results" ]]; then results="$(mktemp -d /tmp/tempo-query-results.XXXXXX)"; own_results=1; fi
mkdir -p "$results"
work_dir="$(mktemp -d /tmp/tempo-query.XXXXXX)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
  bench_cgroup_cleanup
  if [[ "${KEEP:-0}" != 1 ]]; then rm -rf "$work_dir"; else echo "kept $work_dir"; fi
}
trap cleanup EXIT

corpus="$(bench_corpus "$build" "$corpus_spans" "$seed")"

# --- server -----------------------------------------------------------------------------------
read -r http_port grpc_port otlp_grpc_port otlp_http_port <<<"$(bench_free_ports)"
cycle="30s"
[[ "$compaction" == true ]] || cycle="8760h"  # effectively never during the run
extra="ingester:
  trace_idle_period: 2s
  max_block_duration: 15s
  flush_check_period: 1s
compactor:
  compaction:
    compaction_cycle: $cycle"
bench_write_config "$work_dir/tempo.yaml" "$work_dir/data" "$http_port" "$grpc_port" \
  "$otlp_grpc_port" "$otlp_http_port" "$extra"
mem_mode="$(bench_memory_mode "$memory_max")"
echo "memory limit: ${memory_max:-none} ($mem_mode)"
bench_start_server "$server_bin" "$work_dir/tempo.yaml" "$work_dir/server.log" "$mem_mode" "$memory_max"
server_pid=$BENCH_SERVER_PID
if ! bench_wait_ready "$http_port" "$server_pid" 60; then
  echo "run_query.sh: the server did not become ready; its log:" >&2
  tail -20 "$work_dir/server.log" >&2
  exit 1
fi
memcg="$(bench_memcg_dir "$server_pid")"

# --- load -------------------------------------------------------------------------------------
echo
echo "loading $query_spans spans over OTLP/gRPC (load average $(cut -d' ' -f1-3 /proc/loadavg)) ..."
load_start=$(date +%s)
load_timeout=$((600 + query_spans / 5000))
"$bench_bin/tempo_load" --corpus="$corpus" --protocol=grpc --target="127.0.0.1:$otlp_grpc_port" \
  --connections="${LOAD_CONNECTIONS:-4}" --concurrency="${LOAD_CONCURRENCY:-32}" \
  --max-spans="$query_spans" --data-ends-now --duration="$load_timeout" --server-pid="$server_pid" \
  --data-dir="$work_dir/data" --metrics="127.0.0.1:$http_port" --decode-ref=0 \
  --json-out="$results/query_load.jsonl" --label="query load" >"$work_dir/load.out"
cat "$work_dir/load.out" | grep -v '^{' || true
read -r spans_ok requests_failed <<<"$(python3 -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
print(r["spans_ok"], r["requests_failed"])' "$results/query_load.jsonl")"
if [[ "$requests_failed" != 0 || "$spans_ok" -lt "$query_spans" ]]; then
  echo "run_query.sh: the load did not complete ($spans_ok spans accepted, $requests_failed requests failed)" >&2
  exit 1
fi

# --- blocks -----------------------------------------------------------------------------------
echo "waiting until every span is in a block ..."
"$bench_bin/tempo_query" --wait-blocks --target="127.0.0.1:$http_port" --spans="$spans_ok" \
  --deadline=$((300 + spans_ok / 20000)) | tee "$results/wait_blocks.json"
blocks_bytes=$(du -sb "$work_dir/data/blocks" | cut -f1)
blocks=$(find "$work_dir/data/blocks" -name meta.json | wc -l)
echo "blocks: $blocks, $(numfmt --to=iec "$blocks_bytes") on disk = $(python3 -c "print(round($blocks_bytes / $spans_ok, 1))") B/span"

# --- queries ----------------------------------------------------------------------------------
echo
echo "queries (load average $(cut -d' ' -f1-3 /proc/loadavg)) ..."
query_cpu0=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
query_status=0
"$bench_bin/tempo_query" --target="127.0.0.1:$http_port" --corpus="$corpus" \
  --load-start="$load_start" --loaded-spans="$query_spans" --iterations="${ITERATIONS:-5}" \
  --warmup="${WARMUP:-1}" --lookups="${LOOKUPS:-100}" --service="${SERVICE:-payment}" \
  --limit="${LIMIT:-20}" --label=query --json-out="$results/query.jsonl" || query_status=$?
query_cpu1=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
read -r rss hwm <<<"$(bench_rss "$server_pid")"
read -r cg_peak cg_ooms <<<"$(bench_memcg_stats "$memcg")"
python3 - "$results/query_server.json" <<EOF
import json, sys
json.dump({"type": "query_server", "spans": $spans_ok, "blocks": $blocks,
           "blocks_bytes": $blocks_bytes, "blocks_bytes_per_span": $blocks_bytes / $spans_ok,
           "rss_mib": $rss, "peak_rss_mib": $hwm, "memory_mode": "$mem_mode",
           "memory_max": "$memory_max", "cgroup_peak_mib": "$cg_peak", "oom_kills": "$cg_ooms",
           "query_cpu_s": ($query_cpu1 - $query_cpu0) / $(getconf CLK_TCK),
           "compaction": "$compaction"}, open(sys.argv[1], "w"))
EOF
echo "server after the queries: RSS $rss MiB, peak RSS $hwm MiB (VmHWM since start)"
bench_stop_server "$server_pid"
server_pid=""
problems="$(bench_server_log_problems "$work_dir/server.log")"
[[ -z "$problems" ]] || { echo "server log (first error lines):"; echo "$problems"; }
[[ $query_status == 0 ]] || echo "run_query.sh: some queries failed (see the errors column)" >&2

# --- DuckDB -----------------------------------------------------------------------------------
if [[ "${DUCKDB:-1}" == 1 ]]; then
  duck_dir="$build/bench/duckdb"
  if ! command -v node >/dev/null 2>&1; then
    echo "run_query.sh: node is not installed; skipping the DuckDB reference" >&2
  else
    if [[ ! -d "$duck_dir/node_modules/@duckdb/node-api" ]]; then
      echo "installing @duckdb/node-api into $duck_dir ..."
      mkdir -p "$duck_dir"
      npm install --prefix "$duck_dir" --no-audit --no-fund --loglevel=error @duckdb/node-api >&2
    fi
    csv="${corpus%.bin}.spans.csv"
    if [[ ! -s "$csv" || ! -s "$csv.json" ]]; then
      echo "exporting the corpus spans to $csv ..."
      "$bench_bin/tempo_corpus" --export-csv="$csv" --corpus="$corpus" >&2
    fi
    echo
    echo "DuckDB reference (load average $(cut -d' ' -f1-3 /proc/loadavg)) ..."
    duck_db=()
    # Above 20 M spans the table lives in a database file, so that DuckDB can evict to disk.
    if ((query_spans > 20000000)); then duck_db=(--db="$work_dir/ref.duckdb"); fi
    node "$here/duckdb_ref.mjs" --module="$duck_dir" --csv="$csv" --spans="$query_spans" "${duck_db[@]}" \
      --iterations="${ITERATIONS:-5}" --warmup="${WARMUP:-1}" --limit="${LIMIT:-20}" \
      --service="$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r.get("type")=="query_run": print(r["service"])' "$results/query.jsonl" | tail -1)" \
      --ours="$results/query.jsonl" --json-out="$results/duckdb.jsonl"
  fi
fi

echo
python3 "$here/../summary.py" --query-only "$results"
if [[ $own_results == 1 ]]; then echo "results: $results"; fi
exit "$query_status"
