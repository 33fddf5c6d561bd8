//! The typed command API: [`Commands`] over anything that can [`Execute`] a request.
//!
//! Each command is defined once, as a method of [`Commands`]. The trait is implemented for
//! `&mut Connection` (and, later, for a shared `&Client`), so `conn.set("k", "v")?` works on a
//! connection without naming the trait's receiver. Methods return the type Redis fixes for the
//! command; a type parameter appears only where the payload is the caller's own (`get::<T>`).

mod args;
mod cmd;
mod pipeline;
mod reply;
mod typed;

pub use args::{ToArg, ToArgs};
pub use cmd::{Cmd, Request, cmd};
pub use pipeline::{Pipeline, pipe};
pub use reply::FromValue;
pub use typed::{Commands, SetOptions};

use crate::connection::Connection;
use crate::error::Result;
use crate::resp::Value;

/// Something that sends a request and returns its reply: a connection (later, a client or a
/// pooled connection). This is the one seam every command passes through.
pub trait Execute {
    /// Sends `request` and reads its reply. An error reply is returned as
    /// [`Error::Server`](crate::Error::Server).
    fn execute(&mut self, request: &Request<'_>) -> Result<Value>;
}

impl Execute for Connection {
    #[inline]
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        self.round_trip(|out| request.encode(out))
    }
}

impl<E: Execute + ?Sized> Execute for &mut E {
    #[inline]
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        (**self).execute(request)
    }
}
