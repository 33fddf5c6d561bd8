//! [`Cmd`]: any command, built argument by argument; and [`Request`], what [`Execute`] sends.

use std::fmt;

use super::Execute;
use super::args::ToArgs;
use super::flags::{blocking_wait, is_repeatable, may_block};
use super::reply::FromValue;
use crate::connection::Connection;
use crate::connection::session::{SessionEffect, classify};
use crate::error::Result;
use crate::resp::{Value, write_command_header};
use std::time::Duration;

/// Starts a command by name: `cmd("CLIENT").arg("ID")`.
///
/// ```no_run
/// use redisync::{cmd, Connection};
/// let mut conn = Connection::open("redis://127.0.0.1")?;
/// let n: i64 = cmd("HINCRBY").arg("h").arg("field").arg(5).query(&mut conn)?;
/// # Ok::<(), redisync::Error>(())
/// ```
pub fn cmd(name: &str) -> Cmd {
    Cmd::new(name)
}

/// Any Redis command, with its arguments already encoded.
///
/// Its `Debug` output shows the command name and the argument count only: arguments can be
/// passwords (`AUTH`, `HELLO`, `CONFIG SET requirepass`).
#[derive(Clone, PartialEq, Eq)]
pub struct Cmd {
    name_len: usize,
    args: Vec<u8>,
    argc: usize,
    effect: Option<SessionEffect>,
    repeatable: bool,
}

impl Cmd {
    /// A command with no arguments yet. Subcommands are arguments: `Cmd::new("CONFIG").arg("GET")`.
    pub fn new(name: &str) -> Cmd {
        let mut args = Vec::with_capacity(64);
        name.write_args(&mut args);
        Cmd {
            name_len: name.len(),
            args,
            argc: 1,
            effect: classify(name.as_bytes(), None),
            repeatable: is_repeatable(name.as_bytes()),
        }
    }

    /// Appends arguments: one for a [`ToArg`](crate::ToArg), several for a slice, tuple or map.
    pub fn arg(&mut self, arg: impl ToArgs) -> &mut Cmd {
        let start = self.args.len();
        let first = self.argc == 1;
        self.argc += arg.arg_count();
        arg.write_args(&mut self.args);
        if first && self.name().eq_ignore_ascii_case("CLIENT") {
            // Whether CLIENT changes the session depends on its subcommand.
            self.effect = classify(b"CLIENT", first_bulk(&self.args[start..]));
        }
        self
    }

    /// Marks this command as safe to send again after its reply was lost (an idempotent
    /// write). Read-only commands are recognised by name; everything else is assumed to have
    /// an effect that must not happen twice, unless marked here.
    pub fn idempotent(&mut self) -> &mut Cmd {
        self.repeatable = true;
        self
    }

    /// The arguments as byte slices, the name first.
    fn arg_slices(&self) -> Vec<&[u8]> {
        let mut out = Vec::with_capacity(self.argc);
        let mut rest = self.args.as_slice();
        while let Some(bulk) = first_bulk(rest) {
            let header = rest.iter().position(|&b| b == b'\n').map_or(0, |n| n + 1);
            out.push(bulk);
            rest = rest.get(header + bulk.len() + 2..).unwrap_or(&[]);
        }
        out
    }

    /// The command name, as given.
    pub fn name(&self) -> &str {
        // The name is the first bulk: `$<len>\r\n<name>\r\n`.
        let start = self.args.len().min(digits(self.name_len) + 3);
        let end = (start + self.name_len).min(self.args.len());
        std::str::from_utf8(&self.args[start..end]).unwrap_or("")
    }

    /// How many arguments, the name included.
    pub fn arg_count(&self) -> usize {
        self.argc
    }

    /// Sends the command and converts its reply.
    ///
    /// # Errors
    /// Connection errors, timeouts, the server's error reply, or a reply that does not convert
    /// to `T`.
    pub fn query<T: FromValue>(&self, mut con: impl Execute) -> Result<T> {
        T::from_value(con.execute(&Request::from(self))?)
    }

    /// Sends the command, checks its reply is not an error, and drops it.
    pub fn exec(&self, con: impl Execute) -> Result<()> {
        self.query::<Value>(con).map(drop)
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        write_command_header(out, self.argc);
        out.extend_from_slice(&self.args);
    }
}

/// The payload of the first bulk string in encoded arguments.
fn first_bulk(encoded: &[u8]) -> Option<&[u8]> {
    let rest = encoded.strip_prefix(b"$")?;
    let nl = rest.iter().position(|&b| b == b'\n')?;
    let len: usize = std::str::from_utf8(rest.get(..nl.checked_sub(1)?)?)
        .ok()?
        .parse()
        .ok()?;
    rest.get(nl + 1..nl + 1 + len)
}

fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

impl fmt::Debug for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cmd")
            .field("name", &self.name())
            .field("args", &self.argc)
            .finish()
    }
}

/// One request on its way to the server: the unit [`Execute`] sends.
///
/// Typed command methods build one on the stack from borrowed arguments, so sending a command
/// allocates nothing; [`Cmd`] converts into one by reference.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    parts: Parts<'a>,
    effect: Option<SessionEffect>,
    repeatable: bool,
    blocking: Option<Option<Duration>>,
    read_timeout: Option<Duration>,
}

#[derive(Clone, Copy)]
enum Parts<'a> {
    Args(&'a dyn ToArgs),
    Cmd(&'a Cmd),
}

impl<'a> Request<'a> {
    /// A request from its arguments, the command name first: a tuple such as
    /// `&("GET", "key")`, or a slice.
    ///
    /// A tuple is the fast form: its encoding is compiled for exactly those types, so writing
    /// the request makes no dynamic calls per argument.
    pub fn new(args: &'a dyn ToArgs) -> Request<'a> {
        Request {
            parts: Parts::Args(args),
            effect: None,
            repeatable: false,
            blocking: None,
            read_timeout: None,
        }
    }

    /// This request's own read timeout instead of the connection's.
    pub fn read_timeout(mut self, timeout: Duration) -> Request<'a> {
        self.read_timeout = Some(timeout);
        self
    }

    /// The read timeout this request asks for, if it overrides the connection's.
    pub(crate) fn read_timeout_override(&self) -> Option<Duration> {
        self.read_timeout
    }

    /// Marks the request as safe to send again after its reply was lost.
    pub fn repeatable(mut self) -> Request<'a> {
        self.repeatable = true;
        self
    }

    /// Whether the request may be sent again after its reply was lost.
    pub fn is_repeatable(&self) -> bool {
        self.repeatable
    }

    /// For a blocking command (`BLPOP`, `XREAD BLOCK`, `WAIT`, ...): how long the server may
    /// hold the reply back (`Some(None)`: as long as it likes).
    pub(crate) fn blocking(&self) -> Option<Option<Duration>> {
        self.blocking
    }

    pub(crate) fn effect(&self) -> Option<SessionEffect> {
        self.effect
    }

    /// A request for a command that changes the session (`WATCH`, `MULTI`, ...).
    pub(crate) fn with_effect(args: &'a dyn ToArgs, effect: SessionEffect) -> Request<'a> {
        Request {
            parts: Parts::Args(args),
            effect: Some(effect),
            repeatable: false,
            blocking: None,
            read_timeout: None,
        }
    }

    /// Writes the request in RESP into `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self.parts {
            Parts::Args(args) => {
                write_command_header(out, args.arg_count());
                args.write_args(out);
            }
            Parts::Cmd(c) => c.encode(out),
        }
    }
}

impl<'a> From<&'a Cmd> for Request<'a> {
    fn from(cmd: &'a Cmd) -> Request<'a> {
        // Only a few names block; split the arguments only for those.
        let blocking = if may_block(cmd.name().as_bytes()) {
            blocking_wait(&cmd.arg_slices())
        } else {
            None
        };
        Request {
            parts: Parts::Cmd(cmd),
            effect: cmd.effect,
            repeatable: cmd.repeatable && blocking.is_none(),
            blocking,
            read_timeout: None,
        }
    }
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parts {
            Parts::Args(a) => f
                .debug_struct("Request")
                .field("args", &a.arg_count())
                .finish(),
            Parts::Cmd(c) => f.debug_tuple("Request").field(c).finish(),
        }
    }
}

impl Connection {
    /// Sends a command without waiting for its reply, for hand-made pipelines: each `send` owes
    /// one [`Connection::recv`]. Typed methods refuse to run while replies are owed.
    pub fn send(&mut self, cmd: &Cmd) -> Result<()> {
        self.write_with(1, |out| cmd.encode(out))?;
        if let Some(effect) = cmd.effect {
            self.apply_effects(&[effect]);
        }
        Ok(())
    }

    /// Reads the reply to the oldest command sent with [`Connection::send`]. An error reply is
    /// returned as an error, and the connection stays usable.
    pub fn recv<T: FromValue>(&mut self) -> Result<T> {
        T::from_value(crate::connection::reply_to_result(self.read_reply()?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmd_encodes_and_hides_arguments_in_debug() {
        let mut c = cmd("AUTH");
        c.arg("alice").arg("s3cret");
        let mut out = Vec::new();
        c.encode(&mut out);
        assert_eq!(out, b"*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$6\r\ns3cret\r\n");
        assert_eq!(c.name(), "AUTH");
        assert_eq!(c.arg_count(), 3);
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("s3cret") && dbg.contains("AUTH"), "{dbg}");
        let long = cmd("ABCDEFGHIJKL");
        assert_eq!(long.name(), "ABCDEFGHIJKL");
        assert_eq!(cmd("watch").arg("k").effect, Some(SessionEffect::Watch));
        assert_eq!(
            cmd("CLIENT").arg("SETNAME").arg("x").effect,
            Some(SessionEffect::Dirty)
        );
        assert_eq!(cmd("CLIENT").arg("ID").effect, None);
        assert_eq!(cmd("GET").arg("k").effect, None);
        let blpop = cmd("BLPOP").arg(["a", "b"]).arg(5).clone();
        let req = Request::from(&blpop);
        assert_eq!(req.blocking(), Some(Some(Duration::from_secs(5))));
        assert!(!req.is_repeatable());
        assert!(Request::from(&cmd("MGET").arg(["a", "b"]).clone()).is_repeatable());
        assert!(!Request::from(&cmd("INCR").arg("a").clone()).is_repeatable());
        assert!(Request::from(&cmd("SET").arg("a").arg(1).idempotent().clone()).is_repeatable());
    }

    #[test]
    fn request_from_parts_matches_cmd() {
        let key = String::from("k");
        let args = ("SET", &key, 10i64);
        let req = Request::new(&args);
        let mut a = Vec::new();
        req.encode(&mut a);
        let mut b = Vec::new();
        cmd("SET").arg("k").arg(10).encode(&mut b);
        assert_eq!(a, b);
    }
}
