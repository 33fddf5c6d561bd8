//! Errors: one [`Error`] type for everything that can go wrong, and [`ErrorKind`] to match on.
//!
//! Callers usually decide what to do next from [`Error::kind`] or one of the predicates
//! ([`Error::is_timeout`], [`Error::is_connection_error`], [`Error::is_retryable`]). The variants
//! carry the details (the server's code and message, the timeout phase, what a conversion expected).
//!
//! # Mapping from redis-py
//!
//! | redis-py exception | redisync |
//! |---|---|
//! | `ConnectionError` | [`ErrorKind::Connection`] |
//! | `AuthenticationError` | [`ErrorKind::Authentication`] |
//! | `TimeoutError` | [`ErrorKind::Timeout`] (not a connection error, as in redis-py) |
//! | `ResponseError` | [`ErrorKind::Response`], or a more specific server kind ([`ErrorKind::WrongType`], [`ErrorKind::NoScript`], ...) |
//! | `BusyLoadingError` | [`ErrorKind::BusyLoading`] |
//! | `WatchError` | [`ErrorKind::Watch`] |
//! | `NoPermissionError` | [`ErrorKind::NoPermission`] |
//! | `DataError` | [`ErrorKind::InvalidInput`] |
//! | `InvalidResponse` | [`ErrorKind::Protocol`] |

use std::fmt;
use std::io;
use std::time::Duration;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is: the thing to match on.
///
/// It is `Copy + Eq + Hash`, so a set of kinds can say which errors a retry policy retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server could not be reached, or the connection failed: refused, reset, closed by the
    /// server, name resolution failed, or a connection already broken by an earlier error.
    Connection,
    /// The server refused the credentials: `NOAUTH`, `WRONGPASS`, or an `AUTH`/`HELLO` failure
    /// during the handshake.
    Authentication,
    /// The ACL forbids the command or key (`NOPERM`).
    NoPermission,
    /// A deadline passed; [`Error::Timeout`] names the phase.
    Timeout,
    /// A server error reply with no more specific kind (`ERR ...` and unknown codes).
    Response,
    /// `WRONGTYPE`: the key holds another data type.
    WrongType,
    /// `LOADING`: the server is loading its dataset into memory.
    BusyLoading,
    /// `BUSY`: a script or function is running too long.
    Busy,
    /// `NOSCRIPT`: `EVALSHA` named a script the server does not know.
    NoScript,
    /// `READONLY`: a write was sent to a read-only replica.
    ReadOnly,
    /// `EXECABORT`: a transaction was discarded because a queued command failed.
    ExecAbort,
    /// `OOM`: the server is out of memory for this command.
    OutOfMemory,
    /// `MOVED`: the key's slot is served by another node ([`ServerError::redirect`] says which).
    Moved,
    /// `ASK`: the key's slot is migrating; ask the named node once.
    Ask,
    /// `TRYAGAIN`: a multi-key command hit a slot being migrated.
    TryAgain,
    /// `CLUSTERDOWN`: the cluster cannot serve requests.
    ClusterDown,
    /// `CROSSSLOT`: the keys of a command hash to different slots.
    CrossSlot,
    /// `MASTERDOWN`: a replica lost its link to the primary.
    MasterDown,
    /// A `WATCH`ed key changed, so `EXEC` did nothing.
    Watch,
    /// No pooled connection became free within `pool_timeout`.
    PoolTimeout,
    /// The server sent bytes that are not valid RESP, or a reply of a shape the protocol forbids.
    Protocol,
    /// A reply could not be converted to the requested Rust type.
    Conversion,
    /// A bad URL, option or argument, refused before anything was sent.
    InvalidInput,
    /// TLS could not be set up: handshake, certificate or hostname verification failed.
    Tls,
    /// No Sentinel of the list answered ([`Error::Sentinel`]): none could be reached in time.
    SentinelUnreachable,
    /// Sentinels answered, but none knows the service name ([`Error::Sentinel`]).
    UnknownService,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ErrorKind::Connection => "connection error",
            ErrorKind::Authentication => "authentication error",
            ErrorKind::NoPermission => "permission error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Response => "server error",
            ErrorKind::WrongType => "wrong type",
            ErrorKind::BusyLoading => "server loading",
            ErrorKind::Busy => "server busy",
            ErrorKind::NoScript => "no such script",
            ErrorKind::ReadOnly => "read-only replica",
            ErrorKind::ExecAbort => "transaction aborted",
            ErrorKind::OutOfMemory => "out of memory",
            ErrorKind::Moved => "moved",
            ErrorKind::Ask => "ask redirect",
            ErrorKind::TryAgain => "try again",
            ErrorKind::ClusterDown => "cluster down",
            ErrorKind::CrossSlot => "cross-slot keys",
            ErrorKind::MasterDown => "master down",
            ErrorKind::Watch => "watched key changed",
            ErrorKind::PoolTimeout => "pool timeout",
            ErrorKind::Protocol => "protocol error",
            ErrorKind::Conversion => "conversion error",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Tls => "TLS error",
            ErrorKind::SentinelUnreachable => "no sentinel reachable",
            ErrorKind::UnknownService => "service unknown to the sentinels",
        };
        f.write_str(s)
    }
}

/// Which blocking step ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Name resolution, TCP connect, TLS handshake and the handshake commands, under one deadline.
    Connect,
    /// Waiting for (the rest of) a reply.
    Read,
    /// Sending a command.
    Write,
    /// The deadline of a whole call ([`Retry::deadline`](crate::Retry::deadline) or
    /// [`Client::with_timeout`](crate::Client::with_timeout)) passed, in whatever step it was.
    Call,
    /// Waiting for a free connection of the pool.
    Pool,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connect",
            TimeoutPhase::Read => "read",
            TimeoutPhase::Write => "write",
            TimeoutPhase::Call => "call",
            TimeoutPhase::Pool => "pool checkout",
        })
    }
}

/// Everything that can go wrong.
///
/// Match on [`Error::kind`] rather than on variants when you only need to know what to do next;
/// the variants carry the details.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Name resolution failed for a host.
    #[error("could not resolve {host}: {source}")]
    Resolve {
        /// The host name that was looked up.
        host: String,
        /// What the resolver said.
        #[source]
        source: io::Error,
    },
    /// Connecting to an address failed (refused, unreachable, ...).
    #[error("could not connect to {addr}: {source}")]
    Connect {
        /// The address tried last.
        addr: String,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// Reading from or writing to an established connection failed (reset, broken pipe, ...).
    #[error("connection error: {0}")]
    Io(#[source] io::Error),
    /// The server closed the connection (end of stream), possibly in the middle of a reply.
    #[error("connection closed by the server")]
    Closed,
    /// The connection was broken by an earlier error and refuses further commands; it can never
    /// hand out a late reply. Open a new one (a pool does this for you).
    #[error("connection is unusable after an earlier {cause}")]
    Broken {
        /// The kind of the error that broke it.
        cause: ErrorKind,
    },
    /// A deadline passed.
    #[error("{phase} timed out after {after:?}")]
    Timeout {
        /// The step that ran out of time.
        phase: TimeoutPhase,
        /// The timeout that was in force.
        after: Duration,
    },
    /// The server refused the credentials.
    #[error("authentication failed: {0}")]
    Auth(Box<ServerError>),
    /// The server answered with an error reply.
    #[error("{0}")]
    Server(Box<ServerError>),
    /// The server sent bytes that are not valid RESP.
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),
    /// A reply could not be converted to the requested type.
    #[error("{0}")]
    Conversion(Box<ConversionError>),
    /// A bad URL, option or argument.
    #[error("invalid {0}")]
    InvalidInput(Box<InvalidInput>),
    /// TLS could not be set up.
    #[error("TLS error: {0}")]
    Tls(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// `EXEC` returned null because a watched key changed.
    #[error("transaction aborted: a watched key changed")]
    Watch,
    /// The connection failed (or timed out) while keys were watched: whether a watched key
    /// changed can no longer be known, so the transaction is reported as a watch failure
    /// rather than retried on another connection. Its kind is [`ErrorKind::Watch`]; the cause
    /// is kept.
    #[error("transaction aborted: the connection failed while keys were watched: {0}")]
    WatchLost(#[source] Box<Error>),
    /// No pooled connection became free in time.
    #[error("{0}")]
    PoolTimeout(Box<PoolTimeout>),
    /// A Sentinel lookup failed: no sentinel reachable, none knows the service, or the
    /// address they named is not (or no longer) the primary. Its kind says which.
    #[error("{0}")]
    Sentinel(Box<crate::sentinel::SentinelError>),
    /// A cluster client's own finding: keys in different slots, a slot no node serves, no
    /// node reachable for the slot map. Its kind says which.
    #[error("{0}")]
    Cluster(Box<crate::cluster::ClusterError>),
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Structured, unlike Display, so logs of `{:?}` keep the kind; no field of any variant can
        // hold a password (credentials are never put into errors).
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind());
        d.field("message", &format_args!("{self}"));
        d.finish()
    }
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Resolve { .. }
            | Error::Connect { .. }
            | Error::Io(_)
            | Error::Closed
            | Error::Broken { .. } => ErrorKind::Connection,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Auth(_) => ErrorKind::Authentication,
            Error::Server(e) => e.kind(),
            Error::Protocol(_) => ErrorKind::Protocol,
            Error::Conversion(_) => ErrorKind::Conversion,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::Tls(_) => ErrorKind::Tls,
            Error::Watch | Error::WatchLost(_) => ErrorKind::Watch,
            Error::PoolTimeout(_) => ErrorKind::PoolTimeout,
            Error::Sentinel(e) => e.kind(),
            Error::Cluster(e) => e.kind(),
        }
    }

    /// A deadline passed: connect, read or write ([`ErrorKind::Timeout`]), or the wait for a
    /// pooled connection ([`ErrorKind::PoolTimeout`]).
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind(), ErrorKind::Timeout | ErrorKind::PoolTimeout)
    }

    /// The connection failed or could not be made. Timeouts are not included (as in redis-py);
    /// test [`Error::is_timeout`] for those.
    pub fn is_connection_error(&self) -> bool {
        self.kind() == ErrorKind::Connection
    }

    /// The same request could succeed if tried again later: connection errors, timeouts,
    /// `LOADING`, `TRYAGAIN`, `CLUSTERDOWN` and `MASTERDOWN`.
    ///
    /// This says nothing about whether retrying is *safe*: a command whose request was fully sent
    /// before a timeout may already have run.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Connection
                | ErrorKind::Timeout
                | ErrorKind::BusyLoading
                | ErrorKind::TryAgain
                | ErrorKind::ClusterDown
                | ErrorKind::MasterDown
        )
    }

    /// The server's error reply, for server and authentication errors.
    pub fn server_error(&self) -> Option<&ServerError> {
        match self {
            Error::Server(e) | Error::Auth(e) => Some(e),
            _ => None,
        }
    }

    /// The parsed target of a `MOVED` or `ASK` error.
    pub fn redirect(&self) -> Option<&Redirect> {
        self.server_error().and_then(ServerError::redirect)
    }

    /// Whether the byte stream of the connection that produced this error can no longer be
    /// trusted, so the connection must be discarded.
    pub(crate) fn breaks_connection(&self) -> bool {
        matches!(
            self,
            Error::Io(_)
                | Error::Closed
                | Error::Broken { .. }
                | Error::Timeout { .. }
                | Error::Protocol(_)
                | Error::Tls(_)
        )
    }

    pub(crate) fn invalid(part: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidInput(Box::new(InvalidInput {
            part: part.into(),
            reason: reason.into(),
        }))
    }

    pub(crate) fn conversion(expected: &'static str, got: String) -> Error {
        ConversionError::custom(expected, got).into()
    }

    pub(crate) fn timeout(phase: TimeoutPhase, after: Duration) -> Error {
        Error::Timeout { phase, after }
    }

    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) fn tls(e: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::Tls(Box::new(e))
    }
}

/// The wait for a pooled connection ran out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolTimeout {
    pub(crate) waited: Duration,
    pub(crate) max_connections: usize,
    pub(crate) last_error: Option<(ErrorKind, String)>,
}

impl PoolTimeout {
    /// How long the checkout waited.
    pub fn waited(&self) -> Duration {
        self.waited
    }
    /// The pool's limit, which every connection was counted against.
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }
    /// The kind and message of the last failure to open a connection, if one failed: when the
    /// pool is short because the server cannot be reached, this says why.
    pub fn last_connect_error(&self) -> Option<(ErrorKind, &str)> {
        self.last_error.as_ref().map(|(k, m)| (*k, m.as_str()))
    }
}

impl fmt::Display for PoolTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no pooled connection became free within {:?} (max_connections = {})",
            self.waited, self.max_connections
        )?;
        if let Some((_, message)) = &self.last_error {
            write!(f, "; last connect error: {message}")?;
        }
        Ok(())
    }
}

/// What was wrong with a URL, option or argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    part: String,
    reason: String,
}

impl InvalidInput {
    /// The part that is wrong, such as `"URL port"` or `"socket_timeout"`.
    pub fn part(&self) -> &str {
        &self.part
    }
    /// Why it is wrong.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.part, self.reason)
    }
}

/// A reply that could not be converted to the requested type: what was asked for, and what
/// arrived. It becomes [`Error::Conversion`] (kind [`ErrorKind::Conversion`]) through `From`, so
/// a [`FromValue`](crate::FromValue) implementation can return it with `?` or `.into()`.
///
/// [`ConversionError::new`] describes the reply from the [`Value`](crate::Value) itself (its
/// type and size, never its payload); [`ConversionError::custom`] takes a description in your
/// own words. `new` is defined next to [`FromValue`](crate::FromValue), whose example shows a
/// whole implementation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionError {
    expected: std::borrow::Cow<'static, str>,
    got: String,
}

impl ConversionError {
    /// A conversion error with a description of what arrived in your own words, for when the
    /// reply has already been taken apart or its type says too little (`"hash without an age
    /// field"`). Whatever `got` holds appears in error messages and logs: keep secrets and
    /// payloads out of it.
    ///
    /// ```
    /// use redisync::{ConversionError, Error, ErrorKind};
    /// let e: Error = ConversionError::custom("User", "hash without an age field").into();
    /// assert_eq!(e.kind(), ErrorKind::Conversion);
    /// assert_eq!(e.to_string(), "cannot convert hash without an age field to User");
    /// ```
    pub fn custom(
        expected: impl Into<std::borrow::Cow<'static, str>>,
        got: impl Into<String>,
    ) -> ConversionError {
        ConversionError {
            expected: expected.into(),
            got: got.into(),
        }
    }
    /// The Rust type (or shape) that was asked for.
    pub fn expected(&self) -> &str {
        &self.expected
    }
    /// A short description of what arrived instead.
    pub fn got(&self) -> &str {
        &self.got
    }
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot convert {} to {}", self.got, self.expected)
    }
}

impl std::error::Error for ConversionError {}

impl From<ConversionError> for Error {
    fn from(e: ConversionError) -> Error {
        Error::Conversion(Box::new(e))
    }
}

/// Why a byte stream is not valid RESP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A frame started with a byte that is no RESP type.
    #[error("unknown type byte 0x{0:02x}")]
    UnknownType(u8),
    /// A line was not terminated by CRLF where one was required.
    #[error("expected CRLF")]
    MissingCrlf,
    /// A header or simple line is longer than the limit.
    #[error("line longer than {limit} bytes")]
    LineTooLong {
        /// The configured limit.
        limit: usize,
    },
    /// An integer or length is not a valid decimal number.
    #[error("invalid integer")]
    InvalidInteger,
    /// A length prefix is negative (other than the RESP2 null `-1`).
    #[error("invalid length {0}")]
    InvalidLength(i64),
    /// A double is not a valid number.
    #[error("invalid double")]
    InvalidDouble,
    /// A boolean is neither `t` nor `f`.
    #[error("invalid boolean")]
    InvalidBoolean,
    /// A big number holds something other than an optional sign and digits.
    #[error("invalid big number")]
    InvalidBigNumber,
    /// A verbatim string lacks its three-byte format and colon.
    #[error("invalid verbatim string")]
    InvalidVerbatim,
    /// A bulk string, bulk error or verbatim string is longer than the limit.
    #[error("bulk of {len} bytes exceeds the limit of {limit}")]
    BulkTooLarge {
        /// The announced length.
        len: u64,
        /// The configured limit.
        limit: usize,
    },
    /// An aggregate announces more elements than the limit.
    #[error("aggregate of {len} elements exceeds the limit of {limit}")]
    AggregateTooLarge {
        /// The announced element count.
        len: u64,
        /// The configured limit.
        limit: usize,
    },
    /// Aggregates are nested deeper than the limit.
    #[error("nesting deeper than {limit}")]
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// One top-level reply is longer, on the wire, than the limit (or than any length this
    /// platform can count).
    #[error("reply longer than the limit of {limit} bytes")]
    ReplyTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The buffer for a large bulk string, of the announced length (within the limits), could
    /// not be allocated.
    #[error("cannot allocate {len} bytes for a bulk string")]
    AllocationFailed {
        /// The announced length.
        len: usize,
    },
    /// A reply had a shape no server sends for this request (for example a handshake reply of the
    /// wrong type).
    #[error("unexpected reply: {0}")]
    Unexpected(String),
}

/// An error reply from the server: `-CODE message` or a RESP3 bulk error.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerError {
    code: String,
    message: String,
    redirect: Option<Redirect>,
}

impl ServerError {
    /// Parses an error reply's text, such as `"WRONGTYPE Operation against a key ..."`.
    ///
    /// The code is the first word when it is written in capitals (as every Redis code is);
    /// otherwise the code is empty and the whole text is the message.
    ///
    /// ```
    /// let e = redisync::ServerError::parse(b"MOVED 3999 127.0.0.1:6381");
    /// assert_eq!(e.code(), "MOVED");
    /// assert_eq!(e.kind(), redisync::ErrorKind::Moved);
    /// let r = e.redirect().unwrap();
    /// assert_eq!((r.slot(), r.host(), r.port()), (3999, "127.0.0.1", 6381));
    /// ```
    pub fn parse(text: &[u8]) -> ServerError {
        let text = String::from_utf8_lossy(text);
        let text = text.trim_end_matches(['\r', '\n']);
        let (first, rest) = match text.split_once(' ') {
            Some((a, b)) => (a, b),
            None => (text, ""),
        };
        let is_code = !first.is_empty()
            && first
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        let (code, message) = if is_code {
            (first.to_string(), rest.to_string())
        } else {
            (String::new(), text.to_string())
        };
        let redirect = match code.as_str() {
            "MOVED" => Redirect::parse(RedirectKind::Moved, &message),
            "ASK" => Redirect::parse(RedirectKind::Ask, &message),
            _ => None,
        };
        ServerError {
            code,
            message,
            redirect,
        }
    }

    /// The error code: `ERR`, `WRONGTYPE`, `MOVED`, ... kept verbatim, or `""` if there was none.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The text after the code.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The kind this code maps to; unknown codes are [`ErrorKind::Response`].
    pub fn kind(&self) -> ErrorKind {
        match self.code.as_str() {
            "NOAUTH" | "WRONGPASS" => ErrorKind::Authentication,
            "NOPERM" => ErrorKind::NoPermission,
            "WRONGTYPE" => ErrorKind::WrongType,
            "LOADING" => ErrorKind::BusyLoading,
            "BUSY" => ErrorKind::Busy,
            "NOSCRIPT" => ErrorKind::NoScript,
            "READONLY" => ErrorKind::ReadOnly,
            "EXECABORT" => ErrorKind::ExecAbort,
            "OOM" => ErrorKind::OutOfMemory,
            "MOVED" if self.redirect.is_some() => ErrorKind::Moved,
            "ASK" if self.redirect.is_some() => ErrorKind::Ask,
            "TRYAGAIN" => ErrorKind::TryAgain,
            "CLUSTERDOWN" => ErrorKind::ClusterDown,
            "CROSSSLOT" => ErrorKind::CrossSlot,
            "MASTERDOWN" => ErrorKind::MasterDown,
            _ => ErrorKind::Response,
        }
    }

    /// The parsed target of a `MOVED` or `ASK` error.
    pub fn redirect(&self) -> Option<&Redirect> {
        self.redirect.as_ref()
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code.is_empty(), self.message.is_empty()) {
            (true, _) => f.write_str(&self.message),
            (false, true) => f.write_str(&self.code),
            (false, false) => write!(f, "{} {}", self.code, self.message),
        }
    }
}

impl fmt::Debug for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerError")
            .field("code", &self.code)
            .field("message", &self.message)
            .finish()
    }
}

/// Whether a redirect is permanent (`MOVED`) or for one request (`ASK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedirectKind {
    /// The slot now lives on the named node.
    Moved,
    /// Send this one request to the named node, preceded by `ASKING`.
    Ask,
}

/// The target of a `MOVED` or `ASK` error: `MOVED <slot> <host>:<port>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Redirect {
    kind: RedirectKind,
    slot: u16,
    host: String,
    port: u16,
}

impl Redirect {
    fn parse(kind: RedirectKind, message: &str) -> Option<Redirect> {
        let (slot, addr) = message.split_once(' ')?;
        let slot: u16 = slot.parse().ok().filter(|s| *s < 16384)?;
        // Split at the last colon so an IPv6 address keeps its own colons.
        let (host, port) = addr.trim().rsplit_once(':')?;
        let port = port.parse().ok()?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        Some(Redirect {
            kind,
            slot,
            host: host.to_string(),
            port,
        })
    }

    /// `MOVED` or `ASK`.
    pub fn kind(&self) -> RedirectKind {
        self.kind
    }
    /// The hash slot, 0..16384.
    pub fn slot(&self) -> u16 {
        self.slot
    }
    /// The node's host; empty when the server does not know its own endpoint (it then means
    /// "the host you are connected to").
    pub fn host(&self) -> &str {
        &self.host
    }
    /// The node's port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_error_codes_map_to_kinds() {
        let cases: &[(&[u8], ErrorKind, &str)] = &[
            (b"ERR unknown command 'FOO'", ErrorKind::Response, "ERR"),
            (
                b"WRONGTYPE Operation against a key",
                ErrorKind::WrongType,
                "WRONGTYPE",
            ),
            (
                b"NOAUTH Authentication required.",
                ErrorKind::Authentication,
                "NOAUTH",
            ),
            (
                b"WRONGPASS invalid username-password pair",
                ErrorKind::Authentication,
                "WRONGPASS",
            ),
            (
                b"NOPERM this user has no permissions",
                ErrorKind::NoPermission,
                "NOPERM",
            ),
            (
                b"LOADING Redis is loading the dataset in memory",
                ErrorKind::BusyLoading,
                "LOADING",
            ),
            (
                b"BUSY Redis is busy running a script",
                ErrorKind::Busy,
                "BUSY",
            ),
            (
                b"NOSCRIPT No matching script",
                ErrorKind::NoScript,
                "NOSCRIPT",
            ),
            (
                b"READONLY You can't write against a read only replica.",
                ErrorKind::ReadOnly,
                "READONLY",
            ),
            (
                b"EXECABORT Transaction discarded",
                ErrorKind::ExecAbort,
                "EXECABORT",
            ),
            (b"OOM command not allowed", ErrorKind::OutOfMemory, "OOM"),
            (
                b"TRYAGAIN Multiple keys request during rehashing",
                ErrorKind::TryAgain,
                "TRYAGAIN",
            ),
            (
                b"CLUSTERDOWN The cluster is down",
                ErrorKind::ClusterDown,
                "CLUSTERDOWN",
            ),
            (
                b"CROSSSLOT Keys in request don't hash to the same slot",
                ErrorKind::CrossSlot,
                "CROSSSLOT",
            ),
            (
                b"MASTERDOWN Link with MASTER is down",
                ErrorKind::MasterDown,
                "MASTERDOWN",
            ),
            (
                b"NOTBUSY No scripts in execution right now.",
                ErrorKind::Response,
                "NOTBUSY",
            ),
            (b"lowercase words only", ErrorKind::Response, ""),
        ];
        for (text, kind, code) in cases {
            let e = ServerError::parse(text);
            assert_eq!(e.kind(), *kind, "{}", String::from_utf8_lossy(text));
            assert_eq!(e.code(), *code);
            assert_eq!(e.to_string(), String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn redirects_parse_ipv4_ipv6_and_empty_host() {
        let e = ServerError::parse(b"ASK 12 [::1]:7001");
        let r = e.redirect().unwrap();
        assert_eq!(
            (r.kind(), r.slot(), r.host(), r.port()),
            (RedirectKind::Ask, 12, "::1", 7001)
        );
        let e = ServerError::parse(b"MOVED 16383 ::1:7002");
        assert_eq!(e.redirect().unwrap().host(), "::1");
        let e = ServerError::parse(b"MOVED 5 :7003");
        assert_eq!(e.redirect().unwrap().host(), "");
        // A slot out of range or a missing port is no redirect, and so not kind Moved.
        let e = ServerError::parse(b"MOVED 99999 host:1");
        assert!(e.redirect().is_none());
        assert_eq!(e.kind(), ErrorKind::Response);
        assert!(ServerError::parse(b"MOVED 1 host").redirect().is_none());
    }

    #[test]
    fn predicates_follow_kinds() {
        let t = Error::timeout(TimeoutPhase::Read, Duration::from_secs(1));
        assert!(t.is_timeout() && !t.is_connection_error() && t.is_retryable());
        assert!(Error::Closed.is_connection_error());
        let loading = Error::Server(Box::new(ServerError::parse(b"LOADING wait")));
        assert!(loading.is_retryable() && !loading.is_connection_error());
        let wrongtype = Error::Server(Box::new(ServerError::parse(b"WRONGTYPE x")));
        assert!(!wrongtype.is_retryable());
        assert_eq!(t.to_string(), "read timed out after 1s");
        let dbg = format!("{:?}", Error::Closed);
        assert!(dbg.contains("Connection"), "{dbg}");
    }
}
