#!/usr/bin/env bash
# Fuzzes the RESP decoder with cargo-fuzz (libFuzzer) on the stable toolchain: `--sanitizer none`
# leaves out AddressSanitizer, the only part that needs nightly `-Z` flags (the crate forbids
# unsafe code, so the sanitizer has little to find; panics and the streaming/one-shot agreement
# are what the target checks). Usage: scripts/fuzz.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
toolchain=""
if command -v rustup >/dev/null 2>&1; then toolchain="+stable"; fi
cargo $toolchain fuzz run decode --sanitizer none -- -max_total_time="$seconds"
