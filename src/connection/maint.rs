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
            Action::Restore => self.end_relaxed(),
        }
    }

    /// Relaxes the timeouts while a maintenance is announced (never shortening a longer
    /// configured one), keeping the ones to go back to; puts those back once the last
    /// maintenance has ended or its backstop passed.
    pub(crate) fn apply_relaxed(&mut self) {
        let Some(link) = &mut self.maint else {
            return;
        };
        let was = link.is_relaxed();
        match link.relaxed() {
            Some(relaxed) => {
                let saved = link.saved();
                if saved.is_none() {
                    *saved = Some((self.read_timeout, self.write_timeout));
                }
                self.read_timeout = self.read_timeout.max(relaxed);
                self.write_timeout = self.write_timeout.max(relaxed);
            }
            None if was => self.end_relaxed(),
            None => {}
        }
    }

    /// The maintenance ended: the timeouts from before it (or the configured ones).
    fn end_relaxed(&mut self) {
        let saved = self.maint.as_mut().and_then(|l| l.saved().take());
        let (read, write) =
            saved.unwrap_or((self.baseline.read_timeout, self.baseline.write_timeout));
        self.read_timeout = read;
        self.write_timeout = write;
    }

    /// A timeout the caller sets while relaxed is the one to go back to; the relaxed one
    /// still applies meanwhile if longer. Returns the timeouts to use now.
    pub(super) fn set_timeouts_while_relaxed(
        &mut self,
        read: Duration,
        write: Duration,
    ) -> (Duration, Duration) {
        let Some(link) = &mut self.maint else {
            return (read, write);
        };
        if !link.is_relaxed() {
            return (read, write);
        }
        *link.saved() = Some((read, write));
        let relaxed = link.relaxed().unwrap_or(Duration::ZERO);
        (read.max(relaxed), write.max(relaxed))
    }

    /// Forgets the timeouts saved before relaxing (the pool put the configured ones back).
    pub(super) fn forget_saved(&mut self) {
        if let Some(link) = &mut self.maint {
            *link.saved() = None;
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
