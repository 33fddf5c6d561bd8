//! [`SentinelConfig`]: which sentinels to ask, for which service, and how.

use std::fmt;
use std::time::Duration;

use crate::connection::config::{ConnectionConfig, Protocol, Secret, TlsConfig};
use crate::error::{Error, Result};

/// How long each sentinel gets to answer a lookup (connect, handshake and the command), by
/// default: a few hundred milliseconds, as the Sentinel client spec asks, so that a dead
/// sentinel costs little before the next one is tried.
pub const DEFAULT_SENTINEL_TIMEOUT: Duration = Duration::from_millis(300);

/// How long to wait before asking again when the address the sentinels named is not (or no
/// longer) the primary, by default.
pub const DEFAULT_VERIFY_PAUSE: Duration = Duration::from_millis(100);

/// Which replica a replica client's new connection goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ReadFrom {
    /// Each new connection to a replica picked at random among the healthy ones (the default).
    #[default]
    Random,
    /// The healthy replicas in turn.
    RoundRobin,
}

/// Where a client's data nodes are: a service name (`sentinel monitor <name> ...`) and the
/// sentinels that watch it, given to [`ClientBuilder::sentinel`](crate::ClientBuilder::sentinel).
///
/// The sentinels have their own credentials and TLS settings, separate from the data nodes'
/// (which come from the builder's URL and settings as usual).
///
/// ```
/// use std::time::Duration;
/// use redisync::sentinel::SentinelConfig;
/// let config = SentinelConfig::new(
///     "mymaster",
///     ["redis://10.0.0.1:26379", "redis://10.0.0.2:26379", "redis://10.0.0.3:26379"],
/// )
/// .password("sentinel-secret")
/// .timeout(Duration::from_millis(250));
/// # let _ = config;
/// ```
#[derive(Clone)]
#[must_use]
pub struct SentinelConfig {
    pub(crate) service: String,
    /// Kept as secrets: a URL may hold a password.
    pub(crate) urls: Vec<Secret>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<Secret>,
    pub(crate) tls: Option<TlsConfig>,
    pub(crate) timeout: Duration,
    pub(crate) verify_pause: Duration,
    pub(crate) listen: bool,
    pub(crate) follow_promotion: bool,
    pub(crate) read_from: ReadFrom,
}

impl SentinelConfig {
    /// The service `service`, watched by these sentinels (`redis://host:port` URLs, or
    /// `rediss://` for TLS; a password in a URL is that sentinel's). They are asked in this
    /// order at first; the first that answers is moved to the front.
    pub fn new<S: AsRef<str>>(
        service: impl Into<String>,
        sentinels: impl IntoIterator<Item = S>,
    ) -> SentinelConfig {
        SentinelConfig {
            service: service.into(),
            urls: sentinels
                .into_iter()
                .map(|s| Secret::new(s.as_ref()))
                .collect(),
            username: None,
            password: None,
            tls: None,
            timeout: DEFAULT_SENTINEL_TIMEOUT,
            verify_pause: DEFAULT_VERIFY_PAUSE,
            listen: true,
            follow_promotion: true,
            read_from: ReadFrom::default(),
        }
    }

    /// The ACL user for the sentinels (not the data nodes).
    pub fn username(mut self, user: impl Into<String>) -> SentinelConfig {
        self.username = Some(user.into());
        self
    }

    /// The password for the sentinels (not the data nodes).
    pub fn password(mut self, password: impl Into<Secret>) -> SentinelConfig {
        self.password = Some(password.into());
        self
    }

    /// TLS to the sentinels (as a `rediss://` URL turns on); TLS to the data nodes is the
    /// builder's own [`tls`](crate::ClientBuilder::tls).
    pub fn tls(mut self, tls: TlsConfig) -> SentinelConfig {
        self.tls = Some(tls);
        self
    }

    /// How long each sentinel gets to answer (default [`DEFAULT_SENTINEL_TIMEOUT`]). Over TLS,
    /// the first connection of a process also builds the TLS connector (loading the CA
    /// certificates), which can take longer than that on a loaded machine: allow for it.
    pub fn timeout(mut self, timeout: Duration) -> SentinelConfig {
        self.timeout = timeout;
        self
    }

    /// The pause before asking again when the named address is not the primary (default
    /// [`DEFAULT_VERIFY_PAUSE`]).
    pub fn verify_pause(mut self, pause: Duration) -> SentinelConfig {
        self.verify_pause = pause;
        self
    }

    /// Whether to listen to the sentinels' `+switch-master` and `+sentinel` events, one
    /// background thread per sentinel (default on). The events only speed the switch up:
    /// without them, a client still follows a failover at its next reconnect or `READONLY`.
    pub fn listen(mut self, on: bool) -> SentinelConfig {
        self.listen = on;
        self
    }

    /// Whether the listeners follow a failover at its point of no return, the sentinel's
    /// `+promoted-slave` (the replica answered `ROLE` as the new primary), rather than at its
    /// announcement, `+switch-master`, which comes after the other replicas are reconfigured
    /// (about a second later on loopback). In that second the old primary still takes
    /// writes, and every one of them is lost. Default on; off follows the announcement only,
    /// as the Sentinel client spec describes.
    pub fn follow_promotion(mut self, on: bool) -> SentinelConfig {
        self.follow_promotion = on;
        self
    }

    /// Which replica a [`replica client`](crate::Client::replica_client)'s new connections go
    /// to (default [`ReadFrom::Random`]).
    pub fn read_from(mut self, read_from: ReadFrom) -> SentinelConfig {
        self.read_from = read_from;
        self
    }

    /// The service name.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The connection settings for each sentinel, checked.
    pub(crate) fn nodes(&self) -> Result<Vec<ConnectionConfig>> {
        if self.service.is_empty() {
            return Err(Error::invalid("sentinel service name", "must not be empty"));
        }
        if self.urls.is_empty() {
            return Err(Error::invalid(
                "sentinel list",
                "name at least one sentinel",
            ));
        }
        for (name, d) in [
            ("sentinel timeout", self.timeout),
            ("verify_pause", self.verify_pause),
        ] {
            if d.is_zero() {
                return Err(Error::invalid(name, "must be greater than zero"));
            }
        }
        self.urls.iter().map(|u| self.node(u.expose())).collect()
    }

    /// The settings for one sentinel: its URL, then this config's credentials, TLS and timeout.
    pub(crate) fn node(&self, url: &str) -> Result<ConnectionConfig> {
        let cfg = ConnectionConfig::from_url(url).map_err(|e| match e {
            Error::InvalidInput(i) => {
                Error::invalid(format!("sentinel {}", i.part()), i.reason().to_string())
            }
            e => e,
        })?;
        if matches!(cfg.address, crate::Address::Unix(_)) {
            return Err(Error::invalid(
                "sentinel URL",
                "sentinels name their primaries by TCP address: use redis:// or rediss://",
            ));
        }
        Ok(self.settings(cfg))
    }

    /// This config's credentials, TLS and timeouts on a sentinel's settings.
    pub(crate) fn settings(&self, mut cfg: ConnectionConfig) -> ConnectionConfig {
        if let Some(u) = &self.username {
            cfg.username = Some(u.clone());
        }
        if let Some(p) = &self.password {
            cfg.password = Some(p.clone());
        }
        if let Some(t) = &self.tls {
            cfg.tls = Some(t.clone());
        }
        cfg.db = 0;
        // Sentinels answer RESP2 everywhere, and subscribe the same way on every version.
        cfg.protocol = Protocol::Resp2;
        cfg.lib_info = false;
        cfg.connect_timeout = self.timeout;
        cfg.read_timeout = self.timeout;
        cfg.write_timeout = self.timeout;
        cfg
    }
}

impl fmt::Debug for SentinelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let urls: Vec<String> = self
            .urls
            .iter()
            .map(|u| crate::connection::redacted_url(u.expose()))
            .collect();
        f.debug_struct("SentinelConfig")
            .field("service", &self.service)
            .field("sentinels", &urls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls.is_some())
            .field("timeout", &self.timeout)
            .field("verify_pause", &self.verify_pause)
            .field("listen", &self.listen)
            .field("follow_promotion", &self.follow_promotion)
            .field("read_from", &self.read_from)
            .finish()
    }
}
