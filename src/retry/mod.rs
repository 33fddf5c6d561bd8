//! The retry layer: which failures are retried ([`Retry`]), how long to wait between
//! attempts ([`Backoff`]), and the loop that runs attempts under both.
//!
//! The [`Backoff`] trait turns "this call has failed `n` times" into a delay. Seven
//! implementations carry the names and formulas of redis-py's backoff classes, so a redis-py
//! user finds the one they know: [`NoBackoff`], [`ConstantBackoff`], [`ExponentialBackoff`],
//! [`FullJitterBackoff`], [`EqualJitterBackoff`], [`DecorrelatedJitterBackoff`] and
//! [`ExponentialWithJitterBackoff`]. The [`Backoff`] documentation has the table of formulas.
//!
//! A backoff holds only its settings. The per-call state (the failure count and the previous
//! delay) lives in the retry loop, so one backoff value serves any number of threads at once.
//! The same backoffs pace a subscriber's reconnects and a transaction's pauses after a
//! conflict.

mod backoff;
mod policy;
mod run;

pub use backoff::*;
pub use policy::{DEFAULT_RETRIES, Retry, last_attempts};
pub(crate) use run::{Counters, Failure, Try, run};
