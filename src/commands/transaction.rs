//! Optimistic transactions: `WATCH` keys, read, queue writes, `EXEC`; run again when a watched
//! key changed in between.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use super::args::ToArgs;
use super::groups::TransactionCommands;
use super::pipeline::Pipeline;
use super::reply::FromValue;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::resp::Value;
use crate::retry::{Backoff, FullJitterBackoff};

/// How many times [`transaction`] runs its closure before giving up on conflicts: 10.
pub const DEFAULT_TRANSACTION_ATTEMPTS: u32 = 10;

/// Runs `f` as an optimistic transaction on `keys`, retrying on conflict up to
/// [`DEFAULT_TRANSACTION_ATTEMPTS`] times (see [`transaction_with`]).
///
/// ```no_run
/// use redisync::{Connection, transaction};
/// use redisync::prelude::*;
/// let mut conn = Connection::open("redis://127.0.0.1")?;
/// // Double a counter atomically, even with other clients writing it.
/// let ((), doubled): ((), i64) = transaction(&mut conn, "counter", |conn, pipe| {
///     let now: i64 = conn.get("counter")?.unwrap_or(0);
///     pipe.set("counter", now * 2).get::<i64>("counter");
///     Ok(())
/// })?;
/// # Ok::<(), redisync::Error>(())
/// ```
pub fn transaction<T, F>(con: &mut Connection, keys: impl ToArgs, f: F) -> Result<T>
where
    T: FromValue,
    F: FnMut(&mut Connection, &mut Pipeline) -> Result<()>,
{
    transaction_with(con, keys, DEFAULT_TRANSACTION_ATTEMPTS, f)
}

/// Runs `f` as an optimistic transaction on `keys`: `WATCH keys`, then `f` reads what it needs
/// through the connection and queues its writes on the (atomic) pipeline, then `EXEC`. If a
/// watched key changed meanwhile, `EXEC` does nothing and the whole round runs again, after a
/// short random pause, up to `max_attempts` rounds. The replies of the queued commands convert
/// to `T`.
///
/// Whatever happens (the closure returns an error, returns early with nothing queued, or
/// panics), the keys are unwatched before this returns, so the connection goes back to its
/// pool clean.
///
/// # Errors
/// [`Error::Watch`] when every round met a conflict; [`Error::WatchLost`] (also of kind
/// [`ErrorKind::Watch`](crate::ErrorKind::Watch)) when the connection failed while keys were
/// watched, with the failure as its source; the closure's own error, unchanged otherwise;
/// `ExecAbort` naming a queued command the server refused; connection errors and timeouts.
pub fn transaction_with<T, F>(
    con: &mut Connection,
    keys: impl ToArgs,
    max_attempts: u32,
    f: F,
) -> Result<T>
where
    T: FromValue,
    F: FnMut(&mut Connection, &mut Pipeline) -> Result<()>,
{
    transaction_executed(con, keys, max_attempts, f)?
}

/// [`transaction_with`], its outcome split in two: `Err` when no `EXEC` ran (or a failure
/// left it unknown: [`Error::WatchLost`]), `Ok` with the conversion of the replies once an
/// `EXEC` answered them. An error reply among those replies (a script's own text can read
/// `ASK`, `MOVED` or `TRYAGAIN`) becomes an error of that kind when converted, yet the
/// transaction ran: a caller that retries must never take it for one that did not run.
pub(crate) fn transaction_executed<T, F>(
    con: &mut Connection,
    keys: impl ToArgs,
    max_attempts: u32,
    mut f: F,
) -> Result<Result<T>>
where
    T: FromValue,
    F: FnMut(&mut Connection, &mut Pipeline) -> Result<()>,
{
    if max_attempts == 0 {
        return Err(Error::invalid("max_attempts", "must be at least 1"));
    }
    let mut pipe = Pipeline::new();
    for attempt in 1..=max_attempts {
        con.watch(&keys)?;
        let mut watched = Watched(&mut *con);
        pipe.clear();
        pipe.atomic();
        f(&mut watched, &mut pipe).map_err(lost_while_watching)?;
        if pipe.is_empty() {
            // Nothing to write: no EXEC, the guard unwatches.
            return Ok(T::from_value(Value::Array(Vec::new())));
        }
        match pipe.query::<Value>(&mut *watched) {
            Ok(v) => return Ok(T::from_value(v)),
            Err(Error::Watch) if attempt < max_attempts => {
                log::debug!("transaction conflict, attempt {attempt} of {max_attempts}");
                drop(watched);
                pause(con, attempt);
            }
            Err(e) => return Err(lost_while_watching(e)),
        }
    }
    Err(Error::Watch)
}

/// A connection failure while keys are watched becomes a watch error carrying its cause: the
/// watch died with the connection, so the transaction cannot be trusted to any retry.
fn lost_while_watching(e: Error) -> Error {
    if e.breaks_connection() {
        Error::WatchLost(Box::new(e))
    } else {
        e
    }
}

/// A short random pause, growing with the attempt (full jitter from 1 ms doubling up to
/// 50 ms, the retry layer's backoff), so that competing writers spread out instead of colliding
/// again in lockstep; never past the deadline of the call the transaction runs in.
fn pause(con: &Connection, attempt: u32) {
    let backoff = FullJitterBackoff::new(Duration::from_millis(1), Duration::from_millis(50))
        .unwrap_or_default();
    con.pause(backoff.delay(attempt, Duration::ZERO));
}

/// The connection while keys are watched: unwatches on every way out, panics included.
struct Watched<'a>(&'a mut Connection);

impl Deref for Watched<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.0
    }
}

impl DerefMut for Watched<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.0
    }
}

impl Drop for Watched<'_> {
    fn drop(&mut self) {
        // EXEC already ended the watch when it ran; otherwise undo it. A broken connection
        // cannot be used and will not be reused either.
        if self.0.is_watching() && !self.0.is_broken() && self.0.pending_replies() == 0 {
            if let Err(e) = self.0.unwatch() {
                log::debug!("UNWATCH after a transaction failed: {e}");
            }
        }
    }
}
