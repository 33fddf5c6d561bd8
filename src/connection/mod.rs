//! One connection to one server: a socket, its buffers, its deadlines, and the rule that a
//! connection whose byte stream can no longer be trusted is never used again.

pub mod config;
mod handshake;
pub(crate) mod session;
mod socket;
mod stream;
mod tls;
mod url;

use std::fmt;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use self::config::{Address, ConnectionConfig, Protocol};
use self::session::{Session, SessionEffect};
use self::stream::Stream;
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::resp::{Decoder, Value};

/// The first read buffer; it grows (doubling) only when one reply does not fit.
const INITIAL_READ_BUFFER: usize = 16 * 1024;
/// A read buffer grown past this is shrunk back once it is empty, so one huge reply does not
/// pin its memory for the life of a pooled connection.
const MAX_IDLE_READ_BUFFER: usize = 1024 * 1024;

/// A handler for RESP3 push frames that arrive while a reply is awaited.
pub type PushHandler = Box<dyn FnMut(Value) + Send>;

/// One connection to a Redis server.
///
/// Opened with [`Connection::open`] (a URL) or [`Connection::with_config`]. Commands are the
/// methods of [`Commands`](crate::Commands), implemented for `&mut Connection`:
///
/// ```no_run
/// use redisync::{Commands, Connection};
/// let mut conn = Connection::open("redis://127.0.0.1:6379")?;
/// conn.set("greeting", "hello")?;
/// let v: Option<String> = conn.get("greeting")?;
/// # Ok::<(), redisync::Error>(())
/// ```
///
/// # Deadlines and broken connections
///
/// Opening is bounded by the connect timeout (resolution, every address, the TLS handshake and
/// the handshake commands together). Sending a command is bounded by the write timeout, and
/// receiving its whole reply by the read timeout, measured from the first read.
///
/// Any I/O error, timeout or protocol error in the middle of an exchange marks the connection
/// broken: from then on every call fails at once with [`Error::Broken`], and the socket is shut
/// down. A late reply can therefore never be read as the answer to a later command. Error
/// *replies* from the server (`-ERR ...`) leave the connection healthy.
pub struct Connection {
    stream: Stream,
    rbuf: Vec<u8>,
    rstart: usize,
    rend: usize,
    wbuf: Vec<u8>,
    decoder: Decoder,
    broken: Option<ErrorKind>,
    protocol: Protocol,
    pending: usize,
    read_timeout: Duration,
    write_timeout: Duration,
    socket_read_timeout: Duration,
    socket_write_timeout: Duration,
    push_handler: Option<PushHandler>,
    session: Session,
    /// Whether the last request's bytes all left (so the server may have run it).
    sent_whole: bool,
    /// When the last reply arrived (for health checks).
    last_used: Instant,
    db: u32,
    addr: Address,
}

impl Connection {
    /// Connects to the server a URL names (see [`ConnectionConfig::from_url`]).
    pub fn open(url: &str) -> Result<Connection> {
        Connection::with_config(&ConnectionConfig::from_url(url)?)
    }

    /// Connects with these settings and runs the handshake (`HELLO`/`AUTH`, `SELECT`, client
    /// name and library info), all under the connect timeout.
    pub fn with_config(cfg: &ConnectionConfig) -> Result<Connection> {
        let deadline = Instant::now() + cfg.connect_timeout;
        let t = cfg.connect_timeout;
        let stream = match &cfg.address {
            Address::Tcp { host, port } => {
                let addrs = socket::resolve(host, *port, deadline, t)?;
                let tcp = socket::connect_tcp(&addrs, deadline, t, cfg.keepalive)?;
                match &cfg.tls {
                    Some(tls) => tls::wrap(tcp, host, tls, deadline, t)?,
                    None => Stream::Tcp(tcp),
                }
            }
            #[cfg(unix)]
            Address::Unix(path) => {
                if cfg.tls.is_some() {
                    return Err(Error::invalid("TLS", "not available over a Unix socket"));
                }
                Stream::Unix(socket::connect_unix(path, deadline, t)?)
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
            read_timeout: cfg.read_timeout,
            write_timeout: cfg.write_timeout,
            socket_read_timeout: Duration::ZERO,
            socket_write_timeout: Duration::ZERO,
            push_handler: None,
            session: Session::default(),
            sent_whole: false,
            last_used: Instant::now(),
            db: cfg.db,
            addr: cfg.address.clone(),
        };
        // The handshake runs under what is left of the connect deadline (each exchange gets the
        // time remaining when it starts); its timeouts are connect timeouts.
        match handshake::run(&mut conn, cfg, deadline) {
            Ok(()) => {}
            Err(Error::Timeout { .. }) => return Err(Error::timeout(TimeoutPhase::Connect, t)),
            Err(e) => return Err(e),
        }
        conn.read_timeout = cfg.read_timeout;
        conn.write_timeout = cfg.write_timeout;
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

    /// Whether an earlier error made this connection unusable.
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// How many replies are owed by the server for commands already sent: non-zero after
    /// [`Connection::send`] until the matching [`Connection::recv`] calls.
    pub fn pending_replies(&self) -> usize {
        self.pending
    }

    /// The read timeout for each reply.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// Changes the read timeout for later replies.
    ///
    /// # Errors
    /// A zero duration is invalid input.
    pub fn set_read_timeout(&mut self, timeout: Duration) -> Result<()> {
        if timeout.is_zero() {
            return Err(Error::invalid("read timeout", "must be greater than zero"));
        }
        self.read_timeout = timeout;
        Ok(())
    }

    /// Changes the write timeout for later commands.
    ///
    /// # Errors
    /// A zero duration is invalid input.
    pub fn set_write_timeout(&mut self, timeout: Duration) -> Result<()> {
        if timeout.is_zero() {
            return Err(Error::invalid("write timeout", "must be greater than zero"));
        }
        self.write_timeout = timeout;
        Ok(())
    }

    /// Sets the handler for RESP3 push frames (invalidations, pub/sub messages) that arrive
    /// while a reply is awaited. Without a handler they are logged at debug level and dropped;
    /// they are never returned as a reply.
    pub fn set_push_handler(&mut self, handler: impl FnMut(Value) + Send + 'static) {
        self.push_handler = Some(Box::new(handler));
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

    /// Encodes requests into the write buffer with `encode`, then sends them all with one write
    /// (as far as the OS allows) under the write timeout. `replies` is how many replies the
    /// server will owe for them.
    pub(crate) fn write_with(
        &mut self,
        replies: usize,
        encode: impl FnOnce(&mut Vec<u8>),
    ) -> Result<()> {
        self.write_at(replies, encode, Instant::now()).map(drop)
    }

    /// [`Connection::write_with`] with the clock already read at `start`. Returns the instant
    /// the reply's deadline counts from: `start` when one write sent everything (the usual
    /// case, so a round trip reads the clock once), otherwise the moment the last byte left.
    #[inline]
    fn write_at(
        &mut self,
        replies: usize,
        encode: impl FnOnce(&mut Vec<u8>),
        start: Instant,
    ) -> Result<Instant> {
        self.check()?;
        self.sent_whole = false;
        self.wbuf.clear();
        encode(&mut self.wbuf);
        match self.flush_wbuf(start) {
            Ok(sent) => {
                self.sent_whole = true;
                self.pending += replies;
                Ok(sent)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    #[inline]
    fn flush_wbuf(&mut self, start: Instant) -> Result<Instant> {
        let timeout = self.write_timeout;
        let mut written = 0;
        let mut writes = 0;
        while written < self.wbuf.len() {
            // The first write is bounded by the socket timeout itself; later ones by what is
            // left of the whole budget.
            let limit = if writes == 0 {
                timeout
            } else {
                left_of(start, timeout).ok_or_else(|| write_timeout(timeout))?
            };
            writes += 1;
            if self.socket_write_timeout != limit {
                self.stream.set_write_timeout(limit).map_err(Error::Io)?;
                self.socket_write_timeout = limit;
            }
            match self.stream.write(&self.wbuf[written..]) {
                Ok(0) => return Err(Error::Closed),
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if socket::is_timeout(&e) => return Err(write_timeout(timeout)),
                Err(e) => return Err(Error::Io(e)),
            }
        }
        if self.wbuf.capacity() > MAX_IDLE_READ_BUFFER {
            self.wbuf = Vec::with_capacity(1024);
        }
        Ok(if writes <= 1 { start } else { Instant::now() })
    }

    /// Reads the next reply (pushes go to the push handler), under the read timeout.
    pub(crate) fn read_reply(&mut self) -> Result<Value> {
        self.read_reply_from(None)
    }

    /// Reads the next reply. Its deadline counts from `start`, or, when that is `None`, from
    /// the first time the socket has to be read: a reply already in the buffer (the usual case
    /// inside a pipeline) costs no clock read at all.
    #[inline]
    fn read_reply_from(&mut self, start: Option<Instant>) -> Result<Value> {
        let timeout = self.read_timeout;
        self.read_reply_within(start, timeout)
    }

    #[inline]
    fn read_reply_within(&mut self, start: Option<Instant>, timeout: Duration) -> Result<Value> {
        self.check()?;
        let mut clock = ReadClock {
            timeout,
            start,
            reads: 0,
        };
        loop {
            let value = match self.read_value(&mut clock) {
                Ok(v) => v,
                Err(e) => return Err(self.fail(e)),
            };
            match value {
                Value::Push(_) if self.protocol == Protocol::Resp3 => self.on_push(value),
                v => {
                    self.pending = self.pending.saturating_sub(1);
                    return Ok(v);
                }
            }
        }
    }

    fn on_push(&mut self, value: Value) {
        match &mut self.push_handler {
            Some(handler) => handler(value),
            None => log::debug!("dropping push frame with no handler: {value:?}"),
        }
    }

    /// Reads one whole value, whatever it is, within the clock's budget.
    #[inline]
    fn read_value(&mut self, clock: &mut ReadClock) -> Result<Value> {
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
            let limit = clock.next_limit()?;
            self.fill(limit, clock.timeout)?;
        }
    }

    /// Reads more bytes into the buffer, making room first.
    #[inline]
    fn fill(&mut self, limit: Duration, timeout: Duration) -> Result<()> {
        if self.rend == self.rbuf.len() {
            if self.rstart > 0 {
                self.rbuf.copy_within(self.rstart..self.rend, 0);
                self.rend -= self.rstart;
                self.rstart = 0;
            }
            if self.rend == self.rbuf.len() {
                // Grow by doubling, so the zero-fill is amortized and the buffer never grows
                // past twice what has actually arrived, whatever length a header announced
                // (and never past what the value being decoded is known to need).
                let mut want = self.rbuf.len() * 2;
                let needed = self.decoder.bytes_needed();
                if needed > self.rbuf.len() {
                    want = want.min(needed);
                }
                self.rbuf.resize(want, 0);
            }
        }
        if self.socket_read_timeout != limit {
            self.stream.set_read_timeout(limit).map_err(Error::Io)?;
            self.socket_read_timeout = limit;
        }
        loop {
            match self.stream.read(&mut self.rbuf[self.rend..]) {
                Ok(0) => return Err(Error::Closed),
                Ok(n) => {
                    self.rend += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if socket::is_timeout(&e) => return Err(read_timeout(timeout)),
                Err(e) => return Err(Error::Io(e)),
            }
        }
    }

    /// Sends one request and reads its reply, turning an error reply into an error. `effect`
    /// is what the request does to the session, recorded once it has been sent.
    pub(crate) fn round_trip(
        &mut self,
        encode: impl FnOnce(&mut Vec<u8>),
        effect: Option<SessionEffect>,
    ) -> Result<Value> {
        let timeout = self.read_timeout;
        self.round_trip_within(encode, effect, timeout)
    }

    /// [`Connection::round_trip`] with this reply's own read timeout (a blocking command's).
    pub(crate) fn round_trip_within(
        &mut self,
        encode: impl FnOnce(&mut Vec<u8>),
        effect: Option<SessionEffect>,
        read_timeout: Duration,
    ) -> Result<Value> {
        self.check()?;
        if self.pending > 0 {
            return Err(Error::invalid(
                "command",
                "replies to earlier send() calls are still unread; recv() them first",
            ));
        }
        let sent = self.write_at(1, encode, Instant::now())?;
        if let Some(effect) = effect {
            self.session.apply(effect);
        }
        let reply = self.read_reply_within(Some(sent), read_timeout)?;
        self.last_used = sent;
        reply_to_result(reply)
    }

    /// For subscribers: the next frame of any kind, pushes included (the push handler is not
    /// called), waiting at most `wait`. A wait that ends before a whole frame arrived returns
    /// `Ok(None)` and leaves the connection usable: the decoder keeps any partial frame and
    /// the next call continues it.
    pub(crate) fn next_frame(&mut self, wait: Duration) -> Result<Option<Value>> {
        self.check()?;
        let mut clock = ReadClock {
            timeout: wait,
            start: None,
            reads: 0,
        };
        match self.read_value(&mut clock) {
            Ok(v) => Ok(Some(v)),
            Err(Error::Timeout {
                phase: TimeoutPhase::Read,
                ..
            }) => Ok(None),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Sends commands whose replies the caller reads itself with [`Connection::next_frame`]
    /// (subscribe and unsubscribe, whose answers are pushes): no reply is counted as owed.
    pub(crate) fn write_untracked(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        self.write_with(0, encode)
    }

    /// Whether every byte of the last request was written: if so, the server may have run it
    /// even when its reply never came.
    pub(crate) fn sent_whole_request(&self) -> bool {
        self.sent_whole
    }

    /// How long since the last reply to a command arrived (or since the connection opened).
    pub(crate) fn idle_for(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.last_used)
    }

    /// Records what sent commands did to the session.
    pub(crate) fn apply_effects(&mut self, effects: &[SessionEffect]) {
        for e in effects {
            self.session.apply(*e);
        }
    }

    /// Whether the connection can carry a new caller's command right now: not broken, no reply
    /// owed, nothing buffered, and nothing (not even end of stream) waiting on the socket. The
    /// socket check is one non-blocking peek.
    pub(crate) fn probe(&self) -> bool {
        if self.broken.is_some()
            || self.pending > 0
            || self.rstart < self.rend
            || self.decoder.is_mid_value()
        {
            return false;
        }
        self.stream.is_quiet()
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
        let (word, effect): (&[u8], _) = if self.session.multi {
            (b"DISCARD", SessionEffect::EndTransaction)
        } else {
            (b"UNWATCH", SessionEffect::Unwatch)
        };
        let reply = self.round_trip(
            |out| {
                crate::resp::write_command_header(out, 1);
                crate::resp::write_bulk(out, word);
            },
            Some(effect),
        );
        matches!(reply, Ok(Value::Okay)) && self.session.is_clean()
    }

    /// Reads `n` replies of a pipelined exchange, keeping error replies as values so the stream
    /// stays in step.
    pub(crate) fn read_replies(&mut self, n: usize) -> Result<Vec<Value>> {
        let timeout = self.read_timeout;
        self.read_replies_within(n, timeout)
    }

    /// [`Connection::read_replies`] with each reply under `timeout` instead of the
    /// connection's read timeout.
    pub(crate) fn read_replies_within(
        &mut self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Value>> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.read_reply_within(None, timeout)?);
        }
        Ok(out)
    }

    /// Limits the next exchange to the time left before `deadline`.
    pub(crate) fn limit_to(&mut self, deadline: Instant, connect_timeout: Duration) -> Result<()> {
        let left = socket::remaining(deadline, connect_timeout)?;
        self.read_timeout = left;
        self.write_timeout = left;
        Ok(())
    }

    /// Whether keys are watched on this connection (a `WATCH` not yet ended by `EXEC`,
    /// `DISCARD` or `UNWATCH`).
    pub fn is_watching(&self) -> bool {
        self.session.watching
    }

    pub(crate) fn set_protocol(&mut self, p: Protocol) {
        self.protocol = p;
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

/// The budget for one reply: the first read is bounded by the socket timeout itself, later
/// ones by what is left of the whole budget.
struct ReadClock {
    timeout: Duration,
    start: Option<Instant>,
    reads: u32,
}

impl ReadClock {
    #[inline]
    fn next_limit(&mut self) -> Result<Duration> {
        self.reads += 1;
        let start = match self.start {
            Some(s) => s,
            None => {
                let now = Instant::now();
                self.start = Some(now);
                now
            }
        };
        if self.reads == 1 {
            return Ok(self.timeout);
        }
        left_of(start, self.timeout).ok_or_else(|| read_timeout(self.timeout))
    }
}

fn left_of(start: Instant, timeout: Duration) -> Option<Duration> {
    timeout
        .checked_sub(start.elapsed())
        .filter(|d| !d.is_zero())
}

fn read_timeout(after: Duration) -> Error {
    Error::timeout(TimeoutPhase::Read, after)
}

fn write_timeout(after: Duration) -> Error {
    Error::timeout(TimeoutPhase::Write, after)
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("addr", &format_args!("{}", self.addr))
            .field("transport", &self.stream.kind())
            .field("protocol", &self.protocol)
            .field("db", &self.db)
            .field("broken", &self.broken)
            .field("pending", &self.pending)
            .finish()
    }
}
