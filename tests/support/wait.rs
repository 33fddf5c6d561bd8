//! Polling with a deadline.
//!
//! Tests wait for conditions (a server is up, a client connected, a counter
//! moved) by polling them, never by a fixed sleep: a fixed sleep is either
//! too short on a slow CI machine or wastes time everywhere else.

use std::thread;
use std::time::{Duration, Instant};

/// First poll interval; doubles up to [`MAX_INTERVAL`].
const FIRST_INTERVAL: Duration = Duration::from_millis(2);
/// Longest pause between two polls.
const MAX_INTERVAL: Duration = Duration::from_millis(50);

/// Calls `f` until it returns `true`, sleeping briefly between calls.
///
/// # Panics
///
/// When `deadline` passes first, with a message naming `what`.
pub fn wait_until(deadline: Duration, what: &str, mut f: impl FnMut() -> bool) {
    wait_for(deadline, what, || f().then_some(()));
}

/// Calls `f` until it returns `Some`, and returns that value.
///
/// # Panics
///
/// When `deadline` passes first, with a message naming `what`.
pub fn wait_for<T>(deadline: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    let mut interval = FIRST_INTERVAL;
    loop {
        if let Some(value) = f() {
            return value;
        }
        let elapsed = start.elapsed();
        if elapsed >= deadline {
            panic!("timed out after {deadline:?} waiting for {what}");
        }
        thread::sleep(interval.min(deadline - elapsed));
        interval = (interval * 2).min(MAX_INTERVAL);
    }
}

/// Calls `f` until it returns `Ok`, and returns that value. `Err` says why
/// the condition does not hold yet; the last one goes into the panic.
///
/// # Panics
///
/// When `deadline` passes first, with a message naming `what` and the last
/// reason.
pub fn wait_ok<T>(deadline: Duration, what: &str, mut f: impl FnMut() -> Result<T, String>) -> T {
    let start = Instant::now();
    let mut interval = FIRST_INTERVAL;
    loop {
        let reason = match f() {
            Ok(value) => return value,
            Err(reason) => reason,
        };
        let elapsed = start.elapsed();
        if elapsed >= deadline {
            panic!("timed out after {deadline:?} waiting for {what}; last: {reason}");
        }
        thread::sleep(interval.min(deadline - elapsed));
        interval = (interval * 2).min(MAX_INTERVAL);
    }
}
