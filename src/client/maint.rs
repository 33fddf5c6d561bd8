//! Maintenance notifications on a [`Client`]: the builder setting and the counters.

use super::{Client, ClientBuilder};
use crate::maint::{MaintenanceConfig, MaintenanceStats};

impl ClientBuilder {
    /// How the client handles maintenance notifications (smart client handoffs; default
    /// [`MaintenanceConfig::new`]: asked for on every RESP3 connection, and carried on without
    /// when the server does not send them). See the crate docs' "Maintenance notifications".
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) refuses [`MaintenanceMode::On`](crate::MaintenanceMode::On)
    /// on RESP2 or a Unix socket, and zero durations.
    pub fn maintenance(mut self, config: MaintenanceConfig) -> ClientBuilder {
        self.maintenance = Some(config);
        self
    }
}

impl Client {
    /// The maintenance notifications' counters, if the client asks for them (RESP3 over TCP,
    /// mode not Off).
    pub fn maintenance_stats(&self) -> Option<MaintenanceStats> {
        self.inner.maint.as_ref().map(|m| m.stats())
    }
}
