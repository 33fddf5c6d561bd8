//! The `connection` group of the Redis documentation: the connection itself: `PING`, `ECHO`, `AUTH`, `HELLO`, `SELECT`, `CLIENT`.

mod options;
mod types;

use std::time::Duration;

use super::Method;
use super::server::parse::lines;
use super::shared::whole_millis;
use crate::commands::args::{One, ToArg};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;
use crate::connection::config::Secret;

pub use options::{
    ClientAttr, ClientKillOptions, ClientListOptions, ClientType, HelloOptions, PauseMode,
    TrackingOptions, UnblockMode,
};
pub use types::{ClientInfo, Hello, ModuleInfo, TrackingInfo};

fn on_off(on: bool) -> &'static str {
    if on { "ON" } else { "OFF" }
}

/// The `connection` commands: the connection itself: `PING`, `ECHO`, `AUTH`, `HELLO`, `SELECT`,
/// and the `CLIENT` subcommands (ids, names, listing and closing clients, pausing the server,
/// client-side caching).
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// **Session state on pooled connections.** `AUTH`, `HELLO`, `SELECT`, `CLIENT SETNAME`,
/// `CLIENT SETINFO`, `CLIENT TRACKING`, `CLIENT CACHING`, `CLIENT NO-EVICT` and `CLIENT
/// NO-TOUCH` change the connection's session in a way no cheap command undoes: on a
/// [`Client`](crate::Client) they apply to the one pooled connection they ran on, which is then
/// closed when it goes back to the pool rather than handed to the next caller. To have every
/// pooled connection authenticated, on a database or named, put it in the client's settings
/// ([`ClientBuilder::password`](crate::ClientBuilder::password),
/// [`db`](crate::ClientBuilder::db), [`client_name`](crate::ClientBuilder::client_name)); for a
/// session of your own, use a [`Connection`](crate::Connection) or hold one
/// [`PooledConnection`](crate::PooledConnection).
///
/// ```no_run
/// use redisync::prelude::*;
/// use redisync::{ClientKillOptions, ClientListOptions, ClientType};
///
/// let mut conn = Connection::open("redis://127.0.0.1")?;
/// conn.client_setname("reporting")?;
/// let me = conn.client_info()?;
/// assert_eq!(me.name.as_deref(), Some("reporting"));
/// let subscribers = conn.client_list(ClientListOptions::new().client_type(ClientType::PubSub))?;
/// let closed = conn.client_kill(ClientKillOptions::new().client_type(ClientType::PubSub))?;
/// assert!(closed <= subscribers.len() as u64);
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait ConnectionCommands: Commands {
    /// `PING`: checks the connection.
    /// <https://redis.io/docs/latest/commands/ping/>
    fn ping(self) -> Self::Output<()> {
        self.run(&Request::new(&spec::PING, &()))
    }

    /// `ECHO message`: the server sends the message back.
    /// <https://redis.io/docs/latest/commands/echo/>
    fn echo<T: FromValue>(self, message: impl ToArg) -> Self::Output<T> {
        self.run(&Request::new(&spec::ECHO, &(One(&message))))
    }

    /// `AUTH [username] password`: authenticates the connection, as `username` (an ACL user)
    /// or, without one, as the `default` user with its `requirepass` password. The password is
    /// a [`Secret`], kept out of `Debug` and error messages.
    /// <https://redis.io/docs/latest/commands/auth/>
    ///
    /// On a [`Client`](crate::Client) this authenticates only the pooled connection it ran on,
    /// which is closed when it returns to the pool (see the trait's docs): give the client its
    /// credentials instead ([`ClientBuilder::password`](crate::ClientBuilder::password)).
    ///
    /// # Errors
    /// [`ErrorKind::Authentication`](crate::ErrorKind::Authentication) (`WRONGPASS`) for wrong
    /// credentials; `ERR` when the default user has no password set.
    fn auth(self, username: Option<&str>, password: impl Into<Secret>) -> Self::Output<()> {
        let password: Secret = password.into();
        self.run(&Request::new(
            &spec::AUTH,
            &(username, One(password.expose())),
        ))
    }

    /// `HELLO [protover [AUTH username password] [SETNAME clientname]]`: describes the server
    /// and the connection ([`Hello`]); with a protocol it switches the connection to it (and
    /// can authenticate and name it in the same step).
    /// <https://redis.io/docs/latest/commands/hello/>
    ///
    /// [`Connection::protocol`](crate::Connection::protocol) follows the switch once the reply
    /// confirms it (also for a `HELLO` inside a transaction, when `EXEC` ran it); replies read
    /// correctly in either protocol. On a [`Client`](crate::Client) the pooled connection it
    /// ran on is closed when it returns to the pool.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for `AUTH` or `SETNAME`
    /// without a protocol, before anything is sent; `NOPROTO` for a protocol the server does
    /// not speak; `WRONGPASS` for wrong credentials.
    fn hello(self, options: HelloOptions) -> Self::Output<Hello> {
        match options.check() {
            Ok(()) => self.run(&Request::new(&spec::HELLO, &options)),
            Err(e) => self.refuse(e),
        }
    }

    /// `SELECT index`: switches the connection to another database.
    /// <https://redis.io/docs/latest/commands/select/>
    ///
    /// On a [`Client`](crate::Client) this switches only the pooled connection it ran on, which
    /// is closed when it returns to the pool: set the database in the client's settings
    /// ([`ClientBuilder::db`](crate::ClientBuilder::db)) or hold a
    /// [`PooledConnection`](crate::PooledConnection).
    ///
    /// # Errors
    /// `ERR DB index is out of range`; on a Redis cluster node, `ERR SELECT is not allowed in
    /// cluster mode` for any database but 0 (Valkey 9 has as many as `cluster-databases`
    /// says, 1 by default).
    fn select(self, db: u32) -> Self::Output<()> {
        self.run(&Request::new(&spec::SELECT, &db))
    }

    /// `CLIENT ID`: this connection's unique client id.
    /// <https://redis.io/docs/latest/commands/client-id/>
    fn client_id(self) -> Self::Output<u64> {
        self.run(&Request::new(&spec::CLIENT_ID, &()))
    }

    /// `CLIENT GETNAME`: this connection's name, `None` when it has none.
    /// <https://redis.io/docs/latest/commands/client-getname/>
    fn client_getname(self) -> Self::Output<Option<String>> {
        self.run(&Request::new(&spec::CLIENT_GETNAME, &()))
    }

    /// `CLIENT SETNAME name`: names this connection (as `CLIENT LIST` shows it); an empty name
    /// removes the name. On a [`Client`](crate::Client), prefer
    /// [`ClientBuilder::client_name`](crate::ClientBuilder::client_name): a pooled connection
    /// renamed here is closed when it returns to the pool.
    /// <https://redis.io/docs/latest/commands/client-setname/>
    ///
    /// # Errors
    /// `ERR` for a name with spaces, newlines or other special characters.
    fn client_setname(self, name: impl ToArg) -> Self::Output<()> {
        self.run(&Request::new(&spec::CLIENT_SETNAME, &(One(&name))))
    }

    /// `CLIENT INFO`: this connection as the server sees it ([`ClientInfo`]).
    /// <https://redis.io/docs/latest/commands/client-info/>
    fn client_info(self) -> Self::Output<ClientInfo> {
        self.run(&Request::new(&spec::CLIENT_INFO, &()))
    }

    /// `CLIENT LIST [TYPE type] [ID id ...]`: every client connection (or those the filters
    /// match), one [`ClientInfo`] each.
    /// <https://redis.io/docs/latest/commands/client-list/>
    ///
    /// # Errors
    /// Redis 7.0 and 6.2 take one filter at a time: `TYPE` with `ID` is `ERR syntax error`
    /// there (Valkey 8.0+ combines them). An `ID` that is not a client's is no error.
    fn client_list(self, options: ClientListOptions) -> Self::Output<Vec<ClientInfo>> {
        self.run(&Request::new(&spec::CLIENT_LIST, &options).shaped(lines))
    }

    /// `CLIENT KILL filter ...`: closes every client connection matching all the filters given
    /// (the calling connection is spared unless `skipme(false)`), and returns how many.
    /// <https://redis.io/docs/latest/commands/client-kill/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for options without any
    /// filter (they would close every other client) or a zero `MAXAGE`, before anything is
    /// sent. `MAXAGE` is Redis 7.4+ and Valkey 8.0+ (`ERR syntax error` on older servers).
    fn client_kill(self, options: ClientKillOptions) -> Self::Output<u64> {
        match options.check() {
            Ok(()) => self.run(&Request::new(&spec::CLIENT_KILL, &options)),
            Err(e) => self.refuse(e),
        }
    }

    /// `CLIENT PAUSE timeout [WRITE|ALL]`: holds the commands of every client (only those that
    /// may write, with [`PauseMode::Write`]) for `timeout`, sent in whole milliseconds rounded
    /// up. The calling connection is held too: under [`PauseMode::All`] even its `CLIENT
    /// UNPAUSE` waits for the timeout; under [`PauseMode::Write`] reads and `CLIENT UNPAUSE`
    /// go through, so the pause can end early. A held command's wait counts against the
    /// connection's read timeout like any other.
    /// <https://redis.io/docs/latest/commands/client-pause/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero timeout, before
    /// anything is sent.
    fn client_pause(self, timeout: Duration, mode: PauseMode) -> Self::Output<()> {
        match whole_millis("CLIENT PAUSE timeout", timeout) {
            Ok(ms) => self.run(&Request::new(&spec::CLIENT_PAUSE, &(ms, mode))),
            Err(e) => self.refuse(e),
        }
    }

    /// `CLIENT UNPAUSE`: ends a `CLIENT PAUSE` early.
    /// <https://redis.io/docs/latest/commands/client-unpause/>
    fn client_unpause(self) -> Self::Output<()> {
        self.run(&Request::new(&spec::CLIENT_UNPAUSE, &()))
    }

    /// `CLIENT UNBLOCK client-id [TIMEOUT|ERROR]`: ends another client's blocking command
    /// (`BLPOP`, `XREAD BLOCK`, `WAIT`, ...) as if it timed out, or with an `UNBLOCKED` error;
    /// `false` when that client was not blocked (or does not exist).
    /// <https://redis.io/docs/latest/commands/client-unblock/>
    fn client_unblock(self, client_id: u64, mode: UnblockMode) -> Self::Output<bool> {
        self.run(&Request::new(&spec::CLIENT_UNBLOCK, &(client_id, mode)))
    }

    /// `CLIENT NO-EVICT ON|OFF`: whether this connection is exempt from client eviction
    /// (`maxmemory-clients`). Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/client-no-evict/>
    fn client_no_evict(self, on: bool) -> Self::Output<()> {
        self.run(&Request::new(&spec::CLIENT_NO_EVICT, &on_off(on)))
    }

    /// `CLIENT NO-TOUCH ON|OFF`: whether this connection's reads leave the keys' LRU/LFU
    /// statistics alone (`OBJECT IDLETIME` unchanged, say). Redis 7.2+ and Valkey; Redis 7.0
    /// has no `NO-TOUCH` (`ERR unknown subcommand`).
    /// <https://redis.io/docs/latest/commands/client-no-touch/>
    fn client_no_touch(self, on: bool) -> Self::Output<()> {
        self.run(&Request::new(&spec::CLIENT_NO_TOUCH, &on_off(on)))
    }

    /// `CLIENT TRACKING ON|OFF ...`: turns server-assisted client-side caching on or off for
    /// this connection ([`TrackingOptions`]). On RESP3 the invalidations arrive as push
    /// messages on this connection (see [`PushHandler`](crate::PushHandler)); on RESP2 they
    /// must be redirected to another client.
    /// <https://redis.io/docs/latest/commands/client-tracking/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for modes that exclude each
    /// other, before anything is sent; `ERR` for a redirect to a client that does not exist.
    fn client_tracking(self, options: TrackingOptions) -> Self::Output<()> {
        match options.check() {
            Ok(()) => self.run(&Request::new(&spec::CLIENT_TRACKING, &options)),
            Err(e) => self.refuse(e),
        }
    }

    /// `CLIENT TRACKINGINFO`: this connection's client-side caching state ([`TrackingInfo`]).
    /// <https://redis.io/docs/latest/commands/client-trackinginfo/>
    fn client_trackinginfo(self) -> Self::Output<TrackingInfo> {
        self.run(&Request::new(&spec::CLIENT_TRACKINGINFO, &()))
    }

    /// `CLIENT GETREDIR`: the client id this connection's invalidations are redirected to: -1
    /// when tracking is off, 0 when they are not redirected.
    /// <https://redis.io/docs/latest/commands/client-getredir/>
    fn client_getredir(self) -> Self::Output<i64> {
        self.run(&Request::new(&spec::CLIENT_GETREDIR, &()))
    }

    /// `CLIENT CACHING YES|NO`: whether the next command's keys are tracked, in the `OPTIN`
    /// (`yes` tracks it) or `OPTOUT` (`no` skips it) tracking modes.
    /// <https://redis.io/docs/latest/commands/client-caching/>
    ///
    /// # Errors
    /// `ERR` when tracking is not on in `OPTIN` or `OPTOUT` mode.
    fn client_caching(self, yes: bool) -> Self::Output<()> {
        self.run(&Request::new(
            &spec::CLIENT_CACHING,
            &(if yes { "YES" } else { "NO" }),
        ))
    }

    /// `CLIENT SETINFO LIB-NAME|LIB-VER value`: declares the client library's name or version,
    /// as `CLIENT LIST` then shows it (the handshake already sends redisync's unless
    /// [`ConnectionConfig::lib_info`](crate::ConnectionConfig::lib_info) is off). Redis 7.2+
    /// and Valkey; Redis 7.0 has no `SETINFO` (`ERR unknown subcommand`).
    /// <https://redis.io/docs/latest/commands/client-setinfo/>
    ///
    /// # Errors
    /// `ERR` for a value with spaces or special characters.
    fn client_setinfo(self, attr: ClientAttr, value: impl ToArg) -> Self::Output<()> {
        self.run(&Request::new(&spec::CLIENT_SETINFO, &(attr, One(&value))))
    }
}

impl<C: Commands> ConnectionCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("ping", &spec::PING),
    ("echo", &spec::ECHO),
    ("auth", &spec::AUTH),
    ("hello", &spec::HELLO),
    ("select", &spec::SELECT),
    ("client_id", &spec::CLIENT_ID),
    ("client_getname", &spec::CLIENT_GETNAME),
    ("client_setname", &spec::CLIENT_SETNAME),
    ("client_info", &spec::CLIENT_INFO),
    ("client_list", &spec::CLIENT_LIST),
    ("client_kill", &spec::CLIENT_KILL),
    ("client_pause", &spec::CLIENT_PAUSE),
    ("client_unpause", &spec::CLIENT_UNPAUSE),
    ("client_unblock", &spec::CLIENT_UNBLOCK),
    ("client_no_evict", &spec::CLIENT_NO_EVICT),
    ("client_no_touch", &spec::CLIENT_NO_TOUCH),
    ("client_tracking", &spec::CLIENT_TRACKING),
    ("client_trackinginfo", &spec::CLIENT_TRACKINGINFO),
    ("client_getredir", &spec::CLIENT_GETREDIR),
    ("client_caching", &spec::CLIENT_CACHING),
    ("client_setinfo", &spec::CLIENT_SETINFO),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::Protocol;
    use crate::commands::groups::check::{self, Call, Recorder};
    use crate::resp::Value;

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("ping", |r| {
                let _ = r.ping();
            }),
            ("echo", |r| {
                let _ = r.echo::<Value>("x");
            }),
            ("auth", |r| {
                let _ = r.auth(None, "pw");
            }),
            ("hello", |r| {
                let _ = r.hello(HelloOptions::new());
            }),
            ("select", |r| {
                let _ = r.select(1);
            }),
            ("client_id", |r| {
                let _ = r.client_id();
            }),
            ("client_getname", |r| {
                let _ = r.client_getname();
            }),
            ("client_setname", |r| {
                let _ = r.client_setname("n");
            }),
            ("client_info", |r| {
                let _ = r.client_info();
            }),
            ("client_list", |r| {
                let _ = r.client_list(ClientListOptions::new());
            }),
            ("client_kill", |r| {
                let _ = r.client_kill(ClientKillOptions::new().id(1));
            }),
            ("client_pause", |r| {
                let _ = r.client_pause(Duration::from_millis(10), PauseMode::All);
            }),
            ("client_unpause", |r| {
                let _ = r.client_unpause();
            }),
            ("client_unblock", |r| {
                let _ = r.client_unblock(1, UnblockMode::Timeout);
            }),
            ("client_no_evict", |r| {
                let _ = r.client_no_evict(true);
            }),
            ("client_no_touch", |r| {
                let _ = r.client_no_touch(false);
            }),
            ("client_tracking", |r| {
                let _ = r.client_tracking(TrackingOptions::on());
            }),
            ("client_trackinginfo", |r| {
                let _ = r.client_trackinginfo();
            }),
            ("client_getredir", |r| {
                let _ = r.client_getredir();
            }),
            ("client_caching", |r| {
                let _ = r.client_caching(true);
            }),
            ("client_setinfo", |r| {
                let _ = r.client_setinfo(ClientAttr::LibName, "x");
            }),
        ];
        check::methods(METHODS, calls);
    }

    #[test]
    fn options_write_their_words() {
        assert_eq!(check::sent(|r| drop(r.auth(None, "pw"))), ["AUTH", "pw"]);
        assert_eq!(
            check::sent(|r| drop(r.auth(Some("alice"), "pw"))),
            ["AUTH", "alice", "pw"]
        );
        assert_eq!(
            check::sent(|r| drop(
                r.hello(
                    HelloOptions::new()
                        .protocol(Protocol::Resp2)
                        .auth("u", "p")
                        .setname("n")
                )
            )),
            ["HELLO", "2", "AUTH", "u", "p", "SETNAME", "n"]
        );
        assert_eq!(
            check::sent(|r| drop(r.hello(HelloOptions::new().protocol(Protocol::Resp3)))),
            ["HELLO", "3"]
        );
        assert_eq!(
            check::sent(|r| drop(
                r.client_list(
                    ClientListOptions::new()
                        .client_type(ClientType::Normal)
                        .ids([1, 2])
                )
            )),
            ["CLIENT", "LIST", "TYPE", "normal", "ID", "1", "2"]
        );
        assert_eq!(
            check::sent(|r| drop(
                r.client_kill(
                    ClientKillOptions::new()
                        .id(3)
                        .addr("a:1")
                        .laddr("b:2")
                        .user("u")
                        .client_type(ClientType::Master)
                        .skipme(false)
                        .maxage(Duration::from_millis(1500))
                )
            )),
            [
                "CLIENT", "KILL", "ID", "3", "ADDR", "a:1", "LADDR", "b:2", "USER", "u", "TYPE",
                "master", "SKIPME", "no", "MAXAGE", "2"
            ]
        );
        assert_eq!(
            check::sent(|r| drop(r.client_pause(Duration::from_micros(1500), PauseMode::Write))),
            ["CLIENT", "PAUSE", "2", "WRITE"]
        );
        assert_eq!(
            check::sent(|r| drop(r.client_unblock(9, UnblockMode::Error))),
            ["CLIENT", "UNBLOCK", "9", "ERROR"]
        );
        assert_eq!(
            check::sent(|r| drop(
                r.client_tracking(
                    TrackingOptions::on()
                        .redirect(4)
                        .bcast()
                        .prefix("a")
                        .prefix(b"b\r\n")
                        .noloop()
                )
            )),
            [
                "CLIENT", "TRACKING", "ON", "REDIRECT", "4", "PREFIX", "a", "PREFIX", "b\r\n",
                "BCAST", "NOLOOP"
            ]
        );
        assert_eq!(
            check::sent(|r| drop(r.client_tracking(TrackingOptions::off()))),
            ["CLIENT", "TRACKING", "OFF"]
        );
        assert_eq!(
            check::sent(|r| drop(r.client_tracking(TrackingOptions::on().optin()))),
            ["CLIENT", "TRACKING", "ON", "OPTIN"]
        );
        assert_eq!(
            check::sent(|r| drop(r.client_caching(false))),
            ["CLIENT", "CACHING", "NO"]
        );
        assert_eq!(
            check::sent(|r| drop(r.client_no_evict(true))),
            ["CLIENT", "NO-EVICT", "ON"]
        );
        assert_eq!(
            check::sent(|r| drop(r.client_no_touch(false))),
            ["CLIENT", "NO-TOUCH", "OFF"]
        );
        assert_eq!(
            check::sent(|r| drop(r.client_setinfo(ClientAttr::LibVer, "1.0"))),
            ["CLIENT", "SETINFO", "LIB-VER", "1.0"]
        );
    }

    #[test]
    fn conflicting_options_are_refused_before_sending() {
        let mut r = Recorder::default();
        let refused = [
            r.hello(HelloOptions::new().setname("x")).map(drop),
            r.hello(HelloOptions::new().auth("u", "p")).map(drop),
            r.client_kill(ClientKillOptions::new()).map(drop),
            r.client_kill(ClientKillOptions::new().skipme(false))
                .map(drop),
            r.client_kill(ClientKillOptions::new().maxage(Duration::ZERO))
                .map(drop),
            r.client_pause(Duration::ZERO, PauseMode::All),
            r.client_tracking(TrackingOptions::on().optin().optout()),
            r.client_tracking(TrackingOptions::on().bcast().optin()),
            r.client_tracking(TrackingOptions::on().prefix("p")),
        ];
        for e in refused {
            assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidInput);
        }
        assert!(r.sent.is_empty());
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let o = HelloOptions::new()
            .protocol(Protocol::Resp3)
            .auth("alice", "hunter2");
        let dbg = format!("{o:?}");
        assert!(dbg.contains("alice") && !dbg.contains("hunter2"), "{dbg}");
    }
}
