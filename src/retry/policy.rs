//! [`Retry`]: which failures are tried again, how often, and whether a command that may
//! already have run on the server is ever sent twice.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::backoff::{Backoff, ExponentialWithJitterBackoff};
use crate::error::{Error, ErrorKind, Result};

/// The default number of retries after the first attempt: 3.
pub const DEFAULT_RETRIES: u32 = 3;

/// A retry policy: a [`Backoff`], a retry count, the error kinds that are retried, an optional
/// overall deadline, and whether commands that may already have run are replayed.
///
/// `retries` counts retries *after* the first attempt, as in redis-py: `Retry::new(b, 3)` makes
/// at most four attempts.
///
/// # What is retried
///
/// A failure is retried only if its kind is in the retry set (by default
/// [`ErrorKind::Connection`] and [`ErrorKind::Timeout`]), retries are left, and the pause
/// before the next attempt ends before the call's deadline. The last error is returned
/// unchanged; [`retry::last_attempts`](crate::retry::last_attempts) says how many attempts it
/// took.
///
/// # What is never sent twice
///
/// On top of that, a request that **may already have run** on the server is sent again only
/// if running it twice is harmless, or the caller opted in:
///
/// - **May have run.** A single command may have run once all of it was written, even when no
///   reply came (a timeout, a dropped connection). A pipeline may have run as soon as *any*
///   complete command of it was written: the server runs each command as it arrives. A
///   `MULTI`/`EXEC` transaction may have run only once its `EXEC` was written whole (before
///   that, the server discards it with the connection), unless it holds an `EXEC`, `DISCARD`
///   or `RESET` of its own, which ends it early: then it counts as a pipeline. A failure
///   before any of that (no
///   connection, a refused connect, a write cut before the first command ended) is always safe
///   to retry.
/// - **An error reply is proof it did not run**, for an ordinary command: `LOADING`,
///   `TRYAGAIN` and the like mean the server refused it, so they are retried whenever their
///   kind is in the set. Not for a script or a function (`EVAL`, `EVALSHA`, `FCALL` and their
///   `_RO` forms): their error may come from code that already did part of its work, so they
///   count as "may have run".
/// - **Harmless to repeat** is a column of the command table
///   ([`Repeat::Safe`](crate::commands::table::Repeat)): commands that change no data and no
///   server state (every read, `PING`, `INFO`, `SCRIPT LOAD`, ...). A pipeline is harmless to
///   repeat when every command in it is. Writes are not, **a plain `SET` included**: sent again
///   after another client wrote the key in between, it would overwrite the newer value, so a
///   lost `SET` reply is returned as an error rather than re-sent.
/// - **Opting in**: [`Cmd::idempotent`](crate::Cmd::idempotent) for one command,
///   [`Pipeline::idempotent`](crate::Pipeline::idempotent) for a pipeline, or
///   [`Retry::replay_writes`] for every call of a client. A transaction follows the same rule:
///   once its `EXEC` was written it is sent again only if every command in it is harmless to
///   repeat, or the caller opted in. ([`transaction`](crate::transaction)'s `WATCH` rounds are
///   never re-sent after a connection failure: that is [`Error::WatchLost`].)
///
/// This is where the crate differs from redis-py, which re-sends whatever failed: there, a Lua
/// script that increments a counter and then outlives the socket timeout runs eleven times
/// under the default policy. Here it runs once.
///
/// Authentication failures are not retried by default: a wrong password stays wrong, and
/// retrying it only delays the error (redis-py retries it ten times). Add
/// [`ErrorKind::Authentication`] with [`Retry::retry_on_error`] where credentials rotate. A TLS
/// failure ([`ErrorKind::Tls`]), such as `rediss://` aimed at a plain port, is a configuration
/// mistake and not retried either.
///
/// # The deadline
///
/// [`Retry::deadline`] bounds a whole call: waiting for a pooled connection, connecting, every
/// attempt, every reply and every pause between attempts together. The attempt still in flight
/// when it passes is cut short (its connection is closed) and the call fails with a
/// [`TimeoutPhase::Call`](crate::TimeoutPhase::Call) timeout. A blocking command's own wait
/// (`BLPOP k 30`) is added to it. It is a bound on each call of the client: a
/// [`Script`](crate::Script) meeting `NOSCRIPT` makes two more (`SCRIPT LOAD`, then `EVALSHA`
/// again), each with its own; [`Client::with_timeout`](crate::Client::with_timeout) bounds all
/// three together.
///
/// ```
/// use std::time::Duration;
/// use redisync::{ErrorKind, ExponentialBackoff, Retry};
/// let retry = Retry::new(ExponentialBackoff::new(Duration::from_millis(5), Duration::from_millis(200))?, 5)
///     .retry_on_error([ErrorKind::BusyLoading, ErrorKind::TryAgain])?
///     .deadline(Duration::from_secs(2));
/// assert_eq!(retry.retries(), 5);
/// assert!(retry.retries_kind(ErrorKind::BusyLoading));
/// # Ok::<(), redisync::Error>(())
/// ```
#[derive(Clone)]
pub struct Retry {
    backoff: Arc<dyn Backoff>,
    retries: u32,
    kinds: BTreeSet<ErrorKind>,
    deadline: Option<Duration>,
    replay_writes: bool,
}

impl Retry {
    /// Retries the default kinds (connection errors and timeouts) `retries` times after the
    /// first attempt, waiting as `backoff` says.
    pub fn new(backoff: impl Backoff + 'static, retries: u32) -> Retry {
        Retry {
            backoff: Arc::new(backoff),
            retries,
            kinds: [ErrorKind::Connection, ErrorKind::Timeout].into(),
            deadline: None,
            replay_writes: false,
        }
    }

    /// No retries at all: one attempt.
    pub fn none() -> Retry {
        Retry::new(super::backoff::NoBackoff, 0)
    }

    /// Replaces the set of retried error kinds (redis-py's `supported_errors`).
    ///
    /// # Errors
    /// Invalid input when a kind can never succeed on a second try (see
    /// [`Retry::retry_on_error`]).
    pub fn supported_errors(mut self, kinds: impl IntoIterator<Item = ErrorKind>) -> Result<Retry> {
        self.kinds.clear();
        self.retry_on_error(kinds)
    }

    /// Adds error kinds to the retried set, such as [`ErrorKind::BusyLoading`] (the server is
    /// loading its data) or [`ErrorKind::TryAgain`].
    ///
    /// # Errors
    /// Invalid input for a kind that the same request can never fix by being sent again:
    /// [`ErrorKind::InvalidInput`] and [`ErrorKind::Conversion`] (decided on this side, before
    /// or after the server answered) and [`ErrorKind::Watch`] (a transaction is re-run by
    /// [`transaction`](crate::transaction), not re-sent). Refusing them at build time beats a
    /// setting that silently does nothing.
    pub fn retry_on_error(mut self, kinds: impl IntoIterator<Item = ErrorKind>) -> Result<Retry> {
        for kind in kinds {
            if matches!(
                kind,
                ErrorKind::InvalidInput | ErrorKind::Conversion | ErrorKind::Watch
            ) {
                return Err(Error::invalid(
                    "retry_on_error",
                    format!("a {kind} can never succeed by sending the same request again"),
                ));
            }
            self.kinds.insert(kind);
        }
        Ok(self)
    }

    /// A deadline for the whole of one call: pool wait, connect, every attempt, every reply
    /// and every backoff pause together; the attempt in flight when it passes is cut short.
    /// [`Duration::MAX`] means no limit. See "The deadline" above.
    pub fn deadline(mut self, deadline: Duration) -> Retry {
        self.deadline = Some(deadline);
        self
    }

    /// Opt in to re-sending commands that may already have run (writes whose reply was lost),
    /// for callers whose writes are idempotent by design. Off by default.
    pub fn replay_writes(mut self, replay: bool) -> Retry {
        self.replay_writes = replay;
        self
    }

    /// Retries after the first attempt.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Whether errors of `kind` are retried.
    pub fn retries_kind(&self, kind: ErrorKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The overall deadline, if any.
    pub fn deadline_value(&self) -> Option<Duration> {
        self.deadline
    }

    /// The budget of one call under this policy: its deadline, extended by a blocking
    /// command's own `wait` (a `BLPOP k 30` is not cut at a 10 s deadline), and `limit`
    /// (`with_timeout`), whichever ends first.
    pub(crate) fn call_budget(
        &self,
        wait: crate::commands::table::Wait,
        limit: Option<Duration>,
    ) -> crate::deadline::Budget {
        use crate::deadline::Budget;
        use crate::error::TimeoutPhase;
        let policy = match self.deadline {
            Some(d) => match wait.extend(d) {
                Some(total) => Budget::after(total, TimeoutPhase::Call),
                None => Budget::NONE,
            },
            None => Budget::NONE,
        };
        match limit {
            Some(d) => Budget::after(d, TimeoutPhase::Call).min(policy),
            None => policy,
        }
    }

    /// The backoff.
    pub fn backoff(&self) -> &dyn Backoff {
        &*self.backoff
    }

    /// Whether commands that may already have run are re-sent.
    pub fn replays_writes(&self) -> bool {
        self.replay_writes
    }

    /// Decides about one failure of a call: `Some(delay)` to try again after `delay`, `None` to
    /// give up. `failures` counts failed attempts so far (1 after the first), `previous` is
    /// the last delay, `elapsed` the time since the call began, `may_have_run` whether the
    /// server may have executed the request, `safe_to_repeat` whether repeating it is harmless.
    pub(crate) fn next_delay(
        &self,
        error: &Error,
        attempt: Attempt,
        previous: Duration,
    ) -> Option<Duration> {
        if !self.kinds.contains(&error.kind()) || attempt.failures > self.retries {
            return None;
        }
        if attempt.may_have_run && !attempt.safe_to_repeat && !self.replay_writes {
            log::debug!("not retrying a command that may already have run: {error}");
            return None;
        }
        let delay = self.backoff.delay(attempt.failures, previous);
        if let Some(limit) = self.deadline {
            if attempt.elapsed.saturating_add(delay) >= limit {
                return None;
            }
        }
        Some(delay)
    }
}

thread_local! {
    static LAST_ATTEMPTS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// How many attempts the last client call on this thread made (1 when it succeeded or failed
/// at once, more after retries; 0 before any call). Calls are synchronous, so this is the call
/// that just returned: when retries run out the error comes back unchanged, and this says how
/// many attempts it took.
///
/// ```no_run
/// use redisync::{Client};
/// use redisync::prelude::*;
/// let client = Client::open("redis://127.0.0.1")?;
/// if let Err(e) = client.get::<String>("k") {
///     eprintln!("failed after {} attempts: {e}", redisync::retry::last_attempts());
/// }
/// # Ok::<(), redisync::Error>(())
/// ```
pub fn last_attempts() -> u32 {
    LAST_ATTEMPTS.with(|c| c.get())
}

pub(crate) fn record_attempts(n: u32) {
    LAST_ATTEMPTS.with(|c| c.set(n));
}

/// What the retry decision needs to know about one failed attempt.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempt {
    pub(crate) failures: u32,
    pub(crate) elapsed: Duration,
    pub(crate) may_have_run: bool,
    pub(crate) safe_to_repeat: bool,
}

impl Default for Retry {
    /// Three retries with exponential backoff and jitter, 10 ms base and 1 s cap
    /// (redis-py 8.x's backoff; it makes ten retries, we make three so that a blackholed
    /// server costs at most four timeouts).
    fn default() -> Retry {
        Retry::new(ExponentialWithJitterBackoff::default(), DEFAULT_RETRIES)
    }
}

impl fmt::Debug for Retry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry")
            .field("backoff", &self.backoff)
            .field("retries", &self.retries)
            .field("kinds", &self.kinds)
            .field("deadline", &self.deadline)
            .field("replay_writes", &self.replay_writes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::ConstantBackoff;

    fn attempt(failures: u32, may_have_run: bool, safe: bool) -> Attempt {
        Attempt {
            failures,
            elapsed: Duration::ZERO,
            may_have_run,
            safe_to_repeat: safe,
        }
    }

    #[test]
    fn retries_count_after_the_first_attempt_and_only_listed_kinds() {
        let r = Retry::new(ConstantBackoff::new(Duration::from_millis(1)), 2);
        let conn = Error::Closed;
        assert!(
            r.next_delay(&conn, attempt(1, false, false), Duration::ZERO)
                .is_some()
        );
        assert!(
            r.next_delay(&conn, attempt(2, false, false), Duration::ZERO)
                .is_some()
        );
        assert!(
            r.next_delay(&conn, attempt(3, false, false), Duration::ZERO)
                .is_none()
        );
        let wrongtype = Error::Server(Box::new(crate::ServerError::parse(b"WRONGTYPE x")));
        assert!(
            r.next_delay(&wrongtype, attempt(1, false, false), Duration::ZERO)
                .is_none()
        );
        assert!(
            Retry::none()
                .next_delay(&conn, attempt(1, false, true), Duration::ZERO)
                .is_none()
        );
    }

    #[test]
    fn a_command_that_may_have_run_is_repeated_only_when_safe_or_opted_in() {
        let r = Retry::default();
        let t = Error::timeout(crate::TimeoutPhase::Read, Duration::from_secs(1));
        assert!(
            r.next_delay(&t, attempt(1, true, false), Duration::ZERO)
                .is_none()
        );
        assert!(
            r.next_delay(&t, attempt(1, true, true), Duration::ZERO)
                .is_some()
        );
        assert!(
            r.next_delay(&t, attempt(1, false, false), Duration::ZERO)
                .is_some()
        );
        let opted = Retry::default().replay_writes(true);
        assert!(
            opted
                .next_delay(&t, attempt(1, true, false), Duration::ZERO)
                .is_some()
        );
    }

    #[test]
    fn deadline_stops_retries_that_would_end_past_it() {
        let r = Retry::new(ConstantBackoff::new(Duration::from_millis(100)), 10)
            .deadline(Duration::from_millis(250));
        let mut a = attempt(1, false, false);
        a.elapsed = Duration::from_millis(100);
        assert!(r.next_delay(&Error::Closed, a, Duration::ZERO).is_some());
        a.elapsed = Duration::from_millis(160);
        assert!(r.next_delay(&Error::Closed, a, Duration::ZERO).is_none());
    }

    #[test]
    fn kinds_that_can_never_succeed_again_are_refused() {
        for kind in [
            ErrorKind::InvalidInput,
            ErrorKind::Conversion,
            ErrorKind::Watch,
        ] {
            let e = Retry::default().retry_on_error([kind]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
        }
        let r = Retry::default()
            .supported_errors([ErrorKind::BusyLoading])
            .unwrap();
        assert!(r.retries_kind(ErrorKind::BusyLoading) && !r.retries_kind(ErrorKind::Connection));
    }
}
