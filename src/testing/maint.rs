//! [`MaintenanceSimulator`]: a RESP-aware loopback proxy that plays the maintenance
//! notifications of Redis Cloud and Redis Software in front of a plain `redis-server`.
//!
//! Each accepted client connection gets one connection to the upstream server and three
//! threads:
//!
//! - the *requests* thread reads the client, cuts its bytes into whole command frames, answers
//!   `CLIENT MAINT_NOTIFICATIONS` itself and forwards everything else upstream;
//! - the *replies* thread reads the server and cuts its bytes into whole frames (replies and
//!   RESP3 pushes);
//! - the *writer* thread is the only one that writes to the client: whole frames, in order,
//!   each held until any reply delay is over, with injected pushes put between two frames.
//!
//! Ordering rests on one queue per connection, under its lock: the *reply sources* still owed,
//! in command order. A forwarded command adds "upstream" (before its bytes are written, so its
//! reply always finds it); an answered handshake adds "local" with its answer. A reply from the
//! server takes the first "upstream"; every "local" that comes next is then due too. So an
//! answer of the simulator's own goes out exactly where the server's would have, after the
//! replies owed for the commands sent before it. Pushes from the server are not replies: they
//! take no source and keep their place in the server's stream.
//!
//! Sockets are blocking with a short timeout (10 ms), which is how the threads notice the
//! simulator being closed or dropped.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use socket2::SockRef;

use crate::resp::{Decoder, Limits, Value, split_command};

/// How long a blocking socket call or wait lasts before the thread looks at the stop flags
/// again; bounds how late a close, a drop or a new delay is noticed.
const TICK: Duration = Duration::from_millis(10);
/// The most one `read` takes from a socket.
const CHUNK: usize = 64 * 1024;
/// The replies thread stops reading the server while this much waits to be written to the
/// client, so a client that does not read cannot make the simulator buffer without bound.
const MAX_HELD: usize = 8 * 1024 * 1024;
/// The longest inline command (a line not starting with `*`), as Redis's own limit.
const MAX_INLINE: usize = 64 * 1024;
/// How long connecting to the upstream server may take for each accepted client.
const UPSTREAM_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long [`MaintenanceSimulator::notify`] waits for the pushes to be written.
const NOTIFY_WAIT: Duration = Duration::from_secs(5);
/// How long the close of [`MaintenanceSimulator::close_after`] waits for the listener to go.
const CLOSE_WAIT: Duration = Duration::from_secs(1);
/// How long `Drop` waits for the simulator's threads before leaving them behind.
const JOIN_BOUND: Duration = Duration::from_secs(3);
/// Bounds the connection made to wake the accepting thread.
const WAKE_TIMEOUT: Duration = Duration::from_millis(500);

/// What Redis 7.0 answers `CLIENT MAINT_NOTIFICATIONS` with, before the subcommand as sent.
const REFUSAL_PREFIX: &str = "-ERR unknown subcommand '";
/// ... and after it.
const REFUSAL_SUFFIX: &str = "'. Try CLIENT HELP.\r\n";

/// A maintenance push, as Redis Cloud and Redis Software send it to a connection that turned
/// notifications on; [`Notification::encode`] gives its bytes, [`MaintenanceSimulator::notify`]
/// sends it.
///
/// Each is a RESP3 push (`>`) whose first element is the notification's name as a simple
/// string, then its fields in order, as the table of redis-py's parser lists them. Strings go
/// as simple strings (`+`), or as bulk strings (`$`) when they hold a CR or LF, so that no
/// value can break the frame; times go as whole seconds, rounded up.
///
/// ```
/// use std::time::Duration;
/// use redisync::testing::Notification;
///
/// let moving = Notification::Moving {
///     seq: 7,
///     time: Duration::from_millis(1500),
///     endpoint: Some("10.0.0.2:6379".into()),
/// };
/// assert_eq!(moving.encode(), b">4\r\n+MOVING\r\n:7\r\n:2\r\n+10.0.0.2:6379\r\n");
/// assert_eq!(
///     Notification::Migrated { seq: 8 }.encode(),
///     b">2\r\n+MIGRATED\r\n:8\r\n"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Notification {
    /// The endpoint moves: `>4 +MOVING :<seq> :<time> +<host:port>`, or `_` (RESP3 null) in
    /// place of the endpoint when there is none (the client keeps its host and reconnects
    /// later).
    Moving {
        /// Sequence number.
        seq: u64,
        /// How long the move takes.
        time: Duration,
        /// The new endpoint, `host:port`.
        endpoint: Option<String>,
    },
    /// A shard migration starts: `>3 +MIGRATING :<seq> :<time>`.
    Migrating {
        /// Sequence number.
        seq: u64,
        /// How long the migration may take.
        time: Duration,
    },
    /// The migration is over: `>2 +MIGRATED :<seq>`.
    Migrated {
        /// Sequence number.
        seq: u64,
    },
    /// A failover starts: `>3 +FAILING_OVER :<seq> :<time>`.
    FailingOver {
        /// Sequence number.
        seq: u64,
        /// How long the failover may take.
        time: Duration,
    },
    /// The failover is over: `>2 +FAILED_OVER :<seq>`.
    FailedOver {
        /// Sequence number.
        seq: u64,
    },
    /// Slots start migrating (OSS cluster API): `>3 +SMIGRATING :<seq> +<slots>`.
    SMigrating {
        /// Sequence number.
        seq: u64,
        /// The slots, as Redis writes them: `"1,5-10"`.
        slots: String,
    },
    /// Slots migrated (OSS cluster API): `>3 +SMIGRATED :<seq> *<n>`, then one
    /// `*3 +<source> +<destination> +<slots>` per move.
    SMigrated {
        /// Sequence number.
        seq: u64,
        /// `(source host:port, destination host:port, slots)` for each move.
        moves: Vec<(String, String, String)>,
    },
    /// These bytes exactly, for tests of malformed or unknown pushes. They go between two
    /// frames like any notification; a client that cannot parse them is left to cope.
    Raw(Vec<u8>),
}

impl Notification {
    /// The bytes of this notification on the wire (see [`Notification`] for the format).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        match self {
            Notification::Moving {
                seq,
                time,
                endpoint,
            } => {
                head(&mut out, 4, "MOVING", *seq);
                int(&mut out, seconds(*time));
                match endpoint {
                    Some(endpoint) => string(&mut out, endpoint),
                    None => out.extend_from_slice(b"_\r\n"),
                }
            }
            Notification::Migrating { seq, time } => {
                head(&mut out, 3, "MIGRATING", *seq);
                int(&mut out, seconds(*time));
            }
            Notification::Migrated { seq } => head(&mut out, 2, "MIGRATED", *seq),
            Notification::FailingOver { seq, time } => {
                head(&mut out, 3, "FAILING_OVER", *seq);
                int(&mut out, seconds(*time));
            }
            Notification::FailedOver { seq } => head(&mut out, 2, "FAILED_OVER", *seq),
            Notification::SMigrating { seq, slots } => {
                head(&mut out, 3, "SMIGRATING", *seq);
                string(&mut out, slots);
            }
            Notification::SMigrated { seq, moves } => {
                head(&mut out, 3, "SMIGRATED", *seq);
                out.extend_from_slice(format!("*{}\r\n", moves.len()).as_bytes());
                for (source, destination, slots) in moves {
                    out.extend_from_slice(b"*3\r\n");
                    string(&mut out, source);
                    string(&mut out, destination);
                    string(&mut out, slots);
                }
            }
            Notification::Raw(bytes) => out.extend_from_slice(bytes),
        }
        out
    }
}

/// `>len`, the name and the sequence number.
fn head(out: &mut Vec<u8>, len: usize, name: &str, seq: u64) {
    out.extend_from_slice(format!(">{len}\r\n+{name}\r\n").as_bytes());
    int(out, seq);
}

fn int(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(format!(":{n}\r\n").as_bytes());
}

/// A simple string, or a bulk string when `s` cannot be a simple one.
fn string(out: &mut Vec<u8>, s: &str) {
    if s.contains(['\r', '\n']) {
        out.extend_from_slice(format!("${}\r\n", s.len()).as_bytes());
        out.extend_from_slice(s.as_bytes());
        out.extend_from_slice(b"\r\n");
    } else {
        out.push(b'+');
        out.extend_from_slice(s.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// Whole seconds, rounded up.
fn seconds(time: Duration) -> u64 {
    time.as_secs()
        .saturating_add(u64::from(time.subsec_nanos() > 0))
}

/// Which connections [`MaintenanceSimulator::notify`] sends to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// Every open client connection, whether it asked for notifications or not.
    All,
    /// The open connections whose `CLIENT MAINT_NOTIFICATIONS ON` the simulator accepted (and
    /// that did not turn them off again).
    Handshaken,
    /// One connection, by accept order: 0 is the first connection the simulator accepted
    /// (counting every accepted one, as [`MaintenanceSimulator::total_accepted`] does). Nothing
    /// is sent when it is closed.
    Connection(usize),
}

/// A maintenance-notification simulator: a TCP proxy on `127.0.0.1`, in front of one real
/// server, that understands RESP; see the [module docs](crate::testing#maintenance-notifications)
/// for an example.
///
/// It forwards commands and replies frame by frame, answers the `CLIENT MAINT_NOTIFICATIONS`
/// handshake itself (as Redis Cloud does, or with the error of a server that lacks it), and
/// plays a maintenance on demand: pushes ([`MaintenanceSimulator::notify`]), slow replies
/// ([`MaintenanceSimulator::delay_replies`]) and the old endpoint going away
/// ([`MaintenanceSimulator::close_after`]).
///
/// One reply is counted per command: the answer to a handshake sent after a command that gets
/// no reply of its own (`CLIENT REPLY OFF`, a RESP3 `SUBSCRIBE`, whose confirmations are
/// pushes) waits for the next reply the server sends. Clients send the handshake first, so
/// this does not arise in practice. Inside `MULTI` the handshake is answered `+OK` in its
/// place (not `+QUEUED`), and `EXEC`'s reply does not list it.
///
/// It is `Send + Sync`: a test can inject notifications from one thread while others send
/// traffic. Dropping it closes the listener and every connection and stops its threads
/// (waiting for them at most a few seconds).
pub struct MaintenanceSimulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl MaintenanceSimulator {
    /// Starts a simulator on a free port of `127.0.0.1` that carries every connection to
    /// `upstream`: no reply delay, handshakes accepted.
    ///
    /// The upstream server is connected to once per accepted client (with a 2 s timeout); when
    /// that fails, the client's connection is reset.
    ///
    /// # Errors
    ///
    /// When the listening socket cannot be opened or its thread cannot be started.
    pub fn start(upstream: SocketAddr) -> io::Result<MaintenanceSimulator> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            addr,
            stop: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            listening: AtomicBool::new(true),
            refuse: AtomicBool::new(false),
            delay: Mutex::new(Duration::ZERO),
            accepted: AtomicU64::new(0),
            commands: AtomicU64::new(0),
            handshakes: Mutex::new(Vec::new()),
            conns: Mutex::new(BTreeMap::new()),
            threads: Mutex::new(Vec::new()),
        });
        let acceptor = thread::Builder::new()
            .name("redisync-maint-accept".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || {
                    accept_loop(&shared, listener);
                    // The listener is closed now: connecting is refused.
                    shared.listening.store(false, Ordering::SeqCst);
                }
            })?;
        log::debug!("maintenance simulator on {addr} forwarding to {upstream}");
        Ok(MaintenanceSimulator {
            shared,
            addr,
            acceptor: Some(acceptor),
        })
    }

    /// The address clients connect to (`127.0.0.1` and the simulator's port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the simulator listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `redis://127.0.0.1:PORT`, for [`Client::open`](crate::Client::open) or
    /// [`ClientBuilder::url`](crate::ClientBuilder::url).
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.addr.port())
    }

    /// The server the simulator forwards to.
    pub fn upstream(&self) -> SocketAddr {
        self.shared.upstream
    }

    /// How many client connections are open now (accepted, connected upstream, not closed).
    pub fn connections(&self) -> usize {
        self.shared
            .conns
            .lock()
            .values()
            .filter(|c| !c.is_dead())
            .count()
    }

    /// How many client connections were accepted so far, including those that failed to
    /// connect upstream or were closed since.
    pub fn total_accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// The `moving-endpoint-type` of each `CLIENT MAINT_NOTIFICATIONS ON` received so far, in
    /// the order they arrived (one per handshake: a connection that sent it twice is listed
    /// twice), refused ones included; `"none"` for a handshake that named no type. The type is
    /// as the client wrote it.
    pub fn handshakes(&self) -> Vec<String> {
        self.shared.handshakes.lock().clone()
    }

    /// With `true`, answers every `CLIENT MAINT_NOTIFICATIONS` from now on as plain Redis 7.0
    /// does: `-ERR unknown subcommand 'MAINT_NOTIFICATIONS'. Try CLIENT HELP.` (the
    /// subcommand as the client spelled it); the handshake is still listed by
    /// [`MaintenanceSimulator::handshakes`], and the connection does not count as
    /// [`Target::Handshaken`]. With `false` (the default), answers `+OK`.
    pub fn refuse_handshake(&self, refuse: bool) {
        self.shared.refuse.store(refuse, Ordering::SeqCst);
    }

    /// Sends `notification` to every connection `to` selects, now: on each, it is written right
    /// after the frame being written (if any), ahead of every reply still held back or not yet
    /// arrived, and never inside a frame. An idle connection gets it at once.
    ///
    /// Returns once each of those connections has written it to its socket, or closed, or 5 s
    /// passed (a client that stopped reading with its socket buffers full: the push stays
    /// queued and goes once the client reads again). The count is of the connections that
    /// took it: written, or still queued after that wait; not those that closed first.
    pub fn notify(&self, notification: &Notification, to: Target) -> usize {
        let bytes = notification.encode();
        let targets: Vec<Arc<Conn>> = self
            .shared
            .conns
            .lock()
            .values()
            .filter(|c| match to {
                Target::All => true,
                Target::Handshaken => c.handshaken.load(Ordering::SeqCst),
                Target::Connection(index) => c.index == index,
            })
            .filter(|c| !c.is_dead())
            .cloned()
            .collect();
        let tickets: Vec<(Arc<Conn>, u64)> = targets
            .into_iter()
            .map(|conn| {
                let ticket = {
                    let mut out = conn.out.lock();
                    out.injected.push_back(bytes.clone());
                    out.injected_total += 1;
                    out.injected_total
                };
                conn.wake.notify_all();
                (conn, ticket)
            })
            .collect();
        let deadline = Instant::now() + NOTIFY_WAIT;
        let mut took = 0;
        for (conn, ticket) in tickets {
            let mut out = conn.out.lock();
            loop {
                if out.injected_written >= ticket {
                    took += 1;
                    break;
                }
                if conn.is_dead() {
                    break;
                }
                let now = Instant::now();
                if now >= deadline {
                    took += 1;
                    break;
                }
                conn.wake
                    .wait_for(&mut out, deadline.saturating_duration_since(now).min(TICK));
            }
        }
        log::debug!(
            "maintenance simulator {}: {notification:?} to {to:?}: {took} connections",
            self.addr
        );
        took
    }

    /// From now on, holds every reply frame until `delay` after it arrived from the server
    /// before writing it to the client; order is kept (pushes from the server keep their place
    /// among the replies, so they wait too, and the simulator's own handshake answers wait
    /// `delay` from when their command arrived). Reading goes on meanwhile, so this adds
    /// latency, not a throughput limit. Frames already held are re-timed: with
    /// [`Duration::ZERO`] (off) they go at once. Injected notifications are never held.
    pub fn delay_replies(&self, delay: Duration) {
        *self.shared.delay.lock() = delay;
        for conn in self.shared.conns.lock().values() {
            conn.wake.notify_all();
        }
        log::debug!(
            "maintenance simulator {}: replies delayed by {delay:?}",
            self.addr
        );
    }

    /// After `delay`, the old endpoint goes away: the simulator stops listening (connecting is
    /// refused from then on), then shuts down every client connection both ways (the client
    /// reads end of stream; replies not yet written are lost) along with its upstream
    /// connection. This returns at once; a timer thread does the work (or, when no thread can
    /// be started, the caller's, at once). The simulator does not listen again; calling this
    /// again changes nothing once one has fired.
    pub fn close_after(&self, delay: Duration) {
        let shared = Arc::clone(&self.shared);
        let spawned = self.shared.spawn("redisync-maint-close", move || {
            let deadline = Instant::now().checked_add(delay);
            loop {
                if shared.stopping() {
                    return;
                }
                let now = Instant::now();
                match deadline {
                    Some(at) if at <= now => break,
                    Some(at) => thread::sleep(at.saturating_duration_since(now).min(TICK)),
                    None => thread::sleep(TICK),
                }
            }
            shared.close_endpoint();
        });
        if let Err(e) = spawned {
            log::debug!("maintenance simulator: no timer thread ({e}); closing now");
            self.shared.close_endpoint();
        }
    }

    /// How many command frames were forwarded to the server so far, over all connections (not
    /// the handshakes the simulator answered itself). A command is counted as its write
    /// starts, so a command the server has seen is always counted.
    pub fn commands(&self) -> u64 {
        self.shared.commands.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for MaintenanceSimulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaintenanceSimulator")
            .field("addr", &self.addr)
            .field("upstream", &self.shared.upstream)
            .field("connections", &self.connections())
            .field("delay", &*self.shared.delay.lock())
            .field("closed", &self.shared.closed.load(Ordering::SeqCst))
            .finish()
    }
}

impl Drop for MaintenanceSimulator {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake_acceptor();
        for conn in self.shared.conns.lock().values() {
            conn.kill();
        }
        let deadline = Instant::now() + JOIN_BOUND;
        if let Some(acceptor) = self.acceptor.take() {
            join_by(acceptor, deadline);
        }
        // A connection thread registers its other threads before it ends, so once this list
        // stays empty every thread has been waited for.
        loop {
            let threads = std::mem::take(&mut *self.shared.threads.lock());
            if threads.is_empty() {
                break;
            }
            for t in threads {
                join_by(t, deadline);
            }
        }
    }
}

/// Waits for `thread` until `deadline`, then leaves it running (detached) rather than hang.
fn join_by(thread: JoinHandle<()>, deadline: Instant) {
    while !thread.is_finished() {
        if Instant::now() >= deadline {
            log::debug!(
                "maintenance simulator: thread {:?} did not stop in time; leaving it",
                thread.thread().name()
            );
            return;
        }
        thread::sleep(Duration::from_millis(1));
    }
    if thread.join().is_err() {
        log::debug!("maintenance simulator: a thread panicked");
    }
}

/// What the simulator's handle and all its threads share.
struct Shared {
    upstream: SocketAddr,
    addr: SocketAddr,
    /// The simulator is dropped.
    stop: AtomicBool,
    /// [`MaintenanceSimulator::close_after`] fired: no more connections.
    closed: AtomicBool,
    /// The listener is still open.
    listening: AtomicBool,
    refuse: AtomicBool,
    delay: Mutex<Duration>,
    accepted: AtomicU64,
    commands: AtomicU64,
    handshakes: Mutex<Vec<String>>,
    /// The connections carried now, by accept index.
    conns: Mutex<BTreeMap<usize, Arc<Conn>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Whether new connections must be turned away.
    fn shut(&self) -> bool {
        self.stopping() || self.closed.load(Ordering::SeqCst)
    }

    fn delay(&self) -> Duration {
        *self.delay.lock()
    }

    fn spawn(&self, name: &str, f: impl FnOnce() + Send + 'static) -> io::Result<()> {
        let handle = thread::Builder::new().name(name.into()).spawn(f)?;
        let mut threads = self.threads.lock();
        threads.retain(|t| !t.is_finished());
        threads.push(handle);
        Ok(())
    }

    /// The accepting thread blocks in `accept`; a connection of our own wakes it up.
    fn wake_acceptor(&self) {
        if !self.listening.load(Ordering::SeqCst) {
            return;
        }
        if let Err(e) = TcpStream::connect_timeout(&self.addr, WAKE_TIMEOUT) {
            log::debug!(
                "maintenance simulator {}: could not wake the acceptor: {e}",
                self.addr
            );
        }
    }

    /// The old endpoint goes away: the listener first, then every connection.
    fn close_endpoint(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        log::debug!(
            "maintenance simulator {}: endpoint closing: listener and {} connections",
            self.addr,
            self.conns.lock().len()
        );
        self.wake_acceptor();
        let deadline = Instant::now() + CLOSE_WAIT;
        while self.listening.load(Ordering::SeqCst) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(1));
        }
        for conn in self.conns.lock().values() {
            conn.kill();
        }
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: TcpListener) {
    loop {
        let accepted = listener.accept();
        if shared.shut() {
            return;
        }
        let (client, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: pause rather than spin.
                log::debug!("maintenance simulator: accept failed: {e}");
                thread::sleep(TICK);
                continue;
            }
        };
        let index = shared.accepted.fetch_add(1, Ordering::SeqCst);
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        let spawned = shared.spawn("redisync-maint-conn", {
            let shared = Arc::clone(shared);
            move || serve(&shared, client, peer, index)
        });
        if let Err(e) = spawned {
            log::debug!("maintenance simulator: no thread for {peer}: {e}");
        }
    }
}

/// Connects `client` to the upstream server and carries its traffic until the connection
/// closes; runs the requests thread itself.
fn serve(shared: &Arc<Shared>, client: TcpStream, peer: SocketAddr, index: usize) {
    let server = match TcpStream::connect_timeout(&shared.upstream, UPSTREAM_CONNECT_TIMEOUT) {
        Ok(server) => server,
        Err(e) => {
            log::debug!(
                "maintenance simulator: connecting {peer} to {} failed: {e}",
                shared.upstream
            );
            abort_on_close(&client);
            return;
        }
    };
    if let Err(e) = configure(&client).and_then(|()| configure(&server)) {
        log::debug!("maintenance simulator: setting up sockets for {peer} failed: {e}");
        abort_on_close(&client);
        return;
    }
    let conn = Arc::new(Conn {
        index,
        client,
        server,
        dead: AtomicBool::new(false),
        handshaken: AtomicBool::new(false),
        out: Mutex::new(Out::default()),
        wake: Condvar::new(),
        threads_left: AtomicUsize::new(3),
    });
    shared.conns.lock().insert(index, Arc::clone(&conn));
    // A close that looked at the table before this connection was in it: do its work here.
    if shared.shut() {
        conn.kill();
    }
    log::debug!(
        "maintenance simulator: carrying {peer} (connection {index}) to {}",
        shared.upstream
    );
    for (name, run) in [
        ("redisync-maint-replies", replies as fn(&Shared, &Conn)),
        ("redisync-maint-writer", writer),
    ] {
        let spawned = shared.spawn(name, {
            let shared = Arc::clone(shared);
            let conn = Arc::clone(&conn);
            move || {
                run(&shared, &conn);
                conn.finish(&shared);
            }
        });
        if let Err(e) = spawned {
            log::debug!("maintenance simulator: no thread for {peer}: {e}");
            conn.kill();
            conn.finish(shared);
        }
    }
    requests(shared, &conn);
    conn.finish(shared);
}

fn configure(socket: &TcpStream) -> io::Result<()> {
    socket.set_nodelay(true)?;
    socket.set_read_timeout(Some(TICK))?;
    socket.set_write_timeout(Some(TICK))
}

/// Makes the close of `socket`'s last handle send a RST instead of a FIN.
fn abort_on_close(socket: &TcpStream) {
    if let Err(e) = SockRef::from(socket).set_linger(Some(Duration::ZERO)) {
        log::debug!("maintenance simulator: SO_LINGER failed: {e}");
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// One client connection and its upstream connection.
///
/// The sockets close when the last `Arc` goes: the three threads and the simulator's table
/// hold one each, and the table's is removed when the third thread ends.
struct Conn {
    /// Accept order, from 0.
    index: usize,
    client: TcpStream,
    server: TcpStream,
    dead: AtomicBool,
    /// A `CLIENT MAINT_NOTIFICATIONS ON` was accepted (and not turned off since).
    handshaken: AtomicBool,
    out: Mutex<Out>,
    /// Signalled whenever `out` changes or the connection dies.
    wake: Condvar,
    threads_left: AtomicUsize,
}

/// What is owed to the client, in order.
#[derive(Default)]
struct Out {
    /// The replies still owed, in command order. Empty, or its front is `Upstream`: a local
    /// answer at the front is due, and is moved to `frames` at once.
    sources: VecDeque<Source>,
    /// Whole frames to write, in order, each held until its delay is over.
    frames: VecDeque<Held>,
    /// The bytes in `frames`.
    held_bytes: usize,
    /// Injected pushes: written before anything in `frames`, as soon as the frame being
    /// written ends.
    injected: VecDeque<Vec<u8>>,
    /// Pushes ever injected, and written, on this connection.
    injected_total: u64,
    injected_written: u64,
    /// The server closed its side: once `frames` is written, the client's is closed too.
    upstream_done: bool,
}

enum Source {
    /// The server's next reply.
    Upstream,
    /// An answer of the simulator's own, for a command read at `at`.
    Local { reply: Vec<u8>, at: Instant },
}

struct Held {
    bytes: Vec<u8>,
    /// When the frame arrived (or its command did, for a local answer).
    at: Instant,
}

impl Out {
    fn hold(&mut self, bytes: Vec<u8>, at: Instant) {
        self.held_bytes += bytes.len();
        self.frames.push_back(Held { bytes, at });
    }

    /// Moves the local answers at the front of `sources`, now due, to `frames`.
    fn release_local(&mut self) {
        while let Some(Source::Local { .. }) = self.sources.front() {
            if let Some(Source::Local { reply, at }) = self.sources.pop_front() {
                self.hold(reply, at);
            }
        }
    }
}

impl Conn {
    fn is_dead(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }

    /// Shuts both sockets down both ways, which ends every blocking call on them.
    fn kill(&self) {
        if self.dead.swap(true, Ordering::SeqCst) {
            return;
        }
        // Errors here mean the socket is already gone, which is the goal.
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.server.shutdown(Shutdown::Both);
        self.wake.notify_all();
    }

    /// Called by each thread as it ends; the last one removes the connection from the table.
    fn finish(&self, shared: &Shared) {
        if self.threads_left.fetch_sub(1, Ordering::SeqCst) == 1 {
            shared.conns.lock().remove(&self.index);
        }
    }

    /// Writes all of `data` to `to`; false (and the connection killed) when it cannot.
    fn write_all(&self, shared: &Shared, mut to: &TcpStream, mut data: &[u8]) -> bool {
        while !data.is_empty() {
            if self.is_dead() || shared.stopping() {
                return false;
            }
            match to.write(data) {
                Ok(0) => {
                    log::debug!("maintenance simulator: a socket took no bytes");
                    self.kill();
                    return false;
                }
                Ok(n) => data = &data[n..],
                Err(e) if is_transient(&e) => {}
                Err(e) => {
                    if !self.is_dead() {
                        log::debug!("maintenance simulator: write failed: {e}");
                    }
                    self.kill();
                    return false;
                }
            }
        }
        true
    }
}

/// What one read gave.
enum Got {
    /// Some bytes, now in the framer's input.
    Data,
    /// Nothing yet (the read timed out).
    Idle,
    /// End of stream.
    End,
    /// The connection is dead (killed here if it was not yet): the thread ends.
    Stop,
}

/// Cuts a byte stream into whole RESP frames, keeping each frame's bytes.
struct Framer {
    decoder: Decoder,
    /// Bytes read; those before `start` are consumed.
    input: Vec<u8>,
    start: usize,
    /// The bytes of the frame being decoded, consumed so far.
    frame: Vec<u8>,
}

/// One whole frame.
enum Frame {
    /// A RESP value: its bytes and the value.
    Resp(Vec<u8>, Value),
    /// An inline command (a line not starting with `*`): the line, its end of line included.
    Inline(Vec<u8>),
}

impl Framer {
    fn new() -> Framer {
        Framer {
            decoder: Decoder::new(Limits::default()),
            input: Vec::new(),
            start: 0,
            frame: Vec::new(),
        }
    }

    /// Reads what `from` has (waiting at most its read timeout) after the unconsumed input.
    fn read(&mut self, shared: &Shared, conn: &Conn, mut from: &TcpStream) -> Got {
        self.input.drain(..self.start);
        self.start = 0;
        let len = self.input.len();
        self.input.resize(len + CHUNK, 0);
        let got = from.read(&mut self.input[len..]);
        self.input.truncate(len + *got.as_ref().unwrap_or(&0));
        match got {
            Ok(0) => Got::End,
            Ok(_) => Got::Data,
            Err(e) if is_transient(&e) => {
                if conn.is_dead() || shared.stopping() {
                    conn.kill();
                    Got::Stop
                } else {
                    Got::Idle
                }
            }
            Err(e) => {
                if !conn.is_dead() {
                    log::debug!("maintenance simulator: read failed: {e}");
                }
                conn.kill();
                Got::Stop
            }
        }
    }

    /// The next whole frame in the input, if there is one. `inline` accepts Redis's inline
    /// commands (a line not starting with `*`) at frame boundaries.
    fn next_frame(&mut self, inline: bool) -> Result<Option<Frame>, String> {
        let input = &self.input[self.start..];
        if input.is_empty() {
            return Ok(None);
        }
        if inline && self.frame.is_empty() && input[0] != b'*' {
            let Some(nl) = input.iter().position(|&b| b == b'\n') else {
                if input.len() > MAX_INLINE {
                    return Err("inline command too long".into());
                }
                return Ok(None);
            };
            let line = input[..=nl].to_vec();
            self.start += nl + 1;
            return Ok(Some(Frame::Inline(line)));
        }
        let (used, value) = self.decoder.decode(input).map_err(|e| e.to_string())?;
        self.frame.extend_from_slice(&input[..used]);
        self.start += used;
        Ok(value.map(|v| Frame::Resp(std::mem::take(&mut self.frame), v)))
    }
}

/// The requests thread: client to server.
fn requests(shared: &Shared, conn: &Conn) {
    let mut framer = Framer::new();
    loop {
        if conn.is_dead() || shared.stopping() {
            conn.kill();
            return;
        }
        match framer.read(shared, conn, &conn.client) {
            Got::Data => {}
            Got::Idle => continue,
            Got::Stop => return,
            Got::End => {
                // The client sent everything it will: so does the simulator, and the server's
                // close then ends the connection.
                let _ = conn.server.shutdown(Shutdown::Write);
                return;
            }
        }
        let mut batch = Vec::new();
        loop {
            let frame = match framer.next_frame(true) {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(e) => {
                    log::debug!(
                        "maintenance simulator: connection {}: malformed command: {e}; closing",
                        conn.index
                    );
                    conn.kill();
                    return;
                }
            };
            let at = Instant::now();
            let (bytes, args, owes) = match &frame {
                Frame::Resp(bytes, value) => {
                    // Redis runs nothing, and answers nothing, for `*0` and `*-1`.
                    let owes = !matches!(value, Value::Nil)
                        && !matches!(value, Value::Array(a) if a.is_empty());
                    (bytes, split_command(bytes), owes)
                }
                Frame::Inline(line) => {
                    let args: Vec<&[u8]> = line
                        .split(u8::is_ascii_whitespace)
                        .filter(|a| !a.is_empty())
                        .collect();
                    let owes = !args.is_empty();
                    (line, Some(args), owes)
                }
            };
            if let Some(reply) = args.and_then(|a| handshake(shared, conn, &a)) {
                let mut out = conn.out.lock();
                if out.sources.is_empty() {
                    out.hold(reply, at);
                } else {
                    out.sources.push_back(Source::Local { reply, at });
                }
                drop(out);
                conn.wake.notify_all();
                continue;
            }
            if owes {
                // Before the bytes go: the reply can only come after them.
                conn.out.lock().sources.push_back(Source::Upstream);
                shared.commands.fetch_add(1, Ordering::SeqCst);
            }
            batch.extend_from_slice(bytes);
        }
        if !batch.is_empty() && !conn.write_all(shared, &conn.server, &batch) {
            return;
        }
    }
}

/// The simulator's answer when `args` is a `CLIENT MAINT_NOTIFICATIONS` command; `None` for
/// any other command.
///
/// `ON` and `OFF` are understood, then option pairs, of which only `moving-endpoint-type` is
/// looked at; anything else is a syntax error.
fn handshake(shared: &Shared, conn: &Conn, args: &[&[u8]]) -> Option<Vec<u8>> {
    let [client, sub, rest @ ..] = args else {
        return None;
    };
    if !client.eq_ignore_ascii_case(b"CLIENT") || !sub.eq_ignore_ascii_case(b"MAINT_NOTIFICATIONS")
    {
        return None;
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    // `Some((on, moving-endpoint-type))`, or `None` for a syntax error.
    let parsed = (|| {
        let on = match rest.first() {
            Some(a) if a.eq_ignore_ascii_case(b"ON") => true,
            Some(a) if a.eq_ignore_ascii_case(b"OFF") => false,
            _ => return None,
        };
        let mut endpoint_type = None;
        let mut options = rest.get(1..).unwrap_or_default().iter();
        while let Some(option) = options.next() {
            let value = options.next()?;
            if option.eq_ignore_ascii_case(b"moving-endpoint-type") {
                endpoint_type = Some(text(value));
            }
        }
        Some((on, endpoint_type))
    })();
    let refused = shared.refuse.load(Ordering::SeqCst);
    if let Some((true, endpoint_type)) = &parsed {
        let endpoint_type = endpoint_type.clone().unwrap_or_else(|| "none".to_owned());
        log::debug!(
            "maintenance simulator: connection {}: handshake, moving-endpoint-type \
             {endpoint_type}{}",
            conn.index,
            if refused { ", refused" } else { "" }
        );
        shared.handshakes.lock().push(endpoint_type);
    }
    if refused {
        // As Redis writes an error: CR and LF would end the line, so they become spaces.
        let sub: String = text(sub)
            .replace(['\r', '\n'], " ")
            .chars()
            .take(128)
            .collect();
        return Some(format!("{REFUSAL_PREFIX}{sub}{REFUSAL_SUFFIX}").into_bytes());
    }
    let Some((on, _)) = parsed else {
        return Some(b"-ERR syntax error\r\n".to_vec());
    };
    conn.handshaken.store(on, Ordering::SeqCst);
    Some(b"+OK\r\n".to_vec())
}

/// The replies thread: server to the writer's queue.
fn replies(shared: &Shared, conn: &Conn) {
    let mut framer = Framer::new();
    loop {
        if conn.is_dead() || shared.stopping() {
            conn.kill();
            return;
        }
        {
            let mut out = conn.out.lock();
            while out.held_bytes >= MAX_HELD && !conn.is_dead() && !shared.stopping() {
                conn.wake.wait_for(&mut out, TICK);
            }
        }
        match framer.read(shared, conn, &conn.server) {
            Got::Data => {}
            Got::Idle => continue,
            Got::Stop => return,
            Got::End => {
                conn.out.lock().upstream_done = true;
                conn.wake.notify_all();
                return;
            }
        }
        let at = Instant::now();
        let mut frames = Vec::new();
        loop {
            match framer.next_frame(false) {
                Ok(Some(Frame::Resp(bytes, value))) => {
                    frames.push((bytes, matches!(value, Value::Push(_))));
                }
                Ok(Some(Frame::Inline(_)) | None) => break,
                Err(e) => {
                    log::debug!(
                        "maintenance simulator: connection {}: malformed reply: {e}; closing",
                        conn.index
                    );
                    conn.kill();
                    return;
                }
            }
        }
        if frames.is_empty() {
            continue;
        }
        let mut out = conn.out.lock();
        for (bytes, push) in frames {
            // A reply nothing is owed for (a RESP2 subscriber's message, MONITOR) takes no
            // source.
            if !push && matches!(out.sources.front(), Some(Source::Upstream)) {
                out.sources.pop_front();
            }
            out.hold(bytes, at);
            out.release_local();
        }
        drop(out);
        conn.wake.notify_all();
    }
}

/// What the writer writes next.
enum Next {
    Frame(Vec<u8>),
    Injected(Vec<u8>),
}

/// The writer thread: the only one that writes to the client.
fn writer(shared: &Shared, conn: &Conn) {
    loop {
        let next = {
            let mut out = conn.out.lock();
            loop {
                if conn.is_dead() || shared.stopping() {
                    drop(out);
                    conn.kill();
                    return;
                }
                if let Some(push) = out.injected.pop_front() {
                    break Next::Injected(push);
                }
                let now = Instant::now();
                let due = out
                    .frames
                    .front()
                    .map(|held| held.at.checked_add(shared.delay()));
                match due {
                    Some(Some(due)) if due <= now => {
                        if let Some(held) = out.frames.pop_front() {
                            out.held_bytes -= held.bytes.len();
                            conn.wake.notify_all();
                            break Next::Frame(held.bytes);
                        }
                    }
                    Some(Some(due)) => {
                        conn.wake
                            .wait_for(&mut out, due.saturating_duration_since(now).min(TICK));
                    }
                    // A delay too long to reach: wait for it to change.
                    Some(None) => {
                        conn.wake.wait_for(&mut out, TICK);
                    }
                    None if out.upstream_done => {
                        drop(out);
                        log::debug!(
                            "maintenance simulator: connection {}: server closed; closing",
                            conn.index
                        );
                        conn.kill();
                        return;
                    }
                    None => {
                        conn.wake.wait_for(&mut out, TICK);
                    }
                }
            }
        };
        match next {
            Next::Frame(bytes) => {
                if !conn.write_all(shared, &conn.client, &bytes) {
                    return;
                }
            }
            Next::Injected(bytes) => {
                let written = conn.write_all(shared, &conn.client, &bytes);
                if written {
                    conn.out.lock().injected_written += 1;
                }
                conn.wake.notify_all();
                if !written {
                    return;
                }
            }
        }
    }
}
