//! Pool settings, with their defaults written once.

use std::time::Duration;

/// The default largest number of connections a pool opens: 32.
///
/// Each blocking call holds one connection for one round trip, so the pool needs about as many
/// connections as threads that call Redis at the same moment. 32 covers the worker pools most
/// threaded servers run, while a runaway caller cannot open thousands of sockets; raise it to
/// your worker count if callers wait (see [`PoolState::waits`](crate::PoolState)).
pub const DEFAULT_MAX_CONNECTIONS: usize = 32;
/// The default longest wait for a free connection: 10 s, like the other deadlines.
pub const DEFAULT_POOL_TIMEOUT: Duration = Duration::from_secs(10);
/// The default idle time after which the reaper closes a spare connection: 5 minutes.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// How a [`Client`](crate::Client)'s connection pool behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolConfig {
    /// Most connections open at once, idle and in use together (default 32).
    pub max_connections: usize,
    /// Longest wait for a connection when all are in use (default 10 s).
    pub pool_timeout: Duration,
    /// Connections the reaper keeps open even when idle (default 0: connections are opened
    /// lazily, on first use).
    pub min_idle: usize,
    /// Idle connections older than this are closed by the reaper (default 5 minutes; `None`
    /// keeps them).
    pub idle_timeout: Option<Duration>,
    /// Connections older than this are closed when next returned or found idle (default
    /// `None`: no limit).
    pub max_lifetime: Option<Duration>,
    /// How often the reaper reads push frames waiting on idle connections and hands them to
    /// the client's push handler (default `None`: pushes on an idle connection are read when
    /// it is next checked out). A feature that needs pushes delivered while the program is
    /// idle (server-assisted caching, maintenance notifications) sets this.
    pub push_interval: Option<Duration>,
}

impl Default for PoolConfig {
    fn default() -> PoolConfig {
        PoolConfig {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            pool_timeout: DEFAULT_POOL_TIMEOUT,
            min_idle: 0,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            max_lifetime: None,
            push_interval: None,
        }
    }
}
