#!/usr/bin/env bash
# End-to-end ingest benchmark: starts <build>/tempo on free loopback ports with a temporary data
# dir and high rate limits, replays the corpus over OTLP/gRPC and then OTLP/HTTP (a fresh server
# for each), stops the server with SIGTERM and prints one table. Every run is bounded by DURATION.
#
# Usage: bench/load/run_ingest.sh [build-dir]          (bench/run.sh calls it after the microbenchmarks)
# Environment (defaults = the short run):
#   DURATION=60          seconds of load per protocol
#   CORPUS_SPANS=2000000 SEED=1   corpus size and seed (cached in <build>/bench/corpus/)
#   GRPC_CONNECTIONS=4 GRPC_CONCURRENCY=32   gRPC channels and requests in flight
#   HTTP_CONNECTIONS=32                      HTTP keep-alive connections (one request each)
#   RATE=0               spans/s to offer (0 = as fast as acknowledged)
#   WAL_SYNC=true        false turns fsync off (comparison runs only: acks are then not durable)
#   PROTOCOLS="grpc http"
#   TEMPO_BIN=<build>/tempo   the server to measure
#   JSON_OUT=<file>      also append every run's JSON line there
#   KEEP=1               keep the temporary directories (config, data, server log)
#   EXTRA_YAML=<yaml>    appended to the server config (top-level sections, e.g. "ingester:
#                        {flush_check_period: 2s}")
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
build="${1:-build-bench}"
bench_bin="$build/bench"
server_bin="${TEMPO_BIN:-$build/tempo}"
duration="${DURATION:-60}"
corpus_spans="${CORPUS_SPANS:-2000000}"
seed="${SEED:-1}"
grpc_connections="${GRPC_CONNECTIONS:-4}"
grpc_concurrency="${GRPC_CONCURRENCY:-32}"
http_connections="${HTTP_CONNECTIONS:-32}"
rate="${RATE:-0}"
wal_sync="${WAL_SYNC:-true}"
protocols="${PROTOCOLS:-grpc http}"

bench_require "$server_bin" "$bench_bin/tempo_corpus" "$bench_bin/tempo_load" "$bench_bin/tempo_decode_ref"

# The corpus is generated once per (generator version, seed, size).
corpus="$(bench_corpus "$build" "$corpus_spans" "$seed")"
"$bench_bin/tempo_corpus" --describe="$corpus"

results="$(mktemp)"
server_pid=""
work_dir=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
  if [[ -n "$work_dir" && "${KEEP:-0}" != 1 ]]; then rm -rf "$work_dir"; fi
  rm -f "$results"
}
trap cleanup EXIT

echo "decode reference (libprotobuf into an arena, one thread):"
decode_ref="$("$bench_bin/tempo_decode_ref" --corpus="$corpus" --seconds=5 | tee /dev/stderr |
  sed -n 's/.*"decode_ref_spans_per_s":\([0-9.]*\).*/\1/p')"

run_one() {
  local protocol="$1"
  work_dir="$(mktemp -d /tmp/tempo-ingest.XXXXXX)"
  read -r http_port grpc_port otlp_grpc_port otlp_http_port <<<"$(bench_free_ports)"
  bench_write_config "$work_dir/tempo.yaml" "$work_dir/data" "$http_port" "$grpc_port" \
    "$otlp_grpc_port" "$otlp_http_port" "${EXTRA_YAML:-}"
  bench_start_server "$server_bin" "$work_dir/tempo.yaml" "$work_dir/server.log"
  server_pid=$BENCH_SERVER_PID
  if ! bench_wait_ready "$http_port" "$server_pid" 30; then
    echo "run_ingest.sh: the server did not become ready; its log:" >&2
    tail -20 "$work_dir/server.log" >&2
    exit 1
  fi
  local target="127.0.0.1:$otlp_grpc_port" extra=(--connections="$grpc_connections" --concurrency="$grpc_concurrency")
  if [[ $protocol == http ]]; then
    target="127.0.0.1:$otlp_http_port"
    extra=(--concurrency="$http_connections")
  fi
  echo
  echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$bench_bin/tempo_load" --corpus="$corpus" --protocol="$protocol" --target="$target" "${extra[@]}" \
    --rate="$rate" --duration="$duration" --server-pid="$server_pid" --data-dir="$work_dir/data" \
    --metrics="127.0.0.1:$http_port" --decode-ref="$decode_ref" --json-out="$results" \
    --label="$protocol sync=$wal_sync" || echo "run_ingest.sh: tempo_load failed for $protocol" >&2

  # Stop: SIGTERM, then at most 60 s for the drain and flush.
  bench_stop_server "$server_pid"
  server_pid=""
  local problems
  problems="$(bench_server_log_problems "$work_dir/server.log")"
  [[ -z "$problems" ]] || { echo "server log (first error lines):"; echo "$problems"; }
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $work_dir"; else rm -rf "$work_dir"; fi
  work_dir=""
}

for protocol in $protocols; do run_one "$protocol"; done

echo
echo "ingest summary: $(nproc) cores (load generator and server share them), $(free -g | awk '/Mem:/{print $2}') GiB," \
  "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), corpus $corpus_spans spans seed $seed, ${duration} s per protocol"
python3 - "$results" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cols = [("run", "label", "%s"), ("spans/s", "spans_per_s", "%.0f"), ("MB/s", "mb_per_s", "%.1f"),
        ("p50 ms", "p50_ms", "%.1f"), ("p99 ms", "p99_ms", "%.1f"), ("max ms", "max_ms", "%.0f"),
        ("CPU-s/M", "cpu_s_per_million_spans", "%.2f"), ("CPU-bound/s", "cpu_bound_spans_per_s", "%.0f"), ("peak RSS MiB", "peak_rss_mib", "%.0f"),
        ("disk B/span", "disk_bytes_per_span", "%.0f"), ("du B/span", "data_dir_bytes_per_span", "%.0f"),
        ("commits/s", "wal_commits_per_s", "%.0f"), ("client CPU-s", "client_cpu_s", "%.1f"),
        ("other CPU-s", "other_cpu_s", "%.1f"), ("x(2*decode)", "decode_fraction", "%.3f")]
table = [[c[0] for c in cols] + ["errors"]]
for r in rows:
    cells = [(c[2] % r[c[1]]) if c[1] in r else "-" for c in cols]
    cells.append(", ".join("%s x%d" % kv for kv in r["errors"].items()) or "none")
    table.append(cells)
widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
for row in table:
    print("  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))))
for r in rows:
    print(json.dumps(r, separators=(",", ":")))
EOF
if [[ -n "${JSON_OUT:-}" ]]; then cat "$results" >>"$JSON_OUT"; fi
