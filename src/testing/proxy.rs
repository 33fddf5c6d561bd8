//! [`FaultProxy`]: a loopback TCP proxy that forwards bytes to a server and breaks the stream on
//! request.
//!
//! Each accepted client connection gets one connection to the upstream server and two threads,
//! one per direction. A thread reads a chunk (one `read` of up to 64 KiB), queues it, and
//! forwards it when it is due. The fault in force *when a chunk is forwarded* decides what
//! happens to it, so a fault switched on or off while traffic flows applies at once to every
//! connection, old and new. Sockets are blocking with a short timeout (10 ms), which is how the
//! threads notice a new fault, a reset or the proxy being dropped.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use socket2::SockRef;

use super::{Direction, Fault};

/// How long a blocking socket call may wait before the thread looks at the fault and the stop
/// flag again; bounds how late a fault switch, a reset or `Drop` is noticed.
const TICK: Duration = Duration::from_millis(10);
/// Shortest read timeout (a zero timeout is an error for `set_read_timeout`).
const MIN_WAIT: Duration = Duration::from_millis(1);
/// The most one `read` takes from a socket: one chunk.
const CHUNK: usize = 64 * 1024;
/// A direction stops reading while this much is waiting out a delay, so a fast sender cannot
/// make the proxy buffer without bound.
const MAX_QUEUED: usize = 8 * 1024 * 1024;
/// How long connecting to the upstream server may take for each accepted client.
const UPSTREAM_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long [`FaultProxy::reset_all`] waits for the connections to be gone.
const RESET_WAIT: Duration = Duration::from_secs(1);
/// How long `Drop` waits for the proxy's threads before leaving them behind.
const JOIN_BOUND: Duration = Duration::from_secs(3);
/// Bounds the connection `Drop` makes to wake the accepting thread.
const WAKE_TIMEOUT: Duration = Duration::from_millis(500);

/// A fault-injection TCP proxy on `127.0.0.1`, in front of one upstream server; see the
/// [module docs](crate::testing) for an example and [`Fault`] for what it can do.
///
/// It is `Send + Sync`: a test can switch faults from one thread while others send traffic.
/// Dropping it closes every connection and stops its threads (waiting for them at most a few
/// seconds).
pub struct FaultProxy {
    shared: Arc<Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy on a free port of `127.0.0.1` that forwards every connection to
    /// `upstream`, with no fault in force.
    ///
    /// The upstream server is connected to once per accepted client (with a 2 s timeout); when
    /// that fails, the client's connection is reset.
    ///
    /// # Errors
    ///
    /// When the listening socket cannot be opened or its thread cannot be started.
    pub fn start(upstream: SocketAddr) -> io::Result<FaultProxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            fault: Mutex::new(FaultSetting {
                fault: None,
                generation: 0,
            }),
            stop: AtomicBool::new(false),
            accepted: AtomicU64::new(0),
            to_server: AtomicU64::new(0),
            to_client: AtomicU64::new(0),
            next_id: AtomicU64::new(0),
            pairs: Mutex::new(HashMap::new()),
            threads: Mutex::new(Vec::new()),
        });
        let acceptor = thread::Builder::new()
            .name("redisync-proxy-accept".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || accept_loop(&shared, &listener)
            })?;
        log::debug!("fault proxy on {addr} forwarding to {upstream}");
        Ok(FaultProxy {
            shared,
            addr,
            acceptor: Some(acceptor),
        })
    }

    /// The address clients connect to (`127.0.0.1` and the proxy's port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the proxy listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `redis://127.0.0.1:PORT`, for [`Client::open`](crate::Client::open) or
    /// [`ClientBuilder::url`](crate::ClientBuilder::url).
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.addr.port())
    }

    /// The server the proxy forwards to.
    pub fn upstream(&self) -> SocketAddr {
        self.shared.upstream
    }

    /// Puts `fault` in force, replacing the previous one, for current and new connections.
    ///
    /// Each connection notices within about 10 ms; a chunk already being written is finished.
    /// Setting a fault again (even the same one) restarts the per-connection state of
    /// [`Fault::CloseAfter`]. With [`Fault::Reset`] this returns once the current connections
    /// are closed, as [`FaultProxy::reset_all`] does.
    pub fn set_fault(&self, fault: Fault) {
        self.shared.set(Some(fault));
        log::debug!("fault proxy {}: fault {fault:?}", self.addr);
        if fault == Fault::Reset {
            self.reset_all();
        }
    }

    /// Removes the fault in force: bytes flow normally again, chunks held by a delay are
    /// forwarded at once. Connections cut by [`Fault::HalfReply`] stay cut.
    pub fn clear(&self) {
        self.shared.set(None);
        log::debug!("fault proxy {}: fault cleared", self.addr);
    }

    /// The fault in force, if any.
    pub fn fault(&self) -> Option<Fault> {
        self.shared.current().0
    }

    /// Aborts every current connection now with a TCP RST to both sides (`SO_LINGER` 0, then
    /// close), whatever fault is in force, and returns once they are closed (or after 1 s); on
    /// Linux, also once the clients' sockets have taken the reset, so a client that looks at its
    /// socket next finds it reset, never still open. New connections are not affected.
    pub fn reset_all(&self) {
        let (victims, clients): (Vec<u64>, Vec<SocketAddr>) = {
            let pairs = self.shared.pairs.lock();
            for pair in pairs.values() {
                pair.kill(Kill::Reset);
            }
            (
                pairs.keys().copied().collect(),
                pairs
                    .values()
                    .filter_map(|p| p.client.peer_addr().ok())
                    .collect(),
            )
        };
        let deadline = Instant::now() + RESET_WAIT;
        loop {
            let left = {
                let pairs = self.shared.pairs.lock();
                victims.iter().filter(|id| pairs.contains_key(id)).count()
            };
            if left == 0 && !still_open(&clients, self.addr.port()) {
                return;
            }
            if Instant::now() >= deadline {
                log::debug!(
                    "fault proxy {}: {left} connection(s) not closed 1 s after a reset",
                    self.addr
                );
                return;
            }
            thread::sleep(MIN_WAIT);
        }
    }

    /// How many client connections the proxy is carrying now: accepted, connected upstream and
    /// not yet closed. Connections reset on accept are never counted.
    pub fn connections(&self) -> usize {
        self.shared.pairs.lock().len()
    }

    /// How many connections the proxy has accepted since it started, including those it reset
    /// or refused at once.
    pub fn total_accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Bytes forwarded to the server so far, over all connections (discarded bytes not
    /// counted). A chunk is counted as its write starts, so bytes the server has received are
    /// always counted.
    pub fn bytes_to_server(&self) -> u64 {
        self.shared.to_server.load(Ordering::SeqCst)
    }

    /// Bytes forwarded to clients so far, over all connections (discarded bytes not counted).
    /// A chunk is counted as its write starts, so bytes a client has received are always
    /// counted.
    pub fn bytes_to_client(&self) -> u64 {
        self.shared.to_client.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultProxy")
            .field("addr", &self.addr)
            .field("upstream", &self.shared.upstream)
            .field("fault", &self.fault())
            .field("connections", &self.connections())
            .finish()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // The accepting thread blocks in `accept`; a connection of our own wakes it up.
        if let Err(e) = TcpStream::connect_timeout(&self.addr, WAKE_TIMEOUT) {
            log::debug!(
                "fault proxy {}: could not wake the acceptor: {e}",
                self.addr
            );
        }
        for pair in self.shared.pairs.lock().values() {
            pair.kill(Kill::Close);
        }
        let deadline = Instant::now() + JOIN_BOUND;
        if let Some(acceptor) = self.acceptor.take() {
            join_by(acceptor, deadline);
        }
        // A connection thread registers the thread of its other direction before it ends, so
        // once this list stays empty every thread has been waited for.
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

/// Whether any of the `clients` (loopback addresses connected to `port`) still has an open TCP
/// socket, as the kernel's table says (Linux; elsewhere nothing can be told, and nothing is
/// waited for).
fn still_open(clients: &[SocketAddr], port: u16) -> bool {
    if clients.is_empty() || !cfg!(target_os = "linux") {
        return false;
    }
    let hex_port = |p: u16| format!("{p:04X}");
    let wanted: Vec<String> = clients.iter().map(|c| hex_port(c.port())).collect();
    let proxy = hex_port(port);
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
        let Ok(text) = std::fs::read_to_string(table) else {
            return false;
        };
        text.lines().skip(1).any(|line| {
            let mut fields = line.split_whitespace();
            let (Some(local), Some(remote)) = (fields.nth(1), fields.next()) else {
                return false;
            };
            // The client's own socket: its local port is the client's, its remote the proxy's.
            let port_of = |a: &str| a.rsplit(':').next().unwrap_or("").to_string();
            wanted.contains(&port_of(local)) && port_of(remote) == proxy
        })
    })
}

/// Waits for `thread` until `deadline`, then leaves it running (detached) rather than hang.
fn join_by(thread: JoinHandle<()>, deadline: Instant) {
    while !thread.is_finished() {
        if Instant::now() >= deadline {
            log::debug!(
                "fault proxy: thread {:?} did not stop in time; leaving it",
                thread.thread().name()
            );
            return;
        }
        thread::sleep(MIN_WAIT);
    }
    if thread.join().is_err() {
        log::debug!("fault proxy: a thread panicked");
    }
}

/// What the proxy's handle and all its threads share.
struct Shared {
    upstream: SocketAddr,
    fault: Mutex<FaultSetting>,
    stop: AtomicBool,
    accepted: AtomicU64,
    to_server: AtomicU64,
    to_client: AtomicU64,
    next_id: AtomicU64,
    pairs: Mutex<HashMap<u64, Arc<Pair>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

struct FaultSetting {
    fault: Option<Fault>,
    /// Bumped on every change, so a connection can tell a fault set again from one it has
    /// already applied.
    generation: u64,
}

impl Shared {
    fn set(&self, fault: Option<Fault>) {
        let mut setting = self.fault.lock();
        setting.fault = fault;
        setting.generation += 1;
    }

    fn current(&self) -> (Option<Fault>, u64) {
        let setting = self.fault.lock();
        (setting.fault, setting.generation)
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn spawn(&self, name: &str, f: impl FnOnce() + Send + 'static) -> io::Result<()> {
        let handle = thread::Builder::new().name(name.into()).spawn(f)?;
        let mut threads = self.threads.lock();
        threads.retain(|t| !t.is_finished());
        threads.push(handle);
        Ok(())
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    loop {
        let accepted = listener.accept();
        if shared.stopping() {
            return;
        }
        let (client, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: pause rather than spin.
                log::debug!("fault proxy: accept failed: {e}");
                thread::sleep(TICK);
                continue;
            }
        };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        if let (Some(fault @ (Fault::Reset | Fault::RefuseNew)), _) = shared.current() {
            log::debug!("fault proxy: {fault:?}: resetting new connection from {peer}");
            abort_on_close(&client);
            continue;
        }
        let spawned = shared.spawn("redisync-proxy-conn", {
            let shared = Arc::clone(shared);
            move || serve(&shared, client, peer)
        });
        if let Err(e) = spawned {
            log::debug!("fault proxy: no thread for {peer}: {e}");
        }
    }
}

/// Connects `client` to the upstream server and carries its traffic until the pair closes.
fn serve(shared: &Arc<Shared>, client: TcpStream, peer: SocketAddr) {
    let server = match TcpStream::connect_timeout(&shared.upstream, UPSTREAM_CONNECT_TIMEOUT) {
        Ok(server) => server,
        Err(e) => {
            log::debug!(
                "fault proxy: connecting {peer} to {} failed: {e}",
                shared.upstream
            );
            abort_on_close(&client);
            return;
        }
    };
    if let Err(e) = configure(&client).and_then(|()| configure(&server)) {
        log::debug!("fault proxy: setting up sockets for {peer} failed: {e}");
        abort_on_close(&client);
        return;
    }
    let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
    let pair = Arc::new(Pair {
        id,
        client,
        server,
        kill: AtomicU8::new(Kill::Alive as u8),
        cut_to_client: AtomicBool::new(false),
        budget: Mutex::new(Budget {
            generation: None,
            remaining: 0,
        }),
        pumps_left: AtomicUsize::new(2),
        ended: AtomicUsize::new(0),
    });
    shared.pairs.lock().insert(id, Arc::clone(&pair));
    log::debug!("fault proxy: carrying {peer} to {}", shared.upstream);
    let spawned = shared.spawn("redisync-proxy-conn", {
        let shared = Arc::clone(shared);
        let pair = Arc::clone(&pair);
        move || {
            Pump::new(&shared, &pair, Direction::ToClient).run();
            pair.finish(&shared);
        }
    });
    if let Err(e) = spawned {
        log::debug!("fault proxy: no thread for {peer}: {e}");
        pair.kill(Kill::Close);
        pair.finish(shared);
    }
    Pump::new(shared, &pair, Direction::ToServer).run();
    pair.finish(shared);
}

fn configure(socket: &TcpStream) -> io::Result<()> {
    socket.set_nodelay(true)?;
    socket.set_read_timeout(Some(TICK))?;
    socket.set_write_timeout(Some(TICK))
}

/// Makes the close of `socket`'s last handle send a RST instead of a FIN.
fn abort_on_close(socket: &TcpStream) {
    if let Err(e) = SockRef::from(socket).set_linger(Some(Duration::ZERO)) {
        log::debug!("fault proxy: SO_LINGER failed: {e}");
    }
}

/// How a connection pair is being ended; the first one chosen wins.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kill {
    Alive = 0,
    /// FIN to both sides.
    Close = 1,
    /// RST to both sides.
    Reset = 2,
    /// RST to the client, a normal close to the server.
    ResetClient = 3,
}

/// One client connection and its upstream connection.
///
/// The sockets close when the last `Arc` goes (a RST when `SO_LINGER` is 0): both pump threads
/// and the proxy's table hold one, and the table's is removed when the second pump ends.
struct Pair {
    id: u64,
    client: TcpStream,
    server: TcpStream,
    kill: AtomicU8,
    /// Nothing more goes to the client ([`Fault::HalfReply`] or [`Fault::ResetAfterRequest`]).
    cut_to_client: AtomicBool,
    budget: Mutex<Budget>,
    pumps_left: AtomicUsize,
    /// How many directions have seen end of stream.
    ended: AtomicUsize,
}

/// The bytes left before a [`Fault::CloseAfter`] closes this pair.
struct Budget {
    /// The fault generation the budget was filled for.
    generation: Option<u64>,
    remaining: u64,
}

impl Pair {
    fn is_killed(&self) -> bool {
        self.kill.load(Ordering::SeqCst) != Kill::Alive as u8
    }

    fn kill(&self, how: Kill) {
        if self
            .kill
            .compare_exchange(
                Kill::Alive as u8,
                how as u8,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_err()
        {
            return;
        }
        match how {
            Kill::Alive => {}
            Kill::Close => {
                // Errors here mean the socket is already gone, which is the goal.
                let _ = self.client.shutdown(Shutdown::Both);
                let _ = self.server.shutdown(Shutdown::Both);
            }
            Kill::Reset => {
                abort_on_close(&self.client);
                abort_on_close(&self.server);
            }
            Kill::ResetClient => abort_on_close(&self.client),
        }
    }

    /// Called by each pump as it ends; the second one removes the pair from the table.
    fn finish(&self, shared: &Shared) {
        if self.pumps_left.fetch_sub(1, Ordering::SeqCst) == 1 {
            shared.pairs.lock().remove(&self.id);
        }
    }

    /// Takes up to `want` bytes from the [`Fault::CloseAfter`] budget of this fault generation;
    /// returns how many were granted and how many are left.
    fn take_budget(&self, generation: u64, bytes: u64, want: usize) -> (usize, u64) {
        let mut budget = self.budget.lock();
        if budget.generation != Some(generation) {
            budget.generation = Some(generation);
            budget.remaining = bytes;
        }
        let granted = budget.remaining.min(want as u64);
        budget.remaining -= granted;
        // `granted <= want`, so it fits in a usize.
        (usize::try_from(granted).unwrap_or(want), budget.remaining)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Go,
    Stop,
}

struct Chunk {
    data: Vec<u8>,
    read_at: Instant,
}

/// One direction of a pair: reads `from`, forwards to `to`.
struct Pump<'a> {
    shared: &'a Shared,
    pair: &'a Pair,
    dir: Direction,
    from: &'a TcpStream,
    to: &'a TcpStream,
    counter: &'a AtomicU64,
    queue: VecDeque<Chunk>,
    queued: usize,
    read_timeout: Duration,
}

impl<'a> Pump<'a> {
    fn new(shared: &'a Shared, pair: &'a Pair, dir: Direction) -> Pump<'a> {
        let (from, to, counter) = match dir {
            Direction::ToServer => (&pair.client, &pair.server, &shared.to_server),
            _ => (&pair.server, &pair.client, &shared.to_client),
        };
        Pump {
            shared,
            pair,
            dir,
            from,
            to,
            counter,
            queue: VecDeque::new(),
            queued: 0,
            read_timeout: TICK,
        }
    }

    fn run(mut self) {
        let mut buf = vec![0; CHUNK];
        let mut ended = false;
        loop {
            if self.shared.stopping() {
                self.pair.kill(Kill::Close);
                return;
            }
            if self.pair.is_killed() {
                return;
            }
            let (fault, generation) = self.shared.current();
            match fault {
                Some(Fault::Reset) => {
                    self.pair.kill(Kill::Reset);
                    return;
                }
                // A budget used up (or zero from the start) closes the pair without waiting
                // for another chunk.
                Some(Fault::CloseAfter { bytes, direction })
                    if direction.includes(self.dir)
                        && self.pair.take_budget(generation, bytes, 0).1 == 0 =>
                {
                    self.pair.kill(Kill::Close);
                    return;
                }
                _ => {}
            }
            if self.flush(fault, generation) == Flow::Stop {
                return;
            }
            let wait = self.next_wait(fault);
            if ended {
                if !self.queue.is_empty() {
                    thread::sleep(wait);
                } else if self.pair.ended.load(Ordering::SeqCst) >= 2 {
                    // Neither side will send anything more.
                    self.pair.kill(Kill::Close);
                    return;
                } else if self.discards(fault) {
                    thread::sleep(TICK);
                } else {
                    if let Err(e) = self.to.shutdown(Shutdown::Write) {
                        log::debug!("fault proxy: passing on end of stream failed: {e}");
                    }
                    return;
                }
                continue;
            }
            if self.queued >= MAX_QUEUED {
                thread::sleep(wait);
                continue;
            }
            if wait != self.read_timeout {
                if let Err(e) = self.from.set_read_timeout(Some(wait)) {
                    log::debug!("fault proxy: setting a read timeout failed: {e}");
                    self.pair.kill(Kill::Close);
                    return;
                }
                self.read_timeout = wait;
            }
            match self.from.read(&mut buf) {
                Ok(0) => {
                    ended = true;
                    self.pair.ended.fetch_add(1, Ordering::SeqCst);
                }
                Ok(n) => {
                    self.queue.push_back(Chunk {
                        data: buf[..n].to_vec(),
                        read_at: Instant::now(),
                    });
                    self.queued += n;
                }
                Err(e) if is_transient(&e) => {}
                Err(e) => {
                    if !self.pair.is_killed() {
                        log::debug!("fault proxy: read {:?} failed: {e}", self.dir);
                    }
                    self.pair.kill(Kill::Close);
                    return;
                }
            }
        }
    }

    /// Forwards (or discards) every queued chunk whose delay is over.
    fn flush(&mut self, fault: Option<Fault>, generation: u64) -> Flow {
        let delay = Fault::delay_for(fault, self.dir);
        let now = Instant::now();
        while self.queue.front().is_some_and(|c| c.read_at + delay <= now) {
            let Some(chunk) = self.queue.pop_front() else {
                break;
            };
            self.queued -= chunk.data.len();
            if self.forward(fault, generation, &chunk.data) == Flow::Stop {
                return Flow::Stop;
            }
        }
        Flow::Go
    }

    /// How long to block in the next read: until the first held chunk is due, at most a tick.
    fn next_wait(&self, fault: Option<Fault>) -> Duration {
        match self.queue.front() {
            Some(chunk) => (chunk.read_at + Fault::delay_for(fault, self.dir))
                .saturating_duration_since(Instant::now())
                .clamp(MIN_WAIT, TICK),
            None => TICK,
        }
    }

    /// Whether this direction currently throws its bytes away.
    fn discards(&self, fault: Option<Fault>) -> bool {
        (self.dir == Direction::ToClient && self.pair.cut_to_client.load(Ordering::SeqCst))
            || match fault {
                Some(Fault::Blackhole) => true,
                Some(Fault::Drop(direction)) => direction.includes(self.dir),
                _ => false,
            }
    }

    /// Applies the fault in force to one chunk that is due.
    fn forward(&self, fault: Option<Fault>, generation: u64, data: &[u8]) -> Flow {
        if self.pair.is_killed() {
            return Flow::Stop;
        }
        if self.discards(fault) {
            return Flow::Go;
        }
        match fault {
            Some(Fault::Reset) => {
                self.pair.kill(Kill::Reset);
                Flow::Stop
            }
            Some(Fault::ResetAfterRequest) if self.dir == Direction::ToServer => {
                // Cut first: once the request is on its way, a reply may come back at any time.
                self.pair.cut_to_client.store(true, Ordering::SeqCst);
                self.write_all(data);
                self.pair.kill(Kill::ResetClient);
                Flow::Stop
            }
            Some(Fault::CloseAfter { bytes, direction }) if direction.includes(self.dir) => {
                let (granted, left) = self.pair.take_budget(generation, bytes, data.len());
                if self.write_all(&data[..granted]) == Flow::Stop {
                    return Flow::Stop;
                }
                if left == 0 {
                    self.pair.kill(Kill::Close);
                    return Flow::Stop;
                }
                Flow::Go
            }
            Some(Fault::HalfReply) if self.dir == Direction::ToClient => {
                self.pair.cut_to_client.store(true, Ordering::SeqCst);
                self.write_all(&data[..data.len() / 2])
            }
            Some(Fault::Trickle { every, direction }) if direction.includes(self.dir) => {
                for (i, byte) in data.iter().enumerate() {
                    if self.write_all(std::slice::from_ref(byte)) == Flow::Stop {
                        return Flow::Stop;
                    }
                    thread::sleep(every);
                    if self.shared.current().1 != generation {
                        return self.write_all(&data[i + 1..]);
                    }
                }
                Flow::Go
            }
            _ => self.write_all(data),
        }
    }

    /// Writes `data` to the other side. The counter is raised before the bytes go, so a test
    /// that has seen them can never find them uncounted; what cannot be written is taken back.
    fn write_all(&self, mut data: &[u8]) -> Flow {
        let mut to = self.to;
        self.counter.fetch_add(data.len() as u64, Ordering::SeqCst);
        while !data.is_empty() {
            let failure = if self.pair.is_killed() || self.shared.stopping() {
                None
            } else {
                match to.write(data) {
                    Ok(0) => Some(io::Error::from(io::ErrorKind::WriteZero)),
                    Ok(n) => {
                        data = &data[n..];
                        continue;
                    }
                    Err(e) if is_transient(&e) => continue,
                    Err(e) => Some(e),
                }
            };
            self.counter.fetch_sub(data.len() as u64, Ordering::SeqCst);
            if let Some(e) = failure {
                if !self.pair.is_killed() {
                    log::debug!("fault proxy: write {:?} failed: {e}", self.dir);
                }
                self.pair.kill(Kill::Close);
            }
            return Flow::Stop;
        }
        Flow::Go
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
