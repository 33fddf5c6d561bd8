//! The connection group's options: `HELLO`, `CLIENT LIST`, `CLIENT KILL`, `CLIENT TRACKING`,
//! and the small enums of `CLIENT PAUSE`, `CLIENT UNBLOCK`, `CLIENT SETINFO`.

use std::fmt;
use std::time::Duration;

use super::super::shared::whole_seconds;
use crate::commands::args::{ArgWriter, ToArgs};
use crate::connection::config::{Protocol, Secret};
use crate::error::{Error, Result};

/// The options of `HELLO [protover [AUTH username password] [SETNAME clientname]]`.
///
/// `AUTH` and `SETNAME` go only with a protocol version, as the command's syntax has it; the
/// password is kept out of `Debug`.
///
/// ```
/// use redisync::{HelloOptions, Protocol};
/// let o = HelloOptions::new().protocol(Protocol::Resp3).auth("alice", "s3cret").setname("worker");
/// assert!(!format!("{o:?}").contains("s3cret"));
/// ```
#[derive(Clone, Default)]
pub struct HelloOptions {
    protocol: Option<Protocol>,
    auth: Option<(String, Secret)>,
    setname: Option<String>,
}

impl HelloOptions {
    /// No protocol switch, no authentication, no name: `HELLO` alone only describes the
    /// connection.
    pub fn new() -> HelloOptions {
        HelloOptions::default()
    }
    /// `protover`: switch the connection to this protocol.
    pub fn protocol(mut self, protocol: Protocol) -> HelloOptions {
        self.protocol = Some(protocol);
        self
    }
    /// `AUTH username password` (the `default` user for a `requirepass` password).
    pub fn auth(mut self, username: &str, password: impl Into<Secret>) -> HelloOptions {
        self.auth = Some((username.to_string(), password.into()));
        self
    }
    /// `SETNAME clientname`.
    pub fn setname(mut self, name: &str) -> HelloOptions {
        self.setname = Some(name.to_string());
        self
    }

    /// `AUTH` and `SETNAME` need a protocol version.
    pub(crate) fn check(&self) -> Result<()> {
        if self.protocol.is_none() && (self.auth.is_some() || self.setname.is_some()) {
            return Err(Error::invalid(
                "HELLO options",
                "AUTH and SETNAME need a protocol version",
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for HelloOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HelloOptions")
            .field("protocol", &self.protocol)
            .field("auth", &self.auth.as_ref().map(|(user, _)| (user, "***")))
            .field("setname", &self.setname)
            .finish()
    }
}

impl ToArgs for HelloOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        match self.protocol {
            Some(Protocol::Resp2) => out.arg(b"2"),
            Some(Protocol::Resp3) => out.arg(b"3"),
            None => {}
        }
        if let Some((user, password)) = &self.auth {
            out.arg(b"AUTH");
            out.arg(user.as_bytes());
            out.arg(password.expose().as_bytes());
        }
        if let Some(name) = &self.setname {
            out.arg(b"SETNAME");
            out.arg(name.as_bytes());
        }
    }
}

/// A kind of client connection, for `CLIENT LIST TYPE` and `CLIENT KILL TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientType {
    /// `normal`: ordinary clients.
    Normal,
    /// `master`: this replica's connection to its primary.
    Master,
    /// `replica`: replicas connected to this primary.
    Replica,
    /// `pubsub`: clients in subscriber mode.
    PubSub,
}

impl ToArgs for ClientType {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            ClientType::Normal => b"normal".as_slice(),
            ClientType::Master => b"master",
            ClientType::Replica => b"replica",
            ClientType::PubSub => b"pubsub",
        })
    }
}

/// The filters of `CLIENT LIST [TYPE type] [ID id [id ...]]`; none lists every client.
///
/// Redis takes one filter at a time (`ERR syntax error` for both); Valkey 8.0+ combines them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientListOptions {
    client_type: Option<ClientType>,
    ids: Vec<u64>,
}

impl ClientListOptions {
    /// Every client.
    pub fn new() -> ClientListOptions {
        ClientListOptions::default()
    }
    /// `TYPE`: only clients of this kind.
    pub fn client_type(mut self, t: ClientType) -> ClientListOptions {
        self.client_type = Some(t);
        self
    }
    /// `ID`: only the clients with these ids.
    pub fn ids(mut self, ids: impl IntoIterator<Item = u64>) -> ClientListOptions {
        self.ids.extend(ids);
        self
    }
}

impl ToArgs for ClientListOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if let Some(t) = self.client_type {
            out.arg(b"TYPE");
            t.write_args(out);
        }
        if !self.ids.is_empty() {
            out.arg(b"ID");
            for id in &self.ids {
                out.arg_uint(*id);
            }
        }
    }
}

/// The filters of `CLIENT KILL`: a client must match every one given to be closed. By default
/// the calling connection is skipped (`SKIPME yes`).
///
/// At least one filter other than `SKIPME` is needed: the method refuses an empty one rather
/// than close every other client.
///
/// ```
/// use redisync::{ClientKillOptions, ClientType};
/// let o = ClientKillOptions::new().client_type(ClientType::PubSub).user("worker");
/// # let _ = o;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientKillOptions {
    id: Option<u64>,
    addr: Option<String>,
    laddr: Option<String>,
    user: Option<String>,
    client_type: Option<ClientType>,
    skipme: Option<bool>,
    maxage: Option<Duration>,
}

impl ClientKillOptions {
    /// No filter yet.
    pub fn new() -> ClientKillOptions {
        ClientKillOptions::default()
    }
    /// `ID client-id`: the client with this id.
    pub fn id(mut self, id: u64) -> ClientKillOptions {
        self.id = Some(id);
        self
    }
    /// `ADDR ip:port`: the client connected from this address (as `CLIENT LIST`'s `addr`).
    pub fn addr(mut self, addr: &str) -> ClientKillOptions {
        self.addr = Some(addr.to_string());
        self
    }
    /// `LADDR ip:port`: clients connected to this local address of the server (Redis 6.2+).
    pub fn laddr(mut self, laddr: &str) -> ClientKillOptions {
        self.laddr = Some(laddr.to_string());
        self
    }
    /// `USER username`: clients authenticated as this user.
    pub fn user(mut self, user: &str) -> ClientKillOptions {
        self.user = Some(user.to_string());
        self
    }
    /// `TYPE type`: clients of this kind.
    pub fn client_type(mut self, t: ClientType) -> ClientKillOptions {
        self.client_type = Some(t);
        self
    }
    /// `SKIPME yes|no`: whether the calling connection is spared (`yes` by default).
    pub fn skipme(mut self, skip: bool) -> ClientKillOptions {
        self.skipme = Some(skip);
        self
    }
    /// `MAXAGE seconds`: clients connected for longer than this, in whole seconds rounded up
    /// (Redis 7.4+ and Valkey 8.0+; Redis 7.0 and 6.2 answer `ERR syntax error`).
    pub fn maxage(mut self, age: Duration) -> ClientKillOptions {
        self.maxage = Some(age);
        self
    }

    /// At least one filter, and a non-zero `MAXAGE`.
    pub(crate) fn check(&self) -> Result<()> {
        let filtered = self.id.is_some()
            || self.addr.is_some()
            || self.laddr.is_some()
            || self.user.is_some()
            || self.client_type.is_some()
            || self.maxage.is_some();
        if !filtered {
            return Err(Error::invalid(
                "CLIENT KILL options",
                "no filter (ID, ADDR, LADDR, USER, TYPE or MAXAGE): that would close every other client",
            ));
        }
        if let Some(age) = self.maxage {
            whole_seconds("CLIENT KILL MAXAGE", age)?;
        }
        Ok(())
    }
}

impl ToArgs for ClientKillOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if let Some(id) = self.id {
            out.arg(b"ID");
            out.arg_uint(id);
        }
        for (word, value) in [
            (b"ADDR".as_slice(), &self.addr),
            (b"LADDR", &self.laddr),
            (b"USER", &self.user),
        ] {
            if let Some(v) = value {
                out.arg(word);
                out.arg(v.as_bytes());
            }
        }
        if let Some(t) = self.client_type {
            out.arg(b"TYPE");
            t.write_args(out);
        }
        if let Some(skip) = self.skipme {
            out.arg(b"SKIPME");
            out.arg(if skip { b"yes" } else { b"no" });
        }
        if let Some(age) = self.maxage {
            out.arg(b"MAXAGE");
            // Checked before anything is written; a zero here cannot be sent.
            out.arg_uint(whole_seconds("MAXAGE", age).unwrap_or(1));
        }
    }
}

/// Which clients `CLIENT PAUSE` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PauseMode {
    /// `ALL`: every command of every client.
    All,
    /// `WRITE`: commands that may write (and `EVAL`, `PUBLISH`, ...); reads go on.
    Write,
}

impl ToArgs for PauseMode {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            PauseMode::All => b"ALL".as_slice(),
            PauseMode::Write => b"WRITE",
        })
    }
}

/// How `CLIENT UNBLOCK` ends a blocked command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnblockMode {
    /// `TIMEOUT`: as if its timeout had passed (the command returns its timeout reply).
    Timeout,
    /// `ERROR`: with an `UNBLOCKED` error.
    Error,
}

impl ToArgs for UnblockMode {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            UnblockMode::Timeout => b"TIMEOUT".as_slice(),
            UnblockMode::Error => b"ERROR",
        })
    }
}

/// What `CLIENT SETINFO` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientAttr {
    /// `LIB-NAME`: the client library's name.
    LibName,
    /// `LIB-VER`: the client library's version.
    LibVer,
}

impl ToArgs for ClientAttr {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            ClientAttr::LibName => b"LIB-NAME".as_slice(),
            ClientAttr::LibVer => b"LIB-VER",
        })
    }
}

/// The options of `CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX prefix ...] [BCAST] [OPTIN]
/// [OPTOUT] [NOLOOP]`: server-assisted client-side caching.
///
/// On RESP3 invalidations arrive on the same connection as push messages; on RESP2 they must be
/// redirected to a connection subscribed to `__redis__:invalidate`. Conflicting modes (`OPTIN`
/// with `OPTOUT`, either with `BCAST`, `PREFIX` without `BCAST`) are refused before anything is
/// sent.
///
/// ```
/// use redisync::TrackingOptions;
/// let o = TrackingOptions::on().bcast().prefix("user:").noloop();
/// # let _ = o;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingOptions {
    on: bool,
    redirect: Option<u64>,
    prefixes: Vec<Vec<u8>>,
    bcast: bool,
    optin: bool,
    optout: bool,
    noloop: bool,
}

impl TrackingOptions {
    /// `ON`: start tracking the keys this connection reads.
    pub fn on() -> TrackingOptions {
        TrackingOptions {
            on: true,
            redirect: None,
            prefixes: Vec::new(),
            bcast: false,
            optin: false,
            optout: false,
            noloop: false,
        }
    }
    /// `OFF`: stop tracking.
    pub fn off() -> TrackingOptions {
        TrackingOptions {
            on: false,
            ..TrackingOptions::on()
        }
    }
    /// `REDIRECT client-id`: send the invalidations to this client instead.
    pub fn redirect(mut self, client_id: u64) -> TrackingOptions {
        self.redirect = Some(client_id);
        self
    }
    /// `PREFIX prefix`: in broadcasting mode, only keys starting with a prefix given (may be
    /// repeated).
    pub fn prefix(mut self, prefix: impl AsRef<[u8]>) -> TrackingOptions {
        self.prefixes.push(prefix.as_ref().to_vec());
        self
    }
    /// `BCAST`: broadcasting mode, invalidations for every key (of the prefixes), read or not.
    pub fn bcast(mut self) -> TrackingOptions {
        self.bcast = true;
        self
    }
    /// `OPTIN`: track only the reads right after `CLIENT CACHING yes`.
    pub fn optin(mut self) -> TrackingOptions {
        self.optin = true;
        self
    }
    /// `OPTOUT`: track every read but those right after `CLIENT CACHING no`.
    pub fn optout(mut self) -> TrackingOptions {
        self.optout = true;
        self
    }
    /// `NOLOOP`: no invalidations for the keys this connection itself changes.
    pub fn noloop(mut self) -> TrackingOptions {
        self.noloop = true;
        self
    }

    /// The modes that exclude each other.
    pub(crate) fn check(&self) -> Result<()> {
        let why = if self.optin && self.optout {
            "OPTIN and OPTOUT exclude each other"
        } else if self.bcast && (self.optin || self.optout) {
            "OPTIN and OPTOUT do not go with BCAST"
        } else if !self.prefixes.is_empty() && !self.bcast {
            "PREFIX needs BCAST"
        } else {
            return Ok(());
        };
        Err(Error::invalid("CLIENT TRACKING options", why))
    }
}

impl ToArgs for TrackingOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(if self.on { b"ON" } else { b"OFF" });
        if let Some(id) = self.redirect {
            out.arg(b"REDIRECT");
            out.arg_uint(id);
        }
        for p in &self.prefixes {
            out.arg(b"PREFIX");
            out.arg(p);
        }
        for (set, word) in [
            (self.bcast, b"BCAST".as_slice()),
            (self.optin, b"OPTIN"),
            (self.optout, b"OPTOUT"),
            (self.noloop, b"NOLOOP"),
        ] {
            if set {
                out.arg(word);
            }
        }
    }
}
