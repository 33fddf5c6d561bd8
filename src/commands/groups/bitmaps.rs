//! The `bitmap` group of the Redis documentation: strings read and written as arrays of bits.

#![allow(unused_imports)]

use super::Method;
use crate::commands::args::{ArgWriter, One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

/// The `bitmap` commands: strings read and written as arrays of bits.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
pub trait BitmapCommands: Commands {}

impl<C: Commands> BitmapCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::groups::check::{self, Call};

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[];
        check::methods(METHODS, calls);
    }
}
