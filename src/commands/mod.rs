//! The typed command API: [`Commands`] over anything that can [`Execute`] a request.
//!
//! Each command is defined once, as a method of [`Commands`]. The trait is implemented for
//! `&mut Connection` (and, later, for a shared `&Client`), so `conn.set("k", "v")?` works on a
//! connection without naming the trait's receiver. Methods return the type Redis fixes for the
//! command; a type parameter appears only where the payload is the caller's own (`get::<T>`).

mod args;
mod cmd;
mod flags;
mod pipeline;
mod reply;
mod scan;
mod script;
pub mod table;
mod transaction;
mod typed;

pub use args::{ToArg, ToArgs};
pub use cmd::{Cmd, Request, cmd};
pub use pipeline::{Append, Pipe, Pipeline, pipe};
pub use reply::FromValue;
pub use scan::{ScanIter, ScanOptions, hscan, scan, sscan, zscan};
pub use script::{Script, ScriptInvocation, fcall, fcall_ro, function_load};
pub use transaction::{DEFAULT_TRANSACTION_ATTEMPTS, transaction, transaction_with};
pub use typed::{Commands, SetOptions};

use crate::connection::Connection;
use crate::connection::session::SessionEffect;
use crate::error::Result;
use crate::resp::Value;

/// Something that sends a request and returns its reply: a connection (later, a client or a
/// pooled connection). This is the one seam every command passes through.
pub trait Execute {
    /// Sends `request` and reads its reply. An error reply is returned as
    /// [`Error::Server`](crate::Error::Server).
    fn execute(&mut self, request: &Request<'_>) -> Result<Value>;

    /// Sends an encoded batch of `count` commands with one write and reads all their replies,
    /// keeping error replies as values so the connection stays in step.
    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>>;
}

/// The read deadline of a blocking command told to wait forever (about 136 years).
const FOREVER: std::time::Duration = std::time::Duration::from_secs(u32::MAX as u64);

/// Commands already encoded back to back, with what they do to the session: what a pipeline
/// hands to [`Execute::execute_batch`].
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    pub(crate) encoded: &'a [u8],
    pub(crate) count: usize,
    pub(crate) effects: &'a [SessionEffect],
    /// Every command is safe to send again (and the batch is no transaction).
    pub(crate) repeatable: bool,
    /// A read timeout for each reply instead of the connection's (a per-call override).
    pub(crate) read_timeout: Option<std::time::Duration>,
}

impl Execute for Connection {
    #[inline]
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        match (request.blocking(), request.read_timeout_override()) {
            (None, None) => self.round_trip(|out| request.encode(out), request.effect()),
            // A blocking command may keep the reply back for its own timeout: the read
            // deadline is that plus the usual read timeout, so it is never cut short.
            (wait, timeout) => {
                let base = timeout.unwrap_or(self.read_timeout());
                let timeout = match wait {
                    None => base,
                    Some(None) => FOREVER,
                    Some(Some(w)) => w.saturating_add(base),
                };
                self.round_trip_within(|out| request.encode(out), request.effect(), timeout)
            }
        }
    }

    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        self.write_with(batch.count, |out| out.extend_from_slice(batch.encoded))?;
        self.apply_effects(batch.effects);
        match batch.read_timeout {
            Some(timeout) => self.read_replies_within(batch.count, timeout),
            None => self.read_replies(batch.count),
        }
    }
}

impl<E: Execute + ?Sized> Execute for &mut E {
    #[inline]
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        (**self).execute(request)
    }

    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        (**self).execute_batch(batch)
    }
}
