//! Keeping the slot map current: one background thread per cluster client, woken by any call
//! that saw a sign of change (a redirect, a connection failure, an unassigned slot,
//! `CLUSTERDOWN`, `READONLY`, `LOADING`) and by a periodic timer as a backstop.
//!
//! Requests are coalesced: however many calls ask while a refresh runs, one more runs after
//! it, after a short random pause (so the clients of a fleet do not all ask the same node at
//! the same moment). A call that needs the new map waits for the next completed refresh,
//! within its own deadline.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

/// The shortest time between two refreshes: a storm of redirects makes one refresh, not one
/// per command.
const MIN_GAP: Duration = Duration::from_millis(50);
/// The longest random pause before a requested refresh starts.
const JITTER: Duration = Duration::from_millis(20);
/// How often the thread looks whether its client is gone.
const TICK: Duration = Duration::from_millis(100);

#[derive(Default)]
struct State {
    /// A refresh was asked for and has not started yet.
    requested: bool,
    /// Refreshes finished (successfully or not) so far.
    done: u64,
    /// Why the last refresh failed, if it did.
    last_error: Option<crate::Error>,
}

/// The state the thread and the calls share.
#[derive(Default)]
pub(crate) struct Refresh {
    state: Mutex<State>,
    wake: Condvar,
    finished: Condvar,
}

impl Refresh {
    /// Asks for a refresh; returns a ticket for [`Refresh::wait`] (the count of refreshes done
    /// so far).
    pub(crate) fn request(&self) -> u64 {
        let mut s = self.state.lock();
        s.requested = true;
        self.wake.notify_one();
        s.done
    }

    /// Waits until a refresh finishes after `ticket` was taken, or until `until`. Returns the
    /// error of the last refresh when it failed.
    pub(crate) fn wait(&self, ticket: u64, until: Instant) -> Option<crate::Error> {
        let mut s = self.state.lock();
        while s.done <= ticket {
            if self.finished.wait_until(&mut s, until).timed_out() {
                break;
            }
        }
        s.last_error.as_ref().map(copy_error)
    }

    /// Refreshes finished so far.
    pub(crate) fn done(&self) -> u64 {
        self.state.lock().done
    }

    fn finish(&self, error: Option<crate::Error>) {
        let mut s = self.state.lock();
        s.done += 1;
        s.last_error = error;
        self.finished.notify_all();
    }
}

/// An error kept for many callers: its kind and words (errors are not `Clone`).
fn copy_error(e: &crate::Error) -> crate::Error {
    match e {
        crate::Error::Cluster(c) => crate::Error::Cluster(c.clone()),
        other => super::error::cluster_error(other.kind(), other.to_string()),
    }
}

/// Starts the thread. It holds only a weak reference to the client's state between refreshes
/// and ends within [`TICK`] of the last clone being dropped.
pub(crate) fn start<T: Send + Sync + 'static>(
    shared: Arc<Refresh>,
    owner: Weak<T>,
    every: Option<Duration>,
    refresh: fn(&T) -> Result<(), crate::Error>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("redisync-cluster-refresh".into())
        .spawn(move || {
            let mut last: Option<Instant> = None;
            loop {
                {
                    let mut s = shared.state.lock();
                    // An interval too long for the clock (`Duration::MAX`) means never.
                    let periodic = every.zip(last).and_then(|(e, l)| l.checked_add(e));
                    while !s.requested && periodic.is_none_or(|p| Instant::now() < p) {
                        let _ = shared.wake.wait_for(&mut s, TICK);
                        if owner.strong_count() == 0 {
                            return;
                        }
                    }
                    s.requested = false;
                }
                // Coalesce what comes in the next moments, and spread the fleet's refreshes.
                let gap = last.map_or(Duration::ZERO, |l| MIN_GAP.saturating_sub(l.elapsed()));
                let jitter = JITTER.mul_f64(rand::random::<f64>());
                std::thread::sleep(gap.max(jitter));
                let Some(owner) = owner.upgrade() else {
                    return;
                };
                let result = refresh(&owner);
                drop(owner);
                last = Some(Instant::now());
                if let Err(e) = &result {
                    log::debug!("cluster slot map refresh failed: {e}");
                }
                shared.finish(result.err());
            }
        })
        .map(drop)
}
