//! A connection's side of maintenance notifications: the notices it reads change its own
//! timeouts (relaxed from a start notice to its end notice, or to the backstop), and a
//! `MOVING` notice is handed to the client's shared state.

use std::time::Duration;

use super::Connection;
use crate::maint::{Action, Link};
use crate::resp::Value;

impl Connection {
    /// Marks this connection as one that asked for notifications (from the connect hook).
    pub(crate) fn set_maint_link(&mut self, link: Link) {
        self.maint = Some(Box::new(link));
    }

    /// The peer's IP address, for a TCP or TLS connection.
    pub(crate) fn peer_ip(&self) -> Option<std::net::IpAddr> {
        self.stream.peer_ip()
    }

    /// Whether this connection's timeouts are relaxed for an announced maintenance now.
    pub fn is_relaxed(&self) -> bool {
        self.maint.as_ref().is_some_and(|l| l.is_relaxed())
    }

    /// A push arrived: if it is a maintenance notice, apply it.
    pub(super) fn on_maint_push(&mut self, push: &Value) {
        let Some(link) = &mut self.maint else {
            return;
        };
        match link.on_push(push) {
            Action::Nothing => {}
            Action::Relax => self.apply_relaxed(),
            Action::Restore => {
                self.read_timeout = self.baseline.read_timeout;
                self.write_timeout = self.baseline.write_timeout;
            }
        }
    }

    /// Relaxes the timeouts while a maintenance is announced (never shortening a longer
    /// configured one); puts them back once the backstop has passed.
    pub(crate) fn apply_relaxed(&mut self) {
        let Some(link) = &mut self.maint else {
            return;
        };
        let was = link.is_relaxed();
        match link.relaxed() {
            Some((relaxed, _)) => {
                self.read_timeout = self.read_timeout.max(relaxed);
                self.write_timeout = self.write_timeout.max(relaxed);
            }
            None if was => {
                self.read_timeout = self.baseline.read_timeout;
                self.write_timeout = self.baseline.write_timeout;
            }
            None => {}
        }
    }

    /// The read timeout for a blocking command's reply (on top of its own wait).
    pub(super) fn blocking_read_timeout(&self) -> Duration {
        match &self.maint {
            Some(link) if link.is_relaxed() => {
                self.read_timeout.max(link.relaxed_blocking_timeout())
            }
            _ => self.read_timeout,
        }
    }
}
