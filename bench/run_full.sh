#!/usr/bin/env bash
# `make bench-full`: the long benchmark run (hours on 2 cores at the defaults).
#   1. microbenchmarks as in bench/run.sh, trace by ID over TBI_SPANS (10 M) spans;
#   2. end-to-end ingest, INGEST_DURATION (300 s) per protocol (bench/load/run_ingest.sh);
#   3. the query benchmark after loading FULL_SPANS (100 M) spans, the corpus of
#      FULL_CORPUS_SPANS (5 M) looping with new trace IDs per pass, with the DuckDB reference over
#      the same spans (bench/load/run_query.sh);
#   4. steady load: a fresh server (default ingester and compactor settings) offered STEADY_RATE
#      (20,000) spans/s over OTLP/gRPC for STEADY_DURATION (1,800) s; RSS sampled every 10 s;
#   5. kill -9 under load: load continues at STEADY_RATE, after RESTART_LOAD_S (30) s the server
#      is killed with SIGKILL and started again on the same data; tempo_query --restart-probe
#      measures restart → /ready 200 and restart → first accepted push; peak RSS during replay;
#   6. one summary table (bench/summary.py).
# Servers of steps 3-5 start under MEMORY_MAX (4G) when a memory limit can be set here
# (systemd-run --user --scope -p MemoryMax, or a delegated cgroup v2; see bench_memory_mode in
# bench/load/lib.sh); otherwise the run says so and records peak RSS only.
#
# Usage: bench/run_full.sh <build-dir>   (make bench-full does this)
# A reduced run to try it: FULL_SPANS=5000000 FULL_CORPUS_SPANS=2000000 STEADY_DURATION=180 \
#   INGEST_DURATION=60 TBI_SPANS=1000000 bench/run_full.sh build-bench
# SKIP="micro ingest query steady restart" skips steps (restart needs steady's server).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/load/lib.sh"
source "$here/bench_meta.sh"
build="${1:-build-bench}"
full_spans="${FULL_SPANS:-100000000}"
corpus_spans="${FULL_CORPUS_SPANS:-5000000}"
seed="${SEED:-1}"
steady_rate="${STEADY_RATE:-20000}"
steady_duration="${STEADY_DURATION:-1800}"
restart_load_s="${RESTART_LOAD_S:-30}"
memory_max="${MEMORY_MAX-4G}"
results="${RESULTS_DIR:-$build/bench/results/full-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$results"

bench_write_meta "$results/meta.json" "${BENCH_COMMAND:-bench/run_full.sh $*}" \
  "full: FULL_SPANS=$full_spans FULL_CORPUS_SPANS=$corpus_spans STEADY_RATE=$steady_rate STEADY_DURATION=$steady_duration RESTART_LOAD_S=$restart_load_s MEMORY_MAX=$memory_max INGEST_DURATION=${INGEST_DURATION:-300} TBI_SPANS=${TBI_SPANS:-10000000}"
echo "results: $results"
cat "$results/meta.json"
echo
mem_mode="$(bench_memory_mode "$memory_max")"
if [[ "$mem_mode" == none* ]]; then
  echo "memory limit NOT enforced (${mem_mode#none: }); recording peak RSS (VmHWM) instead"
else
  echo "memory limit: servers start under MemoryMax=$memory_max ($mem_mode)"
fi
python3 -c 'import json,sys; json.dump({"limit": sys.argv[1], "mode": sys.argv[2]}, open(sys.argv[3], "w"))' \
  "$memory_max" "$mem_mode" "$results/memory.json"

micro() {
  # The load corpus feeds the push pipeline and block cut microbenchmarks (see run.sh).
  local corpus
  corpus="$(bench_corpus "$build" "$corpus_spans" "$seed")" || return 1
  TEMPO_BENCH_CORPUS="$corpus" bench_micro "$build" "$results" "${TBI_SPANS:-10000000}" 1000000 \
    10000
}
ingest() {
  DURATION="${INGEST_DURATION:-300}" CORPUS_SPANS="$corpus_spans" SEED="$seed" \
    JSON_OUT="$results/ingest.jsonl" "$here/load/run_ingest.sh" "$build"
}
query() {
  RESULTS_DIR="$results" CORPUS_SPANS="$corpus_spans" SEED="$seed" QUERY_SPANS="$full_spans" \
    MEMORY_MAX="$memory_max" "$here/load/run_query.sh" "$build"
}

# Steps 4 and 5 share one server and its data dir.
work_dir=""
server_pid=""
sampler_pid=""
load_pid=""
cleanup() {
  for pid in "$sampler_pid" "$load_pid" "$server_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
  done
  bench_cgroup_cleanup
  if [[ -n "$work_dir" && "${KEEP:-0}" != 1 ]]; then rm -rf "$work_dir"; fi
}
trap cleanup EXIT

start_steady_server() {
  bench_start_server "$build/tempo" "$work_dir/tempo.yaml" "$work_dir/server.log" "$mem_mode" \
    "$memory_max"
  server_pid=$BENCH_SERVER_PID
}

# RSS of the server every 10 s, as "<seconds since start> <VmRSS MiB>" lines.
sample_rss() {
  local pid="$1" out="$2" t0=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    echo "$((SECONDS - t0)) $(bench_rss "$pid" | cut -d' ' -f1)" >>"$out"
    sleep 10
  done
}

steady() {
  local corpus
  corpus="$(bench_corpus "$build" "$corpus_spans" "$seed")" || return 1
  work_dir="$(mktemp -d /tmp/tempo-full.XXXXXX)"
  read -r http_port grpc_port otlp_grpc_port otlp_http_port <<<"$(bench_free_ports)"
  bench_write_config "$work_dir/tempo.yaml" "$work_dir/data" "$http_port" "$grpc_port" \
    "$otlp_grpc_port" "$otlp_http_port"
  start_steady_server
  if ! bench_wait_ready "$http_port" "$server_pid" 60; then
    echo "run_full.sh: the server did not become ready" >&2
    tail -20 "$work_dir/server.log" >&2
    return 1
  fi
  memcg="$(bench_memcg_dir "$server_pid")"
  sample_rss "$server_pid" "$results/steady_rss.txt" &
  sampler_pid=$!
  "$build/bench/tempo_load" --corpus="$corpus" --protocol=grpc --target="127.0.0.1:$otlp_grpc_port" \
    --connections=4 --concurrency=32 --rate="$steady_rate" --duration="$steady_duration" \
    --server-pid="$server_pid" --data-dir="$work_dir/data" --metrics="127.0.0.1:$http_port" \
    --decode-ref=0 --json-out="$results/steady.jsonl" --label="steady $steady_rate/s" || return 1
  local cg_peak cg_ooms
  read -r cg_peak cg_ooms <<<"$(bench_memcg_stats "$memcg")"
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); m.update(cgroup_peak_mib=sys.argv[2], oom_kills=sys.argv[3]); json.dump(m, open(sys.argv[1], "w"))' \
    "$results/memory.json" "$cg_peak" "$cg_ooms"
}

restart() {
  [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null || {
    echo "run_full.sh: restart needs the steady step's server" >&2
    return 1
  }
  local corpus passes
  corpus="$(bench_corpus "$build" "$corpus_spans" "$seed")" || return 1
  passes=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["passes"])' \
    "$results/steady.jsonl" 2>/dev/null || echo 1)
  # Load keeps coming across the kill and the restart (new trace IDs: later passes).
  "$build/bench/tempo_load" --corpus="$corpus" --protocol=grpc --target="127.0.0.1:$otlp_grpc_port" \
    --connections=4 --concurrency=32 --rate="$steady_rate" \
    --duration=$((restart_load_s + 120)) --first-pass="$passes" --no-server --decode-ref=0 \
    --timeout=10 --json-out="$results/restart_load.jsonl" --label="load across kill -9" \
    >"$work_dir/restart_load.out" 2>&1 &
  load_pid=$!
  # The load generator first reads the corpus; count the seconds once it sends.
  local deadline=$((SECONDS + 600))
  until grep -q '^sending' "$work_dir/restart_load.out" 2>/dev/null || ((SECONDS > deadline)); do sleep 0.5; done
  sleep "$restart_load_s"
  local wal_bytes
  wal_bytes=$(du -sb "$work_dir/data/wal" | cut -f1)
  echo "kill -9 of the server (pid $server_pid) under load; WAL $(numfmt --to=iec "$wal_bytes")"
  kill -KILL "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  bench_cgroup_cleanup
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  local t_restart
  t_restart=$(date +%s%N)
  start_steady_server
  "$build/bench/tempo_query" --restart-probe --target="127.0.0.1:$http_port" \
    --otlp-http="127.0.0.1:$otlp_http_port" --since-ns="$t_restart" --deadline=900 \
    >"$work_dir/restart.json"
  local probe=$?
  cat "$work_dir/restart.json"
  wait "$load_pid" 2>/dev/null || true
  load_pid=""
  grep -v '^{' "$work_dir/restart_load.out" | tail -25 || true
  local rss hwm
  read -r rss hwm <<<"$(bench_rss "$server_pid")"
  python3 - "$work_dir/restart.json" "$results/restart.json" "$hwm" "$rss" "$wal_bytes" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
r.update({"peak_rss_mib": float(sys.argv[3]), "rss_after_mib": float(sys.argv[4]),
          "wal_mib": int(sys.argv[5]) / 1048576})
json.dump(r, open(sys.argv[2], "w"))
EOF
  echo "restarted server: RSS $rss MiB, peak $hwm MiB (VmHWM since the restart)"
  bench_stop_server "$server_pid"
  server_pid=""
  local problems
  problems="$(bench_server_log_problems "$work_dir/server.log")"
  [[ -z "$problems" ]] || { echo "server log (first error lines):"; echo "$problems"; }
  return "$probe"
}

bench_step micro micro
bench_step ingest ingest
bench_step query query
bench_step steady steady
bench_step restart restart
if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then bench_stop_server "$server_pid"; server_pid=""; fi

bench_summary "$results" || exit 1
