# Shell helpers of the bench scripts (bench/run.sh, bench/run_full.sh, run_ingest.sh,
# run_query.sh): the steps of a run (skip, failure, summary) and its microbenchmarks; the corpus
# cache, free ports, a server config, starting a server (optionally under a memory limit), waiting
# for /ready, stopping it, reading its RSS. Source it; every name is prefixed `bench_`/`BENCH_`.

BENCH_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_FAILED=()  # the steps bench_step saw fail

# bench_step <name> <command...>: one step of a benchmark run. Skipped when <name> is listed in
# SKIP (space-separated); a failing step is reported and added to BENCH_FAILED, and the run goes on.
bench_step() {
  local name="$1"
  shift
  if [[ " ${SKIP:-} " == *" $name "* ]]; then echo "== $name: skipped"; return; fi
  echo
  echo "== $name ($(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg))"
  if ! "$@"; then
    BENCH_FAILED+=("$name")
    echo "== $name FAILED" >&2
  fi
}

# bench_summary <results-dir>: the summary table of a run (bench/summary.py, also written to
# <results-dir>/summary.txt) and the failed steps; returns 1 if a step failed.
bench_summary() {
  echo
  echo "== summary"
  python3 "$BENCH_LIB_DIR/../summary.py" "$1" | tee "$1/summary.txt"
  if ((${#BENCH_FAILED[@]})); then
    echo "failed steps: ${BENCH_FAILED[*]}" | tee -a "$1/summary.txt" >&2
    return 1
  fi
}

# bench_micro <build> <results-dir> <spans> <spans-per-block> <lookups>: the microbenchmarks of a
# run: tempo_ingest_bench (JSON to ingest_bench.json), then tempo_trace_by_id_bench over <spans>
# spans in blocks of <spans-per-block> (its blocks cached in <build>/bench/trace-by-id-<spans>,
# its output also in trace_by_id.txt).
bench_micro() {
  local build="$1" results="$2" spans="$3"
  "$build/bench/tempo_ingest_bench" --benchmark_min_time=0.5 --benchmark_counters_tabular=true \
    --benchmark_out="$results/ingest_bench.json" --benchmark_out_format=json || return 1
  "$build/bench/tempo_trace_by_id_bench" --spans="$spans" --block_spans="$4" --lookups="$5" \
    --dir="$build/bench/trace-by-id-$spans" | tee "$results/trace_by_id.txt"
  return "${PIPESTATUS[0]}"
}

# bench_corpus <build> <spans> <seed>: prints the corpus path, generating it first if missing.
bench_corpus() {
  local dir="$1/bench/corpus" corpus
  corpus="$dir/v1-seed$3-spans$2.bin"
  mkdir -p "$dir"
  if [[ ! -s "$corpus" ]]; then
    echo "generating corpus $corpus ..." >&2
    "$1/bench/tempo_corpus" --out="$corpus" --seed="$3" --spans="$2" >&2
  fi
  echo "$corpus"
}

# bench_require <executable...>: exits with a message naming the calling script when one of them
# is missing or not executable (the bench binaries need -DTEMPO_BUILD_BENCH=ON).
bench_require() {
  local exe
  for exe in "$@"; do
    [[ -x "$exe" ]] || {
      echo "$(basename "$0"): $exe is missing (build with -DTEMPO_BUILD_BENCH=ON)" >&2
      exit 1
    }
  done
}

# bench_free_ports: four free loopback TCP ports (http, grpc, otlp grpc, otlp http).
bench_free_ports() {
  python3 -c 'import socket
s=[socket.socket() for _ in range(4)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))'
}

# bench_write_config <file> <data-dir> <http> <grpc> <otlp-grpc> <otlp-http> [extra yaml]
# A server on loopback with WAL fsync on (WAL_SYNC=false turns it off), rate limits out of the
# way (100 GB/s), no trace size limit (the corpus has 50k-span traces), log level warn. The extra
# YAML (top-level sections such as `ingester:` or `compactor:`) is appended as it is.
bench_write_config() {
  cat >"$1" <<EOF
target: all
multitenancy_enabled: false
server:
  http_listen_address: 127.0.0.1
  http_listen_port: $3
  grpc_listen_address: 127.0.0.1
  grpc_listen_port: $4
  log_level: warn
distributor:
  receivers:
    otlp:
      protocols:
        grpc:
          endpoint: 127.0.0.1:$5
          max_recv_msg_size_mib: 16
        http:
          endpoint: 127.0.0.1:$6
storage:
  trace:
    backend: local
    local:
      path: $2/blocks
    wal:
      path: $2/wal
      sync: ${WAL_SYNC:-true}
overrides:
  defaults:
    ingestion:
      rate_limit_bytes: 100000000000
      burst_size_bytes: 100000000000
    global:
      max_bytes_per_trace: 0
${7:-}
EOF
}

# bench_memory_mode <limit>: how a server can be started under a memory limit here. Prints
# "systemd-run-user", "systemd-run" or "cgroup2:<dir>" when one works, otherwise "none: <why>".
# Only limits that need no changes outside a delegated subtree are used: a user scope
# (systemd-run --user --scope), a system scope when root under systemd, or a cgroup v2 directory
# of our own whose subtree already has the memory controller enabled.
bench_memory_mode() {
  local limit="$1"
  if [[ -z "$limit" || "$limit" == 0 ]]; then echo "none: MEMORY_MAX not set"; return; fi
  if command -v systemd-run >/dev/null 2>&1; then
    if timeout 20 systemd-run --user --scope --quiet -p MemoryMax="$limit" true >/dev/null 2>&1; then
      echo "systemd-run-user"; return
    fi
    if [[ $(id -u) == 0 ]] && timeout 20 systemd-run --scope --quiet -p MemoryMax="$limit" true >/dev/null 2>&1; then
      echo "systemd-run"; return
    fi
  fi
  if [[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" == cgroup2fs ]]; then
    local own
    own="/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)"
    if grep -qw memory "$own/cgroup.subtree_control" 2>/dev/null && [[ -w "$own" ]]; then
      echo "cgroup2:$own"; return
    fi
    echo "none: cgroup v2 without the memory controller delegated to $own, and no working systemd-run scope"
    return
  fi
  echo "none: no working systemd-run --user --scope (no user bus) and no cgroup v2 hierarchy (cgroup v1 is not used)"
}

# bench_start_server <bin> <config> <log> [memory-mode] [limit]: starts the server in the
# background; sets BENCH_SERVER_PID (and BENCH_CGROUP for cgroup2 mode).
bench_start_server() {
  local bin="$1" config="$2" log="$3" mode="${4:-none}" limit="${5:-}"
  BENCH_CGROUP=""
  case "$mode" in
    systemd-run-user)
      systemd-run --user --scope --quiet -p MemoryMax="$limit" -p MemorySwapMax=0 \
        "$bin" -config.file="$config" >>"$log" 2>&1 &
      ;;
    systemd-run)
      systemd-run --scope --quiet -p MemoryMax="$limit" -p MemorySwapMax=0 \
        "$bin" -config.file="$config" >>"$log" 2>&1 &
      ;;
    cgroup2:*)
      BENCH_CGROUP="${mode#cgroup2:}/tempo-bench-$$-$RANDOM"
      mkdir "$BENCH_CGROUP"
      echo "$limit" >"$BENCH_CGROUP/memory.max"
      echo 0 >"$BENCH_CGROUP/memory.swap.max" 2>/dev/null || true
      sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" -config.file="$3"' sh "$BENCH_CGROUP" \
        "$bin" "$config" >>"$log" 2>&1 &
      ;;
    *)
      "$bin" -config.file="$config" >>"$log" 2>&1 &
      ;;
  esac
  BENCH_SERVER_PID=$!
}

# bench_wait_ready <http-port> <pid> <timeout-s>: 0 once /ready answers 200.
bench_wait_ready() {
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    if curl -sf -m 2 "http://127.0.0.1:$1/ready" >/dev/null 2>&1; then return 0; fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# bench_stop_server <pid>: SIGTERM, then SIGKILL if it is still running 60 s later.
bench_stop_server() {
  local pid="$1" t0=$SECONDS
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid"
  for _ in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
      if wait "$pid" 2>/dev/null; then
        echo "server stopped cleanly in $((SECONDS - t0)) s"
      else
        echo "bench: server exited with status $? after SIGTERM" >&2
      fi
      return 0
    fi
    sleep 0.1
  done
  echo "bench: server still running 60 s after SIGTERM; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# bench_cgroup_cleanup: removes the cgroup of the last server started in cgroup2 mode.
bench_cgroup_cleanup() {
  if [[ -n "${BENCH_CGROUP:-}" && -d "$BENCH_CGROUP" ]]; then rmdir "$BENCH_CGROUP" 2>/dev/null || true; fi
}

# bench_rss <pid>: "<VmRSS MiB> <VmHWM MiB>" of a running process.
bench_rss() {
  awk '/^VmRSS:/{r=$2} /^VmHWM:/{h=$2} END{printf "%.0f %.0f\n", r/1024, h/1024}' "/proc/$1/status" 2>/dev/null || echo "0 0"
}

# bench_server_log_problems <log>: the first error lines of a server log (empty if none).
bench_server_log_problems() {
  grep -iE 'error|fatal|panic|check failed' "$1" | head -5 || true
}

# bench_memcg_dir <pid>: the cgroup v2 directory of a process (empty on cgroup v1).
bench_memcg_dir() {
  [[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" == cgroup2fs ]] || return 0
  local rel
  rel="$(sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null)"
  [[ -n "$rel" ]] && echo "/sys/fs/cgroup$rel"
}

# bench_memcg_stats <cgroup-dir>: "<memory.peak MiB or -> <oom_kill count>" of a cgroup v2 dir.
bench_memcg_stats() {
  local dir="$1" peak="-" ooms=0
  [[ -n "$dir" && -d "$dir" ]] || { echo "- 0"; return; }
  [[ -r "$dir/memory.peak" ]] && peak=$(( $(cat "$dir/memory.peak") / 1048576 ))
  ooms=$(awk '/^oom_kill /{print $2}' "$dir/memory.events" 2>/dev/null || echo 0)
  echo "$peak ${ooms:-0}"
}
