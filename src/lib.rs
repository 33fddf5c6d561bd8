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
//! use redisync::{Client, Commands, ErrorKind};
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
//! ## Architecture
//!
//! Dependencies point one way, down this list; a module uses only the ones above it.
//!
//! - [`error`]: [`Error`], [`ErrorKind`], server error codes, redirects, timeout phases.
//! - [`resp`]: [`Value`] and the RESP2/RESP3 decoder and encoder; pure, no sockets, bounded by
//!   [`resp::Limits`].
//! - `connection`: one socket (TCP through socket2, Unix, TLS through native-tls), its
//!   deadlines, the handshake, push frames, the session state a pool must reset, and the
//!   broken-connection rule ([`Connection`], [`ConnectionConfig`]).
//! - [`pool`]: a `parking_lot` mutex-and-condvar pool: probe on checkout, reset or discard on
//!   return, a reaper thread for idle and old connections ([`PoolConfig`], [`PoolState`]).
//! - [`retry`]: [`Retry`] (which failures are retried, how often, never re-sending what may
//!   already have run) and the [`Backoff`] trait with redis-py's seven backoffs.
//! - [`commands`]: [`Cmd`], [`ToArg`]/[`ToArgs`], [`FromValue`], the typed [`Commands`],
//!   pipelines ([`pipe`], [`Pipeline`]), [`transaction`], [`Script`] and functions, and the
//!   [`scan`] iterators.
//! - [`pubsub`]: [`pubsub::Subscriber`], a connection of its own for pub/sub that reconnects and
//!   resubscribes.
//! - `client`: [`Client`] and [`ClientBuilder`], composing the pool, the retry policy, health
//!   checks (an idle connection is PINGed before use) and the commands.
//!
//! Client-side caching, cluster support and maintenance notifications build on these next.
//!
//! ## Timeouts
//!
//! | step | default | what it covers |
//! |---|---|---|
//! | connect | 10 s | name resolution, TCP connect over every address, TLS handshake, `HELLO`/`AUTH`/`SELECT`, together |
//! | write | 10 s | sending one command or pipeline |
//! | read | 10 s | receiving one whole reply, from when the command was sent; a blocking command (`BLPOP k 30`) adds its own wait |
//! | pool checkout | 10 s | waiting for a free pooled connection |
//!
//! A timeout is [`ErrorKind::Timeout`] and names its [`TimeoutPhase`]. It breaks the connection:
//! the reply may still arrive, and must not be read as the answer to the next command.
//! [`Client::with_timeout`] sets the read timeout of one call.
//!
//! ## Retries and health checks
//!
//! A [`Client`] retries connection errors and timeouts three times by default, with
//! exponential backoff and jitter, but never re-sends a command that may already have run on
//! the server unless it is safe to repeat (read-only, or marked idempotent) or the caller opted
//! in; see [`Retry`]. With `health_check_interval` set, a connection idle longer than that is
//! PINGed before it carries the next command.
//!
//! ## Errors
//!
//! [`Error::kind`] says what happened; [`Error::is_timeout`], [`Error::is_connection_error`]
//! and [`Error::is_retryable`] answer the usual questions. The [`error`] module maps redis-py's
//! exception names to kinds. Passwords never appear in `Debug`, `Display`, errors or logs.
//!
//! ## TLS
//!
//! `rediss://` URLs (or [`ConnectionConfig::tls`]) connect over TLS through native-tls, with
//! certificate and hostname verification on. [`TlsConfig`] adds a private CA, a client
//! certificate for mutual TLS, or an SNI name; switching verification off takes an option named
//! `danger_...`.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `tls` | yes | `rediss://` through native-tls (OpenSSL on Linux) |
//! | `testing` | no | `testing::FaultProxy`, a fault-injection TCP proxy for testing your retry and timeout handling |
//!
//! ## Threads
//!
//! - Looking up a host name runs on a short-lived helper thread, because the system resolver has
//!   no timeout of its own and the connect deadline must hold. IP addresses and Unix sockets
//!   need no thread.
//! - Each [`Client`] has one pool reaper thread (when `idle_timeout`, `max_lifetime` or
//!   `min_idle` is set, which the default `idle_timeout` is). It holds only a weak reference to
//!   the pool and exits when the last clone of the client is dropped.
//!
//! - A [`testing::FaultProxy`] (only with the `testing` feature) runs one thread, plus two per
//!   proxied connection.
//!
//! Nothing else runs in the background.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
pub mod commands;
mod connection;
mod deadline;
pub mod error;
pub mod pool;
pub mod pubsub;
pub mod resp;
pub mod retry;
#[cfg(feature = "testing")]
pub mod testing;

pub use client::{Client, ClientBuilder, RetryStats, WithTimeout};
pub use commands::{
    ArgWriter, Batch, Cmd, Commands, Execute, FromValue, Pipe, Pipeline, Request, SetOptions,
    ToArg, ToArgs, cmd, pipe, transaction, transaction_with,
};
pub use commands::{ScanIter, ScanOptions, hscan, scan, sscan, zscan};
pub use commands::{Script, ScriptInvocation, fcall, fcall_ro, function_load};
pub use connection::config::{
    Address, ConnectionConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT, Protocol, Secret,
    TlsConfig,
};
pub use connection::{ConnectHook, Connection, PushHandler, PushOrigin, PushSink};
pub use deadline::Deadline;
pub use error::{ConversionError, Error, ErrorKind, Result, ServerError, TimeoutPhase};
pub use pool::{PoolConfig, PoolState, PooledConnection};
pub use resp::Value;
pub use retry::{
    Backoff, ConstantBackoff, DecorrelatedJitterBackoff, EqualJitterBackoff, ExponentialBackoff,
    ExponentialWithJitterBackoff, FullJitterBackoff, NoBackoff, Retry,
};
