#!/usr/bin/env bash
# Starts a throwaway redis-server on a free loopback port, runs the examples against it (the
# quick start, the threaded server's self-test, the CLI reading commands from stdin, the
# production checklist and the typed-command examples), checks each one's exit status, and
# stops the server whatever happens. Then a replica of it and a sentinel watching both, for
# the Sentinel example's failover. Last, a Redis Cluster of 3 primaries and 3 replicas for the
# cluster example.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
pid=""
extra_pids=()
cleanup() {
  for p in "${extra_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
# A loopback port nothing listens on, not picked before by this script. Below Linux's
# ephemeral range (32768 and up), where a port can be the local end of some other program's
# connection (a test suite that just ran leaves thousands): nothing listens there, yet it
# cannot be bound.
taken=""
free_port() {
  for _ in $(seq 1 50); do
    local p=$(( (RANDOM % 12000) + 20000 ))
    case " $taken " in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port found" >&2
  return 1
}
# The same for a cluster node, whose bus listens on port+10000 (fixed in Redis 6.2): both
# free, both below the ephemeral range.
cluster_port() {
  for _ in $(seq 1 50); do
    local p=$(( (RANDOM % 2700) + 20000 ))
    case " $taken " in *" $p "*|*" $((p + 10000)) "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null \
      && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 10000))") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  echo "no free cluster port pair found" >&2
  return 1
}
port=$(free_port)
taken="$port"
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
  --logfile "$dir/redis.log" --daemonize no &
pid=$!
for _ in $(seq 1 100); do
  if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ]; then break; fi
  sleep 0.1
done
[ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ] || { cat "$dir/redis.log"; exit 1; }
url="redis://127.0.0.1:$port"

# Build every example first, so the steps below time the examples, not the compiler.
cargo build --quiet --examples

# Runs one step; on failure names it and its exit status (set -e would stop silently).
step() {
  local name=$1
  shift
  echo
  echo "== $name"
  local status=0
  "$@" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "demo: $name failed with exit status $status" >&2
    exit "$status"
  fi
}

step "quickstart" cargo run --quiet --example quickstart -- "$url"
step "threaded_server: 200 requests against itself" \
  cargo run --quiet --example threaded_server -- --url "$url" --requests 200

cli_out="$dir/cli.out"
cli_demo() {
  printf 'SET demo 1\nINCR demo\nGET demo\nHGETALL nothing\n' \
    | cargo run --quiet --example cli -- --url "$url" | tee "$cli_out"
}
step "cli: commands from stdin" cli_demo
expected='OK
(integer) 2
"2"
(empty hash)'
if [ "$(cat "$cli_out")" != "$expected" ]; then
  echo "demo: cli printed something else than expected:" >&2
  diff <(echo "$expected") "$cli_out" >&2 || true
  exit 1
fi

# An error reply must make the CLI exit 1.
echo
echo "== cli: an error reply exits 1"
status=0
cargo run --quiet --example cli -- --url "$url" INCRBY demo notanumber || status=$?
if [ "$status" -ne 1 ]; then
  echo "demo: cli exited $status for an error reply, expected 1" >&2
  exit 1
fi

step "production checklist" \
  cargo run --quiet --example production -- "$url"
step "session_store: hashes with sliding expiry" \
  cargo run --quiet --example session_store -- "$url"
step "job_queue: producers, workers, a crash and its reaper" \
  cargo run --quiet --example job_queue -- "$url"
step "leaderboard: sorted sets" cargo run --quiet --example leaderboard -- "$url"
step "stream_worker: a consumer group, a crash and XAUTOCLAIM" \
  cargo run --quiet --example stream_worker -- "$url"
step "cache: client-side caching, an invalidation from another client, the stats" \
  cargo run --quiet --example cache -- "$url"
step "maintenance: a migration and a move, rehearsed through the simulator" \
  cargo run --quiet --features testing --example maintenance -- "$url"

# Sentinel: a replica of the demo server and one sentinel (quorum 1) watching it. The example
# fails the primary over to the replica, so it runs last.
replica_port=$(free_port)
taken="$taken $replica_port"
sentinel_port=$(free_port)
mkdir -p "$dir/replica" "$dir/sentinel"
redis-server --port "$replica_port" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$dir/replica" --logfile "$dir/replica/redis.log" --daemonize no \
  --replicaof 127.0.0.1 "$port" &
extra_pids+=($!)
# In sync before the sentinel first looks, so it lists the replica as linked at once.
for _ in $(seq 1 100); do
  if redis-cli -p "$replica_port" info replication 2>/dev/null | grep -q "master_link_status:up"; then break; fi
  sleep 0.1
done
printf '%s\n' "port $sentinel_port" "bind 127.0.0.1" "protected-mode no" "daemonize no" \
  "dir $dir/sentinel" "logfile $dir/sentinel/sentinel.log" \
  "sentinel monitor demo 127.0.0.1 $port 1" "sentinel down-after-milliseconds demo 1000" \
  "sentinel failover-timeout demo 5000" > "$dir/sentinel/sentinel.conf"
redis-server "$dir/sentinel/sentinel.conf" --sentinel &
extra_pids+=($!)
for _ in $(seq 1 100); do
  if [ "$(redis-cli -p "$sentinel_port" ping 2>/dev/null)" = "PONG" ]; then break; fi
  sleep 0.1
done
step "sentinel: discovery, replica reads, and a SENTINEL FAILOVER under writes" \
  cargo run --quiet --example sentinel -- demo "redis://127.0.0.1:$sentinel_port"

# Redis Cluster: 3 primaries and 3 replicas (node timeout 1 s), formed by redis-cli.
cluster_ports=()
cluster_seeds=()
for i in 1 2 3 4 5 6; do
  p=$(cluster_port)
  taken="$taken $p $((p + 10000))"
  cluster_ports+=("$p")
  cluster_seeds+=("redis://127.0.0.1:$p")
  mkdir -p "$dir/cluster-$p"
  redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$dir/cluster-$p" --logfile "$dir/cluster-$p/redis.log" --daemonize no \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 1000 \
    --repl-diskless-sync yes --repl-diskless-sync-delay 0 &
  extra_pids+=($!)
done
for p in "${cluster_ports[@]}"; do
  for _ in $(seq 1 100); do
    if [ "$(redis-cli -p "$p" ping 2>/dev/null)" = "PONG" ]; then break; fi
    sleep 0.05
  done
done
cluster_nodes=()
for p in "${cluster_ports[@]}"; do cluster_nodes+=("127.0.0.1:$p"); done
echo
echo "== forming a cluster on ${cluster_nodes[*]}"
redis-cli --cluster create "${cluster_nodes[@]}" --cluster-replicas 1 --cluster-yes \
  > "$dir/cluster-create.log" 2>&1 || { cat "$dir/cluster-create.log"; exit 1; }
# Every node agrees the cluster is up before the example asks any of them for the slot map.
cluster_ok() {
  for p in "${cluster_ports[@]}"; do
    redis-cli -p "$p" cluster info 2>/dev/null | grep -q "cluster_state:ok" || return 1
  done
}
for _ in $(seq 1 200); do
  if cluster_ok; then break; fi
  sleep 0.05
done
cluster_ok || { echo "demo: the cluster did not reach cluster_state:ok" >&2; exit 1; }
step "cluster: SET/GET over every primary, a split MGET, a hash-tagged transaction, a pipeline" \
  env REDIS_CLUSTER_SEEDS="$(IFS=,; echo "${cluster_seeds[*]}")" \
  cargo run --quiet --example cluster

echo
echo "demo: all examples ran against $url (and a cluster on ports ${cluster_ports[*]})"
