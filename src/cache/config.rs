//! [`CacheConfig`] and [`CacheMode`]: what a client-side cache keeps and how the server tells
//! it what changed.

use std::fmt;
use std::time::Duration;

use crate::commands::table::{self, CommandSpec};
use crate::error::{Error, Result};

/// Entries a cache keeps at most, by default.
pub const DEFAULT_MAX_ENTRIES: usize = 10_000;
/// Bytes a cache keeps at most, by default (64 MiB; see [`CacheStats::bytes`](crate::CacheStats)
/// for how an entry's bytes are counted).
pub const DEFAULT_MAX_BYTES: usize = 64 << 20;
/// How often, by default, idle pooled connections of a caching client are checked for a close
/// by the server (which ends the tracking of what they read).
pub const DEFAULT_CACHE_IDLE_CHECK: Duration = Duration::from_millis(50);
/// How often, by default, the invalidation listener checks its connection with a `PING` when
/// no message came.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(1);

/// How the server learns which keys to report changes of (`CLIENT TRACKING`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheMode {
    /// The server remembers every key each connection reads and reports changes to those
    /// (default). Simple, and the server's memory grows with the keys read.
    Default,
    /// `OPTIN`: the server remembers only the keys of reads the cache makes (each sent right
    /// after `CLIENT CACHING YES` on the same connection), not the client's other reads.
    OptIn,
    /// `BCAST`: the server reports every change to a key starting with one of these prefixes,
    /// read or not, and remembers nothing per key. Only keys under a prefix are cached. An empty
    /// prefix covers every key (then every write on the server is reported to this client).
    Broadcast(Vec<String>),
}

impl fmt::Debug for CacheMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheMode::Default => f.write_str("Default"),
            CacheMode::OptIn => f.write_str("OptIn"),
            CacheMode::Broadcast(p) => f.debug_tuple("Broadcast").field(&p.len()).finish(),
        }
    }
}

/// Settings of a client-side cache, for
/// [`ClientBuilder::cache`](crate::ClientBuilder::cache).
///
/// ```
/// use std::time::Duration;
/// use redisync::{CacheConfig, CacheMode};
/// let config = CacheConfig::new()
///     .max_entries(50_000)
///     .max_bytes(128 << 20)
///     .ttl(Duration::from_secs(60))
///     .mode(CacheMode::OptIn)
///     .except(["HGETALL"]);
/// ```
#[derive(Clone, Debug)]
pub struct CacheConfig {
    pub(crate) max_entries: usize,
    pub(crate) max_bytes: usize,
    pub(crate) ttl: Option<Duration>,
    pub(crate) mode: CacheMode,
    pub(crate) only: Option<Vec<String>>,
    pub(crate) except: Vec<String>,
    pub(crate) heartbeat: Duration,
    pub(crate) idle_check: Duration,
}

impl Default for CacheConfig {
    fn default() -> CacheConfig {
        CacheConfig::new()
    }
}

impl CacheConfig {
    /// The defaults: 10,000 entries, 64 MiB, no TTL, [`CacheMode::Default`], every command
    /// the command table marks cacheable, a 1 s heartbeat.
    pub fn new() -> CacheConfig {
        CacheConfig {
            max_entries: DEFAULT_MAX_ENTRIES,
            max_bytes: DEFAULT_MAX_BYTES,
            ttl: None,
            mode: CacheMode::Default,
            only: None,
            except: Vec::new(),
            heartbeat: DEFAULT_HEARTBEAT,
            idle_check: DEFAULT_CACHE_IDLE_CHECK,
        }
    }

    /// At most this many entries (one per distinct command and arguments).
    pub fn max_entries(mut self, n: usize) -> CacheConfig {
        self.max_entries = n;
        self
    }

    /// At most this many bytes of entries.
    pub fn max_bytes(mut self, n: usize) -> CacheConfig {
        self.max_bytes = n;
        self
    }

    /// Entries live at most this long, and never past their key's own expiry (the key's
    /// `PTTL` is asked for atomically with each read, in one `MULTI`). Without it an entry
    /// lives until the server reports its key changed (an expiry is reported too, when the
    /// server deletes the key) or it is evicted.
    pub fn ttl(mut self, ttl: Duration) -> CacheConfig {
        self.ttl = Some(ttl);
        self
    }

    /// How the server tracks keys for this cache (default [`CacheMode::Default`]).
    pub fn mode(mut self, mode: CacheMode) -> CacheConfig {
        self.mode = mode;
        self
    }

    /// Caches only these commands (each must be one the command table marks cacheable).
    pub fn only<S: Into<String>>(mut self, commands: impl IntoIterator<Item = S>) -> CacheConfig {
        self.only = Some(commands.into_iter().map(Into::into).collect());
        self
    }

    /// Never caches these commands.
    pub fn except<S: Into<String>>(mut self, commands: impl IntoIterator<Item = S>) -> CacheConfig {
        self.except.extend(commands.into_iter().map(Into::into));
        self
    }

    /// How long the invalidation listener waits for a message before it `PING`s its
    /// connection, and then for the answer (default 1 s). A listener connection that died
    /// without a word (a network partition) is noticed, and the cache flushed, within twice
    /// this.
    pub fn heartbeat(mut self, interval: Duration) -> CacheConfig {
        self.heartbeat = interval;
        self
    }

    /// How often idle pooled connections are checked for a close by the server (default
    /// 50 ms). The server forgets what it tracked for a connection it closes (its `timeout`
    /// setting, `CLIENT KILL`), so the entries that connection fetched are evicted when the
    /// close is seen: within this long for an idle connection.
    pub fn idle_check(mut self, interval: Duration) -> CacheConfig {
        self.idle_check = interval;
        self
    }

    /// Checks the settings; the commands that may be cached.
    pub(crate) fn check(&self) -> Result<Vec<&'static CommandSpec>> {
        if self.max_entries == 0 {
            return Err(Error::invalid("cache max_entries", "must be at least 1"));
        }
        if self.max_bytes < 1024 {
            return Err(Error::invalid("cache max_bytes", "must be at least 1024"));
        }
        if self.ttl == Some(Duration::ZERO) {
            return Err(Error::invalid(
                "cache ttl",
                "must be greater than zero (leave it unset for no TTL)",
            ));
        }
        if self.idle_check.is_zero() {
            return Err(Error::invalid(
                "cache idle_check",
                "must be greater than zero",
            ));
        }
        if self.heartbeat.is_zero() || self.heartbeat > Duration::from_secs(3600) {
            return Err(Error::invalid(
                "cache heartbeat",
                "must be between 1 ns and one hour",
            ));
        }
        if let CacheMode::Broadcast(prefixes) = &self.mode {
            if prefixes.is_empty() {
                return Err(Error::invalid(
                    "cache mode",
                    "Broadcast needs at least one prefix (an empty string covers every key)",
                ));
            }
        }
        let named = |name: &str, setting: &str| -> Result<&'static CommandSpec> {
            let spec = table::lookup(name.as_bytes());
            if spec.is_unknown() {
                return Err(Error::invalid(
                    setting,
                    format!("{name} is not a command this crate knows"),
                ));
            }
            if !spec.is_cacheable() {
                return Err(Error::invalid(
                    setting,
                    format!(
                        "{} cannot be cached: its reply depends on more than its keys' contents, or it blocks or writes",
                        spec.full_name()
                    ),
                ));
            }
            Ok(spec)
        };
        let except = self
            .except
            .iter()
            .map(|n| named(n, "cache except"))
            .collect::<Result<Vec<_>>>()?;
        let allowed: Vec<&'static CommandSpec> = match &self.only {
            Some(only) => only
                .iter()
                .map(|n| named(n, "cache only"))
                .collect::<Result<Vec<_>>>()?,
            None => cacheable().collect(),
        };
        let mut allowed: Vec<_> = allowed
            .into_iter()
            .filter(|s| !except.iter().any(|e| std::ptr::eq(*e, *s)))
            .collect();
        allowed.sort_by_key(|s| *s as *const CommandSpec as usize);
        allowed.dedup_by_key(|s| *s as *const CommandSpec as usize);
        if allowed.is_empty() {
            return Err(Error::invalid("cache only", "leaves no command to cache"));
        }
        Ok(allowed)
    }
}

/// Every command and subcommand the table marks cacheable.
fn cacheable() -> impl Iterator<Item = &'static CommandSpec> {
    table::commands()
        .iter()
        .flat_map(|c| std::iter::once(*c).chain(c.subcommands().iter().copied()))
        .filter(|s| s.is_cacheable())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn the_defaults_cache_the_tables_cacheable_commands_only() {
        let allowed = CacheConfig::new().check().unwrap();
        assert!(allowed.iter().any(|s| s.name() == "GET"));
        assert!(allowed.iter().all(|s| s.is_cacheable()));
        for never in ["XREAD", "XPENDING", "SET", "BLPOP", "SRANDMEMBER", "TTL"] {
            assert!(!allowed.iter().any(|s| s.name() == never), "{never}");
        }
    }

    #[test]
    fn settings_that_cannot_work_name_themselves() {
        let cases = [
            (CacheConfig::new().max_entries(0), "max_entries"),
            (CacheConfig::new().max_bytes(10), "max_bytes"),
            (CacheConfig::new().ttl(Duration::ZERO), "ttl"),
            (CacheConfig::new().heartbeat(Duration::ZERO), "heartbeat"),
            (
                CacheConfig::new().mode(CacheMode::Broadcast(vec![])),
                "mode",
            ),
            (CacheConfig::new().only(["SET"]), "cache only"),
            (CacheConfig::new().only(["NOSUCH"]), "cache only"),
            (CacheConfig::new().except(["XREAD"]), "cache except"),
            (
                CacheConfig::new().only(["GET"]).except(["GET"]),
                "no command",
            ),
        ];
        for (config, word) in cases {
            let e = config.check().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert!(e.to_string().contains(word), "{e}");
        }
        let only = CacheConfig::new().only(["get", "HGET"]).check().unwrap();
        assert_eq!(only.len(), 2);
    }
}
