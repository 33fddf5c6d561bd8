//! The retry layer: which failures are retried ([`Retry`]), and how long to wait between
//! attempts ([`Backoff`]).
//!
//! The [`Backoff`] trait turns "this call has failed `n` times" into a delay. Seven
//! implementations carry the names and formulas of redis-py's backoff classes, so a redis-py
//! user finds the one they know: [`NoBackoff`], [`ConstantBackoff`], [`ExponentialBackoff`],
//! [`FullJitterBackoff`], [`EqualJitterBackoff`], [`DecorrelatedJitterBackoff`] and
//! [`ExponentialWithJitterBackoff`]. The [`Backoff`] documentation has the table of formulas.
//!
//! A backoff holds only its settings. The per-call state (the failure count and the previous
//! delay) lives in the retry loop, so one backoff value serves any number of threads at once.

mod backoff;
mod policy;

pub use backoff::*;
pub(crate) use policy::{Attempt, record_attempts};
pub use policy::{DEFAULT_RETRIES, Retry, last_attempts};
