//! [`SentinelError`]: why a Sentinel lookup found no primary (or replica) to connect to.

use std::fmt;

use crate::connection::config::Address;
use crate::error::{Error, ErrorKind};

/// What went wrong in a Sentinel lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SentinelFailure {
    /// No sentinel answered in time ([`ErrorKind::SentinelUnreachable`]).
    Unreachable,
    /// Sentinels answered, and none knows the service ([`ErrorKind::UnknownService`]).
    UnknownService,
    /// The address the sentinels named did not say it was the primary (`ROLE`) until the
    /// connect deadline: a stale sentinel, or a failover under way. Its kind is
    /// [`ErrorKind::Connection`], so the retry policy asks again.
    NotPrimary,
}

/// A Sentinel lookup failed: which service, what each sentinel said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentinelError {
    pub(crate) failure: SentinelFailure,
    pub(crate) service: String,
    /// Each sentinel asked (or address tried) and what it said.
    pub(crate) tried: Vec<(Address, String)>,
}

impl SentinelError {
    pub(crate) fn error(
        failure: SentinelFailure,
        service: &str,
        tried: Vec<(Address, String)>,
    ) -> Error {
        Error::Sentinel(Box::new(SentinelError {
            failure,
            service: service.to_string(),
            tried,
        }))
    }

    /// What went wrong.
    pub fn failure(&self) -> SentinelFailure {
        self.failure
    }

    /// The error kind for it.
    pub fn kind(&self) -> ErrorKind {
        match self.failure {
            SentinelFailure::Unreachable => ErrorKind::SentinelUnreachable,
            SentinelFailure::UnknownService => ErrorKind::UnknownService,
            SentinelFailure::NotPrimary => ErrorKind::Connection,
        }
    }

    /// The service name looked up.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Each sentinel asked (or, for [`SentinelFailure::NotPrimary`], each address tried),
    /// with what it answered or why it could not.
    pub fn tried(&self) -> impl ExactSizeIterator<Item = (&Address, &str)> + '_ {
        self.tried.iter().map(|(a, s)| (a, s.as_str()))
    }
}

impl fmt::Display for SentinelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.failure {
            SentinelFailure::Unreachable => write!(
                f,
                "no sentinel reachable for service {:?} ({} asked)",
                self.service,
                self.tried.len()
            )?,
            SentinelFailure::UnknownService => {
                write!(f, "the sentinels do not know service {:?}", self.service)?
            }
            SentinelFailure::NotPrimary => write!(
                f,
                "the sentinels named no primary for service {:?} that says it is one",
                self.service
            )?,
        }
        for (i, (addr, said)) in self.tried.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            write!(f, "{addr}: {said}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SentinelError {}
