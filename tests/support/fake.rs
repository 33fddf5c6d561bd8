//! A scripted fake Redis server, for what a real server will not do on cue:
//! malformed or oddly split replies, stalls, early closes, silence.
//!
//! Each accepted connection runs its own script of [`Step`]s on its own
//! thread, so a silent first connection does not hold up a second one. The
//! commands read by [`Step::Expect`] steps are recorded for the test to
//! inspect. A failed expectation is recorded too and makes the
//! [`FakeServer`] panic when dropped (or at [`FakeServer::check`]), so a test
//! cannot pass on a client that sent the wrong thing.
//!
//! ```ignore
//! let fake = FakeServer::start(vec![
//!     // first connection
//!     vec![Step::expect("PING"), Step::reply_chunked("+PONG\r\n", 1, Duration::from_millis(5))],
//!     // second connection
//!     vec![Step::expect_args(&["GET", "k"]), Step::Sleep(Duration::from_secs(2))],
//! ]);
//! // ... point the client at fake.url() ...
//! assert_eq!(fake.command_names(), ["PING", "GET"]);
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::resp::{self, Parse};
use super::wait::wait_until;

/// How often blocked loops look at the stop flag.
const POLL: Duration = Duration::from_millis(10);
/// How long an [`Step::Expect`] waits for the client before recording a failure.
const EXPECT_DEADLINE: Duration = Duration::from_secs(30);
/// Bounds a write to a client that does not read, so drop never hangs.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// After closing its side, how long a connection waits for the client's EOF
/// (so the client sees a clean FIN, not a reset caused by unread bytes).
const LINGER: Duration = Duration::from_secs(1);

/// What a client's command must look like for an [`Step::Expect`] to pass.
#[derive(Clone, PartialEq, Eq)]
pub enum Expect {
    /// Any command.
    Any,
    /// A command with this name (compared case-insensitively).
    Command(String),
    /// Exactly these arguments (the name case-insensitively).
    Args(Vec<Vec<u8>>),
    /// At least these leading arguments (the name case-insensitively).
    ArgsPrefix(Vec<Vec<u8>>),
}

impl Expect {
    fn matches(&self, command: &[Vec<u8>]) -> bool {
        let leading = |want: &[Vec<u8>]| {
            command.len() >= want.len()
                && command
                    .iter()
                    .zip(want)
                    .enumerate()
                    .all(|(i, (got, want))| {
                        if i == 0 {
                            got.eq_ignore_ascii_case(want)
                        } else {
                            got == want
                        }
                    })
        };
        match self {
            Expect::Any => true,
            Expect::Command(name) => command
                .first()
                .is_some_and(|got| got.eq_ignore_ascii_case(name.as_bytes())),
            Expect::Args(want) => command.len() == want.len() && leading(want),
            Expect::ArgsPrefix(want) => leading(want),
        }
    }
}

impl fmt::Debug for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Any => write!(f, "any command"),
            Expect::Command(name) => write!(f, "command {name}"),
            Expect::Args(args) => write!(f, "exactly {:?}", printable(args)),
            Expect::ArgsPrefix(args) => write!(f, "a command starting {:?}", printable(args)),
        }
    }
}

/// One step of a connection's script, run in order. When the script ends,
/// the server closes the connection.
#[derive(Debug, Clone)]
pub enum Step {
    /// Read one complete command (RESP array of bulk strings), record it,
    /// and check it. A mismatch, a protocol error, EOF or 30 s of nothing is
    /// recorded as a failure and ends the connection.
    Expect(Expect),
    /// Send these bytes as they are.
    Reply(Vec<u8>),
    /// Send `bytes` in pieces of `chunk` bytes, pausing `delay` after each
    /// piece but the last (TCP_NODELAY is on, so pieces leave separately).
    ReplyChunked {
        /// What to send.
        bytes: Vec<u8>,
        /// Piece size, at least 1.
        chunk: usize,
        /// Pause between pieces.
        delay: Duration,
    },
    /// Do nothing for this long (the client's bytes wait unread).
    Sleep(Duration),
    /// Close the connection now: FIN first, then a short wait for the
    /// client's own close. Later steps are not run.
    Close,
    /// Keep the connection open, never reading or writing, until the server
    /// is dropped.
    AcceptThenSilent,
}

impl Step {
    /// Expect any one command.
    pub fn expect_any() -> Step {
        Step::Expect(Expect::Any)
    }

    /// Expect a command named `name` (case-insensitive), any arguments.
    pub fn expect(name: &str) -> Step {
        Step::Expect(Expect::Command(name.to_owned()))
    }

    /// Expect exactly `args`, e.g. `&["SET", "k", "v"]`.
    pub fn expect_args(args: &[&str]) -> Step {
        Step::Expect(Expect::Args(to_bytes(args)))
    }

    /// Expect a command starting with `args`, e.g. `&["HELLO", "3"]`.
    pub fn expect_prefix(args: &[&str]) -> Step {
        Step::Expect(Expect::ArgsPrefix(to_bytes(args)))
    }

    /// Send raw bytes, e.g. `Step::reply("+OK\r\n")`.
    pub fn reply(bytes: impl AsRef<[u8]>) -> Step {
        Step::Reply(bytes.as_ref().to_vec())
    }

    /// Send raw bytes `chunk` at a time with `delay` between pieces.
    pub fn reply_chunked(bytes: impl AsRef<[u8]>, chunk: usize, delay: Duration) -> Step {
        Step::ReplyChunked {
            bytes: bytes.as_ref().to_vec(),
            chunk,
            delay,
        }
    }
}

/// Which script each accepted connection gets.
enum Scripts {
    /// The n-th connection runs the n-th script; later ones are closed at once.
    InOrder(VecDeque<Vec<Step>>),
    /// Every connection runs the same script.
    Repeat(Vec<Step>),
}

impl Scripts {
    fn next(&mut self) -> Option<Vec<Step>> {
        match self {
            Scripts::InOrder(scripts) => scripts.pop_front(),
            Scripts::Repeat(script) => Some(script.clone()),
        }
    }
}

/// State shared by the test and the server threads.
#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    record: Mutex<Record>,
}

#[derive(Default)]
struct Record {
    /// Every command read by an `Expect`, in arrival order.
    commands: Vec<Vec<Vec<u8>>>,
    /// The same, per connection (index = accept order).
    by_connection: Vec<Vec<Vec<Vec<u8>>>>,
    /// Failed expectations and internal errors.
    errors: Vec<String>,
    /// Clones of accepted streams, shut down on drop to unblock their threads.
    streams: Vec<TcpStream>,
    /// Connection threads, joined on drop.
    handlers: Vec<JoinHandle<()>>,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn record(&self) -> MutexGuard<'_, Record> {
        // A panicking connection thread must not hide the record from the test.
        self.record.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fail(&self, message: String) {
        self.record().errors.push(message);
    }

    /// Sleeps `duration`, waking early when the server stops.
    fn sleep(&self, duration: Duration) {
        let end = Instant::now() + duration;
        while !self.stopped() {
            let now = Instant::now();
            if now >= end {
                return;
            }
            thread::sleep(POLL.min(end - now));
        }
    }
}

/// A scripted server on `127.0.0.1:<free port>`; stops on drop.
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeServer {
    /// The n-th accepted connection runs `scripts[n]`; connections beyond
    /// the scripts are closed at once (and still counted).
    pub fn start(scripts: Vec<Vec<Step>>) -> FakeServer {
        Self::spawn(Scripts::InOrder(scripts.into()))
    }

    /// One connection, running `script`.
    pub fn with_script(script: Vec<Step>) -> FakeServer {
        Self::start(vec![script])
    }

    /// Every connection runs `script` (e.g. for clients that reconnect).
    pub fn repeating(script: Vec<Step>) -> FakeServer {
        Self::spawn(Scripts::Repeat(script))
    }

    /// Accepts every connection and never reads or writes on it: for read
    /// timeout tests (the TCP connect itself succeeds).
    pub fn silent() -> FakeServer {
        Self::repeating(vec![Step::AcceptThenSilent])
    }

    fn spawn(mut scripts: Scripts) -> FakeServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap_or_else(|e| panic!("FakeServer cannot bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("FakeServer cannot read its address: {e}"));
        // Non-blocking accept polled with the stop flag: drop never hangs.
        listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("FakeServer cannot make its listener non-blocking: {e}"));
        let shared = Arc::new(Shared::default());
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("fake-redis-{}", addr.port()))
                .spawn(move || accept_loop(&listener, &mut scripts, &shared))
                .unwrap_or_else(|e| panic!("FakeServer cannot start its thread: {e}"))
        };
        FakeServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `"127.0.0.1"`.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    /// Every command read by an `Expect` step so far, in arrival order;
    /// each command is its list of arguments.
    pub fn commands(&self) -> Vec<Vec<Vec<u8>>> {
        self.shared.record().commands.clone()
    }

    /// The same, per connection in accept order.
    pub fn commands_by_connection(&self) -> Vec<Vec<Vec<Vec<u8>>>> {
        self.shared.record().by_connection.clone()
    }

    /// The recorded commands' names, upper-cased: handy in `assert_eq!`.
    pub fn command_names(&self) -> Vec<String> {
        self.shared
            .record()
            .commands
            .iter()
            .map(|c| {
                c.first()
                    .map(|n| String::from_utf8_lossy(n).to_uppercase())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.record().by_connection.len()
    }

    /// Waits until at least `n` connections were accepted.
    pub fn wait_for_connections(&self, n: usize, deadline: Duration) {
        wait_until(
            deadline,
            &format!("{n} connection(s) to {}", self.addr),
            || self.connections() >= n,
        );
    }

    /// Waits until at least `n` commands were recorded (all connections).
    /// The server does not wait for scripts to finish when dropped, so a
    /// test that checks a command the client sends late (say, on drop)
    /// waits for it with this first.
    pub fn wait_for_commands(&self, n: usize, deadline: Duration) {
        wait_until(
            deadline,
            &format!("{n} command(s) on {}", self.addr),
            || self.shared.record().commands.len() >= n,
        );
    }

    /// Failed expectations so far.
    pub fn errors(&self) -> Vec<String> {
        self.shared.record().errors.clone()
    }

    /// Panics if any expectation failed so far.
    pub fn check(&self) {
        let errors = self.errors();
        assert!(
            errors.is_empty(),
            "FakeServer on {}: {}",
            self.addr,
            errors.join("; ")
        );
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            if acceptor.join().is_err() {
                self.shared.fail("the accept thread panicked".to_owned());
            }
        }
        let handlers = {
            let mut record = self.shared.record();
            for stream in record.streams.drain(..) {
                // Unblocks a thread stuck in read or write; may already be closed.
                let _ = stream.shutdown(Shutdown::Both);
            }
            std::mem::take(&mut record.handlers)
        };
        for handler in handlers {
            if handler.join().is_err() {
                self.shared.fail("a connection thread panicked".to_owned());
            }
        }
        if !thread::panicking() {
            self.check();
        }
    }
}

fn accept_loop(listener: &TcpListener, scripts: &mut Scripts, shared: &Arc<Shared>) {
    while !shared.stopped() {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                thread::sleep(POLL);
                continue;
            }
            Err(e) => {
                shared.fail(format!("accept failed: {e}"));
                return;
            }
        };
        let index = {
            let mut record = shared.record();
            record.by_connection.push(Vec::new());
            record.by_connection.len() - 1
        };
        let Some(script) = scripts.next() else {
            // Unscripted connection: dropping it closes it.
            continue;
        };
        let setup = stream
            .set_nonblocking(false)
            .and_then(|()| stream.set_nodelay(true))
            .and_then(|()| stream.set_read_timeout(Some(POLL)))
            .and_then(|()| stream.set_write_timeout(Some(WRITE_TIMEOUT)))
            .and_then(|()| stream.try_clone());
        let clone = match setup {
            Ok(clone) => clone,
            Err(e) => {
                shared.fail(format!("connection {index}: socket setup failed: {e}"));
                continue;
            }
        };
        let connection_shared = Arc::clone(shared);
        let handler = thread::Builder::new()
            .name(format!("fake-redis-conn-{index}"))
            .spawn(move || {
                Connection {
                    stream,
                    index,
                    buf: Vec::new(),
                    shared: connection_shared,
                }
                .run(script)
            });
        let mut record = shared.record();
        record.streams.push(clone);
        match handler {
            Ok(handler) => record.handlers.push(handler),
            Err(e) => record
                .errors
                .push(format!("connection {index}: cannot start thread: {e}")),
        }
    }
}

/// One accepted connection and its unread bytes.
struct Connection {
    stream: TcpStream,
    index: usize,
    buf: Vec<u8>,
    shared: Arc<Shared>,
}

impl Connection {
    fn run(mut self, script: Vec<Step>) {
        for (n, step) in script.into_iter().enumerate() {
            if self.shared.stopped() {
                return;
            }
            let go_on = match step {
                Step::Expect(expect) => self.expect(n, &expect),
                // A write error means the client left (e.g. it timed out);
                // that is the client's business, not a script failure.
                Step::Reply(bytes) => self.stream.write_all(&bytes).is_ok(),
                Step::ReplyChunked {
                    bytes,
                    chunk,
                    delay,
                } => self.reply_chunked(&bytes, chunk, delay),
                Step::Sleep(duration) => {
                    self.shared.sleep(duration);
                    true
                }
                Step::Close => false,
                Step::AcceptThenSilent => {
                    while !self.shared.stopped() {
                        thread::sleep(POLL);
                    }
                    return;
                }
            };
            if !go_on {
                break;
            }
        }
        self.close();
    }

    fn expect(&mut self, step: usize, expect: &Expect) -> bool {
        let what = format!(
            "connection {}, step {step}: expected {expect:?}",
            self.index
        );
        match self.read_command() {
            Ok(command) => {
                let matched = expect.matches(&command);
                let mut record = self.shared.record();
                if !matched {
                    record
                        .errors
                        .push(format!("{what}, got {:?}", printable(&command)));
                }
                record.by_connection[self.index].push(command.clone());
                record.commands.push(command);
                matched
            }
            Err(None) => false, // stopping
            Err(Some(problem)) => {
                self.shared.fail(format!("{what}, but {problem}"));
                false
            }
        }
    }

    /// Reads until `buf` starts with a complete command and splits it off.
    /// `Err(None)`: the server is stopping; `Err(Some(..))`: what went wrong.
    fn read_command(&mut self) -> Result<Vec<Vec<u8>>, Option<String>> {
        let deadline = Instant::now() + EXPECT_DEADLINE;
        let mut chunk = [0u8; 4096];
        loop {
            match resp::parse_command(&self.buf) {
                Parse::Done(command, len) => {
                    self.buf.drain(..len);
                    return Ok(command);
                }
                Parse::Invalid(e) => {
                    return Err(Some(format!(
                        "the client sent invalid RESP ({e}): {:?}",
                        String::from_utf8_lossy(&self.buf)
                    )));
                }
                Parse::Incomplete => {}
            }
            if self.shared.stopped() {
                return Err(None);
            }
            if Instant::now() > deadline {
                return Err(Some(format!(
                    "nothing complete arrived in {EXPECT_DEADLINE:?} (have {:?})",
                    String::from_utf8_lossy(&self.buf)
                )));
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(Some(format!(
                        "the client closed the connection (unparsed bytes: {:?})",
                        String::from_utf8_lossy(&self.buf)
                    )));
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(Some(format!("reading failed: {e}"))),
            }
        }
    }

    fn reply_chunked(&mut self, bytes: &[u8], chunk: usize, delay: Duration) -> bool {
        let mut pieces = bytes.chunks(chunk.max(1)).peekable();
        while let Some(piece) = pieces.next() {
            if self.stream.write_all(piece).is_err() {
                return false;
            }
            if pieces.peek().is_some() {
                self.shared.sleep(delay);
                if self.shared.stopped() {
                    return false;
                }
            }
        }
        true
    }

    /// Sends FIN, then drains until the client closes too (bounded), so the
    /// client sees a clean EOF rather than a reset.
    fn close(mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let end = Instant::now() + LINGER;
        let mut sink = [0u8; 4096];
        while Instant::now() < end && !self.shared.stopped() {
            match self.stream.read(&mut sink) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                    ) => {}
                Err(_) => return,
            }
        }
    }
}

fn to_bytes(args: &[&str]) -> Vec<Vec<u8>> {
    args.iter().map(|a| a.as_bytes().to_vec()).collect()
}

fn printable(args: &[Vec<u8>]) -> Vec<String> {
    args.iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}
