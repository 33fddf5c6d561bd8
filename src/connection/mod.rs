//! One connection to one server: a socket, its buffers, its deadlines, the one write path every
//! command byte goes through, and the rule that a connection whose byte stream can no longer be
//! trusted is never used again.

mod borrowed;
pub mod config;
mod handshake;
mod maint;
pub(crate) mod session;
mod shared;
mod socket;
mod stream;
mod tls;
mod url;

pub(crate) use url::redacted as redacted_url;

use std::collections::VecDeque;
use std::fmt;
use std::io::IoSlice;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use self::config::{Address, ConnectionConfig, Protocol};
use self::session::Session;
use self::stream::{Stream, Timed, is_timeout};
use crate::commands::table::{CommandSpec, SessionEffect, Wait};
use crate::commands::{ArgSplices as Splices, Request};
use crate::deadline::{Budget, Span};
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::resp::{Decoder, Value, split_command};

/// The first read buffer; it grows (doubling) only when one reply does not fit.
const INITIAL_READ_BUFFER: usize = 16 * 1024;
/// A read buffer grown past this is shrunk back once it is empty, so one huge reply does not
/// pin its memory for the life of a pooled connection.
const MAX_IDLE_READ_BUFFER: usize = 1024 * 1024;

/// A handler for RESP3 push frames that arrive on one connection while a reply is awaited.
pub type PushHandler = Box<dyn FnMut(Value) + Send>;

/// Where push frames from a pool's connections go when the connection has no handler of its
/// own: one sink for the whole pool, fed from busy connections (pushes that arrive before a
/// reply) and idle ones (read at checkout, or by the pool's periodic pass).
pub type PushSink = Arc<dyn Fn(PushOrigin, Value) + Send + Sync>;

/// Extra commands run on every connection a client's pool opens, after the handshake and
/// inside the connect deadline; see
/// [`ClientBuilder::on_connect`](crate::ClientBuilder::on_connect).
pub type ConnectHook = Arc<dyn Fn(&mut Connection) -> Result<()> + Send + Sync>;

/// Which connection a push frame came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PushOrigin {
    connection: u64,
}

impl PushOrigin {
    /// The connection's number, unique in this process ([`Connection::id`]).
    pub fn connection_id(&self) -> u64 {
        self.connection
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One connection to a Redis server.
///
/// Opened with [`Connection::open`] (a URL) or [`Connection::with_config`]. Commands are the
/// methods of [`Commands`](crate::Commands), implemented for `&mut Connection`:
///
/// ```no_run
/// use redisync::{Connection};
/// use redisync::prelude::*;
/// let mut conn = Connection::open("redis://127.0.0.1:6379")?;
/// conn.set("greeting", "hello")?;
/// let v: Option<String> = conn.get("greeting")?;
/// # Ok::<(), redisync::Error>(())
/// ```
///
/// # Deadlines and broken connections
///
/// Opening is bounded by the connect timeout (resolution, every address, the TLS handshake and
/// the handshake commands together). Sending a command (or a pipeline) is bounded by the write
/// timeout, and receiving all of its replies by the read timeout, both counted from when the
/// command was sent; a blocking command adds its own wait. The bound holds for every system
/// call, TLS's own included.
///
/// Any I/O error, timeout or protocol error in the middle of an exchange marks the connection
/// broken: from then on every call fails at once with [`Error::Broken`], and the socket is shut
/// down. A late reply can therefore never be read as the answer to a later command. Error
/// *replies* from the server (`-ERR ...`) leave the connection healthy.
///
/// # One write path
///
/// Every command reaches the socket through one function, which refuses to start an exchange
/// while replies to earlier [`Connection::send`] calls are unread, refuses the commands that
/// would change how many replies the server sends (`SUBSCRIBE`, `MONITOR`, `CLIENT REPLY`:
/// [`SessionEffect::Refused`](crate::commands::table::SessionEffect::Refused)), records what
/// each command does to the session (applied when its reply confirms it), and how far the
/// write got.
pub struct Connection {
    stream: Stream,
    rbuf: Vec<u8>,
    rstart: usize,
    rend: usize,
    wbuf: Vec<u8>,
    decoder: Decoder,
    broken: Option<ErrorKind>,
    protocol: Protocol,
    /// Replies owed for commands already written.
    pending: usize,
    /// Commands whose replies must be looked at when they arrive (a session effect to
    /// confirm, a blocking wait for `recv`), oldest first.
    owed: VecDeque<Owed>,
    /// Replies read so far: the sequence number of the next reply.
    replies_read: u64,
    read_timeout: Duration,
    write_timeout: Duration,
    baseline: Baseline,
    /// The budget of the current call (or of the connect), bounding every wait in it.
    cap: Budget,
    push_handler: Option<PushHandler>,
    push_sink: Option<PushSink>,
    session: Session,
    last_write: WriteReport,
    /// When the last exchange was sent (for health checks and idle expiry).
    last_used: Instant,
    db: u32,
    addr: Address,
    id: u64,
    /// A caching client's mark: refusals, local invalidation, eviction on close.
    cache: Option<Box<crate::cache::Link>>,
    /// Maintenance notifications are on: relaxed timeouts, moves.
    maint: Option<Box<crate::maint::Link>>,
}

/// The client-side settings a connection starts with, which a pool restores on check-in.
#[derive(Debug, Clone, Copy)]
struct Baseline {
    read_timeout: Duration,
    write_timeout: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Owed {
    seq: u64,
    effect: SessionEffect,
    wait: Wait,
}

/// What writes a frame's bytes: a closure over the write buffer, or a [`Requested`] command,
/// whose long arguments may instead be sent from where they are (spliced into the write).
pub(crate) trait Encode<'d> {
    /// Encodes into `out`; with `splices`, long arguments may be recorded there instead.
    fn encode(self, out: &mut Vec<u8>, splices: Option<&mut Splices<'d>>) -> Result<()>;
}

impl<F: FnOnce(&mut Vec<u8>) -> Result<()>> Encode<'_> for F {
    #[inline(always)]
    fn encode(self, out: &mut Vec<u8>, _splices: Option<&mut Splices<'_>>) -> Result<()> {
        self(out)
    }
}

/// A request as a frame.
pub(crate) struct Requested<'r, 'd>(pub(crate) &'r Request<'d>);

impl<'d> Encode<'d> for Requested<'_, 'd> {
    #[inline(always)]
    fn encode(self, out: &mut Vec<u8>, splices: Option<&mut Splices<'d>>) -> Result<()> {
        match splices {
            Some(splices) => self.0.encode_spliced(out, splices),
            None => self.0.encode(out),
        }
    }
}

/// How a frame is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// An exchange: refused while replies to earlier sends are owed.
    Exchange,
    /// [`Connection::send`]: may follow other sends; [`Connection::recv`] reads the replies.
    Queue,
    /// A subscriber's commands: their answers are pushes read as frames, nothing is owed.
    Untracked,
}

/// One command of a frame of several, as the write path sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Meta {
    pub(crate) spec: &'static CommandSpec,
    /// Where the command's bytes end in the frame.
    pub(crate) end: usize,
}

/// The commands of one frame.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Metas<'a> {
    /// A single command: the whole frame.
    One(&'static CommandSpec),
    /// Several, each with where it ends.
    Many(&'a [Meta]),
}

impl Metas<'_> {
    fn len(&self) -> usize {
        match self {
            Metas::One(_) => 1,
            Metas::Many(m) => m.len(),
        }
    }

    /// Each command's entry and the end of its bytes (`frame_len` for a single one).
    fn each(&self, frame_len: usize) -> impl Iterator<Item = (&'static CommandSpec, usize)> + '_ {
        let one = match self {
            Metas::One(spec) => Some((*spec, frame_len)),
            Metas::Many(_) => None,
        };
        let many = match self {
            Metas::One(_) => &[][..],
            Metas::Many(m) => m,
        };
        one.into_iter().chain(many.iter().map(|m| (m.spec, m.end)))
    }
}

/// How far the last write got: of its `commands`, how many left whole (so the server may
/// have run them even if no reply comes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WriteReport {
    pub(crate) commands: usize,
    pub(crate) complete: usize,
}

/// A frame on its way: when its last byte left, and how long the server may hold the replies
/// back on purpose (its blocking commands' waits together).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sent {
    at: Instant,
    wait: Wait,
}

impl Connection {
    /// Connects to the server a URL names (see [`ConnectionConfig::from_url`]).
    pub fn open(url: &str) -> Result<Connection> {
        Connection::with_config(&ConnectionConfig::from_url(url)?)
    }

    /// Connects with these settings and runs the handshake (`HELLO`/`AUTH`, `SELECT`, client
    /// name and library info), all under the connect timeout.
    pub fn with_config(cfg: &ConnectionConfig) -> Result<Connection> {
        Connection::connect(cfg, &[], Budget::NONE, None)
    }

    /// Connects, runs the handshake and then `hooks`, all within the connect timeout and
    /// `call` (the budget of the call that needs the connection), whichever ends first.
    pub(crate) fn connect(
        cfg: &ConnectionConfig,
        hooks: &[ConnectHook],
        call: Budget,
        push_sink: Option<PushSink>,
    ) -> Result<Connection> {
        for (name, t) in [
            ("connect_timeout", cfg.connect_timeout),
            ("read_timeout", cfg.read_timeout),
            ("write_timeout", cfg.write_timeout),
        ] {
            positive(name, t)?;
        }
        let budget = Budget::after(cfg.connect_timeout, TimeoutPhase::Connect).min(call);
        let stream = match &cfg.address {
            Address::Tcp { host, port } => {
                let addrs = socket::resolve(host, *port, budget)?;
                let tcp = socket::connect_tcp(&addrs, budget, cfg.keepalive)?;
                match &cfg.tls {
                    Some(tls) => tls::wrap(tcp, host, tls, budget)?,
                    None => Stream::Tcp(Timed::new(tcp)),
                }
            }
            #[cfg(unix)]
            Address::Unix(path) => {
                if cfg.tls.is_some() {
                    return Err(Error::invalid("TLS", "not available over a Unix socket"));
                }
                Stream::Unix(Timed::new(socket::connect_unix(path, budget)?))
            }
            #[cfg(not(unix))]
            Address::Unix(_) => {
                return Err(Error::invalid("address", "Unix sockets need a Unix system"));
            }
        };
        let mut conn = Connection {
            stream,
            rbuf: vec![0; INITIAL_READ_BUFFER],
            rstart: 0,
            rend: 0,
            wbuf: Vec::with_capacity(1024),
            decoder: Decoder::new(cfg.limits),
            broken: None,
            protocol: Protocol::Resp2,
            pending: 0,
            owed: VecDeque::new(),
            replies_read: 0,
            // Inside the connect, only the connect budget bounds each exchange.
            read_timeout: Duration::MAX,
            write_timeout: Duration::MAX,
            baseline: Baseline {
                read_timeout: cfg.read_timeout,
                write_timeout: cfg.write_timeout,
            },
            cap: budget,
            push_handler: None,
            push_sink,
            session: Session::default(),
            last_write: WriteReport::default(),
            last_used: Instant::now(),
            db: cfg.db,
            addr: cfg.address.clone(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            cache: None,
            maint: None,
        };
        handshake::run(&mut conn, cfg)?;
        for hook in hooks {
            hook(&mut conn)?;
            if conn.pending > 0 || conn.session.multi || conn.session.watching {
                return Err(Error::invalid(
                    "on_connect hook",
                    "it must leave no reply unread and no transaction or watch open",
                ));
            }
        }
        // What the handshake and the hooks did is this connection's normal state.
        conn.session.set_baseline();
        conn.restore();
        conn.set_cap(Budget::NONE);
        log::debug!("connected to {} over {}", conn.addr, conn.stream.kind());
        Ok(conn)
    }

    /// The protocol agreed with the server: RESP3 when it was asked for and the server knows
    /// `HELLO`, otherwise RESP2.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The database this connection selected at connect time.
    pub fn db(&self) -> u32 {
        self.db
    }

    /// The server address.
    pub fn address(&self) -> &Address {
        &self.addr
    }

    /// This connection's number, unique in the process (push frames from a pool say which
    /// connection they came from by it).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether an earlier error made this connection unusable.
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// How many replies are owed by the server for commands already sent: non-zero after
    /// [`Connection::send`] until the matching [`Connection::recv`] calls.
    pub fn pending_replies(&self) -> usize {
        self.pending
    }

    /// The read timeout: how long all the replies of one command or pipeline may take, from
    /// when it was sent.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// The write timeout: how long sending one command or pipeline may take.
    pub fn write_timeout(&self) -> Duration {
        self.write_timeout
    }

    /// Changes the read timeout for later commands ([`Duration::MAX`]: no limit). On a pooled
    /// connection this lasts until it goes back to the pool, which restores the configured one.
    ///
    /// # Errors
    /// A zero duration is invalid input.
    pub fn set_read_timeout(&mut self, timeout: Duration) -> Result<()> {
        let t = positive("read timeout", timeout)?;
        self.read_timeout = if self.maint.is_some() {
            self.set_timeouts_while_relaxed(t, self.write_timeout).0
        } else {
            t
        };
        Ok(())
    }

    /// Changes the write timeout for later commands ([`Duration::MAX`]: no limit). On a pooled
    /// connection this lasts until it goes back to the pool.
    ///
    /// # Errors
    /// A zero duration is invalid input.
    pub fn set_write_timeout(&mut self, timeout: Duration) -> Result<()> {
        let t = positive("write timeout", timeout)?;
        self.write_timeout = if self.maint.is_some() {
            self.set_timeouts_while_relaxed(self.read_timeout, t).1
        } else {
            t
        };
        Ok(())
    }

    /// Sets the handler for RESP3 push frames (invalidations, pub/sub messages) that arrive
    /// while a reply is awaited. Without one they go to the pool's push handler (if the
    /// client has one) or are logged at debug level and dropped; they are never returned as a
    /// reply. On a pooled connection the handler is removed when it goes back to the pool.
    pub fn set_push_handler(&mut self, handler: impl FnMut(Value) + Send + 'static) {
        self.push_handler = Some(Box::new(handler));
    }

    /// Whether keys are watched on this connection (a `WATCH` not yet ended by `EXEC`,
    /// `DISCARD` or `UNWATCH`), as the server's replies confirmed.
    pub fn is_watching(&self) -> bool {
        self.session.watching
    }

    /// Whether a `MULTI` is open on this connection (the server confirmed it, no `EXEC` or
    /// `DISCARD` yet).
    pub(crate) fn in_transaction(&self) -> bool {
        self.session.multi
    }

    /// Refuses work on a broken connection.
    #[inline]
    fn check(&self) -> Result<()> {
        match self.broken {
            Some(cause) => Err(Error::Broken { cause }),
            None => Ok(()),
        }
    }

    /// Marks the connection broken if `e` means the stream can no longer be trusted.
    fn fail(&mut self, e: Error) -> Error {
        if e.breaks_connection() && self.broken.is_none() {
            log::debug!("connection to {} broken: {e}", self.addr);
            self.broken = Some(e.kind());
            self.decoder.reset();
            self.stream.shutdown();
        }
        e
    }

    /// The one write path: every command byte that reaches the socket goes through here.
    ///
    /// It refuses an exchange while replies are owed (a [`Mode::Queue`] send excepted) and
    /// the commands the table refuses on an ordinary connection, before writing anything;
    /// encodes the frame with `encode`; writes it under the write timeout and the call's
    /// budget, recording how many commands left whole; and notes, for each command, the
    /// session effect its reply must confirm and how long it may block.
    #[inline(always)]
    pub(crate) fn write_frame<'d>(
        &mut self,
        mode: Mode,
        metas: Metas<'_>,
        encode: impl Encode<'d>,
    ) -> Result<Sent> {
        // The usual case, in one test: a single ordinary command (no session effect, not
        // blocking, so nothing for its reply to confirm and nothing refused) on a healthy
        // connection owing nothing, with no cache or maintenance link to consult.
        if let (Mode::Exchange, Metas::One(spec)) = (mode, metas) {
            if spec.is_plain()
                && self.broken.is_none()
                && self.pending == 0
                && self.cache.is_none()
                && self.maint.is_none()
            {
                self.last_write = WriteReport {
                    commands: 1,
                    complete: 0,
                };
                self.wbuf.clear();
                let mut splices = Splices::new();
                encode.encode(&mut self.wbuf, Some(&mut splices))?;
                if !splices.is_empty() {
                    return self.send_spliced(&splices);
                }
                return self.send_encoded(1);
            }
        }
        self.write_frame_general(mode, metas, encode)
    }

    /// [`Connection::write_frame`] for everything but its usual case.
    #[inline(never)]
    fn write_frame_general<'d>(
        &mut self,
        mode: Mode,
        metas: Metas<'_>,
        encode: impl Encode<'d>,
    ) -> Result<Sent> {
        self.check()?;
        if self.maint.is_some() {
            // Relaxed timeouts end at their backstop even if no end notice came.
            self.apply_relaxed();
        }
        if mode == Mode::Exchange && self.pending > 0 {
            return Err(Error::invalid(
                "command",
                "replies to earlier send() calls are still unread; recv() them first",
            ));
        }
        if mode != Mode::Untracked {
            let refused = match metas {
                Metas::One(spec) => refusal(spec),
                Metas::Many(many) => many.iter().find_map(|m| refusal(m.spec)),
            };
            if let Some(e) = refused {
                return Err(e);
            }
            if self.cache.is_some() {
                let refused = match metas {
                    Metas::One(spec) => crate::cache::Link::refusal(spec),
                    Metas::Many(many) => many
                        .iter()
                        .find_map(|m| crate::cache::Link::refusal(m.spec)),
                };
                if let Some(e) = refused {
                    return Err(e);
                }
            }
        }
        let n = metas.len();
        self.last_write = WriteReport {
            commands: n,
            complete: 0,
        };
        self.wbuf.clear();
        encode.encode(&mut self.wbuf, None)?;
        if mode != Mode::Untracked {
            if let Some(link) = &mut self.cache {
                let first_seq = self.replies_read + self.pending as u64;
                link.before_send(metas.each(self.wbuf.len()), &self.wbuf, first_seq);
            }
        }
        let start = Instant::now();
        let span = Span {
            start,
            timeout: Some(self.write_timeout),
            phase: TimeoutPhase::Write,
            cap: self.cap,
        };
        let done = match self.flush(span) {
            Ok(done) => done,
            Err((e, written)) => {
                self.last_write.complete = metas
                    .each(self.wbuf.len())
                    .take_while(|(_, end)| *end <= written)
                    .count();
                return Err(self.fail(e));
            }
        };
        self.last_write.complete = n;
        self.after_write(mode, metas, n, done)
    }

    /// Writes the encoded single command in the write buffer (the usual case of
    /// [`Connection::write_frame`]) and owes its reply.
    #[inline(always)]
    fn send_encoded(&mut self, n: usize) -> Result<Sent> {
        let span = Span {
            start: Instant::now(),
            timeout: Some(self.write_timeout),
            phase: TimeoutPhase::Write,
            cap: self.cap,
        };
        match self.flush(span) {
            Ok(done) => {
                self.last_write.complete = n;
                self.pending += n;
                if self.wbuf.capacity() > MAX_IDLE_READ_BUFFER {
                    self.wbuf = Vec::with_capacity(1024);
                }
                Ok(Sent {
                    at: done,
                    wait: Wait::None,
                })
            }
            Err((e, _)) => Err(self.fail(e)),
        }
    }

    /// Writes the single command in the write buffer with its long arguments spliced in from
    /// where they are (one vectored write for the lot, usually), and owes its reply.
    #[inline(never)]
    fn send_spliced(&mut self, splices: &Splices<'_>) -> Result<Sent> {
        let span = Span {
            start: Instant::now(),
            timeout: Some(self.write_timeout),
            phase: TimeoutPhase::Write,
            cap: self.cap,
        };
        let mut parts: Vec<IoSlice<'_>> = Vec::with_capacity(2 * splices.list.len() + 1);
        let mut at = 0;
        for &(pos, bytes) in &splices.list {
            parts.push(IoSlice::new(self.wbuf.get(at..pos).unwrap_or(&[])));
            parts.push(IoSlice::new(bytes));
            at = pos;
        }
        parts.push(IoSlice::new(self.wbuf.get(at..).unwrap_or(&[])));
        parts.retain(|p| !p.is_empty());
        let mut rest = &mut parts[..];
        let mut writes = 0u32;
        while !rest.is_empty() {
            match self.stream.write_vectored_within(rest, &span, writes == 0) {
                Ok(0) => return Err(self.fail(Error::Closed)),
                Ok(n) => {
                    writes += 1;
                    IoSlice::advance_slices(&mut rest, n);
                }
                Err(e) if is_timeout(&e) => return Err(self.fail(span.timeout())),
                Err(e) => return Err(self.fail(Error::Io(e))),
            }
        }
        let done = if writes <= 1 {
            span.start
        } else {
            Instant::now()
        };
        self.last_write.complete = 1;
        self.pending += 1;
        Ok(Sent {
            at: done,
            wait: Wait::None,
        })
    }

    /// What a written frame owes: its replies, and what each must confirm or may wait.
    fn after_write(
        &mut self,
        mode: Mode,
        metas: Metas<'_>,
        n: usize,
        done: Instant,
    ) -> Result<Sent> {
        let mut wait = Wait::None;
        if mode != Mode::Untracked {
            let first_seq = self.replies_read + self.pending as u64;
            match metas {
                // The usual case, without the iterators.
                Metas::One(spec) => {
                    if spec.session != SessionEffect::None || spec.blocking.is_some() {
                        wait = self.owe(first_seq, spec, 0, self.wbuf.len());
                    }
                }
                Metas::Many(many) => {
                    let mut begin = 0;
                    for (i, (seq, m)) in (first_seq..).zip(many).enumerate() {
                        // Followed in this frame, the next command consumes it here and now.
                        let consumed =
                            m.spec.session == SessionEffect::NextCommand && i + 1 < many.len();
                        if !consumed
                            && (m.spec.session != SessionEffect::None || m.spec.blocking.is_some())
                        {
                            wait = wait.then(self.owe(seq, m.spec, begin, m.end));
                        }
                        begin = m.end;
                    }
                }
            }
            self.pending += n;
        }
        if self.wbuf.capacity() > MAX_IDLE_READ_BUFFER {
            self.wbuf = Vec::with_capacity(1024);
        }
        Ok(Sent { at: done, wait })
    }

    /// Notes what the reply numbered `seq` must confirm (its command's session effect) and
    /// how long it may take (its blocking wait, read from the command's bytes); returns the
    /// wait.
    fn owe(&mut self, seq: u64, spec: &'static CommandSpec, begin: usize, end: usize) -> Wait {
        let wait = match spec.blocking {
            Some(_) => command_wait(spec, self.wbuf.get(begin..end).unwrap_or(&[])),
            None => Wait::None,
        };
        if spec.session != SessionEffect::None || wait != Wait::None {
            self.owed.push_back(Owed {
                seq,
                effect: spec.session,
                wait,
            });
        }
        wait
    }

    /// Writes the whole write buffer within `span`. Returns when the last byte left (the
    /// span's start when one write sent everything, the usual case, so a round trip reads the
    /// clock once), or the error and how many bytes had left.
    #[inline(always)]
    fn flush(&mut self, span: Span) -> std::result::Result<Instant, (Error, usize)> {
        let mut written = 0;
        let mut writes = 0u32;
        while written < self.wbuf.len() {
            match self
                .stream
                .write_within(&self.wbuf[written..], &span, writes == 0)
            {
                Ok(0) => return Err((Error::Closed, written)),
                Ok(n) => {
                    written += n;
                    writes += 1;
                }
                Err(e) if is_timeout(&e) => return Err((span.timeout(), written)),
                Err(e) => return Err((Error::Io(e), written)),
            }
        }
        Ok(if writes <= 1 {
            span.start
        } else {
            Instant::now()
        })
    }

    /// The span of a frame's replies: the read timeout from when it was sent, plus its
    /// blocking waits, within the call's budget.
    #[inline(always)]
    fn reply_span(&self, sent: Sent) -> Span {
        Span {
            start: sent.at,
            timeout: sent.wait.extend(if sent.wait == Wait::None {
                self.read_timeout
            } else {
                self.blocking_read_timeout()
            }),
            phase: TimeoutPhase::Read,
            cap: self.cap,
        }
    }

    /// Sends a request and reads its reply, turning an error reply into an error; its long
    /// arguments are sent from where they are, not copied.
    #[inline(always)]
    pub(crate) fn exchange_request(&mut self, request: &Request<'_>) -> Result<Value> {
        self.exchange_with(request.spec(), Requested(request))
    }

    /// Sends one command and reads its reply, turning an error reply into an error.
    #[inline]
    pub(crate) fn exchange(
        &mut self,
        spec: &'static CommandSpec,
        encode: impl FnOnce(&mut Vec<u8>) -> Result<()>,
    ) -> Result<Value> {
        self.exchange_with(spec, encode)
    }

    #[inline(always)]
    fn exchange_with<'d>(
        &mut self,
        spec: &'static CommandSpec,
        encode: impl Encode<'d>,
    ) -> Result<Value> {
        let sent = self.write_frame(Mode::Exchange, Metas::One(spec), encode)?;
        let mut span = self.reply_span(sent);
        let mut first = true;
        let reply = self.read_reply(&mut span, &mut first)?;
        self.last_used = sent.at;
        reply_to_result(reply)
    }

    /// Sends an encoded frame of several commands with one write and reads all their
    /// replies under one deadline, keeping error replies as values so the stream stays in
    /// step.
    pub(crate) fn exchange_batch(&mut self, metas: &[Meta], encoded: &[u8]) -> Result<Vec<Value>> {
        let sent = self.write_frame(Mode::Exchange, Metas::Many(metas), |out: &mut Vec<u8>| {
            out.extend_from_slice(encoded);
            Ok(())
        })?;
        let mut span = self.reply_span(sent);
        let mut first = true;
        let mut replies = Vec::with_capacity(metas.len());
        for _ in 0..metas.len() {
            replies.push(self.read_reply(&mut span, &mut first)?);
        }
        self.last_used = sent.at;
        Ok(replies)
    }

    /// Sends an encoded frame of several commands whose replies later
    /// [`Connection::read_queued`] calls read, one each.
    pub(crate) fn send_batch(&mut self, metas: &[Meta], encoded: &[u8]) -> Result<()> {
        let sent = self.write_frame(Mode::Queue, Metas::Many(metas), |out: &mut Vec<u8>| {
            out.extend_from_slice(encoded);
            Ok(())
        })?;
        self.last_used = sent.at;
        Ok(())
    }

    /// Sends a command whose reply a later [`Connection::read_queued`] reads.
    pub(crate) fn queue(
        &mut self,
        spec: &'static CommandSpec,
        encode: impl FnOnce(&mut Vec<u8>) -> Result<()>,
    ) -> Result<()> {
        let sent = self.write_frame(Mode::Queue, Metas::One(spec), encode)?;
        self.last_used = sent.at;
        Ok(())
    }

    /// Reads the oldest owed reply, under the read timeout from now (plus the command's own
    /// wait when it blocks).
    pub(crate) fn read_queued(&mut self) -> Result<Value> {
        if self.pending == 0 {
            return Err(Error::invalid(
                "recv",
                "no reply is owed: send() a command first",
            ));
        }
        let wait = match self.owed.front() {
            Some(o) if o.seq == self.replies_read => o.wait,
            _ => Wait::None,
        };
        let sent = Sent {
            at: Instant::now(),
            wait,
        };
        let mut span = self.reply_span(sent);
        self.read_reply(&mut span, &mut true)
    }

    /// Reads the next reply under `budget` (pushes go to the handlers), and confirms what
    /// its command did to the session.
    #[inline(always)]
    fn read_reply(&mut self, span: &mut Span, first: &mut bool) -> Result<Value> {
        self.check()?;
        loop {
            let value = match self.read_value(span, first) {
                Ok(v) => v,
                Err(e) => return Err(self.fail(e)),
            };
            // A push is never a reply, whatever was negotiated: a caller's own `HELLO 3` can
            // switch a RESP2 connection to RESP3 under us.
            if matches!(value, Value::Push(_)) {
                // A notice relaxed the timeouts: the read in flight gets them too (the
                // blocking one for a blocking command's reply).
                let blocking = matches!(self.owed.front(), Some(o) if o.seq == self.replies_read && o.wait != Wait::None);
                let timeout = |c: &Connection| {
                    if blocking {
                        c.blocking_read_timeout()
                    } else {
                        c.read_timeout
                    }
                };
                let before = timeout(self);
                self.on_push(value);
                let after = timeout(self);
                if after > before {
                    span.timeout = span.timeout.map(|t| t.saturating_add(after - before));
                }
                continue;
            }
            self.pending = self.pending.saturating_sub(1);
            let seq = self.replies_read;
            self.replies_read += 1;
            if let Some(owed) = self.owed.front() {
                if owed.seq == seq {
                    let effect = owed.effect;
                    self.owed.pop_front();
                    if let Some(p) = self.session.confirm(effect, &value) {
                        self.protocol = p;
                    }
                }
            }
            if let Some(link) = &mut self.cache {
                link.after_reply(seq, self.session.multi);
            }
            return Ok(value);
        }
    }

    fn on_push(&mut self, value: Value) {
        if let Some(link) = &mut self.cache {
            link.on_push(&value);
        }
        if self.maint.is_some() {
            self.on_maint_push(&value);
        }
        if let Some(handler) = &mut self.push_handler {
            handler(value);
        } else if let Some(sink) = &self.push_sink {
            sink(
                PushOrigin {
                    connection: self.id,
                },
                value,
            );
        } else {
            log::debug!(
                "dropping a push frame with no handler: {}",
                describe_push(&value)
            );
        }
    }

    /// Reads one whole value, whatever it is, within `budget`.
    #[inline(always)]
    fn read_value(&mut self, span: &Span, first: &mut bool) -> Result<Value> {
        loop {
            if self.rstart < self.rend {
                let (used, value) = self.decoder.decode(&self.rbuf[self.rstart..self.rend])?;
                self.rstart += used;
                if let Some(v) = value {
                    if self.rstart == self.rend {
                        self.rstart = 0;
                        self.rend = 0;
                        if self.rbuf.len() > MAX_IDLE_READ_BUFFER {
                            self.rbuf = vec![0; INITIAL_READ_BUFFER];
                        }
                    }
                    return Ok(v);
                }
            }
            // Only the very first read of a frame's replies takes the span's first timeout;
            // later ones get what is left.
            if self.rstart == self.rend && self.decoder.bulk_remaining() > 0 {
                self.fill_bulk(span, std::mem::take(first))?;
            } else {
                self.fill(span, std::mem::take(first))?;
            }
        }
    }

    /// Reads the rest of a large bulk string straight into the vector the decoder allocated
    /// for it (exactly its length): no copy through the read buffer, no zero-fill.
    fn fill_bulk(&mut self, span: &Span, first: bool) -> Result<()> {
        let want = self.decoder.bulk_remaining();
        let Some(dest) = self.decoder.bulk_in_progress() else {
            return self.fill(span, first);
        };
        // The rest of the value is zeroed once and then received in place, each read taking
        // everything the socket has up to the end of the value (no copy through the read
        // buffer; a reader that grew its window step by step would make more system calls).
        let before = dest.len();
        let end = before + want;
        dest.resize(end, 0);
        let mut at = before;
        let mut first = first;
        let result = loop {
            if at == end {
                break Ok(());
            }
            match self
                .stream
                .read_within(&mut dest[at..end], span, std::mem::take(&mut first))
            {
                Ok(0) => break Err(Error::Closed),
                Ok(n) => at += n,
                Err(e) if is_timeout(&e) => break Err(span.timeout()),
                Err(e) => break Err(Error::Io(e)),
            }
        };
        dest.truncate(at);
        result
    }

    /// Makes room in the read buffer (compacting, then doubling).
    #[inline]
    fn make_room(&mut self) {
        if self.rend < self.rbuf.len() {
            return;
        }
        self.grow_read_buffer();
    }

    /// Compacts the read buffer, then doubles it if it is still full.
    #[inline(never)]
    fn grow_read_buffer(&mut self) {
        if self.rstart > 0 {
            self.rbuf.copy_within(self.rstart..self.rend, 0);
            self.rend -= self.rstart;
            self.rstart = 0;
        }
        if self.rend == self.rbuf.len() {
            // Grow by doubling, so the zero-fill is amortized and the buffer never grows past
            // twice what has actually arrived, whatever length a header announced (and never
            // past what the value being decoded is known to need).
            let mut want = self.rbuf.len().saturating_mul(2);
            let needed = self.decoder.bytes_needed();
            if needed > self.rbuf.len() {
                want = want.min(needed);
            }
            self.rbuf.resize(want, 0);
        }
    }

    /// Reads more bytes into the buffer under the armed deadline.
    #[inline(always)]
    fn fill(&mut self, span: &Span, first: bool) -> Result<()> {
        self.make_room();
        match self
            .stream
            .read_within(&mut self.rbuf[self.rend..], span, first)
        {
            Ok(0) => Err(Error::Closed),
            Ok(n) => {
                self.rend += n;
                Ok(())
            }
            Err(e) if is_timeout(&e) => Err(span.timeout()),
            Err(e) => Err(Error::Io(e)),
        }
    }

    /// For subscribers: the next frame of any kind, pushes included (no handler is called),
    /// waiting at most `wait` ([`Duration::MAX`]: no limit). A wait that ends before a whole
    /// frame arrived returns `Ok(None)` and leaves the connection usable: the decoder keeps
    /// any partial frame and the next call continues it.
    pub(crate) fn next_frame(&mut self, wait: Duration) -> Result<Option<Value>> {
        self.check()?;
        let span = Span {
            start: Instant::now(),
            timeout: Some(wait),
            phase: TimeoutPhase::Read,
            cap: Budget::NONE,
        };
        match self.read_value(&span, &mut true) {
            Ok(v) => Ok(Some(v)),
            Err(Error::Timeout {
                phase: TimeoutPhase::Read,
                ..
            }) => Ok(None),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Sends commands whose answers the caller reads itself with [`Connection::next_frame`]
    /// (a subscriber's `SUBSCRIBE` and `UNSUBSCRIBE`, answered by pushes): nothing is owed.
    pub(crate) fn write_untracked(
        &mut self,
        spec: &'static CommandSpec,
        encode: impl FnOnce(&mut Vec<u8>) -> Result<()>,
    ) -> Result<()> {
        self.write_frame(Mode::Untracked, Metas::One(spec), encode)
            .map(drop)
    }

    /// How far the last write got.
    pub(crate) fn last_write(&self) -> WriteReport {
        self.last_write
    }

    /// Bounds every wait of the calls that follow by `budget` too (a call's deadline), until
    /// [`Connection::restore`].
    pub(crate) fn set_cap(&mut self, budget: Budget) {
        self.cap = budget;
    }

    /// Sleeps for `pause`, or until the current call's deadline if that comes first.
    pub(crate) fn pause(&self, pause: Duration) {
        self.cap.deadline.sleep(pause);
    }

    /// How long since the last exchange was sent (or since the connection opened).
    pub(crate) fn idle_for(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.last_used)
    }

    /// Whether the connection can carry a new caller's command right now: not broken, no
    /// reply owed, and nothing but push frames waiting to be read (those are handed to the
    /// handlers, without blocking). Costs one non-blocking peek when nothing is waiting.
    pub(crate) fn ready(&mut self) -> bool {
        if self.broken.is_some() || self.pending > 0 {
            return false;
        }
        if self.rstart == self.rend && !self.decoder.is_mid_value() && self.stream.is_quiet() {
            return true;
        }
        self.drain_pushes()
    }

    /// Reads what is waiting on an idle connection without blocking and hands every push
    /// frame in it to the handlers. False when anything else is there (a reply nobody asked
    /// for, the end of the stream, an error): then the connection must be closed. A push
    /// frame only partly arrived is kept for the next read.
    pub(crate) fn drain_pushes(&mut self) -> bool {
        if self.broken.is_some() || self.pending > 0 {
            return false;
        }
        loop {
            while self.rstart < self.rend {
                if !self.decoder.is_mid_value() && self.rbuf[self.rstart] != b'>' {
                    return false;
                }
                match self.decoder.decode(&self.rbuf[self.rstart..self.rend]) {
                    Ok((used, value)) => {
                        self.rstart += used;
                        match value {
                            Some(v @ Value::Push(_)) => self.on_push(v),
                            Some(_) => return false,
                            None => break,
                        }
                    }
                    Err(_) => return false,
                }
            }
            if self.rstart == self.rend {
                self.rstart = 0;
                self.rend = 0;
            }
            self.make_room();
            match self.stream.read_available(&mut self.rbuf[self.rend..]) {
                Ok(0) => return !self.decoder.is_mid_value() || self.decoder.is_mid_push(),
                Ok(n) => self.rend += n,
                Err(_) => return false,
            }
        }
    }

    /// Puts the client-side settings back as the connection started with them (timeouts,
    /// push handler), for the next user of a pooled connection. The call's budget stays until
    /// [`Connection::set_cap`] clears it: a session reset done on the way back to the pool is
    /// still part of the call that left the session open, and must end by its deadline.
    pub(crate) fn restore(&mut self) {
        self.read_timeout = self.baseline.read_timeout;
        self.write_timeout = self.baseline.write_timeout;
        self.push_handler = None;
        // A maintenance still announced keeps its relaxed timeouts, from the configured ones.
        if self.maint.is_some() {
            self.forget_saved();
            self.apply_relaxed();
        }
    }

    /// Undoes a transaction or watch left open (`DISCARD` or `UNWATCH`, one round trip); false
    /// when the session cannot be restored and the connection must be closed instead.
    pub(crate) fn reset_session(&mut self) -> bool {
        if self.session.is_clean() {
            return true;
        }
        if self.session.dirty || self.broken.is_some() || self.pending > 0 {
            return false;
        }
        let spec = if self.session.multi {
            &crate::commands::table::spec::DISCARD
        } else {
            &crate::commands::table::spec::UNWATCH
        };
        let reply = self.exchange(spec, |out| {
            crate::resp::write_command_header(out, 1);
            crate::resp::write_bulk(out, spec.name.as_bytes());
            Ok(())
        });
        matches!(reply, Ok(Value::Okay)) && self.session.is_clean()
    }

    pub(crate) fn set_protocol(&mut self, p: Protocol) {
        self.protocol = p;
    }

    /// Marks this connection as a caching client's (from the cache's connect hook).
    pub(crate) fn set_cache_link(&mut self, link: crate::cache::Link) {
        self.cache = Some(Box::new(link));
    }

    /// The cache listener generation this connection's tracking redirects to (0: untracked),
    /// for a caching client's connection.
    pub(crate) fn cache_generation(&self) -> Option<u64> {
        self.cache.as_ref().map(|l| l.generation())
    }

    /// False for a caching client's connection whose tracking points at a listener that is
    /// gone, or a connection to an endpoint a `MOVING` notice retired: the pool closes it
    /// instead of reusing it.
    pub(crate) fn is_reusable_here(&self) -> bool {
        self.cache.as_ref().is_none_or(|l| l.is_current())
            && self.maint.as_ref().is_none_or(|l| l.is_current())
    }

    /// When the current call (or the connect in progress) must end, if it must.
    pub(crate) fn connect_deadline(&self) -> Option<Instant> {
        self.cap.deadline.instant()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(link) = self.cache.take() {
            link.closed(self.id);
        }
    }
}

/// The error for a command an ordinary connection does not send, if this is one.
#[inline]
fn refusal(spec: &CommandSpec) -> Option<Error> {
    match spec.session {
        SessionEffect::Refused(why) => Some(Error::invalid(spec.full_name(), why)),
        _ => None,
    }
}

fn positive(what: &str, d: Duration) -> Result<Duration> {
    if d.is_zero() {
        return Err(Error::invalid(what, "must be greater than zero"));
    }
    Ok(d)
}

/// The wait of one encoded blocking command.
fn command_wait(spec: &CommandSpec, encoded: &[u8]) -> Wait {
    match split_command(encoded) {
        Some(args) => spec.wait_in(&args),
        // Our own encoding always splits; if not, assume the worst case.
        None => Wait::Forever,
    }
}

/// A push frame's kind and size, for logs (never its payload: it may hold keys or messages).
fn describe_push(v: &Value) -> String {
    match v {
        Value::Push(items) => {
            let kind = match items.first() {
                Some(Value::BulkString(s) | Value::SimpleString(s)) if s.len() <= 32 => {
                    String::from_utf8_lossy(s).into_owned()
                }
                _ => "?".into(),
            };
            format!("{kind} ({} elements)", items.len())
        }
        other => other.type_name().to_string(),
    }
}

/// A top-level error reply becomes an `Err`; anything else is the reply.
#[inline]
pub(crate) fn reply_to_result(v: Value) -> Result<Value> {
    match v {
        Value::Error(e) | Value::BulkError(e) => Err(Error::Server(e)),
        v => Ok(v),
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.id)
            .field("addr", &format_args!("{}", self.addr))
            .field("transport", &self.stream.kind())
            .field("protocol", &self.protocol)
            .field("db", &self.db)
            .field("broken", &self.broken)
            .field("pending", &self.pending)
            .finish()
    }
}
