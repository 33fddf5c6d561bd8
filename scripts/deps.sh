#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh Debian machine, only when it is missing:
# redis-server and redis-cli (tests start real servers; `redis-cli --cluster create` forms the
# clusters of tests/support/cluster.rs on every server of the matrix), openssl (TLS certificates
# are made at test time), pkg-config and libssl-dev (native-tls links OpenSSL), valgrind
# (callgrind counts instructions for `make bench-instructions`), redis-benchmark (from
# redis-tools; `make bench`).
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ command -v redis-cli && command -v redis-benchmark; } >/dev/null 2>&1 || missing+=(redis-tools)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
# Debian starts a system redis on 6379 after install; the tests never use it.
