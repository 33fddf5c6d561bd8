//! Sentinel on a [`Client`]: the builder setting, the replica client, the counters, and the
//! `READONLY` reaction of the retry loop.

use std::sync::Arc;

use super::{Client, ClientBuilder};
use crate::cache::CacheConfig;
use crate::connection::config::ConnectionConfig;
use crate::deadline::Budget;
use crate::error::TimeoutPhase;
use crate::error::{Error, Result};
use crate::maint::{MaintenanceConfig, MaintenanceMode};
use crate::pool::{PooledConnection, Target};
use crate::sentinel::{Route, SentinelConfig, SentinelStats};

/// A client's side of the sentinel state.
pub(super) struct Sentinel {
    pub(super) state: Arc<crate::sentinel::Sentinel>,
    /// A replica client (reads from replicas).
    pub(super) replica: bool,
    /// The settings the client was built with, for [`Client::replica_client`].
    rebuild: Option<Box<ClientBuilder>>,
}

/// The sentinel state for a client being built.
pub(super) struct Setup {
    state: Arc<crate::sentinel::Sentinel>,
    pub(super) replica: bool,
}

impl Setup {
    /// Where the pool's connections go.
    pub(super) fn route(&self) -> Target {
        Arc::new(Route {
            sentinel: Arc::clone(&self.state),
            replica: self.replica,
        })
    }

    pub(super) fn with_builder(self, rebuild: Option<Box<ClientBuilder>>) -> Sentinel {
        Sentinel {
            state: self.state,
            replica: self.replica,
            rebuild,
        }
    }
}

/// Checks what a Sentinel client cannot combine, and starts (or shares) the sentinel state.
pub(super) fn setup(
    config: Option<&SentinelConfig>,
    shared: Option<Arc<crate::sentinel::Sentinel>>,
    cache: &Option<CacheConfig>,
    maintenance: &Option<MaintenanceConfig>,
) -> Result<Option<Setup>> {
    if config.is_none() && shared.is_none() {
        return Ok(None);
    }
    if cache.is_some() && shared.is_some() {
        return Err(Error::invalid(
            "cache",
            "a replica client does not cache (its reads are what replication has copied so \
             far; cache on the primary client)",
        ));
    }
    if maintenance
        .as_ref()
        .is_some_and(|m| m.mode == MaintenanceMode::On)
    {
        return Err(Error::invalid(
            "maintenance mode",
            "On is for Redis Cloud and Redis Software endpoints; a Sentinel client follows \
             the sentinels",
        ));
    }
    Ok(Some(match shared {
        Some(state) => Setup {
            state,
            replica: true,
        },
        None => Setup {
            state: crate::sentinel::Sentinel::start(config.cloned().unwrap_or_else(|| {
                unreachable!("checked above: a config or a shared state is given")
            }))?,
            replica: false,
        },
    }))
}

impl ClientBuilder {
    /// Finds the data nodes through Redis Sentinel: every new connection goes to the primary
    /// the sentinels name for the service, verified with `ROLE`, and the client follows a
    /// failover (see the crate docs' "Sentinel"). The URL and settings of this builder are
    /// those of the data nodes (credentials, database, TLS, timeouts); its host and port are
    /// not used. The sentinels' own credentials and TLS are in `config`.
    ///
    /// ```no_run
    /// use redisync::Client;
    /// use redisync::prelude::*;
    /// use redisync::sentinel::SentinelConfig;
    /// let client = Client::builder()
    ///     .password("data-node-secret")
    ///     .sentinel(SentinelConfig::new(
    ///         "mymaster",
    ///         ["redis://10.0.0.1:26379", "redis://10.0.0.2:26379", "redis://10.0.0.3:26379"],
    ///     ))
    ///     .build()?;
    /// client.set("greeting", "hello")?;
    /// let reads = client.replica_client()?;
    /// let v: Option<String> = reads.get("greeting")?;
    /// # Ok::<(), redisync::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) refuses an empty service name or sentinel list, a bad
    /// sentinel URL and [`MaintenanceMode::On`]. [`Client::replica_client`] builds its client
    /// without the [`cache`](ClientBuilder::cache): replica reads already lag the primary.
    pub fn sentinel(mut self, config: SentinelConfig) -> ClientBuilder {
        self.sentinel = Some(config);
        self
    }
}

impl Client {
    /// The sentinel counters and the primary named last, for a client built with
    /// [`ClientBuilder::sentinel`] (or one of its replica clients, which share them).
    pub fn sentinel_stats(&self) -> Option<SentinelStats> {
        self.inner.sentinel.as_ref().map(|s| s.state.stats())
    }

    /// A client for reads from the replicas of this Sentinel client's service, with the same
    /// settings and a pool of its own. Each new connection goes to a healthy replica (as
    /// [`SentinelConfig::read_from`] says; `SENTINEL REPLICAS`, verified with `ROLE`), or to
    /// the primary when no replica is healthy. Its connections are retired on every switch,
    /// like the primary client's. Writes sent to it fail with `READONLY`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) on a client not built
    /// with [`ClientBuilder::sentinel`].
    pub fn replica_client(&self) -> Result<Client> {
        let Some(sentinel) = &self.inner.sentinel else {
            return Err(Error::invalid(
                "replica_client",
                "needs a client built with ClientBuilder::sentinel",
            ));
        };
        let Some(builder) = sentinel.rebuild.as_ref().filter(|_| !sentinel.replica) else {
            return Err(Error::invalid(
                "replica_client",
                "this client is a replica client already",
            ));
        };
        let mut builder = (**builder).clone();
        builder.sentinel_shared = Some(Arc::clone(&sentinel.state));
        // Replica reads lag the primary; a cache on them would add its own staleness.
        builder.cache = None;
        builder.build()
    }

    /// The settings a [`Subscriber`](crate::pubsub::Subscriber) of this client connects with:
    /// on a Sentinel client, to the primary the sentinels name now, verified with `ROLE` (its
    /// reconnects stay there).
    pub(super) fn subscriber_config(&self) -> Result<ConnectionConfig> {
        let cfg = self.connection_config();
        match &self.inner.sentinel {
            // A connection verified with ROLE, as the pool's are (a stale sentinel may name a
            // replica): the subscriber goes where it went.
            Some(s) => {
                let budget = Budget::after(cfg.connect_timeout, TimeoutPhase::Connect);
                let verified = s.state.connect_primary(cfg, &[], budget, None)?;
                Ok(ConnectionConfig {
                    address: verified.address().clone(),
                    ..cfg.clone()
                })
            }
            None => Ok(cfg.clone()),
        }
    }

    /// Has the sentinel state retire this client's connections whenever the primary changes.
    pub(super) fn watch_sentinel(&self) {
        let Some(s) = &self.inner.sentinel else {
            return;
        };
        let weak = Arc::downgrade(&self.inner);
        s.state.watch(Arc::new(move || match weak.upgrade() {
            Some(inner) => {
                if let Some(cache) = &inner.cache {
                    // Its listener is on the old primary: it reconnects through the sentinels,
                    // and nothing cached from the old primary is kept.
                    cache.restart_listener();
                }
                inner.pool.retire_all();
                true
            }
            None => false,
        }));
    }

    /// A command failed on `conn`: a `READONLY` from what was the primary means it was
    /// demoted, so the primary is looked up again and every connection retired.
    pub(super) fn on_error(&self, conn: &PooledConnection, error: &Error) {
        if let Some(s) = &self.inner.sentinel {
            if !s.replica && crate::sentinel::is_readonly(error) {
                s.state.demoted(conn.address());
            }
        }
    }
}
