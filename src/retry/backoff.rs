//! The [`Backoff`] trait and the seven redis-py backoff formulas.
//!
//! All arithmetic runs on whole nanoseconds in `u128`, where `base · 2^f` is checked and
//! saturates at the cap, so no setting and no failure count can overflow or panic. Only
//! [`ExponentialWithJitterBackoff`] multiplies by a random fraction in `f64`, because its jitter
//! is applied before the cap, to a product that may exceed every `Duration`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};

/// The base delay that [`Default`] gives every exponential and jittered backoff: 10 ms.
///
/// This is the base of redis-py 8.x's default retry policy for `Redis()`
/// (`ExponentialWithJitterBackoff(base=0.01, cap=1)`). redis-py's backoff classes on their own
/// default to 8 ms; the client's default is what users actually run with, so it is ours.
pub const DEFAULT_BACKOFF_BASE: Duration = Duration::from_millis(10);

/// The cap that [`Default`] gives every exponential and jittered backoff: 1 s.
///
/// Like [`DEFAULT_BACKOFF_BASE`], this is redis-py 8.x's default for `Redis()` (its backoff
/// classes alone default to 512 ms).
pub const DEFAULT_BACKOFF_CAP: Duration = Duration::from_secs(1);

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// How long to wait before retrying a call that has failed.
///
/// A retry loop calls [`delay`](Backoff::delay) after each failure, passing the number of failed
/// attempts so far (`1` after the first, as in redis-py) and the delay this method returned after
/// the previous failure of the same call ([`Duration::ZERO`] the first time).
///
/// # Formulas
///
/// `f` is `failures`, `U(a, b)` a uniform draw from `a` to `b`, `R` a uniform draw from
/// `[0, 1)`, and `previous` the argument of that name. The defaults are the [`Default`] impls,
/// [`DEFAULT_BACKOFF_BASE`] (10 ms) and [`DEFAULT_BACKOFF_CAP`] (1 s).
///
/// | type | delay | range | [`Default`] |
/// |---|---|---|---|
/// | [`NoBackoff`] | `0` | `0` | – |
/// | [`ConstantBackoff`] | `d` | `d` | `d` = 10 ms |
/// | [`ExponentialBackoff`] | `min(cap, base·2^f)` | `[min(cap, 2·base), cap]` | 10 ms, 1 s |
/// | [`FullJitterBackoff`] | `U(0, min(cap, base·2^f))` | `[0, cap]` | 10 ms, 1 s |
/// | [`EqualJitterBackoff`] | `t + U(0, t)` where `t = min(cap, base·2^f) / 2` | `[min(cap, 2·base) / 2, cap]` | 10 ms, 1 s |
/// | [`DecorrelatedJitterBackoff`] | `min(cap, U(base, max(base, 3·previous)))`, `f` ignored | `[base, cap]` | 10 ms, 1 s |
/// | [`ExponentialWithJitterBackoff`] | `min(cap, R·base·2^f)`: jitter *before* the cap | `[0, cap]` | 10 ms, 1 s |
///
/// The first exponential delay is `2·base`, not `base`, because redis-py starts counting
/// failures at 1. `base·2^f` saturates: for any `f`, however large, the exponential delay stays
/// at the cap. No implementation in this crate returns more than its cap.
///
/// [`ExponentialWithJitterBackoff`] differs from [`FullJitterBackoff`] only in where the cap
/// goes: jittering `base·2^f` and then capping means that once `base·2^f` is far above the cap,
/// almost every delay *is* the cap. This is redis-py's formula, and its default for `Redis()`
/// since 8.0 (10 retries, base 10 ms, cap 1 s: at most about 5.3 s of sleeping in all).
///
/// # Why the state is an argument
///
/// redis-py's `DecorrelatedJitterBackoff` keeps the previous delay inside the object and resets
/// it at the start of each call, so two threads sharing one retry policy overwrite each other's
/// state. Here the caller's retry loop owns that state and passes it in, every implementation
/// is a plain value behind `&self`, and a single backoff (for example in an
/// `Arc<dyn Backoff>`) serves any number of threads at once.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use redisync::{Backoff, DecorrelatedJitterBackoff, ExponentialBackoff};
///
/// let ms = Duration::from_millis;
/// let exp = ExponentialBackoff::new(ms(10), ms(100))?; // (base, cap)
/// let delays: Vec<Duration> = (1..=5).map(|f| exp.delay(f, Duration::ZERO)).collect();
/// assert_eq!(delays, [ms(20), ms(40), ms(80), ms(100), ms(100)]);
/// assert_eq!(exp.delay(u32::MAX, Duration::ZERO), ms(100)); // saturates at the cap
///
/// // A retry loop threads the previous delay through itself.
/// let jitter = DecorrelatedJitterBackoff::default(); // base 10 ms, cap 1 s
/// let mut previous = Duration::ZERO;
/// for failures in 1..=5 {
///     previous = jitter.delay(failures, previous);
///     assert!(ms(10) <= previous && previous <= Duration::from_secs(1));
/// }
/// # Ok::<(), redisync::Error>(())
/// ```
///
/// Your own policy is one method; keep it within a bound so retries stay predictable:
///
/// ```
/// use std::time::Duration;
///
/// /// 50 ms per failure, at most half a second.
/// #[derive(Debug)]
/// struct Linear;
///
/// impl redisync::Backoff for Linear {
///     fn delay(&self, failures: u32, _previous: Duration) -> Duration {
///         Duration::from_millis(50).saturating_mul(failures).min(Duration::from_millis(500))
///     }
/// }
///
/// let policy: std::sync::Arc<dyn redisync::Backoff> = std::sync::Arc::new(Linear);
/// assert_eq!(policy.delay(3, Duration::ZERO), Duration::from_millis(150));
/// ```
pub trait Backoff: Send + Sync + fmt::Debug {
    /// The delay before the next attempt, after `failures` failed attempts (`1` after the
    /// first) and a previous delay of `previous` ([`Duration::ZERO`] after the first failure).
    ///
    /// Only [`DecorrelatedJitterBackoff`] reads `previous`; the others ignore it. Implementations
    /// must not panic for any `failures`, `0` and `u32::MAX` included.
    fn delay(&self, failures: u32, previous: Duration) -> Duration;
}

impl<B: Backoff + ?Sized> Backoff for &B {
    fn delay(&self, failures: u32, previous: Duration) -> Duration {
        (**self).delay(failures, previous)
    }
}

impl<B: Backoff + ?Sized> Backoff for Box<B> {
    fn delay(&self, failures: u32, previous: Duration) -> Duration {
        (**self).delay(failures, previous)
    }
}

impl<B: Backoff + ?Sized> Backoff for Arc<B> {
    fn delay(&self, failures: u32, previous: Duration) -> Duration {
        (**self).delay(failures, previous)
    }
}

/// No delay at all: every retry follows its failure at once.
///
/// redis-py's `NoBackoff` (a `ConstantBackoff(0)`). Its [`Default`] is the only value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NoBackoff;

impl Backoff for NoBackoff {
    fn delay(&self, _failures: u32, _previous: Duration) -> Duration {
        Duration::ZERO
    }
}

/// The same delay after every failure.
///
/// redis-py's `ConstantBackoff(backoff)`. [`Default`] is 10 ms ([`DEFAULT_BACKOFF_BASE`]);
/// redis-py has no default for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConstantBackoff {
    delay: Duration,
}

impl ConstantBackoff {
    /// A backoff that always waits `delay`. Any duration is valid; zero behaves as [`NoBackoff`].
    pub const fn new(delay: Duration) -> ConstantBackoff {
        ConstantBackoff { delay }
    }

    /// The delay returned after every failure.
    pub const fn duration(&self) -> Duration {
        self.delay
    }
}

impl Default for ConstantBackoff {
    fn default() -> ConstantBackoff {
        ConstantBackoff::new(DEFAULT_BACKOFF_BASE)
    }
}

impl Backoff for ConstantBackoff {
    fn delay(&self, _failures: u32, _previous: Duration) -> Duration {
        self.delay
    }
}

/// Defines a backoff type whose settings are a base and a cap, with its constructor, accessors
/// and `Default`; the formula is written out by hand below each one.
macro_rules! base_cap_backoff {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name {
            base: Duration,
            cap: Duration,
        }

        impl $name {
            /// A backoff with this `base` and `cap`, in that order.
            ///
            /// redis-py's constructors take `(cap, base)`; this one puts the smaller value first
            /// and checks it: [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) when
            /// `cap` is zero, `base` is zero (every delay would be zero: use [`NoBackoff`]) or
            /// `cap` is below `base`.
            pub fn new(base: Duration, cap: Duration) -> Result<$name> {
                check_base_cap(stringify!($name), base, cap)?;
                Ok($name { base, cap })
            }

            /// The base delay.
            pub const fn base(&self) -> Duration {
                self.base
            }

            /// The longest delay this backoff returns.
            pub const fn cap(&self) -> Duration {
                self.cap
            }
        }

        impl Default for $name {
            /// Base 10 ms ([`DEFAULT_BACKOFF_BASE`]) and cap 1 s ([`DEFAULT_BACKOFF_CAP`]),
            /// redis-py 8.x's values for `Redis()`.
            fn default() -> $name {
                $name {
                    base: DEFAULT_BACKOFF_BASE,
                    cap: DEFAULT_BACKOFF_CAP,
                }
            }
        }
    };
}

base_cap_backoff! {
    /// `min(cap, base·2^f)`: doubles after each failure until it reaches the cap, then stays.
    ///
    /// redis-py's `ExponentialBackoff`. With the [`Default`] (base 10 ms, cap 1 s) the delays
    /// are 20, 40, 80, 160, 320, 640 ms, then 1 s for good. No randomness: clients that fail
    /// together retry together, which the jittered variants avoid.
    ExponentialBackoff
}

impl Backoff for ExponentialBackoff {
    fn delay(&self, failures: u32, _previous: Duration) -> Duration {
        from_nanos(capped_exponential(self.base, self.cap, failures))
    }
}

base_cap_backoff! {
    /// `U(0, min(cap, base·2^f))`: anywhere from zero up to the exponential delay.
    ///
    /// redis-py's `FullJitterBackoff`. Spreads retries out the most; the average is half the
    /// exponential delay. [`Default`]: base 10 ms, cap 1 s.
    FullJitterBackoff
}

impl Backoff for FullJitterBackoff {
    fn delay(&self, failures: u32, _previous: Duration) -> Duration {
        let top = capped_exponential(self.base, self.cap, failures);
        from_nanos(rand::random_range(0..=top))
    }
}

base_cap_backoff! {
    /// `t + U(0, t)` with `t = min(cap, base·2^f) / 2`: between half and all of the
    /// exponential delay.
    ///
    /// redis-py's `EqualJitterBackoff` (and its `default_backoff()`). Keeps a floor under each
    /// delay while still spreading retries; the average is three quarters of the exponential
    /// delay. [`Default`]: base 10 ms, cap 1 s.
    EqualJitterBackoff
}

impl Backoff for EqualJitterBackoff {
    fn delay(&self, failures: u32, _previous: Duration) -> Duration {
        let top = capped_exponential(self.base, self.cap, failures);
        let half = top / 2;
        // `top - half` rather than `half` again, so an odd nanosecond count still reaches `top`.
        from_nanos(half + rand::random_range(0..=top - half))
    }
}

base_cap_backoff! {
    /// `min(cap, U(base, max(base, 3·previous)))`: each delay is drawn from base up to three
    /// times the previous one; the failure count is ignored.
    ///
    /// redis-py's `DecorrelatedJitterBackoff`, without its shared state: the previous delay is
    /// the `previous` argument of [`Backoff::delay`], so the first delay of every call is `base`
    /// and one value is safe to share between threads. Always within `[base, cap]`.
    /// [`Default`]: base 10 ms, cap 1 s.
    DecorrelatedJitterBackoff
}

impl Backoff for DecorrelatedJitterBackoff {
    fn delay(&self, _failures: u32, previous: Duration) -> Duration {
        let base = self.base.as_nanos();
        let top = previous.as_nanos().saturating_mul(3).max(base);
        from_nanos(rand::random_range(base..=top).min(self.cap.as_nanos()))
    }
}

base_cap_backoff! {
    /// `min(cap, R·base·2^f)` with `R` uniform in `[0, 1)`: the jitter is applied *before* the
    /// cap.
    ///
    /// redis-py's `ExponentialWithJitterBackoff`, and the backoff of redis-py 8.x's default
    /// retry policy (base 10 ms, cap 1 s, which is also this type's [`Default`]). While
    /// `base·2^f` is below the cap this is [`FullJitterBackoff`]; once `base·2^f` passes the cap,
    /// a growing share of the draws land on the cap itself, and for large `f` nearly all do.
    ExponentialWithJitterBackoff
}

impl Backoff for ExponentialWithJitterBackoff {
    fn delay(&self, failures: u32, _previous: Duration) -> Duration {
        let cap = self.cap.as_nanos();
        let r: f64 = rand::random();
        // Past 2^200 the product exceeds every possible cap (at most about 2^94 ns) for any
        // nonzero `r` and base, so clamping the exponent changes no result and keeps the f64
        // finite.
        let exponent = i32::try_from(failures.min(200)).unwrap_or(200);
        let jittered = r * self.base.as_nanos() as f64 * 2f64.powi(exponent);
        let nanos = if jittered >= cap as f64 {
            cap
        } else {
            // A float-to-int `as` truncates toward zero and saturates; never above the cap.
            (jittered as u128).min(cap)
        };
        from_nanos(nanos)
    }
}

/// Rejects settings whose formulas make no sense: a zero cap, a zero base, a cap below the base.
fn check_base_cap(name: &str, base: Duration, cap: Duration) -> Result<()> {
    if cap.is_zero() {
        return Err(Error::invalid(
            format!("{name} cap"),
            "must be positive (a zero cap makes every delay zero: use NoBackoff)",
        ));
    }
    if base.is_zero() {
        return Err(Error::invalid(
            format!("{name} base"),
            "must be positive (a zero base makes every delay zero: use NoBackoff)",
        ));
    }
    if cap < base {
        return Err(Error::invalid(
            format!("{name} cap"),
            format!("cap {cap:?} is below base {base:?} (the order is new(base, cap))"),
        ));
    }
    Ok(())
}

/// `min(cap, base·2^failures)` in nanoseconds, saturating at the cap instead of overflowing.
fn capped_exponential(base: Duration, cap: Duration, failures: u32) -> u128 {
    let (base, cap) = (base.as_nanos(), cap.as_nanos());
    if failures >= u128::BITS {
        return cap;
    }
    base.checked_mul(1u128 << failures)
        .map_or(cap, |d| d.min(cap))
}

/// A nanosecond count back to a `Duration`. Every count here is at most a cap that came from a
/// `Duration`, so the seconds always fit; saturate anyway rather than panic.
fn from_nanos(nanos: u128) -> Duration {
    let secs = u64::try_from(nanos / NANOS_PER_SEC).unwrap_or(u64::MAX);
    // The remainder is below 10^9 and so fits in a u32.
    let sub = u32::try_from(nanos % NANOS_PER_SEC).unwrap_or(0);
    Duration::new(secs, sub)
}

#[cfg(test)]
mod tests;
