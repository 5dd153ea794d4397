#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests and the benchmarks need. Idempotent: a
# package that is already installed is not touched, and apt is not called at all when nothing is
# missing. Run as root (CI and developer machines are root) or with sudo available.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache git
  # libraries (versions fixed by Debian 12: Boost 1.81, protobuf 3.21, gRPC 1.51, RocksDB 7.8)
  libboost1.81-dev libboost-context1.81-dev libboost-coroutine1.81-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  librocksdb-dev libzstd-dev zlib1g-dev libsnappy-dev liblz4-dev libbz2-dev
  nlohmann-json3-dev libyaml-cpp-dev catch2 libssl-dev libbenchmark-dev libre2-dev
  libjemalloc-dev
  # test peers (see spec/test-clients.md): Python grpcio/protobuf, curl, node for the OTel JS exporters
  python3-grpcio python3-protobuf curl zstd gzip nodejs npm
  # deployment-file checks (tests/deploy)
  python3-yaml
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# nodejs/npm may come from outside Debian (the image ships Node 20 from nodesource): accept any
# node >= 18 already on PATH instead of installing Debian's.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p")
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
