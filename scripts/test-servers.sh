#!/usr/bin/env bash
# `make test-servers`: every test that does not need TLS, once against Redis 6.2 and once against
# Valkey 9.x (installed by scripts/servers.sh), through REDIS_SERVER_BIN. Those builds have no TLS,
# so the tls test binary is left out (every other tests/*.rs is listed, so a new test file is
# included without editing this) and so is every test whose name contains `tls`. `make test`
# still runs all of them against Debian's redis-server.
# Extra arguments go to cargo test before `--`, e.g. `scripts/test-servers.sh --test retry`.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}

bins=$(./scripts/servers.sh)
redis_bin=$(sed -n 1p <<<"$bins")
valkey_bin=$(sed -n 2p <<<"$bins")

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(--lib --examples)
  for file in tests/*.rs; do
    name=$(basename "$file" .rs)
    [ "$name" = tls ] || targets+=(--test "$name")
  done
fi

failed=()
# One run: $1 what it must be (checked by support_selftest), $2 the binary. A failure does not
# stop the other server's run: CI shows both.
run() {
  echo
  echo "== test-servers: $1: $($2 --version)"
  echo "   REDIS_SERVER_BIN=$2"
  REDIS_SERVER_BIN=$2 REDISYNC_EXPECT_SERVER=$1 \
    $CARGO test -p redisync --all-features --no-fail-fast "${targets[@]}" -- --skip tls ||
    failed+=("$1")
}

run "Redis 6.2" "$redis_bin"
run "Valkey 9" "$valkey_bin"

if [ ${#failed[@]} -gt 0 ]; then
  echo "test-servers: tests failed against: ${failed[*]}" >&2
  exit 1
fi
echo
echo "test-servers: all passed against Redis 6.2 and Valkey 9"
