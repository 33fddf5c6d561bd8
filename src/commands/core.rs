//! [`Commands`]: the one core every typed command goes through.
//!
//! A receiver (a connection, a client, a pipeline) says what a command gives back
//! ([`Commands::Output`]: `Result<T>` where the command is sent now, the pipeline itself where it
//! is queued) and how a request is sent or queued. Every typed method, in every group trait
//! ([`StringCommands`](crate::StringCommands), [`HashCommands`](crate::HashCommands), ...), is
//! written once over this core, so connections, clients and pipelines share one definition.

use super::Execute;
use super::cmd::Request;
use super::reply::FromValue;
use crate::error::{Error, Result};

/// What the typed commands are sent through: implemented for `&mut Connection`, pooled
/// connections, `&Client`, [`Client::with_timeout`](crate::Client::with_timeout) views and
/// pipelines. The command methods themselves live in one trait per data type; bring them all
/// into scope with `use redisync::prelude::*`.
pub trait Commands: Sized {
    /// What each method returns: `Result<T>` on a connection or client; the pipeline itself on
    /// a pipeline.
    type Output<T: FromValue>;

    /// Sends (or queues) one request whose reply converts to `T`.
    #[doc(hidden)]
    fn run<T: FromValue>(self, request: &Request<'_>) -> Self::Output<T>;

    /// Refuses a command before anything is sent (conflicting options, say): the error is the
    /// result on a connection or client; a pipeline keeps it and fails when it is sent.
    #[doc(hidden)]
    fn refuse<T: FromValue>(self, error: Error) -> Self::Output<T>;
}

impl<E: Execute + ?Sized> Commands for &mut E {
    type Output<T: FromValue> = Result<T>;

    #[inline]
    fn run<T: FromValue>(self, request: &Request<'_>) -> Result<T> {
        T::from_value(request.shape_reply(self.execute(request)?)?)
    }

    fn refuse<T: FromValue>(self, error: Error) -> Result<T> {
        Err(error)
    }
}

/// `Commands` for receivers taken by value that send through [`Execute`] (a client, a
/// cluster client, their `with_timeout` views): each call sends now and returns `Result<T>`.
macro_rules! commands_by_execute {
    ($($t:ty),+ $(,)?) => {$(
        impl $crate::commands::Commands for $t {
            type Output<T: $crate::commands::FromValue> = $crate::Result<T>;

            #[inline]
            fn run<T: $crate::commands::FromValue>(
                mut self,
                request: &$crate::commands::Request<'_>,
            ) -> $crate::Result<T> {
                T::from_value(request.shape_reply(
                    $crate::commands::Execute::execute(&mut self, request)?,
                )?)
            }

            fn refuse<T: $crate::commands::FromValue>(
                self,
                error: $crate::Error,
            ) -> $crate::Result<T> {
                Err(error)
            }
        }
    )+};
}
pub(crate) use commands_by_execute;
