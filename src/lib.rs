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
//! use redisync::{Commands, Connection, ErrorKind};
//!
//! let mut conn = Connection::open("redis://127.0.0.1:6379/0")?;
//! conn.set("greeting", "hello")?;                      // returns ()
//! let v: Option<String> = conn.get("greeting")?;       // your type, None when missing
//! let hits: i64 = conn.incr("hits")?;                  // the type Redis fixes
//! match conn.incr("greeting") {
//!     Err(e) if e.kind() == ErrorKind::Response => println!("not a number: {e}"),
//!     other => println!("{other:?}"),
//! }
//! # Ok::<(), redisync::Error>(())
//! ```
//!
//! Any command, typed or not, goes through [`cmd`]:
//!
//! ```no_run
//! # let mut conn = redisync::Connection::open("redis://127.0.0.1")?;
//! let n: i64 = redisync::cmd("HINCRBY").arg("h").arg("f").arg(2).query(&mut conn)?;
//! # Ok::<(), redisync::Error>(())
//! ```
//!
//! ## Architecture
//!
//! Dependencies point one way, down this list; a module uses only the ones above it.
//!
//! - [`error`]: [`Error`], [`ErrorKind`], server error codes, redirects, timeout phases.
//! - [`resp`]: [`Value`] and the RESP2/RESP3 decoder and encoder; pure, no sockets, bounded by
//!   [`resp::Limits`].
//! - `connection`: one socket (TCP through socket2, Unix, TLS through native-tls), its
//!   deadlines, the handshake, push frames, and the broken-connection rule ([`Connection`],
//!   [`ConnectionConfig`]).
//! - [`commands`]: [`Cmd`], [`ToArg`]/[`ToArgs`], [`FromValue`], the typed [`Commands`], and
//!   [`Pipeline`].
//!
//! A pool, a shared `Client`, retries, health checks and client-side caching build on these in
//! later releases.
//!
//! ## Timeouts
//!
//! | step | default | what it covers |
//! |---|---|---|
//! | connect | 10 s | name resolution, TCP connect over every address, TLS handshake, `HELLO`/`AUTH`/`SELECT`, together |
//! | write | 10 s | sending one command or pipeline |
//! | read | 10 s | receiving one whole reply, from the first read |
//!
//! A timeout is [`ErrorKind::Timeout`] and names its [`TimeoutPhase`]. It breaks the connection:
//! the reply may still arrive, and must not be read as the answer to the next command.
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
//! | `testing` | no | helpers for testing code that uses this crate (reserved) |
//!
//! ## Threads
//!
//! Looking up a host name runs on a short-lived helper thread, because the system resolver has
//! no timeout of its own and the connect deadline must hold. IP addresses and Unix sockets need
//! no thread. Nothing else runs in the background.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
pub mod commands;
mod connection;
pub mod error;
pub mod pool;
pub mod resp;

pub use client::{Client, ClientBuilder};
pub use commands::{
    Batch, Cmd, Commands, Execute, FromValue, Pipe, Pipeline, Request, SetOptions, ToArg, ToArgs,
    cmd, pipe, transaction, transaction_with,
};
pub use connection::config::{
    Address, ConnectionConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT, Protocol, Secret,
    TlsConfig,
};
pub use connection::{Connection, PushHandler};
pub use error::{Error, ErrorKind, Result, ServerError, TimeoutPhase};
pub use pool::{PoolConfig, PoolState, PooledConnection};
pub use resp::Value;
