#!/usr/bin/env bash
# Installs what the integration tests need; safe to run again (does nothing when up to date).
#   - Debian packages: python3-grpcio, python3-protobuf, protobuf-compiler, zstd, curl,
#     ruby-jaeger-client, python3-py-zipkin
#     (installed with apt-get only when missing and we are root; otherwise listed).
#   - npm clients pinned in package-lock.json (npm ci, skipped when node_modules matches).
#   - the python protobuf module generated from proto/tempo_it.proto.
# Env: TEMPO_IT_GEN_DIR=<dir> puts the generated module there (ctest uses <build>/tests/integration/gen).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# --- Debian packages -------------------------------------------------------------
need=()
/usr/bin/python3 -c 'import grpc' 2>/dev/null || need+=(python3-grpcio)
/usr/bin/python3 -c 'import google.protobuf' 2>/dev/null || need+=(python3-protobuf)
command -v protoc >/dev/null || need+=(protobuf-compiler)
command -v zstd >/dev/null || need+=(zstd)
command -v curl >/dev/null || need+=(curl)
# Jaeger/Zipkin clients (cases_jaeger.py, cases_zipkin.py): Ruby jaeger-client (thrift compact over UDP)
# and py_zipkin (Zipkin v2 JSON, v1 JSON, v1 thrift).
ruby -e 'require "jaeger/client"' 2>/dev/null || need+=(ruby-jaeger-client)
/usr/bin/python3 -c 'import py_zipkin' 2>/dev/null || need+=(python3-py-zipkin)
if ((${#need[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup.sh: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  else
    echo "setup.sh: missing Debian packages: ${need[*]} (install them as root)" >&2
    exit 1
  fi
fi

# --- npm clients -------------------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup.sh: node/npm not found (Node.js >= 20 is required for the OTel JS clients)" >&2
  exit 1
fi
stamp="$here/node_modules/.tempo-it-lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "setup.sh: node_modules up to date"
else
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi

# --- generated protobuf module --------------------------------------------------------
gen_dir="$(/usr/bin/python3 "$here/gen.py")"
echo "setup.sh: protobuf module in $gen_dir"
