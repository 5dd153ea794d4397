#!/usr/bin/env bash
# Retention soak (issue #8): a server with accelerated retention under steady load for a long
# time, to show that disk use levels off once retention starts deleting and that query latency
# does not drift. Starts <build>/tempo on free loopback ports with a temporary data dir, offers
# RATE spans/s over OTLP/gRPC for DURATION seconds (tempo_load loops over the corpus with new
# trace IDs per pass), and every SAMPLE_S seconds records one row:
#   elapsed s, blocks dir MiB, WAL dir MiB, block count, RSS MiB, spans received, retention
#   deletions, compaction blocks, trace-by-ID ms (a trace found by the search of that sample),
#   search ms for `{ status = error }` and `{ span.http.status_code = 500 }` over the last
#   QUERY_WINDOW_S seconds (limit 20).
# At the end it prints the table (also in <results>/soak.tsv) and compares the first and last
# quarters after the warm-up (block_retention + compacted_block_retention).
#
# Usage: bench/load/run_soak.sh [build-dir]
# Environment:
#   DURATION=3600 RATE=7200 SAMPLE_S=60 QUERY_WINDOW_S=300
#   (RATE: the 2 M-span corpus covers 277 s of span time, so 7,200 spans/s keeps span times at the
#   wall clock; offering faster runs span time ahead of it and retention, which compares block end
#   times with now, then keeps a growing window)
#   BLOCK_RETENTION=10m COMPACTED_RETENTION=1m COMPACTION_WINDOW=2m COMPACTION_CYCLE=30s
#   MAX_BLOCK_DURATION=1m  CORPUS_SPANS=2000000 SEED=1  RESULTS_DIR=<dir>  KEEP=1
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
build="${1:-build-bench}"
server_bin="${TEMPO_BIN:-$build/tempo}"
duration="${DURATION:-3600}"
rate="${RATE:-7200}"
sample_s="${SAMPLE_S:-60}"
window_s="${QUERY_WINDOW_S:-300}"
results="${RESULTS_DIR:-$build/bench/results/soak-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$results"

bench_require "$server_bin" "$build/bench/tempo_corpus" "$build/bench/tempo_load"
corpus="$(bench_corpus "$build" "${CORPUS_SPANS:-2000000}" "${SEED:-1}")"

work_dir="$(mktemp -d /tmp/tempo-soak.XXXXXX)"
server_pid=""
load_pid=""
cleanup() {
  [[ -n "$load_pid" ]] && kill "$load_pid" 2>/dev/null || true
  [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null || true
  if [[ "${KEEP:-0}" != 1 ]]; then rm -rf "$work_dir"; fi
}
trap cleanup EXIT

read -r http_port grpc_port otlp_grpc_port otlp_http_port <<<"$(bench_free_ports)"
bench_write_config "$work_dir/tempo.yaml" "$work_dir/data" "$http_port" "$grpc_port" \
  "$otlp_grpc_port" "$otlp_http_port" "ingester:
  max_block_duration: ${MAX_BLOCK_DURATION:-1m}
compactor:
  compaction:
    compaction_window: ${COMPACTION_WINDOW:-2m}
    block_retention: ${BLOCK_RETENTION:-10m}
    compacted_block_retention: ${COMPACTED_RETENTION:-1m}
    compaction_cycle: ${COMPACTION_CYCLE:-30s}"
cp "$work_dir/tempo.yaml" "$results/tempo.yaml"
bench_start_server "$server_bin" "$work_dir/tempo.yaml" "$work_dir/server.log"
server_pid=$BENCH_SERVER_PID
if ! bench_wait_ready "$http_port" "$server_pid" 60; then
  echo "run_soak.sh: the server did not become ready; its log:" >&2
  tail -20 "$work_dir/server.log" >&2
  exit 1
fi

"$build/bench/tempo_load" --corpus="$corpus" --protocol=grpc --target="127.0.0.1:$otlp_grpc_port" \
  --rate="$rate" --duration="$duration" --decode-ref=0 --server-pid="$server_pid" \
  --data-dir="$work_dir/data" --label="soak" --json-out="$results/load.jsonl" \
  >"$results/load.txt" 2>&1 &
load_pid=$!

base="http://127.0.0.1:$http_port"
# metric <name>: the sum of a metric's samples on /metrics (0 when absent).
metric() {
  curl -sf -m 10 "$base/metrics" | awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2 } END { printf "%.0f\n", s }'
}
# timed_get <url>: "<ms> <body file>" of one GET (ms -1 on failure).
timed_get() {
  local out="$work_dir/last_body" t
  if t=$(curl -sf -m 60 -o "$out" -w '%{time_total}' -G "$1" "${@:2}"); then
    awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }'
  else
    printf -- "-1"
  fi
}

tsv="$results/soak.tsv"
printf 'elapsed_s\tblocks_mib\twal_mib\tblocks\trss_mib\tspans_received\tretention_deleted\tcompacted_blocks\ttrace_by_id_ms\tsearch_error_ms\tsearch_500_ms\n' >"$tsv"
t0=$SECONDS
next=$sample_s
while kill -0 "$load_pid" 2>/dev/null; do
  sleep 1
  ((SECONDS - t0 >= next)) || continue
  next=$((next + sample_s))
  now=$(date +%s)
  start=$((now - window_s))
  blocks_mib=$(du -sm "$work_dir/data/blocks" 2>/dev/null | cut -f1)
  wal_mib=$(du -sm "$work_dir/data/wal" 2>/dev/null | cut -f1)
  blocks=$(find "$work_dir/data/blocks" -name meta.json 2>/dev/null | wc -l)
  read -r rss _ <<<"$(bench_rss "$server_pid")"
  search_error=$(timed_get "$base/api/search" --data-urlencode 'q={ status = error }' \
    --data-urlencode "start=$start" --data-urlencode "end=$now" --data-urlencode limit=20)
  trace_id=$(python3 -c 'import json,sys
try: print(json.load(open(sys.argv[1]))["traces"][0]["traceID"])
except Exception: print("")' "$work_dir/last_body")
  search_500=$(timed_get "$base/api/search" --data-urlencode 'q={ span.http.status_code = 500 }' \
    --data-urlencode "start=$start" --data-urlencode "end=$now" --data-urlencode limit=20)
  by_id=-1
  [[ -n "$trace_id" ]] && by_id=$(timed_get "$base/api/traces/$trace_id")
  printf '%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $((SECONDS - t0)) "${blocks_mib:-0}" \
    "${wal_mib:-0}" "$blocks" "$rss" "$(metric tempo_distributor_spans_received_total)" \
    "$(metric tempodb_retention_deleted_total)" "$(metric tempodb_compaction_blocks_total)" \
    "$by_id" "$search_error" "$search_500" | tee -a "$tsv"
done
wait "$load_pid" || echo "run_soak.sh: tempo_load exited with an error (see $results/load.txt)" >&2
load_pid=""
tail -25 "$results/load.txt"
problems="$(bench_server_log_problems "$work_dir/server.log")"
[[ -n "$problems" ]] && printf 'server log errors:\n%s\n' "$problems"
bench_stop_server "$server_pid"
server_pid=""
cp "$work_dir/server.log" "$results/server.log"

# First vs last quarter of the samples taken after the warm-up.
python3 - "$tsv" "${BLOCK_RETENTION:-10m}" "${COMPACTED_RETENTION:-1m}" <<'EOF'
import csv, statistics, sys
def seconds(d):
    units = {"s": 1, "m": 60, "h": 3600}
    return int(d[:-1]) * units[d[-1]]
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
warm = seconds(sys.argv[2]) + seconds(sys.argv[3]) + 120
after = [r for r in rows if int(r["elapsed_s"]) >= warm]
if len(after) < 8:
    print(f"soak: only {len(after)} samples after the {warm} s warm-up; no comparison")
    sys.exit(0)
q = len(after) // 4
def med(rs, k):
    v = [float(r[k]) for r in rs if float(r[k]) >= 0]
    return statistics.median(v) if v else float("nan")
print(f"after the warm-up ({warm} s): first quarter ({len(after[:q])} samples) vs last quarter")
for k in ["blocks_mib", "wal_mib", "blocks", "rss_mib", "trace_by_id_ms", "search_error_ms", "search_500_ms"]:
    a, b = med(after[:q], k), med(after[-q:], k)
    print(f"  {k:18s} median {a:10.1f} -> {b:10.1f}")
EOF
echo "results: $results"
