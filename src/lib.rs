//! # redisync
//!
//! A blocking, synchronous Redis client for programs that do not want an async runtime: CLI
//! tools and threaded servers that call `conn.set(k, v)?` directly. Every blocking step has a
//! deadline, every failure is a typed [`Error`], and a connection that hit an error in the middle
//! of an exchange is never used again, so a late reply can never reach the wrong caller.
//!
//! ## Quick start
//!
//! ```no_run
//! use redisync::{Client, ErrorKind};
//! use redisync::prelude::*;
//!
//! let client = Client::open("redis://127.0.0.1:6379/0")?;   // cheap to clone, Send + Sync
//! client.set("greeting", "hello")?;                          // returns ()
//! let v: Option<String> = client.get("greeting")?;           // your type, None when missing
//! let hits: i64 = client.incr("hits")?;                      // the type Redis fixes
//! match client.incr("greeting") {
//!     Err(e) if e.kind() == ErrorKind::Response => println!("not a number: {e}"),
//!     other => println!("{other:?}"),
//! }
//! // Several commands, one round trip, reply types inferred from the commands:
//! let ((), n) = redisync::pipe().set("a", 1).incr("a").query(&client)?;
//! # Ok::<(), redisync::Error>(())
//! ```
//!
//! Any command, typed or not, goes through [`cmd`]:
//!
//! ```no_run
//! # let client = redisync::Client::open("redis://127.0.0.1")?;
//! let n: i64 = redisync::cmd("HINCRBY").arg("h").arg("f").arg(2).query(&client)?;
//! # Ok::<(), redisync::Error>(())
//! ```
//!
//! A [`Client`] shares a pool of connections between threads; a single [`Connection`] is there
//! for programs that want exactly one socket.
//!
//! ## Commands
//!
//! Every command of the Redis 7 and Valkey 9 data groups has a typed method, one trait per
//! group of the Redis documentation, all written over one core ([`Commands`]);
//! `use redisync::prelude::*;` brings them all into scope.
//! Each works on a [`Client`], a [`Connection`], a pooled connection and a pipeline, returns
//! the type Redis fixes for the command (the same type on RESP2 and RESP3), takes a
//! [`Duration`](std::time::Duration) wherever Redis takes a time, and refuses conflicting
//! options with [`ErrorKind::InvalidInput`] before anything is sent.
//!
//! | trait | commands | reply and option types |
//! |---|---|---|
//! | [`StringCommands`] | `GET`, `SET` (every option), `INCR`, `INCRBY`, `MGET`, `MSET`, ... `APPEND`, `GETEX`, `LCS`, `SETRANGE` | [`SetOptions`], [`GetExpiry`], [`LcsMatches`] |
//! | [`BitmapCommands`] | `SETBIT`, `GETBIT`, `BITCOUNT`, `BITPOS`, `BITOP`, `BITFIELD(_RO)` | [`BitField`], [`BitRange`], [`BitOp`] |
//! | [`HyperLogLogCommands`] | `PFADD`, `PFCOUNT`, `PFMERGE` | |
//! | [`KeyCommands`] | `DEL`, `EXISTS`, `EXPIRE*`, `TTL`, `COPY`, `DUMP`/`RESTORE`, `PERSIST`, `RENAME*`, `SORT`, `TYPE`, `OBJECT *`, `MIGRATE`, `WAIT`, `WAITAOF`, ... | [`Ttl`], [`KeyType`], [`ExpireTime`], [`ExpireConditions`], [`SortOptions`] |
//! | [`HashCommands`] | `HSET` ... `HRANDFIELD`, field expiry (`HEXPIRE`, `HTTL`, `HPERSIST`, `HGETEX`, `HSETEX`, where the server has them) | [`FieldExpiry`], [`HSetExOptions`] |
//! | [`ListCommands`] | `LPUSH` ... `LMPOP`, the blocking pops | [`Side`], [`LposOptions`] |
//! | [`SetCommands`] | `SADD` ... `SMISMEMBER`, `SINTERCARD` | |
//! | [`SortedSetCommands`] | `ZADD` ... `ZUNIONSTORE`, `ZRANGE` in all its forms, `BZPOPMIN`/`BZMPOP` | [`ZRange`], [`ScoreBound`], [`ZAddOptions`] |
//! | [`GeoCommands`] | `GEOADD`, `GEODIST`, `GEOSEARCH(STORE)`, `GEORADIUS*`, ... | [`GeoMember`], [`GeoSearch`], [`GeoUnit`] |
//! | [`StreamCommands`] | `XADD` ... `XTRIM`, consumer groups, `XPENDING`, `XCLAIM`, `XAUTOCLAIM`, `XINFO` | [`StreamEntry`], [`StreamBatch`], [`PendingSummary`], [`AutoClaim`], [`StreamInfo`] |
//! | [`ScriptingCommands`] | `EVAL*`, `SCRIPT *`, `FUNCTION *`, `FCALL(_RO)` ([`Script`] adds EVALSHA with a NOSCRIPT reload) | [`FunctionInfo`], [`FunctionStats`] |
//! | [`PubSubCommands`] | `PUBLISH`, `SPUBLISH`, `PUBSUB *` (subscribing is [`pubsub::Subscriber`]'s) | |
//! | [`TransactionCommands`] | `WATCH`, `UNWATCH` (`MULTI`/`EXEC` are [`Pipeline::atomic`] and [`transaction`]) | |
//! | [`ConnectionCommands`] | `PING`, `ECHO`, `AUTH`, `HELLO`, `SELECT`, the `CLIENT` subcommands applications use | [`Hello`], [`ClientInfo`], [`ClientKillOptions`] |
//! | [`ServerCommands`] | `INFO`, `DBSIZE`, `FLUSHDB`, `FLUSHALL`, `TIME`, `CONFIG GET/SET`, `MEMORY USAGE`, `SLOWLOG`, `LASTSAVE`, `ROLE`, `SWAPDB` | [`Info`] (sections parsed), [`SlowlogEntry`], [`Role`] |
//! | [`ClusterCommands`] | `CLUSTER SLOTS/SHARDS/NODES/INFO/KEYSLOT/MYID/...` | [`SlotRange`], [`Shard`], [`ClusterNode`], [`ClusterInfo`] |
//!
//! The `SCAN` family is the [`scan`], [`hscan`], [`sscan`] and [`zscan`] iterators. Admin and
//! debug commands (`DEBUG`, `SHUTDOWN`, `ACL SETUSER`, `CLUSTER ADDSLOTS`, the `HELP`
//! subcommands, ...) have no method: [`commands::excluded`] lists each with the reason, and
//! [`cmd`] sends them. [`commands::methods`] lists every method with the command it sends.
//!
//! ```no_run
//! use std::time::Duration;
//! use redisync::prelude::*;
//! use redisync::{Ttl, ZRange};
//!
//! let client = Client::open("redis://127.0.0.1")?;
//! let added: u64 = client.zadd("board", [(120.0, "ann"), (140.0, "bob")])?;
//! let top: Vec<(String, f64)> = client.zrange_withscores("board", ZRange::by_rank(0, 2).rev())?;
//! let rank: Option<u64> = client.zrevrank("board", "ann")?; // None for a missing member
//! let set: bool = client.expire("board", Duration::from_secs(60))?;
//! match client.ttl("board")? {
//!     Ttl::Expires(left) => println!("{left:?} left"),
//!     Ttl::Persistent => println!("no expiry"),
//!     Ttl::Missing => println!("no such key"),
//! }
//! // The same methods queue on a pipeline, which infers the reply types:
//! let (n, members): (u64, Vec<String>) =
//!     redisync::pipe().zcard("board").zrange("board", ZRange::by_rank(0, -1)).query(&client)?;
//! # Ok::<(), redisync::Error>(())
//! ```
//!
//! ## Coming from the `redis` crate
//!
//! | `redis` crate | redisync |
//! |---|---|
//! | `let v: i64 = con.incr("k", 1)?` | `client.incr("k")?` / `client.incr_by("k", 5)?`: `i64`, fixed by Redis |
//! | `let n: usize = con.del("k")?` (any type you name) | `client.del("k")?`: `u64`; a type parameter only for your payloads (`get::<T>`) |
//! | `let t: i64 = con.ttl("k")?` (-2, -1 or seconds) | `client.ttl("k")?`: [`Ttl::Missing`], [`Ttl::Persistent`] or [`Ttl::Expires`] |
//! | `con.expire("k", 60)` (seconds as an integer) | `client.expire("k", Duration::from_secs(60))?` |
//! | `con.set_options("k", v, SetOptions::default().with_expiration(SetExpiry::EX(60)))` | `client.set_options("k", v, SetOptions::new().ex(d))?`; NX with XX refused before sending |
//! | `redis::cmd("XREADGROUP")...` with a hand-written `FromRedisValue` | `client.xreadgroup(group, consumer, key, ">", XReadOptions::new())?`: `Vec<StreamBatch<V>>` |
//! | `con.zrange_withscores(k, 0, -1)` (RESP2 and RESP3 shapes differ) | `client.zrange_withscores(k, ZRange::by_rank(0, -1))?`: `Vec<(T, f64)>` on both |
//! | `redis::pipe().cmd("GET").arg("k").query::<(Option<String>,)>(&mut con)` | `redisync::pipe().get::<String>("k").query(&client)?` |
//! | `con.get_connection()` per thread, `r2d2` for a pool | one [`Client`] shared by reference: the pool is inside |
//! | no retries on a standalone sync connection | [`Retry`] with backoff; never re-sends a write whose reply was lost |
//!
//! ## Architecture
//!
//! Dependencies point one way, down this list; a module uses only the ones above it.
//!
//! - [`error`]: [`Error`], [`ErrorKind`], server error codes, redirects, timeout phases.
//! - `deadline`: [`Deadline`], the one saturating bound every wait is measured against
//!   ([`Duration::MAX`](std::time::Duration::MAX) means no limit).
//! - [`resp`]: [`Value`] and the RESP2/RESP3 decoder and encoder; pure, no sockets, bounded by
//!   [`resp::Limits`].
//!   [`resp::decode_ref`] reads a reply as a [`resp::ValueRef`] borrowed from the bytes, with the
//!   same checks and limits and no allocation, for code that parses large replies itself.
//! - [`commands::table`]: the command table, generated from the servers we support (Redis
//!   6.2, 7.0, Valkey 9): every command's flags, key specifications, and our own columns (safe
//!   to repeat? blocking, and where its wait is? what it does to the session? cacheable?). Every
//!   request carries its entry; retry, the pool's reset, blocking deadlines and health checks
//!   read only the table.
//! - `connection`: one socket (TCP through socket2, Unix, TLS through native-tls) whose every
//!   system call is bounded by a deadline; the handshake; the **one write path** every command
//!   byte goes through ([`Connection`], [`ConnectionConfig`]).
//! - [`pool`]: a `parking_lot` mutex-and-condvar pool: probe on checkout (push frames waiting
//!   on an idle connection go to the pool's push handler), reset or discard on return,
//!   connect hooks, a generation to retire every connection at once, a reaper thread
//!   ([`PoolConfig`], [`PoolState`]).
//! - [`retry`]: [`Retry`] (which failures are retried, how often, never re-sending what may
//!   already have run), the [`Backoff`] trait with redis-py's seven backoffs, and the retry
//!   loop, which can also send the next attempt elsewhere (for redirects).
//! - [`commands`]: [`Cmd`], [`ToArg`]/[`ToArgs`] (written through an [`ArgWriter`] that counts
//!   whole arguments), [`FromValue`], the typed [`Commands`] core and one trait per command
//!   group over it, pipelines ([`pipe`], [`Pipeline`]), [`transaction`], [`Script`], and the
//!   [`scan`] iterators.
//! - [`pubsub`]: [`pubsub::Subscriber`], a connection of its own for pub/sub that reconnects and
//!   resubscribes.
//! - `client`: [`Client`] and [`ClientBuilder`], composing the pool, the retry policy, health
//!   checks (an idle connection is PINGed before use) and the commands.
//!
//! - `cache`: the client-side cache ([`CacheConfig`], [`CacheStats`]): a sharded store, the
//!   invalidation listener, and the connection-init hook that turns tracking on.
//! - [`sentinel`]: a [`Client`] whose pool opens every connection where the sentinels say
//!   (lookup, `ROLE` check, event listeners), through the pool's redirect seam.
//!
//! Cluster support and maintenance notifications build on these next.
//!
//! ## Timeouts
//!
//! Each timeout has one definition, here and in the code:
//!
//! | timeout | default | bounds |
//! |---|---|---|
//! | `connect_timeout` | 10 s | opening one connection: name resolution, TCP connect over every address, the TLS handshake, `HELLO`/`AUTH`/`SELECT`/client name and the [`on_connect`](ClientBuilder::on_connect) hooks, together |
//! | `write_timeout` | 10 s | sending one command or one whole pipeline, from its first byte |
//! | `read_timeout` | 10 s | receiving every reply of one command or pipeline, counted from when it was sent; a blocking command (`BLPOP k 30`, `XREAD BLOCK`, `WAIT`) adds its own wait (zero: no limit) |
//! | `pool_timeout` | 10 s | waiting for a free pooled connection |
//! | [`Retry::deadline`] | none | one whole call through a [`Client`]: pool wait, connect, every attempt, every reply and every backoff pause, cutting the attempt in flight (a blocking command's wait is added) |
//! | [`Client::with_timeout`] | none | one whole call, as above, with no allowance for blocking waits; within it a reply may take as long as is left |
//!
//! The bounds hold for every system call, including the reads TLS makes inside one record: a
//! server that trickles a byte at a time cannot stretch a read past its deadline. Every
//! timeout takes [`Duration::MAX`](std::time::Duration::MAX) for "no limit" and refuses zero
//! with [`ErrorKind::InvalidInput`].
//!
//! **The worst case** of a call through a [`Client`] with no call deadline is
//! `pool_timeout + (retries + 1) × (connect_timeout + write_timeout + read_timeout + blocking
//! wait) + the backoff pauses`; with one, it is the deadline (plus scheduling delay).
//!
//! A timeout is [`ErrorKind::Timeout`] and names its [`TimeoutPhase`]. It breaks the connection:
//! the reply may still arrive, and must not be read as the answer to the next command.
//!
//! ## Retries and health checks
//!
//! A [`Client`] retries connection errors and timeouts three times by default, with
//! exponential backoff and jitter, but never re-sends a command that may already have run on
//! the server unless the command table says repeating it is harmless (it changes nothing) or
//! the caller opted in; see [`Retry`] for the exact rule, pipelines and scripts included. With
//! `health_check_interval` set, a connection idle longer than that is PINGed before it carries
//! the next command (pipelines count as use; a PING answered by any reply, even `LOADING`,
//! keeps the connection).
//!
//! ## Client-side caching
//!
//! [`ClientBuilder::cache`] keeps the replies of read-only commands in the client, answered
//! without a round trip and invalidated by the server when their keys change (`CLIENT
//! TRACKING`). Redis 6.0 or later, or Valkey; the data connections may speak RESP2 or RESP3.
//!
//! ```no_run
//! use redisync::prelude::*;
//! use redisync::CacheConfig;
//!
//! let client = Client::builder()
//!     .url("redis://127.0.0.1")
//!     .cache(CacheConfig::new().max_entries(50_000))
//!     .build()?;
//! let price: Option<String> = client.hget("product:1", "price")?; // a round trip
//! let again: Option<String> = client.hget("product:1", "price")?; // from the cache
//! let fresh: Option<String> = client.without_cache().hget("product:1", "price")?;
//! println!("{:?}", client.cache_stats());
//! # Ok::<(), redisync::Error>(())
//! ```
//!
//! - **What is cached**: the replies (nil included, errors never) of the commands the
//!   [command table](commands::table) marks cacheable: read-only data commands whose reply
//!   depends only on their keys' contents. Never `XREAD`, `XPENDING`, `TTL`, `OBJECT`,
//!   `SCAN`, `SORT`, blocking or random commands, scripts, or anything in a pipeline or
//!   transaction. [`CacheConfig::only`] and [`CacheConfig::except`] narrow the list.
//! - **The staleness guarantee**: an invalidation is applied as soon as it reaches the
//!   client, whether or not the process is making calls: one listener connection per client,
//!   subscribed to the server's invalidations, is read by a background thread
//!   (`redisync-cache-listener`). This client's own writes drop their keys before they are
//!   sent and again when their replies arrive, so a thread always reads its own writes. If
//!   the listener's connection closes, everything is flushed and nothing is cached until a
//!   new listener is up (and every pooled connection is replaced, since their tracking
//!   pointed at the old one); if it goes silent, its heartbeat `PING` notices within twice
//!   [`CacheConfig::heartbeat`] (default 1 s) and the same happens. A pooled connection
//!   that closes takes the entries it fetched with it.
//! - **Races**: a read in flight registers its keys before it is sent, and its reply is
//!   kept only if no invalidation of those keys, no flush and no close of its connection came
//!   meanwhile; the invalidation and the reply travel on different connections, and this
//!   rule makes their order irrelevant.
//! - **Modes** ([`CacheMode`]): the server tracks every key a connection reads (default),
//!   only the cache's own reads (`OptIn`: `CLIENT CACHING YES` sent with each), or every key
//!   under a set of prefixes (`Broadcast`). [`CacheConfig::ttl`] bounds an entry's life, and
//!   then each read also asks for its keys' `PTTL` in the same transaction, so an entry never
//!   outlives its key.
//! - **Bounds**: entries and bytes ([`CacheConfig::max_entries`], default 10,000;
//!   [`CacheConfig::max_bytes`], default 64 MiB), in shards so that hits from many threads
//!   do not contend (each shard's lock lets readers on different cores touch no shared
//!   word); eviction by CLOCK (second chance), so a hit never takes a write lock.
//! - **Refused while caching**: `SELECT`, `AUTH`, `HELLO`, `RESET`, `CLIENT TRACKING` on the
//!   client's connections ([`ErrorKind::InvalidInput`]): each would change what the cached
//!   replies mean.
//! - **Closed connections**: the server forgets what it tracked for a connection it closes
//!   (its `timeout` setting, `CLIENT KILL`), so the entries that connection fetched are
//!   evicted when the close is seen: at once for a busy connection, within
//!   [`CacheConfig::idle_check`] (50 ms) for an idle one. [`Client::retire_connections`]
//!   flushes the cache and reconnects the listener too (the address may now mean another
//!   server).
//! - **Limits**: without [`CacheConfig::ttl`] an entry ends at its key's expiry only when the
//!   server reports the key gone, which it does when it deletes it (on access, or when its
//!   active expiry cycle reaches it: with many volatile keys that can take seconds); set a
//!   TTL to bound entries by their keys' `PTTL`. A `SWAPDB` run by another client is not
//!   reported by Redis 6.2 or 7.0. Memory: the byte budget counts entries (the formula in
//!   [`CacheStats::bytes`]); the key bookkeeping of multi-key entries (about 200 bytes per
//!   key) and each thread's request buffer (up to 64 KiB) come on top. During a `MOVING`
//!   maintenance the listener stays on the configured address: when the old endpoint closes
//!   it reconnects there, and nothing is cached until it is back.
//!
//! ## Maintenance notifications (smart client handoffs)
//!
//! Redis Cloud and Redis Software (8.0.2 and later) push a notice over RESP3 before a shard
//! migrates, fails over or its endpoint moves. By default ([`MaintenanceMode::Auto`]) every
//! RESP3 connection asks for them (`CLIENT MAINT_NOTIFICATIONS ON`, in the connect hook) and
//! carries on without them where the server does not know the command (plain Redis, Valkey);
//! [`ClientBuilder::maintenance`] changes that.
//!
//! - `MIGRATING` / `FAILING_OVER`: the connection that got the notice relaxes its timeouts
//!   (to [`MaintenanceConfig::relaxed_timeout`], 10 s by default, or the configured ones if
//!   longer; a blocking command's reply gets
//!   [`MaintenanceConfig::relaxed_blocking_timeout`] beyond its wait), a read already in
//!   flight included, until `MIGRATED` / `FAILED_OVER` or the backstop (60 s).
//! - `MOVING`: acted on once per notice for the whole pool. New connections go to the
//!   announced endpoint until the notice runs out; every connection to the old endpoint is
//!   closed instead of reused (idle ones at the next pass, busy ones after their current
//!   command), so no command fails when the old endpoint goes away. A notice without an
//!   endpoint reconnects to the same address after half of it. An older or repeated notice
//!   changes nothing.
//! - **Idle connections**: once a server agreed to send notices, the pool reads its idle
//!   connections every [`MaintenanceConfig::idle_check`] (50 ms; measured: a notice on an
//!   idle connection acted on within 39 ms at p99), on the reaper thread.
//! - **Not covered**: a [`pubsub::Subscriber`]'s connection (it is its own, outside the pool),
//!   and a connection taken with [`Client::get_connection`] until it is returned (its notices
//!   are applied when it next reads).
//! - [`Client::maintenance_stats`] counts notices, relaxed connections and moves; INFO log
//!   lines mark each notice. `testing::MaintenanceSimulator` (feature `testing`) plays the
//!   notices in front of a real server, for testing a service before a real maintenance.
//!
//! ## Reading replies without allocating
//!
//! `get::<Vec<u8>>` allocates the vector it returns, and any reply read as a [`Value`] is a
//! tree of allocations. Where that shows (a hot loop of reads, a large reply walked once),
//! the borrowed-reply path hands the reply over as bytes of the connection's read buffer:
//!
//! - [`Connection::get_into`] and [`Client::get_into`]: `GET` into a buffer the caller keeps;
//!   once it has grown to the values' size, a read allocates nothing (one copy, from the read
//!   buffer into it).
//! - [`Connection::get_with`] and [`Connection::query_with`]: a closure over the value (or
//!   any command's string reply) borrowed in place, for parsing it without a copy.
//! - [`Connection::query_ref`]: any reply as a [`resp::ValueRef`], whose strings are slices
//!   of the read buffer and whose arrays and maps are iterators decoding as they go: walk an
//!   `HGETALL` or `LRANGE` without building a `Value`. [`resp::decode_ref`] is the same decoder
//!   for bytes you hold yourself (it checks a whole reply once, with the owned decoder's
//!   limits and errors, and allocates nothing).
//!
//! A reply that has not arrived whole in the read buffer (longer than it, or behind a push
//! frame) is read the usual way and handed over from a copy, so the result is the same either
//! way; only the allocations differ. On a caching client, [`Client::get_into`] is served by
//! the cache and copies from the cached value. Measured with `make bench-instructions`-style
//! callgrind runs: a `get_into` of 16 bytes takes about 750 instructions and 0 allocations,
//! `get` about 1,000 and 1.
//!
//! Large values go the other way too: an argument of 16 KiB or more (a `SET` of a big value,
//! say) is written to the socket from where it is, in one vectored write with the command's
//! header, not copied into the write buffer; and the rest of a large bulk reply is read from
//! the socket straight into the vector handed to the caller.
//!
//! ## Multiplexed mode
//!
//! Off by default. With [`ClientBuilder::multiplex`]`(n)` the commands of every thread calling
//! one client share `n` connections of its pool: each shared connection has a thread that
//! writes everything queued on it since its last write as one frame, through the same write
//! path as any other command, and hands each reply back to its caller in order as soon as it is
//! read. Under dozens of threads of small commands that is one system call and one server
//! wake-up per frame instead of per command: the bench's `mux` scenario, at 64 threads of
//! GET 16 B on a loaded 2-core machine, measured 1.6x to 2.0x the ops/s of the pool and of the
//! `redis` crate (each with a connection per thread) in full runs, the server's CPU per call a
//! fifth of theirs; with 8 threads the pool is faster (the README has the figures).
//!
//! - **What shares**: commands that leave the session as they found it and do not block, and
//!   plain pipelines of such commands (kept together and in order in the frame), up to 64 KiB
//!   encoded. Everything else takes a pooled connection of its own, as without the mode:
//!   blocking commands, `SELECT`/`WATCH`/`MULTI`/`CLIENT ...`/`HELLO`, atomic pipelines,
//!   [`Client::transaction`], [`Client::get_connection`], subscribers, a cache's misses.
//! - **Deadlines**: each caller waits until its own deadline only, then returns a timeout at
//!   once; its reply, if its command was written, is read later and dropped. A frame's replies
//!   are bounded by the configured read timeout.
//! - **Failures**: a broken shared connection fails every caller of its frame, each told
//!   whether its own command had left whole; the retry policy decides for each as on the pool
//!   (an `INCR` whose reply was lost is not sent again). A panic in the user's code on the
//!   shared connection's thread (a push handler, a connect hook) fails that frame's callers and
//!   replaces the connection; a caller that panics affects nobody else.
//! - **Upkeep**: health checks, retirement ([`Client::retire_connections`]), `max_lifetime`
//!   and maintenance moves replace a shared connection as they would a pooled one; an idle one
//!   is read for pushes every 250 ms. [`Client::multiplex_stats`] counts frames and commands.
//!
//! ## Sentinel
//!
//! [`ClientBuilder::sentinel`] makes a plain [`Client`] (every typed command, pipelines,
//! transactions, the pool, retries, health checks) whose connections go to the primary a set
//! of sentinels names for a service; [`Client::replica_client`] makes one for reads from the
//! replicas. The builder's URL and settings are the data nodes' (password, database, TLS,
//! timeouts); [`sentinel::SentinelConfig`] holds the sentinels' own credentials and TLS.
//!
//! ```no_run
//! use redisync::Client;
//! use redisync::prelude::*;
//! use redisync::sentinel::SentinelConfig;
//! let client = Client::builder()
//!     .sentinel(SentinelConfig::new(
//!         "mymaster",
//!         ["redis://10.0.0.1:26379", "redis://10.0.0.2:26379", "redis://10.0.0.3:26379"],
//!     ))
//!     .build()?;
//! client.set("greeting", "hello")?;
//! # Ok::<(), redisync::Error>(())
//! ```
//!
//! - **Every new connection** asks the sentinels in order (each within
//!   [`sentinel::SentinelConfig::timeout`], 300 ms; the first that answers goes to the front)
//!   and checks with `ROLE`, inside the connect timeout, that the address is the primary. A
//!   stale sentinel's answer is caught there: that sentinel goes to the back of the list and
//!   the lookup runs again. Answers with an older `config-epoch` than one already seen are
//!   skipped.
//! - **A switch** retires every pooled connection at once (idle ones closed now, busy ones
//!   after the command they carry) when a lookup names another primary, when a write is
//!   answered `READONLY` (a demoted primary; the write did not run and is retried on the new
//!   primary), or when a listener hears the sentinels. One listener thread per sentinel
//!   subscribes to `+switch-master`, `+promoted-slave`, `+failover-state-send-slaveof-noone`
//!   and `+sentinel`. When the sentinels tell the chosen replica to become primary, the
//!   listener polls that replica's `ROLE` and moves the client the moment it says `master`.
//!   From then on, every write the old primary takes is lost, and the sentinels announce the
//!   switch only a second or more later ([`sentinel::SentinelConfig::follow_promotion`]
//!   turns this off and follows the announcement only, as the Sentinel client spec
//!   describes). Events only speed a switch up. Lookups, `ROLE` and `READONLY` still work when
//!   an event is lost.
//! - **Errors**: [`ErrorKind::SentinelUnreachable`] (no sentinel answered) and
//!   [`ErrorKind::UnknownService`] (sentinels answered; none knows the name) come back after
//!   one pass over the list and are not retried by default; refused sentinel credentials are
//!   [`ErrorKind::Authentication`]. A primary that never verifies within the connect timeout
//!   is a connection error (kind [`ErrorKind::Connection`], retried as usual).
//! - **What a failover guarantees**: no reply reaches the wrong caller. Once the client has
//!   moved, no new command goes to the old primary (a command already in flight on it
//!   finishes there), and no connection is left on it. Measured on loopback under 8 threads
//!   of SET+GET: after `SENTINEL FAILOVER`, nothing acknowledged after the sentinels'
//!   announcement was lost, because the client had moved before it.
//! - **What asynchronous replication can still lose**: a write the old primary acknowledged
//!   but had not yet sent to the replica that gets promoted. This is gone whatever the client
//!   does. After `kill -9`, it is the replication backlog at the moment of the crash. After a
//!   planned failover, it is what the old primary took between the promotion and the
//!   client's move. `WAIT` after a write, or the server's `min-replicas-to-write`, narrows
//!   this window; it cannot close it.
//! - **Client-side caching** works on a Sentinel (primary) client: its invalidation listener
//!   is opened through the sentinels like every data connection, and a switch flushes the
//!   cache and moves the listener to the new primary before new connections (whose tracking
//!   redirects to it) open there. A [`Client::replica_client`] does not cache.
//! - **TLS**: the builder's [`ClientBuilder::tls`] (or a `rediss://` URL) applies to every
//!   primary and replica address the sentinels name, each verified against that address
//!   (the IP the sentinels announce must be in the node's certificate, or
//!   [`TlsConfig::server_name`] names one every node's certificate carries);
//!   [`sentinel::SentinelConfig::tls`] is the sentinels' own. Without it, a TLS-only data
//!   node fails the connection with [`ErrorKind::Connection`].
//! - **Not covered**: a [`Connection`] taken with [`Client::get_connection`] follows a switch
//!   only when it goes back to the pool (it is then closed); a [`pubsub::Subscriber`] from
//!   [`Client::subscriber`] connects to the primary of the moment and stays there.
//! - [`Client::sentinel_stats`] counts lookups, switches, events, `ROLE` refusals, stale
//!   answers and listeners; WARN log lines mark each switch.
//!
//! ## Redis Cluster
//!
//! [`cluster::ClusterClient`] talks to a Redis Cluster (or Valkey cluster): `Send + Sync`,
//! cheap to clone, with every typed command, pipelines, transactions and scripts. Each node
//! gets a pool of its own, made from one [`ClientBuilder`] of settings
//! ([`cluster::ClusterBuilder::node_settings`]: timeouts, health checks, pool limits,
//! credentials, TLS); credentials and TLS also come from the first seed URL.
//!
//! ```no_run
//! use redisync::cluster::ClusterClient;
//! use redisync::prelude::*;
//! let cluster = ClusterClient::open(&["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"])?;
//! cluster.set("{user:1}:name", "ada")?;
//! let (name, mail): (Option<String>, Option<String>) =
//!     redisync::pipe().get("{user:1}:name").get("{user:1}:mail").query(&cluster)?;
//! # Ok::<(), redisync::Error>(())
//! ```
//!
//! - **Routing**: a command goes to the primary of its keys' hash slot
//!   ([`cluster::slot`], CRC16 with `{hash tags}`), the keys found by the command table's key
//!   specifications, so `EVALSHA`, `XREAD` and the rest route by their real keys. Keyless
//!   commands go to a random primary, except those the table marks for every shard
//!   (`FLUSHALL`, `DBSIZE`, `KEYS`, `SCRIPT LOAD`, `PING`, ...), which go to all primaries, their
//!   replies combined as the table says (summed, concatenated, or all must succeed), and
//!   `PUBSUB SHARDCHANNELS` (each primary lists its own shard's channels: the lists are
//!   concatenated). `SPUBLISH` and `PUBSUB SHARDNUMSUB` route by their channels' slot. [`cluster::ClusterClient::client_for_key`] and
//!   [`cluster::ClusterClient::primaries`] give a node's own [`Client`] for per-node work
//!   (`SCAN` the whole cluster as one `SCAN` per primary; `SCAN` through the cluster client
//!   itself is refused with [`ErrorKind::InvalidInput`], since its cursor is one node's).
//! - **Multi-key commands**: `MGET`, `MSET`, `DEL`, `EXISTS`, `UNLINK` and `TOUCH` whose
//!   keys span slots are split into one command per slot, sent as one pipeline per node, and
//!   reassembled in order. They are then **not atomic**: another client may see some keys of
//!   an `MSET` set and others not yet. Any other command whose keys span slots is refused
//!   with [`ErrorKind::CrossSlot`] before anything is sent, as are transactions (atomic
//!   pipelines and [`cluster::ClusterClient::transaction`]) whose keys span slots: give such
//!   keys a common hash tag.
//! - **Pipelines** are grouped per node and written to every node before any reply is read;
//!   replies come back in the order the commands were queued. A command the cluster
//!   redirects (`MOVED`, `ASK`) or refuses for now (`TRYAGAIN`, `CLUSTERDOWN`, and the
//!   `LOADING`, `MASTERDOWN` and `READONLY` the retry policy retries, except from a script)
//!   did not run and is sent again after the rest (so commands on the same key may then run
//!   out of their queued order): those redirected together (a slot moved under a long
//!   pipeline) grouped per node again, once, the map having learnt the `MOVED`; what is
//!   redirected again goes on its own. A node whose connection fails mid-pipeline is an error for
//!   the whole call unless nothing of its part can have run, or every command of it is safe
//!   to repeat. A command for every shard (`DBSIZE`, `FLUSHALL`, `SCRIPT LOAD`, ...) goes to
//!   every primary in a pipeline too: the pipeline is cut around it, so it runs after the
//!   commands queued before it and before those after it (a pipelined `PING` goes to one
//!   node, with the commands around it). `MULTI`, `EXEC` and `DISCARD` queued by hand in a
//!   plain pipeline are refused ([`ErrorKind::InvalidInput`]): use an atomic pipeline.
//! - **`WAIT`** counts the replicas that acknowledged the writes of the connection it runs
//!   on. In a pipeline it goes with the command before it (so `pipe().set(k, v).wait(1, Some(t))`
//!   waits for that write; when that write is redirected, the `WAIT` is sent again with it on
//!   the node it went to, and redirected twice the `WAIT` answers an error, never a count of
//!   nothing); sent alone it goes to every primary on pooled connections that
//!   wrote nothing, and says nothing about earlier calls' writes.
//! - **Redirects**: `MOVED` updates the slot map at once and asks for a full refresh; a
//!   `MOVED` naming the node just asked closes that node's pooled connections (its name may
//!   mean another machine now). `ASK` sends `ASKING` then the command (before `MULTI` for a
//!   transaction) to the named node, once, in one frame on a pooled connection (which stays
//!   in the pool), without touching the map; a node the map lacks (one just added) gets one
//!   pool for all the redirects to it. A call follows at most
//!   16 redirects, within its deadline. A WATCH transaction
//!   ([`cluster::ClusterClient::transaction`]) cannot follow an `ASK` (its watch is a flag
//!   on one connection): it takes it as a `TRYAGAIN` ([`ErrorKind::TryAgain`]), nothing having
//!   run, and waits for the migration to end under the retry policy.
//! - **Retries** run through the client's [`Retry`] policy, which a cluster extends with
//!   `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `LOADING` and `READONLY` (none of them ran the
//!   command). Never re-sent: a command that may have run and is not safe to repeat. One
//!   case the client cannot tell: a script (`EVAL`, `FCALL`) that writes and then returns an
//!   error of its own reading `MOVED`, `ASK`, `TRYAGAIN` or `CLUSTERDOWN` looks like the
//!   server refusing it before it ran, and is followed or retried; scripts should not
//!   return such texts.
//! - **The slot map** comes from `CLUSTER SHARDS` (online nodes only) on servers where it
//!   lists a failed primary's slots (Valkey 8+, Redis 8+) and from `CLUSTER SLOTS` elsewhere,
//!   asked of the known nodes (primaries first, in random order) and then the seeds, each on
//!   a connection of its own within [`cluster::ClusterBuilder::refresh_timeout`] (2 s): a
//!   dead or silent node costs one timeout, and a reply that makes no sense (a bad range, a
//!   truncated entry) is a failed answer from that node; the next is asked. The first map
//!   that covers every slot wins. One background thread (`redisync-cluster-refresh`) refreshes
//!   it, coalescing requests (one refresh at a time, at least 50 ms apart, after a random
//!   pause of up to 20 ms), when a call sees a redirect, a connection failure, `CLUSTERDOWN`,
//!   `READONLY`, `LOADING` or an unassigned slot, and every
//!   [`cluster::ClusterBuilder::refresh_interval`] (30 s) as a backstop. The attempt after
//!   such a failure waits for that refresh (within the call's deadline). A slot no node
//!   serves after a refresh is [`ErrorKind::ClusterDown`]. Nodes that left the map keep their
//!   pool until the calls using it end.
//! - **Failover**: while a primary is down, calls for its slots fail (connection errors,
//!   then `CLUSTERDOWN` from the other nodes) once the retry policy gives up; once a replica
//!   is promoted, the next refresh finds it. Measured after `kill -9` under 8 threads
//!   (node timeout 1 s): writes to its slots succeed again within 0.05 s of the server's own
//!   failover (2.1–2.7 s on Redis 7.0 and 6.2, 1.3–1.8 s on Valkey 9). The default policy
//!   (3 retries, about 70 ms) fails the calls made meanwhile; a patient one
//!   (`Retry::new(backoff, 100).deadline(10 s)`, say) rides the failover out, and then only
//!   the commands in flight on the dead node fail. A write the old primary acknowledged but had not
//!   replicated is lost, as with any asynchronous replication; `WAIT` narrows the window.
//! - **Reads from replicas** (opt-in, [`cluster::ClusterBuilder::read_from`]):
//!   [`cluster::ReadFrom::ReplicaPreferred`] sends read-only commands (the table's `readonly`
//!   flag, never a blocking one) to a replica of the slot's shard picked at random, the
//!   primary when none is healthy; [`cluster::ReadFrom::PrimaryPreferred`] reads from the
//!   primary and from a replica while the primary is failing. Every node's connections send
//!   `READONLY` when they open, and commands the table marks for every node (`SCRIPT LOAD`,
//!   `SCRIPT FLUSH`, `CONFIG SET`, ...) go to the replicas too, best effort (a replica does not
//!   learn its primary's scripts, so read-only scripts read there need their own load). A node that fails a read (a connection error, a timeout,
//!   `LOADING`) is skipped for two seconds, and the read is retried elsewhere; after that one
//!   read tries it again while the others still skip it, and each failure of that read
//!   doubles the skip (up to 30 s). A replica may lag: a read
//!   may miss a write just acknowledged. Redis lists a replica in `CLUSTER SLOTS` only once
//!   its replication offset is known, so a fresh replica is used from a later refresh.
//! - **Pub/sub**: classic `SUBSCRIBE` through [`cluster::ClusterClient::subscriber`] (a
//!   cluster delivers `PUBLISH` on every node; when its node cannot be reached again, it
//!   reconnects to another primary, and messages published meanwhile are lost). Shard channels through
//!   [`cluster::ClusterClient::sharded_subscriber`]: each channel on the primary of its
//!   slot, one connection per node that has channels; when the slot moves (the node drops the
//!   channel), the node fails or the map names another owner, the channel is subscribed again
//!   on the new owner. Messages published meanwhile are lost, as with any pub/sub reconnect.
//! - **Client-side caching** ([`ClientBuilder::cache`] in the node settings): one cache per
//!   node, each with its own listener, filled only from that node's connections, so every
//!   entry is tracked by the node that will invalidate it. A redirected read fills nothing
//!   and is cached on the node it lands on. A slot that moves takes its keys' entries with
//!   it (the old owner deletes the keys when they migrate, which invalidates them), and a
//!   failed node's listener loss flushes its cache. One window stays: a reply about a key
//!   its node did not have (a nil `GET`) gets no invalidation when the slot moves, so it can
//!   be served until the client notices the move (a `MOVED`, or the next refresh:
//!   [`cluster::ClusterBuilder::refresh_interval`], 30 s by default; turning the refresh
//!   off is refused with a cache). A node that loses a slot has its cache emptied then. The
//!   configured bounds apply per node. Not with replica reads (refused at build).
//!
//! ## Errors
//!
//! [`Error::kind`] says what happened; [`Error::is_timeout`], [`Error::is_connection_error`]
//! and [`Error::is_retryable`] answer the usual questions. The [`error`] module maps redis-py's
//! exception names to kinds. Passwords never appear in `Debug`, `Display`, errors or logs.
//!
//! ## Logging
//!
//! Through the `log` crate. An outage is logged at its edges: one `warn` when the server stops
//! accepting connections, one `info` with how long it lasted when it is back; each failed call
//! in between is at `debug` (its caller has the error). No log line and no `Debug` output holds
//! a password or a command's argument bytes: commands show their name and argument count,
//! push frames their kind and size.
//!
//! ## TLS
//!
//! `rediss://` URLs (or [`ConnectionConfig::tls`]) connect over TLS through native-tls, with
//! certificate and hostname verification on. [`TlsConfig`] adds a private CA, a client
//! certificate for mutual TLS, or an SNI name; switching verification off takes an option named
//! `danger_...`. A TLS handshake that gets no answer is checked once with a short plain
//! connection, inside the connect timeout (its last 300 ms, at most a quarter of it): if the
//! port answers plain RESP, the error says to use `redis://`, and it is not retried. A plain
//! connection to a TLS port fails at its first reply the same way. The TLS connector (the
//! system's and your CA certificates, loaded) is built once per process and settings, and
//! again when a certificate file changes on disk.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `tls` | yes | `rediss://` through native-tls (OpenSSL on Linux) |
//! | `testing` | no | `testing::FaultProxy`, a fault-injection TCP proxy for testing your retry and timeout handling; `testing::MaintenanceSimulator`, a proxy that plays maintenance notifications |
//!
//! ## Threads
//!
//! - Looking up a host name runs on a short-lived helper thread, because the system resolver has
//!   no timeout of its own and the connect deadline must hold. IP addresses and Unix sockets
//!   need no thread.
//! - Building a TLS connector (once per process and TLS settings: it loads the CA
//!   certificates) runs on a short-lived helper thread too, for the same reason.
//! - A [`Client`] with a cache has one listener thread (`redisync-cache-listener`) reading
//!   the server's invalidations; it holds a weak reference to the cache and exits within one
//!   heartbeat of the last clone of the client being dropped.
//! - A Sentinel [`Client`] has one listener thread per sentinel (`redisync-sentinel-listener`,
//!   unless [`sentinel::SentinelConfig::listen`] is off); each holds a weak reference to the
//!   client's sentinel state and exits within a second of the last clone of the client (and
//!   of its replica clients) being dropped (two, if it is watching a promotion then).
//! - Each [`Client`] has one pool reaper thread (when `idle_timeout`, `max_lifetime`,
//!   `min_idle` or `push_interval` is set, which the default `idle_timeout` is). It holds only
//!   a weak reference to the pool and exits when the last clone of the client is dropped.
//!
//! - A [`Client`] in the multiplexed mode ([`ClientBuilder::multiplex`]) has one thread per
//!   shared connection (`redisync-mux-N`), the only code that reads and writes it; each exits
//!   when the last clone of the client is dropped, giving its connection back to the pool.
//!
//! - A [`testing::FaultProxy`] (only with the `testing` feature) runs one thread, plus two per
//!   proxied connection; a [`testing::MaintenanceSimulator`] one, plus three per connection
//!   and one per pending `close_after`.
//!
//! Nothing else runs in the background.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache;
mod client;
pub mod cluster;
pub mod commands;
mod connection;
mod deadline;
pub mod error;
mod maint;
mod mux;
pub mod pool;
pub mod prelude;
pub mod pubsub;
pub mod resp;
pub mod retry;
pub mod sentinel;
#[cfg(feature = "testing")]
pub mod testing;

pub use cache::{
    CacheConfig, CacheMode, CacheStats, DEFAULT_CACHE_IDLE_CHECK, DEFAULT_HEARTBEAT,
    DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES,
};
pub use client::{Client, ClientBuilder, MultiplexStats, RetryStats, Uncached, WithTimeout};
pub use commands::{
    ArgWriter, Batch, Cmd, Commands, Execute, FromValue, Pipe, Pipeline, Request, ToArg, ToArgs,
    cmd, pipe, transaction, transaction_with,
};
// Every command group's trait, with its options and reply types (`StringCommands`,
// `SetOptions`, `StreamEntry`, ...).
pub use commands::groups::*;
pub use commands::{ScanIter, ScanOptions, hscan, scan, sscan, zscan};
pub use commands::{Script, ScriptInvocation};
pub use connection::config::{
    Address, ConnectionConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT, Protocol, Secret,
    TlsConfig,
};
pub use connection::{ConnectHook, Connection, PushHandler, PushOrigin, PushSink};
pub use deadline::Deadline;
pub use error::{ConversionError, Error, ErrorKind, Result, ServerError, TimeoutPhase};
pub use maint::{
    DEFAULT_BACKSTOP, DEFAULT_IDLE_CHECK, DEFAULT_RELAXED_TIMEOUT, EndpointType, MaintenanceConfig,
    MaintenanceMode, MaintenanceStats,
};
pub use pool::{PoolConfig, PoolState, PooledConnection};
pub use resp::Value;
pub use retry::{
    Backoff, ConstantBackoff, DecorrelatedJitterBackoff, EqualJitterBackoff, ExponentialBackoff,
    ExponentialWithJitterBackoff, FullJitterBackoff, NoBackoff, Retry,
};

/// The README's examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
