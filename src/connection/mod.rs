//! One connection.
pub mod config;
