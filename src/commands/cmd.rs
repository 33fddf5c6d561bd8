//! [`Cmd`]: any command, built argument by argument; and [`Request`], what [`Execute`] sends.
//! Both carry their command's table entry: a `Cmd` looks it up once, by name, and a typed
//! method names it.

use std::fmt;

use super::Execute;
use super::args::{
    Encoded, SPLICE_MIN, Splices, ToArgs, encode_command, encode_command_spliced, encode_with,
};
use super::reply::FromValue;
use super::table::{self, CommandSpec, Keys, Repeat};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::resp::{Value, split_command};

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

/// Any Redis command, with its arguments already encoded and its entry in the command table.
///
/// The entry decides what the crate does with the command: whether it may be sent again after
/// its reply was lost, how long its reply may take (a blocking command), what it does to the
/// connection's session. A subcommand's entry (`CLIENT KILL`) is found from the first argument.
/// A name the table does not know gets [`table::UNKNOWN`]: never repeated, never blocking.
///
/// Its `Debug` output shows the command name and the argument count only: arguments can be
/// passwords (`AUTH`, `HELLO`, `CONFIG SET requirepass`).
#[derive(Clone, PartialEq, Eq)]
pub struct Cmd {
    /// The name, then every argument, each encoded as a bulk string.
    args: Encoded,
    name: Box<str>,
    spec: &'static CommandSpec,
    idempotent: bool,
    /// An argument that could not be encoded: the command is refused when sent.
    invalid: Option<String>,
}

impl Cmd {
    /// A command with no arguments yet. Subcommands are arguments: `Cmd::new("CONFIG").arg("GET")`.
    pub fn new(name: &str) -> Cmd {
        let mut args = Encoded::default();
        let invalid = args.push(&name).err().map(|e| e.to_string());
        Cmd {
            args,
            name: name.into(),
            spec: table::lookup(name.as_bytes()),
            idempotent: false,
            invalid,
        }
    }

    /// Appends arguments (one for a [`ToArg`](crate::ToArg), several for a slice, tuple or
    /// map) and gives the command back, so one can be built inline and kept:
    /// `let c = cmd("GET").arg("k");`. In a loop, [`Cmd::push`] adds to a command in place.
    #[must_use = "arg gives the command back; use push to add to a command in place"]
    pub fn arg(mut self, arg: impl ToArgs) -> Cmd {
        self.push(arg);
        self
    }

    /// Appends arguments in place, for building a command in a loop:
    ///
    /// ```
    /// let mut c = redisync::cmd("RPUSH");
    /// c.push("jobs");
    /// for job in ["a", "b", "c"] {
    ///     c.push(job);
    /// }
    /// assert_eq!(c.arg_count(), 5);
    /// ```
    pub fn push(&mut self, arg: impl ToArgs) -> &mut Cmd {
        let first = self.args.count() == 1;
        if let Err(e) = self.args.push(&arg) {
            self.invalid.get_or_insert(e.to_string());
        }
        if first && !self.spec.subcommands().is_empty() {
            // A container's entry says little; its subcommand's says what the command does.
            if let Some(sub) = split_args(self.args.bytes()).and_then(|a| a.get(1).copied()) {
                if let Some(spec) = self.spec.subcommand(sub) {
                    self.spec = spec;
                }
            }
        }
        self
    }

    /// Marks this command as safe to send again after its reply was lost (an idempotent
    /// write, in the caller's judgement). Without this, only commands the table says are
    /// safe to repeat (they change nothing) are sent again.
    #[must_use = "idempotent gives the command back"]
    pub fn idempotent(mut self) -> Cmd {
        self.idempotent = true;
        self
    }

    /// The command's entry in the command table.
    pub fn spec(&self) -> &'static CommandSpec {
        self.spec
    }

    /// The command name, as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many arguments, the name included.
    pub fn arg_count(&self) -> usize {
        self.args.count()
    }

    /// The keys among the arguments, found from the table's key specifications.
    pub fn keys(&self) -> Vec<&[u8]> {
        let args = split_args(self.args.bytes()).unwrap_or_default();
        let keys = self.spec.keys_in(&args);
        keys.positions()
            .iter()
            .filter_map(|&i| args.get(i).copied())
            .collect()
    }

    /// Sends the command and converts its reply.
    ///
    /// # Errors
    /// Connection errors, timeouts, the server's error reply, or a reply that does not convert
    /// to `T`; [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is
    /// sent for an argument that could not be encoded or a command the connection refuses.
    pub fn query<T: FromValue>(&self, mut con: impl Execute) -> Result<T> {
        T::from_value(con.execute(&Request::from(self))?)
    }

    /// Sends the command, checks its reply is not an error, and drops it.
    pub fn exec(&self, con: impl Execute) -> Result<()> {
        self.query::<Value>(con).map(drop)
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        if let Some(why) = &self.invalid {
            return Err(Error::invalid("argument", why.clone()));
        }
        encode_with(out, |w| w.encoded(self.args.bytes(), self.args.count()))
    }

    /// [`Cmd::encode`], sending long arguments from the command itself: its encoded arguments
    /// follow the header as one splice.
    pub(crate) fn encode_spliced<'d>(
        &'d self,
        out: &mut Vec<u8>,
        splices: &mut Splices<'d>,
    ) -> Result<()> {
        let bytes = self.args.bytes();
        if bytes.len() < SPLICE_MIN || self.invalid.is_some() || self.args.count() == 0 {
            return self.encode(out);
        }
        crate::resp::write_command_header(out, self.args.count());
        splices.list.push((out.len(), bytes));
        Ok(())
    }
}

/// The bulk strings of encoded arguments (no header).
fn split_args(encoded: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = encoded;
    while !rest.is_empty() {
        let body = rest.strip_prefix(b"$")?;
        let nl = body.iter().position(|&b| b == b'\r')?;
        let len: usize = std::str::from_utf8(&body[..nl]).ok()?.parse().ok()?;
        let start = nl + 2;
        out.push(body.get(start..start.checked_add(len)?)?);
        rest = body.get(start + len + 2..)?;
    }
    Some(out)
}

impl fmt::Debug for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cmd")
            .field("name", &self.name())
            .field("args", &self.arg_count())
            .finish()
    }
}

/// One request on its way to the server: the unit [`Execute`] sends.
///
/// Typed command methods build one on the stack from their entry in the command table and
/// borrowed arguments, so sending a command allocates nothing; a [`Cmd`] converts into one by
/// reference. There is no way to build one without a table entry.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    spec: &'static CommandSpec,
    parts: Parts<'a>,
    idempotent: bool,
    shape: Option<Shape>,
}

/// Turns a command's reply into the form its typed method's return type reads (a `TTL` in
/// seconds into the milliseconds [`Ttl`](crate::Ttl) reads, say): the reply alone does not say
/// its unit, the command does. Applied wherever the reply is converted, pipelines included.
pub(crate) type Shape = fn(Value) -> Result<Value>;

#[derive(Clone, Copy)]
enum Parts<'a> {
    /// The arguments after the name.
    Args(&'a dyn ToArgs),
    Cmd(&'a Cmd),
}

impl<'a> Request<'a> {
    /// A request for the command `spec`, its name written from the entry, then `args`.
    #[inline]
    pub(crate) fn new(spec: &'static CommandSpec, args: &'a dyn ToArgs) -> Request<'a> {
        Request {
            spec,
            parts: Parts::Args(args),
            idempotent: false,
            shape: None,
        }
    }

    /// This request's reply goes through `shape` before it is converted.
    #[inline]
    pub(crate) fn shaped(mut self, shape: Shape) -> Request<'a> {
        self.shape = Some(shape);
        self
    }

    /// The shaping of this request's reply, if it has one.
    pub(crate) fn shape(&self) -> Option<Shape> {
        self.shape
    }

    /// The reply, shaped for its typed method's return type.
    #[inline]
    pub(crate) fn shape_reply(&self, reply: Value) -> Result<Value> {
        match self.shape {
            Some(f) => f(reply),
            None => Ok(reply),
        }
    }

    /// The command's entry in the command table.
    pub fn spec(&self) -> &'static CommandSpec {
        self.spec
    }

    /// Marks the request as safe to send again after its reply was lost.
    pub fn repeatable(mut self) -> Request<'a> {
        self.idempotent = true;
        self
    }

    /// Whether the request may be sent again after its reply was lost: its table entry says
    /// it changes nothing, or the caller marked it.
    #[inline]
    pub fn is_repeatable(&self) -> bool {
        self.idempotent || self.spec.repeat() == Repeat::Safe
    }

    /// The keys among the arguments, found from the table's key specifications.
    ///
    /// # Errors
    /// An argument that cannot be encoded.
    pub fn keys(&self) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        let args = split_command(&out).unwrap_or_default();
        let keys: Keys = self.spec.keys_in(&args);
        Ok(keys
            .positions()
            .iter()
            .filter_map(|&i| args.get(i).map(|a| a.to_vec()))
            .collect())
    }

    /// Writes the request as one RESP command into `out` (nothing on error).
    #[inline]
    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        match self.parts {
            Parts::Args(args) => encode_command(out, self.spec, args),
            Parts::Cmd(c) => c.encode(out),
        }
    }

    /// [`Request::encode`], with long arguments recorded in `splices` to be sent from where
    /// they are (the write path's usual case), not copied.
    #[inline(always)]
    pub(crate) fn encode_spliced(
        &self,
        out: &mut Vec<u8>,
        splices: &mut Splices<'a>,
    ) -> Result<()> {
        match self.parts {
            Parts::Args(args) => encode_command_spliced(out, self.spec, args, splices),
            Parts::Cmd(c) => c.encode_spliced(out, splices),
        }
    }
}

impl<'a> From<&'a Cmd> for Request<'a> {
    fn from(cmd: &'a Cmd) -> Request<'a> {
        Request {
            spec: cmd.spec,
            parts: Parts::Cmd(cmd),
            idempotent: cmd.idempotent,
            shape: None,
        }
    }
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Request");
        d.field("command", &self.spec.full_name());
        if let Parts::Cmd(c) = self.parts {
            d.field("args", &c.arg_count());
        }
        d.finish()
    }
}

impl Connection {
    /// Sends a command without waiting for its reply, for hand-made pipelines: each `send` owes
    /// one [`Connection::recv`]. Typed methods and pipelines refuse to run while replies are
    /// owed.
    pub fn send(&mut self, cmd: &Cmd) -> Result<()> {
        self.queue(cmd.spec, |out| cmd.encode(out))
    }

    /// Reads the reply to the oldest command sent with [`Connection::send`], under the read
    /// timeout from now (plus the command's own wait, for a blocking one). An error reply is
    /// returned as an error, and the connection stays usable.
    pub fn recv<T: FromValue>(&mut self) -> Result<T> {
        T::from_value(crate::connection::reply_to_result(self.read_queued()?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::table::SessionEffect;

    fn encoded(c: &Cmd) -> Vec<u8> {
        let mut out = Vec::new();
        c.encode(&mut out).unwrap();
        out
    }

    #[test]
    fn cmd_encodes_and_hides_arguments_in_debug() {
        let mut c = cmd("AUTH");
        c.push("alice").push("s3cret");
        assert_eq!(
            encoded(&c),
            b"*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$6\r\ns3cret\r\n"
        );
        assert_eq!(c.name(), "AUTH");
        assert_eq!(c.arg_count(), 3);
        let dbg = format!("{c:?} {:?}", Request::from(&c));
        assert!(!dbg.contains("s3cret") && dbg.contains("AUTH"), "{dbg}");
    }

    #[test]
    fn every_cmd_finds_its_entry_subcommands_included() {
        assert_eq!(
            cmd("watch").arg("k").spec().session_effect(),
            SessionEffect::Watch
        );
        assert_eq!(
            cmd("CLIENT").arg("setname").arg("x").spec().full_name(),
            "CLIENT SETNAME"
        );
        assert_eq!(
            cmd("CLIENT").arg(("REPLY", "OFF")).spec().full_name(),
            "CLIENT REPLY"
        );
        assert!(cmd("NOSUCHCOMMAND").spec().is_unknown());
        assert!(Request::from(&cmd("GET").arg("k").clone()).is_repeatable());
        assert!(!Request::from(&cmd("INCR").arg("a").clone()).is_repeatable());
        assert!(!Request::from(&cmd("SET").arg("a").arg(1).clone()).is_repeatable());
        assert!(Request::from(&cmd("SET").arg("a").arg(1).idempotent().clone()).is_repeatable());
    }

    #[test]
    fn request_from_parts_matches_cmd() {
        let key = String::from("k");
        let args = (&key, 10i64);
        let req = Request::new(&table::spec::SET, &args);
        let mut a = Vec::new();
        req.encode(&mut a).unwrap();
        assert_eq!(a, encoded(&cmd("SET").arg("k").arg(10)));
        assert_eq!(req.keys().unwrap(), [b"k".to_vec()]);
        assert_eq!(cmd("MSET").arg(("a", 1, "b", 2)).keys(), [&b"a"[..], b"b"]);
    }
}
