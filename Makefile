# The two commands first: `make demo` and `make test`. Both install what a fresh Debian machine
# lacks (scripts/deps.sh) before doing anything else.

CARGO ?= cargo
FUZZ_SECONDS ?= 60
# Pinning client and server to one core measures the client, not the scheduler (see bench/).
BENCH_ARGS ?= --pin

.PHONY: demo examples test lint doc bench bench-quick fuzz deps ci command-table

# A throwaway redis-server, then the examples against it: quickstart, threaded_server's
# self-test (200 requests), the CLI reading commands from stdin. Each exit status is checked.
demo: deps
	./scripts/demo.sh

# Every example compiles and the examples' own unit tests pass (`lint` denies their warnings).
examples:
	$(CARGO) build -p redisync --examples
	$(CARGO) test -p redisync --examples

test: deps
	$(CARGO) test -p redisync --all-features
	$(CARGO) test -p redisync --no-default-features --lib

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy -p redisync --all-targets --all-features -- -D warnings
	$(CARGO) clippy -p redisync --no-default-features --lib -- -D warnings

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p redisync --no-deps --all-features

# Side by side with the `redis` crate, in one process; prints ratios. Run on a quiet machine.
bench: deps
	$(CARGO) run --release -p redisync-bench -- $(BENCH_ARGS)

bench-quick: deps
	$(CARGO) run --release -p redisync-bench -- --quick $(BENCH_ARGS)

fuzz:
	./scripts/fuzz.sh $(FUZZ_SECONDS)

deps:
	./scripts/deps.sh

# Regenerates src/commands/table/data.rs from live Redis 6.2, Redis 7.0 and Valkey 9, started on
# free loopback ports (binaries: REDIS62_BIN, REDIS70_BIN, VALKEY9_BIN; defaults in the script).
command-table:
	python3 scripts/command-table/generate.py

ci: lint examples test demo doc
