//! The pool's one background thread: it closes connections idle past `idle_timeout` or older
//! than `max_lifetime`, opens connections up to `min_idle`, and, when `push_interval` is set,
//! reads push frames waiting on idle connections. It holds only a weak reference
//! to the pool and exits when the last `Client` clone (and every checked-out connection) is
//! gone; the last of those going wakes it so it exits at once.

use std::sync::{Arc, Weak};
use std::thread;
use std::time::Duration;

use super::Shared;

/// Longest sleep between two passes.
const MAX_INTERVAL: Duration = Duration::from_secs(30);
/// Shortest sleep between two passes for expiry.
const MIN_INTERVAL: Duration = Duration::from_millis(10);
/// Shortest sleep between two passes reading push frames.
const MIN_PUSH_INTERVAL: Duration = Duration::from_millis(1);

/// How long the reaper sleeps between passes, if it has anything to do.
fn interval(shared: &Shared) -> Option<Duration> {
    let cfg = &shared.config;
    let limits = [cfg.idle_timeout, cfg.max_lifetime];
    let shortest = limits
        .iter()
        .flatten()
        .min()
        .copied()
        .or(if cfg.min_idle > 0 {
            Some(MAX_INTERVAL)
        } else {
            None
        });
    // A quarter of the shortest limit: a connection outlives its limit by at most that much.
    let interval = shortest.map(|s| (s / 4).clamp(MIN_INTERVAL, MAX_INTERVAL));
    let push = shared
        .push_every()
        .map(|p| p.clamp(MIN_PUSH_INTERVAL, MAX_INTERVAL));
    [interval, push].into_iter().flatten().min()
}

/// Starts the reaper if the configuration gives it anything to do and it is not running.
pub(super) fn start(shared: &Arc<Shared>) {
    let Some(interval) = interval(shared) else {
        return;
    };
    let mut reaper = shared.reaper.lock();
    if reaper.is_some() {
        drop(reaper);
        // Running: wake it, so it takes the new interval now.
        wake(shared);
        return;
    }
    let weak: Weak<Shared> = Arc::downgrade(shared);
    let spawned = thread::Builder::new()
        .name("redisync-pool-reaper".into())
        .spawn(move || run(weak, interval));
    match spawned {
        Ok(handle) => *reaper = Some(handle.thread().clone()),
        Err(e) => log::warn!("could not start the pool reaper thread: {e}"),
    }
}

fn run(weak: Weak<Shared>, mut interval: Duration) {
    // The first pass runs at once, so `min_idle` connections are ready soon after `build`.
    loop {
        let Some(shared) = weak.upgrade() else {
            return;
        };
        // A connect hook or the push sink (the caller's code) may panic; the pool gives the
        // slots back on the way out, and the reaper goes on with its next pass.
        let pass = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Shared::maintain(&shared);
            if shared.push_every().is_some() {
                Shared::drain_idle(&shared);
            }
        }));
        if pass.is_err() {
            log::warn!("a pool maintenance pass panicked (in a connect hook or the push sink)");
        }
        interval = self::interval(&shared).unwrap_or(interval);
        drop(shared);
        thread::park_timeout(interval);
    }
}

/// Wakes the reaper early (it then finds the pool gone and exits, or does a pass).
pub(super) fn wake(shared: &Shared) {
    if let Some(t) = shared.reaper.lock().as_ref() {
        t.unpark();
    }
}
