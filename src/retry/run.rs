//! The retry loop, for anything that makes attempts: a client's commands and pipelines today,
//! a cluster's redirects and a maintenance move tomorrow. One attempt at a time; between them
//! the policy decides whether to try again (after a backoff, within the call's deadline),
//! to go to another address, or to give up and return the last error unchanged.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::policy::{Attempt, Retry, record_attempts};
use crate::deadline::Budget;
use crate::error::{Error, ErrorKind, Redirect};

/// A failed attempt, with what the decision needs to know about it.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    /// The server may have run (some of) the request: it was written, and no reply says it
    /// did not run.
    pub(crate) may_have_run: bool,
    /// Running the request twice is harmless (the table says so, or the caller did).
    pub(crate) safe_to_repeat: bool,
}

impl Failure {
    /// A failure before anything was sent (no connection, a pool timeout, bad input).
    pub(crate) fn before_sending(error: Error) -> Failure {
        Failure {
            error,
            may_have_run: false,
            safe_to_repeat: true,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::before_sending(error)
    }
}

/// What the loop does after a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// Try again, at the same place, after this pause.
    Retry(Duration),
    /// Try again at another address at once (a redirect; a maintenance move).
    Elsewhere(Redirect),
    /// Return the error.
    GiveUp,
}

/// What an attempt is told: its number (1 for the first) and where to go, when the last
/// failure said to go elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Try {
    pub(crate) number: u32,
    pub(crate) target: Option<Redirect>,
}

/// Counters shared by a client and its clones.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) retries: AtomicU64,
    pub(crate) gave_up: AtomicU64,
    pub(crate) redirects: AtomicU64,
}

/// How many redirects one call follows before it gives up (the deadline bounds them too).
const MAX_REDIRECTS: u32 = 16;

/// Runs `attempt` until it succeeds or the policy gives up, within `call` (the call's whole
/// budget: no pause sleeps past it and no attempt starts after it). `follow_redirects`: whether
/// the caller can go to another address (a single server cannot; a `MOVED` is then an error).
pub(crate) fn run<T>(
    policy: &Retry,
    call: Budget,
    counters: &Counters,
    follow_redirects: bool,
    mut attempt: impl FnMut(&Try) -> Result<T, Failure>,
) -> Result<T, Error> {
    // The clock is read only when a deadline needs it.
    let started = call.deadline.instant().map(|_| Instant::now());
    let mut failures = 0u32;
    let mut redirects = 0u32;
    let mut previous = Duration::ZERO;
    let mut next = Try {
        number: 1,
        target: None,
    };
    loop {
        let failure = match attempt(&next) {
            Ok(v) => {
                record_attempts(next.number);
                return Ok(v);
            }
            Err(f) => f,
        };
        let decision = if follow_redirects {
            redirect(&failure.error)
                .filter(|_| redirects < MAX_REDIRECTS && !call.deadline.has_passed())
        } else {
            None
        };
        let decision = match decision {
            Some(to) => Next::Elsewhere(to),
            None => {
                failures += 1;
                decide(policy, &failure, failures, previous, started, call)
            }
        };
        match decision {
            Next::Retry(delay) => {
                log::debug!(
                    "attempt {} failed ({}): {}; retrying in {delay:?}",
                    next.number,
                    failure.error.kind(),
                    failure.error
                );
                counters.retries.fetch_add(1, Ordering::Relaxed);
                previous = delay;
                if !call.deadline.sleep(delay) {
                    return give_up(failure.error, next.number, counters);
                }
                next = Try {
                    number: next.number + 1,
                    target: None,
                };
            }
            Next::Elsewhere(to) => {
                redirects += 1;
                counters.redirects.fetch_add(1, Ordering::Relaxed);
                log::debug!("redirected to {}:{}", to.host(), to.port());
                next = Try {
                    number: next.number + 1,
                    target: Some(to),
                };
            }
            Next::GiveUp => return give_up(failure.error, next.number, counters),
        }
    }
}

fn give_up<T>(error: Error, attempts: u32, counters: &Counters) -> Result<T, Error> {
    record_attempts(attempts);
    if attempts > 1 {
        counters.gave_up.fetch_add(1, Ordering::Relaxed);
        // The caller has the error; one line per failed call would flood an outage's log.
        log::debug!("giving up after {attempts} attempts: {error}");
    }
    Err(error)
}

fn redirect(error: &Error) -> Option<Redirect> {
    match error.kind() {
        ErrorKind::Moved | ErrorKind::Ask => error.redirect().cloned(),
        _ => None,
    }
}

fn decide(
    policy: &Retry,
    failure: &Failure,
    failures: u32,
    previous: Duration,
    started: Option<Instant>,
    call: Budget,
) -> Next {
    let facts = Attempt {
        failures,
        elapsed: started.map_or(Duration::ZERO, |s| s.elapsed()),
        may_have_run: failure.may_have_run,
        safe_to_repeat: failure.safe_to_repeat,
    };
    match policy.next_delay(&failure.error, facts, previous) {
        // A pause that would end past the call's deadline is no retry at all.
        Some(delay) if call.deadline.remaining().is_none_or(|left| delay < left) => {
            Next::Retry(delay)
        }
        _ => Next::GiveUp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ServerError;
    use crate::retry::ConstantBackoff;

    fn moved() -> Error {
        Error::Server(Box::new(ServerError::parse(b"MOVED 12 127.0.0.1:7001")))
    }

    #[test]
    fn a_redirect_sends_the_next_attempt_elsewhere_only_when_the_caller_can_go() {
        let policy = Retry::new(ConstantBackoff::new(Duration::ZERO), 3);
        let counters = Counters::default();
        let mut seen = Vec::new();
        let r = run(&policy, Budget::NONE, &counters, true, |t| {
            seen.push(t.clone());
            if t.number == 1 {
                Err(Failure::before_sending(moved()))
            } else {
                Ok(t.target.as_ref().map(|r| r.port()))
            }
        });
        assert_eq!(r.unwrap(), Some(7001));
        assert_eq!(seen[0].target, None);
        assert_eq!(counters.redirects.load(Ordering::Relaxed), 1);
        // A single server cannot follow: MOVED is the caller's error, not retried.
        let r: Result<(), _> = run(&policy, Budget::NONE, &counters, false, |_| {
            Err(Failure::before_sending(moved()))
        });
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Moved);
    }

    #[test]
    fn the_call_budget_ends_retries_and_pauses() {
        let policy = Retry::new(ConstantBackoff::new(Duration::from_millis(30)), 100);
        let counters = Counters::default();
        let start = Instant::now();
        let call = Budget::after(Duration::from_millis(100), crate::TimeoutPhase::Call);
        let mut attempts = 0;
        let r: Result<(), _> = run(&policy, call, &counters, false, |_| {
            attempts += 1;
            Err(Failure::before_sending(Error::Closed))
        });
        assert!(r.is_err());
        assert!(
            start.elapsed() < Duration::from_millis(150),
            "{:?}",
            start.elapsed()
        );
        assert!((2..=4).contains(&attempts), "{attempts}");
    }

    #[test]
    fn a_request_that_may_have_run_is_not_sent_again_unless_safe() {
        let policy = Retry::new(ConstantBackoff::new(Duration::ZERO), 3);
        let counters = Counters::default();
        for (safe, want) in [(false, 1), (true, 4)] {
            let mut attempts = 0;
            let _: Result<(), _> = run(&policy, Budget::NONE, &counters, false, |_| {
                attempts += 1;
                Err(Failure {
                    error: Error::Closed,
                    may_have_run: true,
                    safe_to_repeat: safe,
                })
            });
            assert_eq!(attempts, want);
        }
    }
}
