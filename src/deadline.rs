//! [`Deadline`]: the one bound every blocking step of a call is measured against.

use std::fmt;
use std::time::{Duration, Instant};

/// A point in time by which something must be done, or no limit at all.
///
/// Every wait in the crate (pool checkout, name resolution, connect, TLS handshake, each write,
/// each read, backoff sleeps) is bounded by one of these, and the deadlines of one call are
/// combined with [`Deadline::min`], so the earliest always wins. Building one never panics:
/// a duration too long to add to the clock, [`Duration::MAX`] included, means "no limit".
///
/// ```
/// use std::time::Duration;
/// use redisync::Deadline;
/// let soon = Deadline::after(Duration::from_millis(50));
/// assert!(soon.remaining().unwrap() <= Duration::from_millis(50));
/// assert!(Deadline::after(Duration::MAX).is_unlimited());
/// assert_eq!(soon.min(Deadline::NONE), soon);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No limit.
    pub const NONE: Deadline = Deadline(None);

    /// `timeout` from now; no limit when the clock cannot represent it.
    pub fn after(timeout: Duration) -> Deadline {
        Deadline::from_start(Instant::now(), timeout)
    }

    /// `timeout` after `start`; no limit when the clock cannot represent it.
    #[inline]
    pub fn from_start(start: Instant, timeout: Duration) -> Deadline {
        Deadline(start.checked_add(timeout))
    }

    /// At this instant.
    pub fn at(instant: Instant) -> Deadline {
        Deadline(Some(instant))
    }

    /// The instant, or `None` for no limit.
    pub fn instant(self) -> Option<Instant> {
        self.0
    }

    /// Whether this is no limit at all.
    pub fn is_unlimited(self) -> bool {
        self.0.is_none()
    }

    /// The earlier of two deadlines.
    #[inline]
    pub fn min(self, other: Deadline) -> Deadline {
        match (self.0, other.0) {
            (Some(a), Some(b)) => Deadline(Some(a.min(b))),
            (Some(a), None) | (None, Some(a)) => Deadline(Some(a)),
            (None, None) => Deadline(None),
        }
    }

    /// This deadline moved `by` later (no limit stays no limit; an overflow becomes no limit).
    pub fn extended(self, by: Duration) -> Deadline {
        Deadline(self.0.and_then(|i| i.checked_add(by)))
    }

    /// Time left: `None` for no limit, `Some(Duration::ZERO)` once it has passed.
    pub fn remaining(self) -> Option<Duration> {
        self.remaining_at(Instant::now())
    }

    /// Time left as seen at `now`.
    #[inline]
    pub fn remaining_at(self, now: Instant) -> Option<Duration> {
        self.0.map(|d| d.saturating_duration_since(now))
    }

    /// Whether it has passed (never, for no limit).
    pub fn has_passed(self) -> bool {
        self.remaining() == Some(Duration::ZERO)
    }

    /// Sleeps for `pause`, or until the deadline if that comes first. Returns false when the
    /// deadline cut the pause short (or had already passed).
    pub(crate) fn sleep(self, pause: Duration) -> bool {
        let (pause, whole) = match self.remaining() {
            Some(left) if left <= pause => (left, false),
            _ => (pause, true),
        };
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
        whole
    }
}

impl Default for Deadline {
    /// No limit.
    fn default() -> Deadline {
        Deadline::NONE
    }
}

impl fmt::Debug for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.remaining() {
            None => f.write_str("Deadline(none)"),
            Some(left) => write!(f, "Deadline(in {left:?})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_durations_never_panic() {
        for d in [Duration::ZERO, Duration::from_nanos(1), Duration::MAX] {
            let dl = Deadline::after(d);
            let _ = dl.remaining();
            let _ = dl.extended(Duration::MAX);
            let _ = dl.min(Deadline::NONE);
            let _ = format!("{dl:?}");
        }
        assert!(Deadline::after(Duration::MAX).is_unlimited());
        assert!(Deadline::after(Duration::ZERO).has_passed());
        assert!(!Deadline::NONE.has_passed());
        let a = Deadline::after(Duration::from_secs(1));
        let b = Deadline::after(Duration::from_secs(2));
        assert_eq!(a.min(b), a);
        assert_eq!(b.min(a), a);
        assert!(a.extended(Duration::MAX).is_unlimited());
    }

    #[test]
    fn sleep_stops_at_the_deadline() {
        let start = Instant::now();
        assert!(!Deadline::after(Duration::from_millis(20)).sleep(Duration::from_secs(5)));
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(Deadline::NONE.sleep(Duration::from_millis(1)));
    }
}

/// A deadline with what to say when it passes: which step ran out of time, and the timeout
/// the caller configured for it. The earlier of two budgets wins, and its words with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    pub(crate) deadline: Deadline,
    pub(crate) phase: crate::error::TimeoutPhase,
    pub(crate) after: Duration,
}

impl Budget {
    /// No limit (its words are never used).
    pub(crate) const NONE: Budget = Budget {
        deadline: Deadline::NONE,
        phase: crate::error::TimeoutPhase::Call,
        after: Duration::MAX,
    };

    /// `after` from `start`, for `phase`.
    #[inline]
    pub(crate) fn from_start(
        start: Instant,
        after: Duration,
        phase: crate::error::TimeoutPhase,
    ) -> Budget {
        Budget {
            deadline: Deadline::from_start(start, after),
            phase,
            after,
        }
    }

    /// `after` from now.
    pub(crate) fn after(after: Duration, phase: crate::error::TimeoutPhase) -> Budget {
        Budget::from_start(Instant::now(), after, phase)
    }

    /// The earlier of the two.
    #[inline]
    pub(crate) fn min(self, other: Budget) -> Budget {
        match (self.deadline.instant(), other.deadline.instant()) {
            (Some(a), Some(b)) if b < a => other,
            (None, Some(_)) => other,
            _ => self,
        }
    }

    /// The error for this budget having run out.
    pub(crate) fn timeout(&self) -> crate::error::Error {
        crate::error::Error::timeout(self.phase, self.after)
    }

    /// Time left (`None`: no limit), or the timeout error when none is left.
    pub(crate) fn remaining(&self) -> crate::error::Result<Option<Duration>> {
        match self.deadline.remaining() {
            Some(left) if left < Duration::from_micros(1) => Err(self.timeout()),
            other => Ok(other),
        }
    }
}

/// One step's bound, measured lazily: `timeout` from `start` for `phase` (`None`: no limit of
/// its own), inside `cap` (the call's budget). The usual step is one system call, which needs
/// only [`Span::first`], computed without reading the clock or doing time arithmetic unless a
/// call deadline is set; the deadline itself is worked out only when a second call is needed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub(crate) start: Instant,
    pub(crate) timeout: Option<Duration>,
    pub(crate) phase: crate::error::TimeoutPhase,
    pub(crate) cap: Budget,
}

impl Span {
    /// A span with no limit at all.
    pub(crate) fn unlimited(start: Instant) -> Span {
        Span {
            start,
            timeout: None,
            phase: crate::error::TimeoutPhase::Call,
            cap: Budget::NONE,
        }
    }

    /// The timeout of the first system call, started at `start` (`None`: no limit).
    #[inline]
    pub(crate) fn first(&self) -> Option<Duration> {
        match self.cap.deadline.instant() {
            None => self.timeout,
            Some(cap) => {
                let left = cap.saturating_duration_since(self.start);
                Some(self.timeout.map_or(left, |t| t.min(left)))
            }
        }
    }

    /// The deadline: the earlier of the step's own and the call's.
    pub(crate) fn deadline(&self) -> Deadline {
        let own = match self.timeout {
            Some(t) => Deadline::from_start(self.start, t),
            None => Deadline::NONE,
        };
        own.min(self.cap.deadline)
    }

    /// The error for this span having run out, in the words of whichever limit ended first.
    pub(crate) fn timeout(&self) -> crate::error::Error {
        let own = match self.timeout {
            Some(t) => Deadline::from_start(self.start, t),
            None => Deadline::NONE,
        };
        match (own.instant(), self.cap.deadline.instant()) {
            (Some(o), Some(c)) if c < o => self.cap.timeout(),
            (None, Some(_)) => self.cap.timeout(),
            _ => crate::error::Error::timeout(self.phase, self.timeout.unwrap_or(Duration::MAX)),
        }
    }
}
