#!/usr/bin/env bash
# Block cut throughput: starts <build>/tempo on free loopback ports with a temporary data dir
# (info log; traces idle after 2 s, checked every second, heads cut at 100 MiB or 15 s), loads
# the corpus over OTLP/gRPC as fast as acknowledged for LOAD_SECONDS, waits until no block has
# been written for 15 s, stops the server and prints every cut from the server log ("block
# written ... spans=N ... seconds=S": snapshot, decode and combine, encode, write, fsync, commit)
# and the spans per second of all cuts together. Cuts during the load share the 2 cores with it;
# those after it show the cut alone.
#
# Usage: bench/load/run_cut.sh [build-dir]
# Environment: LOAD_SECONDS=12  CORPUS_SPANS=2000000 SEED=1  TEMPO_BIN=<build>/tempo  KEEP=1
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
build="${1:-build-bench}"
server_bin="${TEMPO_BIN:-$build/tempo}"
load_seconds="${LOAD_SECONDS:-12}"
bench_require "$server_bin" "$build/bench/tempo_corpus" "$build/bench/tempo_load"
corpus="$(bench_corpus "$build" "${CORPUS_SPANS:-2000000}" "${SEED:-1}")"

work_dir="$(mktemp -d /tmp/tempo-cut.XXXXXX)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
  if [[ "${KEEP:-0}" != 1 ]]; then rm -rf "$work_dir"; else echo "kept $work_dir"; fi
}
trap cleanup EXIT

read -r http_port grpc_port otlp_grpc_port otlp_http_port <<<"$(bench_free_ports)"
bench_write_config "$work_dir/tempo.yaml" "$work_dir/data" "$http_port" "$grpc_port" \
  "$otlp_grpc_port" "$otlp_http_port" "ingester:
  trace_idle_period: 2s
  flush_check_period: 1s
  max_block_duration: 15s"
sed -i 's/log_level: warn/log_level: info/' "$work_dir/tempo.yaml"
bench_start_server "$server_bin" "$work_dir/tempo.yaml" "$work_dir/server.log"
server_pid=$BENCH_SERVER_PID
bench_wait_ready "$http_port" "$server_pid" 30 || { echo "run_cut.sh: server not ready" >&2; exit 1; }

"$build/bench/tempo_load" --corpus="$corpus" --protocol=grpc --target="127.0.0.1:$otlp_grpc_port" \
  --connections=4 --concurrency=32 --rate=0 --duration="$load_seconds" >"$work_dir/load.out" 2>&1
loaded_at=$SECONDS

# Done when no block was written for 15 s (at most 5 minutes).
last=-1
quiet_since=$SECONDS
while ((SECONDS - loaded_at < 300)); do
  sleep 1
  n=$(grep -c "block written" "$work_dir/server.log" || true)
  if [[ "$n" != "$last" ]]; then last=$n; quiet_since=$SECONDS; fi
  if ((n > 0 && SECONDS - quiet_since >= 15)); then break; fi
done
bench_stop_server "$server_pid" >/dev/null
server_pid=""

echo "cuts of $(grep -o 'spans_ok":[0-9]*' "$work_dir/load.out" | head -1 | cut -d: -f2) loaded spans" \
  "(${load_seconds} s of load), $server_bin:"
grep "block written" "$work_dir/server.log" |
  sed 's/.*spans=\([0-9]*\).*seconds=\([0-9.]*\).*/\1 \2/' |
  awk '{ s += $1; t += $2; printf "  %8d spans in %6.2f s = %7.0f spans/s\n", $1, $2, $1 / $2 }
       END { if (t > 0) printf "total %d spans in %.1f s of cuts = %.0f spans/s\n", s, t, s / t }'
