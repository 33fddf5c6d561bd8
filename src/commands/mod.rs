//! The typed command API: [`Commands`] over anything that can [`Execute`] a request.
//!
//! Each command is defined once, as a method of [`Commands`] naming its entry in the command
//! [`table`]. The trait is implemented for `&mut Connection`, a shared `&Client`, pooled
//! connections and pipelines, so `conn.set("k", "v")?` works everywhere with the same name and
//! return type. Methods return the type Redis fixes for the command; a type parameter appears
//! only where the payload is the caller's own (`get::<T>`).

mod args;
mod cmd;
mod core;
pub(crate) mod groups;
mod pipeline;
mod reply;
mod scan;
mod script;
pub mod table;
mod transaction;

#[doc(hidden)]
pub use args::Splices as ArgSplices;
pub use args::{ArgWriter, ToArg, ToArgs};
pub use cmd::{Cmd, Request, cmd};
pub use core::Commands;
pub(crate) use core::commands_by_execute;
// Every group's trait, options and reply types.
pub use groups::registry::{excluded, methods, methods_of};
pub use groups::*;
pub use pipeline::{Append, Pipe, Pipeline, pipe};
pub use reply::FromValue;
pub use scan::{ScanIter, ScanOptions, hscan, scan, sscan, zscan};
pub use script::{Script, ScriptInvocation};
pub(crate) use transaction::transaction_executed;
pub use transaction::{DEFAULT_TRANSACTION_ATTEMPTS, transaction, transaction_with};

pub(crate) use args::{Encoded, One};

use std::fmt;

use crate::connection::{Connection, Meta};
use crate::error::Result;
use crate::resp::Value;

/// Something that sends a request and returns its reply: a connection, a pooled connection,
/// a client. This is the one seam every command passes through.
pub trait Execute {
    /// Sends `request` and reads its reply. An error reply is returned as
    /// [`Error::Server`](crate::Error::Server).
    fn execute(&mut self, request: &Request<'_>) -> Result<Value>;

    /// Sends a batch of commands with one write and reads all their replies, keeping error
    /// replies as values so the connection stays in step.
    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>>;
}

/// Commands already encoded back to back, each with its table entry: what a pipeline hands to
/// [`Execute::execute_batch`]. Only pipelines make one.
#[derive(Clone, Copy)]
pub struct Batch<'a> {
    pub(crate) encoded: &'a [u8],
    pub(crate) metas: &'a [Meta],
    /// A `MULTI` ... `EXEC` transaction: nothing in it runs unless `EXEC` was written whole.
    pub(crate) atomic: bool,
    /// Every command is safe to send again, or the caller said the batch is.
    pub(crate) repeatable: bool,
}

impl Batch<'_> {
    /// How many commands (and replies).
    pub fn len(&self) -> usize {
        self.metas.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.metas.is_empty()
    }

    /// How long the server may hold the replies back on purpose: its blocking commands'
    /// waits, one after the other.
    pub(crate) fn wait(&self) -> table::Wait {
        let mut wait = table::Wait::None;
        let mut begin = 0;
        for m in self.metas {
            if m.spec.blocking().is_some() {
                let args = self
                    .encoded
                    .get(begin..m.end)
                    .and_then(crate::resp::split_command);
                wait = wait.then(match args {
                    Some(args) => m.spec.wait_in(&args),
                    None => table::Wait::Forever,
                });
            }
            begin = m.end;
        }
        wait
    }

    /// Whether part of the batch may have run, given how many of its commands were written
    /// whole before a failure: for a transaction only once `EXEC` was, otherwise as soon as any
    /// one was. A transaction holding a command that ends it early on the server (`EXEC`,
    /// `DISCARD` or `RESET` queued by the caller: the server runs those at once, and every
    /// command after them as it arrives) counts as a plain pipeline.
    pub(crate) fn may_have_run(&self, complete: usize) -> bool {
        if self.atomic && !self.ends_early() {
            complete == self.metas.len()
        } else {
            complete > 0
        }
    }

    /// Whether a command between the transaction's own `MULTI` and `EXEC` ends it.
    fn ends_early(&self) -> bool {
        let inner = self
            .metas
            .get(1..self.metas.len().saturating_sub(1))
            .unwrap_or_default();
        inner.iter().any(|m| {
            matches!(
                m.spec.session_effect(),
                table::SessionEffect::Exec | table::SessionEffect::Discard
            ) || m.spec.name() == "RESET"
        })
    }
}

impl fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Command names only: arguments can be secrets.
        f.debug_struct("Batch")
            .field("commands", &self.metas.len())
            .field("atomic", &self.atomic)
            .finish()
    }
}

impl Execute for Connection {
    #[inline]
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        self.exchange_request(request)
    }

    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        if batch.atomic && self.in_transaction() {
            // Its MULTI would fail and its EXEC would run the caller's own queued commands.
            return Err(crate::error::Error::invalid(
                "atomic pipeline",
                "a MULTI is already open on this connection: EXEC or DISCARD it first",
            ));
        }
        self.exchange_batch(batch.metas, batch.encoded)
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
