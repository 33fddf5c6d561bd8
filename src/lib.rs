//! redisync: a blocking Redis client.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod error;
pub mod resp;
mod connection;

pub use connection::config::{Address, ConnectionConfig, Protocol, Secret, TlsConfig};
pub use error::{Error, ErrorKind, Result, ServerError, TimeoutPhase};
