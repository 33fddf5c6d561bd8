//! [`ClusterError`]: what a cluster client decides on its own side (no node's reply says it).

use std::fmt;

use crate::error::ErrorKind;

/// A cluster failure found by the client itself, carried by
/// [`Error::Cluster`](crate::Error::Cluster). Its kind says what it is:
///
/// - [`ErrorKind::CrossSlot`]: a command's keys hash to different slots and it cannot be
///   split (refused before anything is sent);
/// - [`ErrorKind::ClusterDown`]: no node serves the key's slot, even after a refresh of the
///   slot map;
/// - [`ErrorKind::Connection`]: no node (known or seed) answered for the slot map;
/// - [`ErrorKind::Protocol`]: a node's slot map made no sense (a bad range, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterError {
    kind: ErrorKind,
    message: String,
}

impl ClusterError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> ClusterError {
        ClusterError {
            kind,
            message: message.into(),
        }
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What happened, in words.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cluster: {}", self.message)
    }
}

impl std::error::Error for ClusterError {}

pub(crate) fn cluster_error(kind: ErrorKind, message: impl Into<String>) -> crate::Error {
    crate::Error::Cluster(Box::new(ClusterError::new(kind, message)))
}
