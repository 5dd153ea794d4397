#!/usr/bin/env bash
# Prints, one per line, the Debian packages that provide the shared libraries a binary loads
# (everything `ldd` resolves). docker/Dockerfile runs it in the build stage so that the runtime
# stage installs exactly these and nothing of the toolchain.
# Usage: docker/runtime-packages.sh <binary>
set -euo pipefail

if [ "$#" -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 <executable>" >&2
  exit 2
fi

# ldd lines look like "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)" or
# "/lib64/ld-linux-x86-64.so.2 (0x...)"; a "not found" library is an error.
if ldd "$1" | grep -q 'not found'; then
  ldd "$1" | grep 'not found' >&2
  exit 1
fi
libraries=$(ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')

# dpkg records a file under the path its package ships, which with merged /usr may be the /lib or
# the /usr/lib spelling: ask for every spelling of every library in one dpkg-query call (each call
# reads the whole file database), then require one answer per library.
candidates=()
for lib in $libraries; do
  real=$(readlink -f "$lib")
  candidates+=("$lib" "$real" "/usr$lib" "/usr$real" "${lib#/usr}" "${real#/usr}")
done
owners=$(dpkg-query -S "${candidates[@]}" 2>/dev/null | grep -v '^diversion' || true)

packages=()
for lib in $libraries; do
  real=$(readlink -f "$lib")
  found=""
  for candidate in "$lib" "$real" "/usr$lib" "/usr$real" "${lib#/usr}" "${real#/usr}"; do
    found=$(awk -v path="$candidate" -F': ' '$2 == path && !done { print $1; done = 1 }' \
              <<<"$owners")
    [ -n "$found" ] && break
  done
  if [ -z "$found" ]; then
    echo "runtime-packages: no Debian package owns $lib" >&2
    exit 1
  fi
  packages+=("${found%%:*}")
done
printf '%s\n' "${packages[@]}" | sort -u
