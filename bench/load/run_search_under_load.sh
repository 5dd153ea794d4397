#!/usr/bin/env bash
# Searches over recent data while the server ingests: runs run_ingest.sh (OTLP/gRPC only) at a
# fixed RATE and, from WARMUP seconds after the server answers, times ROUNDS rounds (PERIOD
# seconds apart) of `GET /api/search` over the last WINDOW seconds for each query, then prints
# every query's times (curl time_total, ms), its median and the traces of the last answer, and
# the ingest summary line.
#
# Usage: bench/load/run_search_under_load.sh [build-dir]
# Environment:
#   RATE=20000 DURATION=100       the load (spans/s offered, seconds)
#   WARMUP=40 ROUNDS=8 PERIOD=5   when and how often the searches run
#   WINDOW=300 LIMIT=20           the search window (seconds back from now) and limit
#   TEMPO_BIN, EXTRA_YAML         as for run_ingest.sh, e.g. EXTRA_YAML="ingester:
#                                 {compress_live_traces: false}" to compare without packing
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build-bench}"
rate="${RATE:-20000}"
duration="${DURATION:-100}"
warmup="${WARMUP:-40}"
rounds="${ROUNDS:-8}"
period="${PERIOD:-5}"
window="${WINDOW:-300}"
limit="${LIMIT:-20}"
queries=('{ status = error }' '{ resource.service.name = "payment" && duration > 100ms }')

out="$(mktemp -d /tmp/tempo-search-load.XXXXXX)"
trap 'rm -rf "$out"' EXIT
before="$(ls -d /tmp/tempo-ingest.* 2>/dev/null || true)"
RATE="$rate" DURATION="$duration" PROTOCOLS=grpc "$here/run_ingest.sh" "$build" \
  > "$out/ingest.txt" 2>&1 &
ingest_pid=$!

# The server's work dir is the run's new /tmp/tempo-ingest.* (run_ingest.sh makes one per run).
cfg=""
for _ in $(seq 1 600); do
  for d in /tmp/tempo-ingest.*; do
    [[ -f "$d/tempo.yaml" ]] || continue
    grep -qxF "$d" <<<"$before" && continue
    cfg="$d/tempo.yaml"
  done
  [[ -n "$cfg" ]] && break
  kill -0 "$ingest_pid" 2>/dev/null || { cat "$out/ingest.txt"; exit 1; }
  sleep 0.5
done
[[ -n "$cfg" ]] || { echo "no server work dir appeared" >&2; exit 1; }
port="$(awk '/http_listen_port/ {print $2; exit}' "$cfg")"
until curl -sf "127.0.0.1:$port/ready" >/dev/null; do
  kill -0 "$ingest_pid" 2>/dev/null || { cat "$out/ingest.txt"; exit 1; }
  sleep 0.5
done
sleep "$warmup"

for ((r = 1; r <= rounds; r++)); do
  now="$(date +%s)"
  for q in "${!queries[@]}"; do
    t="$(curl -s -o "$out/answer.json" -w '%{time_total}' -G "127.0.0.1:$port/api/search" \
      --data-urlencode "q=${queries[$q]}" --data-urlencode "start=$((now - window))" \
      --data-urlencode "end=$now" --data-urlencode "limit=$limit" || echo fail)"
    n="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("traces", [])))' \
      "$out/answer.json" 2>/dev/null || echo "?")"
    echo "$q $t $n" >> "$out/times.txt"  # query index, seconds, traces
  done
  sleep "$period"
done
wait "$ingest_pid"

for q in "${!queries[@]}"; do
  python3 - "$out/times.txt" "$q" "${queries[$q]}" <<'EOF'
import statistics, sys
path, index, text = sys.argv[1], sys.argv[2], sys.argv[3]
mine = [l.split() for l in open(path) if l.split()[0] == index]
ms = sorted(float(r[1]) * 1000 for r in mine if r[1] != "fail")
fails = len(mine) - len(ms)
print(f"{text}: median {statistics.median(ms):.0f} ms; " + " ".join(f"{v:.0f}" for v in ms) +
      f"; traces in the last answer {mine[-1][2]}" + (f"; {fails} failed" if fails else ""))
EOF
done
grep -a "^grpc sync=true  \|decode reference\|other processes" "$out/ingest.txt" | head -3
