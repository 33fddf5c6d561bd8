//! The client-side cache on a [`Client`]: turning it on, its statistics, flushing it, and
//! calls that go around it.

use super::{Client, ClientBuilder};
use crate::cache::{CacheConfig, CacheStats};
use crate::commands::{Batch, Execute, Request};
use crate::error::Result;
use crate::resp::Value;

impl ClientBuilder {
    /// Keeps the replies of read-only commands in a client-side cache, invalidated by the
    /// server when their keys change (`CLIENT TRACKING`); see the crate docs' "Client-side
    /// caching" for the guarantee and its cost. Redis 6.0 or later, or Valkey; the data
    /// connections may speak RESP2 or RESP3.
    ///
    /// While caching is on, `SELECT`, `AUTH`, `HELLO`, `RESET` and `CLIENT TRACKING` are
    /// refused on the client's connections: each would change what the cached replies mean.
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) refuses settings that cannot work
    /// ([`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) naming the setting). A
    /// server that refuses tracking fails the first connect with an error saying so.
    pub fn cache(mut self, config: CacheConfig) -> ClientBuilder {
        self.cache = Some(config);
        self
    }
}

impl Client {
    /// The cache's counters and size, if this client caches.
    pub fn cache_stats(&self) -> Option<CacheStats> {
        self.inner.cache.as_ref().map(|c| c.store.stats())
    }

    /// Drops every cached reply (a no-op without a cache).
    pub fn flush_cache(&self) {
        if let Some(cache) = &self.inner.cache {
            cache.store.flush();
        }
    }

    /// Calls on the returned view go to the server even when their reply is cached, and
    /// keep nothing: `client.without_cache().get::<String>("k")`.
    pub fn without_cache(&self) -> Uncached<'_> {
        Uncached { client: self }
    }

    /// Whether this client caches.
    pub fn is_caching(&self) -> bool {
        self.inner.cache.is_some()
    }
}

/// A view of a [`Client`] whose calls bypass its cache: `client.without_cache()`.
#[derive(Debug, Clone, Copy)]
pub struct Uncached<'a> {
    client: &'a Client,
}

impl Execute for Uncached<'_> {
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        self.client.execute_uncached(request, None, None)
    }

    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        self.client.execute_batch_within(batch, None)
    }
}

crate::commands::commands_by_execute!(Uncached<'_>);

/// A cluster's calls on a caching node: the node's own cache, filled only from that node's
/// connections (whose tracking redirects to that node's listener), so a reply is never
/// cached where no invalidation for it can arrive.
impl Client {
    /// One cached attempt of `request` on this node, when this client caches it: a hit, or a
    /// fetch on one of this pool's connections. `None` when the request is not cached here.
    /// A redirect or failure fills nothing; the cluster's loop goes on elsewhere.
    pub(crate) fn cached_attempt(
        &self,
        request: &Request<'_>,
        call: crate::deadline::Budget,
        limit: Option<std::time::Duration>,
    ) -> Option<Result<Value, crate::retry::Failure>> {
        let cache = self.inner.cache.as_ref()?;
        if !cache.allows(request.spec()) {
            return None;
        }
        let result = cache.call(request, |fetch| {
            let mut conn = self.checkout(call)?;
            if let Some(d) = limit {
                conn.set_read_timeout(d)?;
            }
            fetch.run(&mut conn, request)
        });
        Some(result.map_err(|error| crate::retry::Failure {
            // Cacheable commands only read: sending one again is harmless.
            may_have_run: true,
            safe_to_repeat: true,
            error,
        }))
    }
}

impl ClientBuilder {
    /// These settings without the cache (a cluster's seed pools, which only fetch slot maps).
    pub(crate) fn without_cache(mut self) -> ClientBuilder {
        self.cache = None;
        self
    }

    /// Whether these settings turn the cache on.
    pub(crate) fn caches(&self) -> bool {
        self.cache.is_some()
    }
}
