//! The fault matrix: each fault the proxy can inject, against each way of using the client
//! (single command, pipeline, transaction, pub/sub, checkout).
//!
//! Three parts:
//!
//! - **Cells**: one operation under one fault, single-threaded, on a fresh server. The
//!   outcome is success with the right value, or an error of the kinds that fault allows,
//!   within the computed bound; a non-idempotent command runs at most once.
//! - **Threaded rows** (RESP2, RESP3, TLS): eight threads share one client (a pool of four)
//!   while a controller cycles the proxy through every fault, with clear periods between.
//!   Every call uses its own keys, values and `ECHO` tokens (row, thread and sequence number in
//!   each), so a reply handed to the wrong caller cannot pass for the right one; every call runs
//!   under a deadline and is measured against it; every `INCR` has a key of its own, and the
//!   server (not the replies) says how often each ran.
//! - **Focused cases**: a pipeline larger than every buffer on the way against a stalled
//!   server, trickling servers against pipelines and handshakes, `LOADING`, pub/sub, and a
//!   server killed and restarted under load.
//!
//! The tests that measure calls against tight deadlines run one at a time (see [`LOCK`]).

#![cfg(feature = "testing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::testing::{Direction, Fault, FaultProxy};
use redisync::{
    Client, Connection, ConnectionConfig, ConstantBackoff, Error, ErrorKind, Pipeline, Protocol,
    Retry, TlsConfig, Value, pipe,
};
use support::{FakeServer, RedisServer, Step, tls_certs, wait_until};

const MS: fn(u64) -> Duration = Duration::from_millis;

/// The tests that measure calls against tight deadlines (the threaded rows, the trickles, the
/// big pipeline, the restart) run alone: one test's threads must not be another's scheduling
/// delay. The single-threaded cells, whose bounds are loose, share the machine with each
/// other. A test that panicked while holding the lock has already failed; the next goes on.
static LOCK: RwLock<()> = RwLock::new(());

fn serial() -> RwLockWriteGuard<'static, ()> {
    LOCK.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn shared() -> RwLockReadGuard<'static, ()> {
    LOCK.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a call may take beyond its computed bound: the thread that returns must be scheduled
/// again after its deadline fired, on a 2-core machine shared with the proxy's threads (two
/// per connection), the server, eight client threads and other people's tests. Observed on
/// this machine: a call under a deadline returns at most about 40 ms after it; 150 ms leaves
/// room for a more loaded machine while still catching a wait that escaped the deadline (a
/// connect or read timeout of its own is 150 ms or more in this file).
const SLACK: Duration = Duration::from_millis(150);

// ------------------------------------------------------------------------------------------
// Cells: one operation under one fault.
// ------------------------------------------------------------------------------------------

const READ: Duration = Duration::from_millis(150);
const CONNECT: Duration = Duration::from_millis(300);
const BACKOFF: Duration = Duration::from_millis(10);
const RETRIES: u32 = 2;

/// The longest a cell's call may take under these settings: every attempt may spend a connect
/// and a read (or write) timeout, plus the pauses between attempts, plus scheduling slack.
fn bound() -> Duration {
    (CONNECT + READ) * (RETRIES + 1) + BACKOFF * RETRIES + Duration::from_millis(700)
}

struct Rig {
    /// Kept alive for the test's length.
    _server: RedisServer,
    proxy: FaultProxy,
    client: Client,
    direct: Client,
}

fn rig() -> Rig {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let client = Client::builder()
        .url(&proxy.url())
        .connect_timeout(CONNECT)
        .socket_timeout(READ)
        .retry(Retry::new(ConstantBackoff::new(BACKOFF), RETRIES))
        .max_connections(4)
        .build()
        .unwrap();
    let direct = Client::open(&server.url()).unwrap();
    direct.set("k", "v").unwrap();
    direct.set("big", vec![b'b'; 100_000]).unwrap();
    // Warm one pooled connection so faults meet an existing connection too.
    assert_eq!(client.get::<String>("k").unwrap().as_deref(), Some("v"));
    Rig {
        _server: server,
        proxy,
        client,
        direct,
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Read,
    Incr,
    Pipeline,
    Transaction,
    Checkout,
}

const OPS: [Op; 5] = [
    Op::Read,
    Op::Incr,
    Op::Pipeline,
    Op::Transaction,
    Op::Checkout,
];

/// Runs one operation; on success checks the values are the right ones. Returns the error
/// kind on failure.
fn run(op: Op, client: &Client) -> Result<(), ErrorKind> {
    let r = match op {
        Op::Read => client.get::<Vec<u8>>("big").map(|v| {
            assert_eq!(v.map(|v| v.len()), Some(100_000), "wrong reply for GET big");
        }),
        Op::Incr => client.incr("counter:incr").map(|n| {
            assert_eq!(n, 1, "INCR ran more than once");
        }),
        Op::Pipeline => pipe()
            .get::<String>("k")
            .incr("counter:pipe")
            .query(client)
            .map(|(v, n)| {
                assert_eq!(v.as_deref(), Some("v"), "wrong reply in pipeline");
                assert_eq!(n, 1, "pipeline INCR ran more than once");
            }),
        Op::Transaction => client.transaction("counter:tx", |conn, p| {
            let now: i64 = conn.get("counter:tx")?.unwrap_or(0);
            p.set("counter:tx", now + 1);
            Ok(())
        }),
        Op::Checkout => client
            .get_connection()
            .and_then(|mut c| (&mut *c).echo::<String>("probe"))
            .map(|s| assert_eq!(s, "probe", "wrong reply on a checked-out connection")),
    };
    r.map_err(|e| e.kind())
}

/// After the fault: the non-idempotent counters moved at most once, and the client is sane.
fn check_after(rig: &Rig, label: &str) {
    for key in ["counter:incr", "counter:pipe", "counter:tx"] {
        let n = rig.direct.get::<i64>(key).unwrap().unwrap_or(0);
        assert!(n <= 1, "{label}: {key} = {n}, a write ran twice");
    }
    rig.proxy.clear();
    // No stale reply: the next answers are the right ones.
    wait_until(Duration::from_secs(5), "the client to recover", || {
        rig.client
            .get::<String>("k")
            .is_ok_and(|v| v.as_deref() == Some("v"))
    });
    assert_eq!(
        rig.client.echo::<String>("after").unwrap(),
        "after",
        "{label}: a stale reply"
    );
}

/// Runs every operation under `fault`, each on a fresh rig, and checks the outcome.
fn matrix(label: &str, fault: Fault, allowed: &[ErrorKind], may_succeed: bool) {
    let _shared = shared();
    for op in OPS {
        let rig = rig();
        rig.proxy.set_fault(fault);
        let started = Instant::now();
        let outcome = run(op, &rig.client);
        let took = started.elapsed();
        let cell = format!("{label} x {op:?}");
        assert!(took < bound(), "{cell}: took {took:?}, bound {:?}", bound());
        match outcome {
            Ok(()) => assert!(
                may_succeed,
                "{cell}: succeeded under a fault that forbids it"
            ),
            Err(kind) => assert!(allowed.contains(&kind), "{cell}: unexpected {kind:?}"),
        }
        check_after(&rig, &cell);
    }
}

#[test]
fn delay_beyond_the_read_timeout() {
    let fault = Fault::Delay {
        delay: Duration::from_millis(400),
        direction: Direction::ToClient,
    };
    matrix("delay", fault, &[ErrorKind::Timeout], false);
}

#[test]
fn reset_before_the_write() {
    let _shared = shared();
    // Existing connections are reset while idle; new ones work. The probe (or a failed write,
    // which is always safe to retry) sends the command over a new connection: success.
    for op in OPS {
        let rig = rig();
        rig.proxy.reset_all();
        let started = Instant::now();
        // reset_all returns once the client's sockets have taken the reset, so the checkout
        // probe finds it before anything is written.
        let outcome = run(op, &rig.client);
        assert!(started.elapsed() < bound());
        assert_eq!(outcome, Ok(()), "reset before write x {op:?}");
        check_after(&rig, &format!("reset before write x {op:?}"));
    }
}

#[test]
fn reset_after_the_write() {
    // The command reaches the server, the reply never comes back. Reads are retried (and
    // keep meeting the fault), writes are not re-sent: at most once, checked in check_after.
    matrix(
        "reset after write",
        Fault::ResetAfterRequest,
        &[ErrorKind::Connection, ErrorKind::Timeout],
        false,
    );
}

#[test]
fn blackholed_server() {
    matrix("blackhole", Fault::Blackhole, &[ErrorKind::Timeout], false);
}

#[test]
fn reply_cut_in_half() {
    matrix(
        "half reply",
        Fault::HalfReply,
        &[ErrorKind::Timeout, ErrorKind::Connection],
        false,
    );
}

#[test]
fn new_connections_refused() {
    // The warm pooled connection still works; anything needing a new one fails fast.
    matrix(
        "refuse new",
        Fault::RefuseNew,
        &[ErrorKind::Connection, ErrorKind::Timeout],
        true,
    );
}

#[test]
fn replies_dropped_on_the_way_back() {
    matrix(
        "drop to client",
        Fault::Drop(Direction::ToClient),
        &[ErrorKind::Timeout],
        false,
    );
}

#[test]
fn connection_closed_a_few_bytes_into_the_reply() {
    // Ten bytes: an `INCR` reply (4 bytes) fits, so that cell may succeed; every other reply,
    // and every new connection's handshake, is cut part-way.
    matrix(
        "close after 10 bytes",
        Fault::CloseAfter {
            bytes: 10,
            direction: Direction::ToClient,
        },
        // A transaction whose connection closes while its key is watched is a lost watch.
        &[ErrorKind::Connection, ErrorKind::Timeout, ErrorKind::Watch],
        true,
    );
}

// ------------------------------------------------------------------------------------------
// Threaded rows: eight threads, one client, every fault in turn.
// ------------------------------------------------------------------------------------------

/// Client threads per row, and the pool they share.
const THREADS: usize = 8;
const POOL: usize = 4;
/// Round trips of the checked-out-connection operation, the pool's reset on return included.
const CHECKOUT_EXCHANGES: u32 = 9;
/// The clear period after each fault (and before the first).
const GAP: Duration = Duration::from_millis(250);

/// The timeouts of a row's client and calls.
#[derive(Debug, Clone, Copy)]
struct Timeouts {
    /// The connect timeout, and the read and write timeouts.
    connect: Duration,
    socket: Duration,
    /// The client's `Retry::deadline`: calls whose own timeout is longer end here.
    deadline: Duration,
    /// The `with_timeout` of each call, in turn (the last is longer than the deadline).
    calls: [Duration; 4],
    /// A checked-out connection's wait for the pool.
    pool_wait: Duration,
}

const PLAIN: Timeouts = Timeouts {
    connect: Duration::from_millis(300),
    socket: Duration::from_millis(150),
    deadline: Duration::from_millis(600),
    calls: [
        Duration::from_millis(150),
        Duration::from_millis(300),
        Duration::from_millis(450),
        Duration::from_millis(900),
    ],
    pool_wait: Duration::from_millis(300),
};

/// A TLS handshake costs several times a plain connect on two shared cores: longer timeouts, so
/// that a new connection can be made at all while eight threads and the proxy run.
const TLS: Timeouts = Timeouts {
    connect: Duration::from_millis(1500),
    socket: Duration::from_millis(300),
    deadline: Duration::from_millis(1200),
    calls: [
        Duration::from_millis(300),
        Duration::from_millis(600),
        Duration::from_millis(900),
        Duration::from_millis(1800),
    ],
    pool_wait: Duration::from_millis(600),
};

/// The faults a row cycles through, in order.
fn schedule() -> Vec<Fault> {
    let close = |bytes, direction| Fault::CloseAfter { bytes, direction };
    vec![
        Fault::Delay {
            delay: MS(1000),
            direction: Direction::ToClient,
        },
        close(5, Direction::ToClient),
        Fault::Blackhole,
        close(700, Direction::ToClient),
        Fault::Reset,
        close(60, Direction::Both),
        Fault::ResetAfterRequest,
        close(23, Direction::ToServer),
        Fault::HalfReply,
        Fault::Drop(Direction::ToClient),
        Fault::Trickle {
            every: MS(1),
            direction: Direction::ToClient,
        },
        Fault::Drop(Direction::ToServer),
        Fault::RefuseNew,
        close(2000, Direction::ToClient),
        Fault::Trickle {
            every: MS(2),
            direction: Direction::ToServer,
        },
        Fault::Delay {
            delay: MS(1000),
            direction: Direction::ToServer,
        },
    ]
}

/// What the threads of a row saw.
#[derive(Default)]
struct Tally {
    /// Calls made (each measured against its own bound).
    calls: u64,
    /// Commands those calls carried.
    commands: u64,
    /// Calls that succeeded with exactly their own replies.
    ok: u64,
    /// Failed calls, by error.
    errors: BTreeMap<String, u64>,
    /// Calls that got a reply that is not theirs (or one that does not convert).
    wrong: u64,
    /// Calls that failed with an error no fault here explains.
    unexpected: u64,
    /// Calls past their bound.
    over: u64,
    /// The longest call, the largest excess of a call over its bound (negative: under), and
    /// the call with the largest duration / bound.
    max_took: Duration,
    max_excess_ms: Option<i64>,
    worst: (Duration, Duration),
    /// Calls and successes per operation.
    per_op: BTreeMap<&'static str, (u64, u64)>,
    /// Calls and successes per phase a call started in: 0 for clear, i + 1 while fault i of
    /// the schedule is on.
    per_phase: BTreeMap<usize, (u64, u64)>,
    /// The phases some call was in flight during (started, ran or ended in).
    in_flight: BTreeSet<usize>,
    /// The first problems, word for word.
    samples: Vec<String>,
}

impl Tally {
    fn sample(&mut self, s: String) {
        if self.samples.len() < 20 {
            self.samples.push(s);
        }
    }

    fn merge(&mut self, o: Tally) {
        self.calls += o.calls;
        self.commands += o.commands;
        self.ok += o.ok;
        for (k, n) in o.errors {
            *self.errors.entry(k).or_default() += n;
        }
        self.wrong += o.wrong;
        self.unexpected += o.unexpected;
        self.over += o.over;
        self.max_took = self.max_took.max(o.max_took);
        self.max_excess_ms = self.max_excess_ms.max(o.max_excess_ms);
        if ratio(o.worst) > ratio(self.worst) {
            self.worst = o.worst;
        }
        for (k, (c, s)) in o.per_op {
            let e = self.per_op.entry(k).or_default();
            e.0 += c;
            e.1 += s;
        }
        for (k, (c, s)) in o.per_phase {
            let e = self.per_phase.entry(k).or_default();
            e.0 += c;
            e.1 += s;
        }
        self.in_flight.extend(o.in_flight);
        for s in o.samples {
            self.sample(s);
        }
    }

    fn failed(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// `took - bound` in milliseconds, negative when under.
fn excess_ms(took: Duration, bound: Duration) -> i64 {
    let (t, b) = (took.as_millis() as i64, bound.as_millis() as i64);
    t - b
}

fn ratio((took, bound): (Duration, Duration)) -> f64 {
    if bound.is_zero() {
        0.0
    } else {
        took.as_secs_f64() / bound.as_secs_f64()
    }
}

/// The name under which a failure is counted, or `Err` for one that no fault explains. A
/// conversion error is a reply of the wrong shape, which is a wrong reply; it is counted as
/// such by the caller.
fn error_label(e: &Error, tls: bool) -> Result<String, String> {
    match e {
        Error::Timeout { phase, .. } => Ok(format!("timeout ({phase})")),
        Error::PoolTimeout(_) => Ok("pool timeout".into()),
        Error::Closed => Ok("closed".into()),
        Error::Io(io) => Ok(format!("io ({:?})", io.kind())),
        Error::Broken { cause } => Ok(format!("broken ({cause})")),
        Error::Connect { .. } => Ok("connect".into()),
        Error::Tls(_) if tls => Ok("tls".into()),
        Error::WatchLost(cause) => error_label(cause, tls).map(|l| format!("watch lost: {l}")),
        other => Err(format!("{:?}: {other}", other.kind())),
    }
}

/// A short, printable form of a reply.
fn show(bytes: Option<&[u8]>) -> String {
    match bytes {
        None => "nil".into(),
        Some(b) => {
            let head = String::from_utf8_lossy(&b[..b.len().min(48)]).into_owned();
            format!("{head:?} ({} bytes)", b.len())
        }
    }
}

/// One client thread of a row.
struct Worker<'a> {
    client: &'a Client,
    row: &'a str,
    tid: usize,
    seq: u64,
    /// The controller's step: an index into `steps`, which says what each step is.
    step: &'a AtomicUsize,
    steps: &'a [usize],
    /// The phase the last call started in.
    last_phase: usize,
    tls: bool,
    timeouts: Timeouts,
    tally: Tally,
    /// Every key an `INCR` was sent for; each must end at most 1 on the server.
    incr_keys: Vec<String>,
}

impl Worker<'_> {
    /// A name no other call uses: row, operation, thread, sequence number and index.
    fn name(&self, what: &str, j: usize) -> String {
        format!("{}:{what}:{}:{}:{j}", self.row, self.tid, self.seq)
    }

    /// The value stored under `name`: the name itself, then filler of a length that varies
    /// from call to call (mostly small, now and then 1.5 kB or 16 kB, so that replies span
    /// chunks and cuts land inside them).
    fn value(&self, name: &str) -> Vec<u8> {
        let mut v = format!("value of {name}|").into_bytes();
        let filler = match self.seq % 16 {
            0 => 16_000,
            1..=3 => 1_500,
            n => (n * 37 % 200) as usize,
        };
        v.resize(v.len() + filler, b'a' + (self.tid % 26) as u8);
        v
    }

    /// This call's timeout, and its bound.
    fn timeout(&self) -> (Duration, Duration) {
        let t = self.timeouts;
        let d = t.calls[(self.seq as usize / 7 + self.tid) % t.calls.len()];
        (d, d.min(t.deadline) + SLACK)
    }

    /// Runs and measures one call; records its error, if any. The caller checks the value.
    fn call<T>(
        &mut self,
        op: &'static str,
        commands: u64,
        bound: Duration,
        f: impl FnOnce() -> Result<T, Error>,
    ) -> Option<T> {
        let first = self.step.load(Ordering::SeqCst);
        let started = Instant::now();
        let r = f();
        let took = started.elapsed();
        let last = self.step.load(Ordering::SeqCst);
        let phase = self.steps[first];
        self.last_phase = phase;
        let t = &mut self.tally;
        t.in_flight.extend(&self.steps[first..=last]);
        t.calls += 1;
        t.commands += commands;
        t.per_op.entry(op).or_default().0 += 1;
        t.per_phase.entry(phase).or_default().0 += 1;
        t.max_took = t.max_took.max(took);
        t.max_excess_ms = t.max_excess_ms.max(Some(excess_ms(took, bound)));
        if ratio((took, bound)) > ratio(t.worst) {
            t.worst = (took, bound);
        }
        if took > bound {
            t.over += 1;
            let what = match &r {
                Ok(_) => "ok".to_string(),
                Err(e) => e.to_string(),
            };
            t.sample(format!(
                "{op} (thread {}, call {}, phase {phase}) took {took:?}, bound {bound:?}: {what}",
                self.tid, self.seq
            ));
        }
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                if e.kind() == ErrorKind::Conversion {
                    t.wrong += 1;
                    t.sample(format!("{op}: a reply of the wrong shape: {e}"));
                } else {
                    match error_label(&e, self.tls) {
                        Ok(label) => *t.errors.entry(label).or_default() += 1,
                        Err(label) => {
                            t.unexpected += 1;
                            t.sample(format!("{op}: unexpected error {label}"));
                        }
                    }
                }
                None
            }
        }
    }

    /// Counts a call whose value was checked: a success, or a wrong reply.
    fn check(&mut self, op: &'static str, fine: bool, what: impl FnOnce() -> String) {
        if fine {
            let phase = self.last_phase;
            self.tally.ok += 1;
            self.tally.per_op.entry(op).or_default().1 += 1;
            self.tally.per_phase.entry(phase).or_default().1 += 1;
        } else {
            self.tally.wrong += 1;
            let s = format!(
                "wrong reply (thread {}, call {}): {}",
                self.tid,
                self.seq,
                what()
            );
            self.tally.sample(s);
        }
    }

    fn step(&mut self) {
        self.seq += 1;
        match self.seq % 7 {
            0 => self.set_then_get(),
            1 => self.echo(),
            2 => self.incr(),
            3 => self.typed_pipeline(),
            4 => self.long_pipeline(),
            5 => self.transaction(),
            _ => self.checkout(),
        }
    }

    fn set_then_get(&mut self) {
        let c = self.client;
        let k = self.name("sg", 0);
        let v = self.value(&k);
        let (d, b) = self.timeout();
        let set = self.call("set", 1, b, || c.with_timeout(d).set(&k, &v));
        if set.is_some() {
            self.check("set", true, String::new);
        }
        if let Some(got) = self.call("get", 1, b, || c.with_timeout(d).get::<Vec<u8>>(&k)) {
            // After a failed SET the value may or may not be there; nothing else may.
            let fine = match &got {
                Some(g) => *g == v,
                None => set.is_none(),
            };
            self.check("get", fine, || {
                format!(
                    "GET {k} = {} (SET ok: {})",
                    show(got.as_deref()),
                    set.is_some()
                )
            });
        }
    }

    fn echo(&mut self) {
        let c = self.client;
        let tok = self.name("echo", 0);
        let (d, b) = self.timeout();
        if let Some(got) = self.call("echo", 1, b, || c.with_timeout(d).echo::<Vec<u8>>(&tok)) {
            self.check("echo", got == tok.as_bytes(), || {
                format!("ECHO {tok} = {}", show(Some(&got)))
            });
        }
    }

    fn incr(&mut self) {
        let c = self.client;
        let k = self.name("incr", 0);
        self.incr_keys.push(k.clone());
        let (d, b) = self.timeout();
        if let Some(n) = self.call("incr", 1, b, || c.with_timeout(d).incr(&k)) {
            self.check("incr", n == 1, || format!("INCR {k} = {n}"));
        }
    }

    /// A pipeline of unique commands of several kinds, its reply type inferred.
    fn typed_pipeline(&mut self) {
        let c = self.client;
        let (ks, ki, km, tok) = (
            self.name("pipe-set", 0),
            self.name("pipe-incr", 1),
            self.name("pipe-missing", 2),
            self.name("pipe-echo", 3),
        );
        let v = self.value(&ks);
        self.incr_keys.push(ki.clone());
        let (d, b) = self.timeout();
        let r = self.call("pipeline", 5, b, || {
            pipe()
                .set(&ks, &v)
                .get::<Vec<u8>>(&ks)
                .echo::<Vec<u8>>(&tok)
                .incr(&ki)
                .get::<Vec<u8>>(&km)
                .query(c.with_timeout(d))
        });
        if let Some(((), got, echoed, n, missing)) = r {
            let fine =
                got.as_ref() == Some(&v) && echoed == tok.as_bytes() && n == 1 && missing.is_none();
            self.check("pipeline", fine, || {
                format!(
                    "pipeline {ks}: GET {}, ECHO {}, INCR {n}, GET missing {}",
                    show(got.as_deref()),
                    show(Some(&echoed)),
                    show(missing.as_deref())
                )
            });
        }
    }

    /// A pipeline of 4 to 16 commands, `ECHO`s and `INCR`s, each checked.
    fn long_pipeline(&mut self) {
        let c = self.client;
        let m = 4 + (self.seq / 7 % 13) as usize;
        let mut p = Pipeline::new();
        let mut want = Vec::with_capacity(m);
        for j in 0..m {
            if j % 3 == 2 {
                let k = self.name("long-incr", j);
                p.incr(&k);
                self.incr_keys.push(k);
                want.push(Value::Int(1));
            } else {
                let t = self.name("long-echo", j);
                p.echo::<Vec<u8>>(&t);
                want.push(Value::BulkString(t.into_bytes()));
            }
        }
        let (d, b) = self.timeout();
        let r = self.call("long pipeline", m as u64, b, || {
            p.query::<Vec<Value>>(c.with_timeout(d))
        });
        if let Some(got) = r {
            let fine = got == want;
            self.check("long pipeline", fine, || {
                format!("long pipeline: got {got:?}, want {want:?}")
            });
        }
    }

    /// MULTI/EXEC: a write, a non-idempotent write and a read, as one atomic pipeline.
    fn transaction(&mut self) {
        let c = self.client;
        let k = self.name("tx-set", 0);
        let ki = self.name("tx-incr", 1);
        let v = self.value(&k);
        self.incr_keys.push(ki.clone());
        let (d, b) = self.timeout();
        let r = self.call("transaction", 3, b, || {
            pipe()
                .atomic()
                .set(&k, &v)
                .incr(&ki)
                .get::<Vec<u8>>(&k)
                .query(c.with_timeout(d))
        });
        if let Some(((), n, got)) = r {
            self.check("transaction", n == 1 && got.as_ref() == Some(&v), || {
                format!("MULTI {k}: INCR {n}, GET {}", show(got.as_deref()))
            });
        }
    }

    /// A checked-out connection doing a few commands and a WATCH transaction. It runs outside
    /// the client's retry policy and call deadline, so its bound is the sum of what each step
    /// may take: the pool wait, a connect, and each round trip's write and read timeouts.
    fn checkout(&mut self) {
        let c = self.client;
        let tok = self.name("co-echo", 0);
        let k = self.name("co-set", 1);
        let ki = self.name("co-incr", 2);
        let kw = self.name("co-watch", 3);
        let v = self.value(&k);
        self.incr_keys.push(ki.clone());
        self.incr_keys.push(kw.clone());
        let t = self.timeouts;
        let bound = t.pool_wait + t.connect + t.socket * 2 * CHECKOUT_EXCHANGES + SLACK;
        let mut wrongs: Vec<String> = Vec::new();
        let r = self.call("checkout", 7, bound, || {
            let mut pooled = c.get_connection_timeout(t.pool_wait)?;
            let conn: &mut Connection = &mut pooled;
            let echoed: Vec<u8> = conn.echo(&tok)?;
            if echoed != tok.as_bytes() {
                wrongs.push(format!("checkout ECHO {tok} = {}", show(Some(&echoed))));
            }
            conn.set(&k, &v)?;
            let got: Option<Vec<u8>> = conn.get(&k)?;
            if got.as_ref() != Some(&v) {
                wrongs.push(format!("checkout GET {k} = {}", show(got.as_deref())));
            }
            let n: i64 = conn.incr(&ki)?;
            if n != 1 {
                wrongs.push(format!("checkout INCR {ki} = {n}"));
            }
            let seen = Cell::new(None);
            let (m,): (i64,) = redisync::transaction(conn, &kw, |conn, p| {
                seen.set(conn.get::<Vec<u8>>(&kw)?);
                p.incr(&kw);
                Ok(())
            })?;
            if m != 1 {
                wrongs.push(format!("checkout MULTI INCR {kw} = {m}"));
            }
            if let Some(before) = seen.take() {
                wrongs.push(format!(
                    "checkout GET {kw} under WATCH = {}",
                    show(Some(&before))
                ));
            }
            drop(pooled);
            Ok(())
        });
        let ok = r.is_some();
        if wrongs.is_empty() {
            if ok {
                self.check("checkout", true, String::new);
            }
        } else {
            for w in wrongs {
                self.check("checkout", false, || w);
            }
        }
    }
}

/// Settings of a threaded row.
struct Row {
    name: &'static str,
    protocol: Protocol,
    tls: bool,
    timeouts: Timeouts,
    /// How long each fault is in force.
    hold: Duration,
    /// Passes through the schedule: the first in order, the second backwards, and so on.
    passes: usize,
    /// Successes the row must reach, so it cannot pass by failing everything; failures it
    /// must see, so it cannot pass with faults that never bit.
    min_ok: u64,
    min_failed: u64,
    /// The multiplexed mode's shared connections, if it is on (the pool then has as many
    /// more, so that what does not share keeps `POOL`).
    multiplex: Option<usize>,
}

fn threaded_row(row: Row) {
    let _serial = serial();
    let started = Instant::now();
    let server = if row.tls {
        RedisServer::builder().tls().start()
    } else {
        RedisServer::start()
    };
    let upstream: SocketAddr = if row.tls {
        SocketAddr::from(([127, 0, 0, 1], server.tls_port()))
    } else {
        server.addr()
    };
    let proxy = FaultProxy::start(upstream).unwrap();
    let mut cfg = ConnectionConfig::new("127.0.0.1", proxy.port())
        .protocol(row.protocol)
        .connect_timeout(row.timeouts.connect)
        .read_timeout(row.timeouts.socket)
        .write_timeout(row.timeouts.socket);
    if row.tls {
        cfg = cfg.tls(TlsConfig::new().ca_file(&tls_certs().ca_cert));
    }
    let mut builder = Client::builder()
        .connection_config(cfg)
        .retry(Retry::new(ConstantBackoff::new(BACKOFF), RETRIES).deadline(row.timeouts.deadline))
        .max_connections(POOL + row.multiplex.unwrap_or(0))
        .pool_timeout(row.timeouts.pool_wait);
    if let Some(n) = row.multiplex {
        builder = builder.multiplex(n);
    }
    let client = builder.build().unwrap();
    // The direct client checks the server's state on the plain port, never through the proxy.
    let direct = Client::open(&server.url()).unwrap();
    assert_eq!(client.get_connection().unwrap().protocol(), row.protocol);

    let faults = schedule();
    // The controller's steps, in order: clear, then each fault followed by clear, once per
    // pass (forwards, then backwards, and so on).
    let mut steps = vec![0];
    for pass in 0..row.passes {
        let mut order: Vec<usize> = (1..=faults.len()).collect();
        if pass % 2 == 1 {
            order.reverse();
        }
        for i in order {
            steps.extend([i, 0]);
        }
    }
    let stop = AtomicBool::new(false);
    let step = AtomicUsize::new(0);
    let (tallies, keys): (Vec<Tally>, Vec<Vec<String>>) = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|tid| {
                let (client, stop, step, steps, name, tls, timeouts) = (
                    &client,
                    &stop,
                    &step,
                    &steps[..],
                    row.name,
                    row.tls,
                    row.timeouts,
                );
                s.spawn(move || {
                    let mut w = Worker {
                        client,
                        row: name,
                        tid,
                        seq: 0,
                        step,
                        steps,
                        last_phase: 0,
                        tls,
                        timeouts,
                        tally: Tally::default(),
                        incr_keys: Vec::new(),
                    };
                    while !stop.load(Ordering::SeqCst) {
                        w.step();
                    }
                    (w.tally, w.incr_keys)
                })
            })
            .collect();
        // The controller: every fault for `hold`, a clear period after each.
        for (n, &phase) in steps.iter().enumerate() {
            step.store(n, Ordering::SeqCst);
            if phase == 0 {
                proxy.clear();
                thread::sleep(GAP);
            } else {
                proxy.set_fault(faults[phase - 1]);
                thread::sleep(row.hold);
            }
        }
        proxy.clear();
        stop.store(true, Ordering::SeqCst);
        workers.into_iter().map(|h| h.join().unwrap()).unzip()
    });
    let mut t = Tally::default();
    for one in tallies {
        t.merge(one);
    }
    let keys: Vec<String> = keys.into_iter().flatten().collect();

    // The client recovers: fresh calls get their own replies.
    wait_until(Duration::from_secs(5), "the client to recover", || {
        client.echo::<String>("recovered").is_ok()
    });
    for i in 0..100 {
        let tok = format!("{}:after:{i}", row.name);
        assert_eq!(client.echo::<String>(&tok).unwrap(), tok, "a stale reply");
    }
    let pool = client.pool_state();
    let stats = client.retry_stats();
    let mux = client.multiplex_stats();
    drop(client);
    // Held and queued bytes reach the server (or are dropped) before it is counted.
    wait_until(Duration::from_secs(10), "the proxy to close", || {
        proxy.connections() == 0
    });

    // Count executions on the server: each INCR key at most 1, and INFO's count of INCRs
    // equals the keys at 1 (a key run twice would make it larger).
    let calls = server.command_calls("incr");
    let mut ones = 0u64;
    let mut twice = Vec::new();
    for chunk in keys.chunks(2000) {
        let values: Vec<Option<i64>> = direct.mget(chunk).unwrap();
        assert_eq!(values.len(), chunk.len());
        for (k, v) in chunk.iter().zip(values) {
            match v {
                None => {}
                Some(1) => ones += 1,
                Some(n) => twice.push(format!("{k} = {n}")),
            }
        }
    }
    let elapsed = started.elapsed();

    let (worst_took, worst_bound) = t.worst;
    eprintln!(
        "\n== fault matrix row {} ({:?}{}) in {elapsed:.1?}",
        row.name,
        row.protocol,
        if row.tls { ", TLS" } else { "" }
    );
    eprintln!(
        "  calls {} (commands {}), ok {}, failed {}, wrong replies {}, unexpected errors {}",
        t.calls,
        t.commands,
        t.ok,
        t.failed(),
        t.wrong,
        t.unexpected
    );
    eprintln!(
        "  over deadline {}, max duration {:?}, max excess over bound {:?} ms, worst \
         duration/bound {:?}/{:?} = {:.2}",
        t.over,
        t.max_took,
        t.max_excess_ms.unwrap_or_default(),
        worst_took,
        worst_bound,
        ratio(t.worst)
    );
    eprintln!("  errors by kind:");
    for (k, n) in &t.errors {
        eprintln!("    {n:>7}  {k}");
    }
    eprintln!("  per operation (calls / ok):");
    for (op, (c, s)) in &t.per_op {
        eprintln!("    {op:<14} {c:>7} / {s}");
    }
    eprintln!("  per phase (calls / ok):");
    for (p, (c, s)) in &t.per_phase {
        let what = match p {
            0 => "clear".to_string(),
            i => format!("{:?}", faults[i - 1]),
        };
        eprintln!("    {c:>7} / {s:<7} {what}");
    }
    eprintln!(
        "  INCR keys {}, at 1 on the server {ones}, above 1 {}; INFO incr calls {calls}",
        keys.len(),
        twice.len()
    );
    eprintln!(
        "  pool: created {}, discarded {}, timeouts {}; retries {}, gave up {}",
        pool.created, pool.discarded, pool.timeouts, stats.retries, stats.gave_up
    );
    if let Some(m) = &mux {
        eprintln!(
            "  multiplexed: {} connections, {} frames, {} commands, {} replies dropped, {} connects",
            m.connections, m.frames, m.commands, m.dropped_replies, m.connects
        );
    }
    for s in &t.samples {
        eprintln!("  ! {s}");
    }
    println!(
        "fault matrix {}: {} calls, {} ok, {} failed, {} wrong, {} unexpected, {} over deadline, \
         max {:?}, worst {:?}/{:?}, INCR keys {} (max 1: {}), {elapsed:.1?}",
        row.name,
        t.calls,
        t.ok,
        t.failed(),
        t.wrong,
        t.unexpected,
        t.over,
        t.max_took,
        worst_took,
        worst_bound,
        keys.len(),
        twice.is_empty()
    );

    assert_eq!(t.wrong, 0, "{}: wrong replies: {:#?}", row.name, t.samples);
    assert_eq!(
        t.unexpected, 0,
        "{}: unexpected errors: {:#?}",
        row.name, t.samples
    );
    assert_eq!(
        t.over, 0,
        "{}: calls past their deadline: {:#?}",
        row.name, t.samples
    );
    assert!(twice.is_empty(), "{}: INCR ran twice: {twice:?}", row.name);
    assert!(
        calls <= keys.len() as u64,
        "{}: {calls} INCRs ran for {} keys",
        row.name,
        keys.len()
    );
    assert_eq!(calls, ones, "{}: INCRs that ran vs keys at 1", row.name);
    assert!(
        t.ok >= row.min_ok,
        "{}: only {} successes (want {})",
        row.name,
        t.ok,
        row.min_ok
    );
    for (op, (c, s)) in &t.per_op {
        assert!(*s >= 10, "{}: {op}: {s} successes of {c}", row.name);
    }
    assert!(
        t.failed() >= row.min_failed,
        "{}: only {} failures: the faults did not bite",
        row.name,
        t.failed()
    );
    for (i, fault) in faults.iter().enumerate() {
        assert!(
            t.in_flight.contains(&(i + 1)),
            "{}: no call in flight under {fault:?}",
            row.name
        );
    }
    if let Some(m) = mux {
        // The row went through the shared connections, and they coalesced.
        assert!(m.commands > 1000, "{}: {m:?}", row.name);
        assert!(m.frames < m.commands, "{}: {m:?}", row.name);
    }
}

#[test]
fn threaded_row_resp2() {
    threaded_row(Row {
        name: "resp2",
        protocol: Protocol::Resp2,
        tls: false,
        timeouts: PLAIN,
        hold: MS(300),
        passes: 2,
        min_ok: 10_000,
        min_failed: 300,
        multiplex: None,
    });
}

#[test]
fn threaded_row_resp3() {
    threaded_row(Row {
        name: "resp3",
        protocol: Protocol::Resp3,
        tls: false,
        timeouts: PLAIN,
        hold: MS(300),
        passes: 2,
        min_ok: 10_000,
        min_failed: 300,
        multiplex: None,
    });
}

/// The rows again through the multiplexed mode: commands and plain pipelines share two
/// connections; transactions and checkouts keep the pool.
#[test]
fn threaded_row_mux_resp2() {
    threaded_row(Row {
        name: "mux-resp2",
        protocol: Protocol::Resp2,
        tls: false,
        timeouts: PLAIN,
        hold: MS(300),
        passes: 2,
        min_ok: 10_000,
        min_failed: 300,
        multiplex: Some(2),
    });
}

#[test]
fn threaded_row_mux_resp3() {
    threaded_row(Row {
        name: "mux-resp3",
        protocol: Protocol::Resp3,
        tls: false,
        timeouts: PLAIN,
        hold: MS(300),
        passes: 2,
        min_ok: 10_000,
        min_failed: 300,
        multiplex: Some(2),
    });
}

#[test]
fn threaded_row_tls_resp3() {
    threaded_row(Row {
        name: "tls-resp3",
        protocol: Protocol::Resp3,
        tls: true,
        timeouts: TLS,
        hold: MS(500),
        passes: 1,
        min_ok: 1_000,
        min_failed: 40,
        multiplex: None,
    });
}

/// A proxy in front of a TLS server, and a client of it with default settings.
fn tls_behind_a_proxy() -> (RedisServer, FaultProxy, Client) {
    let server = RedisServer::builder().tls().start();
    let upstream = SocketAddr::from(([127, 0, 0, 1], server.tls_port()));
    let proxy = FaultProxy::start(upstream).unwrap();
    let client = Client::builder()
        .connection_config(
            ConnectionConfig::new("127.0.0.1", proxy.port())
                .tls(TlsConfig::new().ca_file(&tls_certs().ca_cert)),
        )
        .build()
        .unwrap();
    (server, proxy, client)
}

/// A handshake that meets a silent server ends at the call's deadline, the plain-RESP probe
/// included (it used to run 300 ms past it).
#[test]
fn tls_handshake_timeout_stays_within_the_call_deadline() {
    let _serial = serial();
    let (_server, proxy, client) = tls_behind_a_proxy();
    proxy.set_fault(Fault::Blackhole);
    // Long enough for the connector to be built first (see the other ignored test).
    let d = MS(1000);
    let started = Instant::now();
    let e = client.with_timeout(d).ping().unwrap_err();
    let took = started.elapsed();
    assert!(e.is_timeout(), "{e}");
    assert!(took < d + SLACK, "took {took:?} under with_timeout({d:?})");
}

/// Opening a TLS connection to a healthy server on the same machine costs a handshake, not the
/// build of a new connector that loads the system's CA bundle (70-280 ms here, with OpenSSL
/// 3.0) every time, as it once did; and a call with a short deadline is not held past it.
#[test]
fn tls_connects_stay_within_the_call_deadline() {
    let _serial = serial();
    let (_server, _proxy, client) = tls_behind_a_proxy();
    let mut took = Vec::new();
    for _ in 0..5 {
        client.retire_connections();
        let started = Instant::now();
        client.ping().unwrap();
        took.push(started.elapsed());
    }
    took.sort();
    assert!(
        took[2] < MS(50),
        "median TLS connect {:?} ({took:?})",
        took[2]
    );
    client.retire_connections();
    let d = MS(20);
    let started = Instant::now();
    let r = client.with_timeout(d).ping();
    let took = started.elapsed();
    assert!(
        took < d + SLACK,
        "took {took:?} under with_timeout({d:?}): {r:?}"
    );
}

/// `Client::transaction` is a call of the client, so the client's `Retry::deadline` bounds it
/// as it bounds a command (it once ran under the connection's own timeouts only: 2 s here).
#[test]
fn client_transaction_stays_within_the_retry_deadline() {
    let _serial = serial();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let d = MS(200);
    let client = Client::builder()
        .url(&proxy.url())
        .socket_timeout(Duration::from_secs(2))
        .retry(Retry::new(ConstantBackoff::new(BACKOFF), RETRIES).deadline(d))
        .build()
        .unwrap();
    client.ping().unwrap();
    proxy.set_fault(Fault::Blackhole);
    let started = Instant::now();
    let r: redisync::Result<()> = client.transaction("k", |conn, p| {
        let _: Option<String> = conn.get("k")?;
        p.set("k", 1);
        Ok(())
    });
    let took = started.elapsed();
    assert!(r.is_err());
    assert!(
        took < d + SLACK,
        "took {took:?} under Retry::deadline({d:?}): {r:?}"
    );
}

// ------------------------------------------------------------------------------------------
// A pipeline larger than every buffer on the way, against a stalled server.
// ------------------------------------------------------------------------------------------

#[test]
fn a_pipeline_larger_than_the_socket_buffers_runs_each_command_at_most_once() {
    let _serial = serial();
    const N: usize = 500_000;
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let client = Client::builder()
        .url(&proxy.url())
        .write_timeout(MS(500))
        .read_timeout(Duration::from_secs(5))
        .retry(Retry::new(ConstantBackoff::new(BACKOFF), 3))
        .build()
        .unwrap();
    client.ping().unwrap();
    // About 100 bytes a command, 50 MB in all: more than the client's send buffer, the
    // proxy's receive buffer (which may grow to 32 MB on this machine) and the 8 MB the proxy
    // holds back, so the write stalls part-way.
    let key = |i: usize| format!("fault-matrix:big-pipeline:{i:07}:{}", "p".repeat(40));
    let mut p = Pipeline::new();
    for i in 0..N {
        p.incr(key(i));
    }
    proxy.set_fault(Fault::Delay {
        delay: Duration::from_secs(3),
        direction: Direction::ToServer,
    });
    let d = Duration::from_secs(2);
    let started = Instant::now();
    let e = p.query::<Vec<i64>>(client.with_timeout(d)).unwrap_err();
    let took = started.elapsed();
    let attempts = redisync::retry::last_attempts();
    assert!(e.is_timeout(), "{e}");
    assert!(took < d + SLACK, "took {took:?} under with_timeout({d:?})");
    assert_eq!(attempts, 1, "a pipeline that may have run was sent again");
    // The server is back: what was written reaches it and runs, once.
    proxy.clear();
    drop(client);
    wait_until(
        Duration::from_secs(20),
        "the proxy to deliver and close",
        || proxy.connections() == 0,
    );
    let mut calls = server.command_calls("incr");
    wait_until(Duration::from_secs(10), "the INCR count to settle", || {
        thread::sleep(MS(100));
        let now = server.command_calls("incr");
        std::mem::replace(&mut calls, now) == now
    });
    let keys_created: u64 = server
        .raw_command(&["DBSIZE"])
        .trim_start_matches(':')
        .trim()
        .parse()
        .unwrap();
    // Every key is distinct, so a command run twice would make calls exceed the keys.
    assert!(calls > 0, "nothing of the written prefix ran");
    assert!(calls < N as u64, "all {N} ran: the write was not cut");
    assert_eq!(calls, keys_created, "INCRs that ran vs keys they created");
    // A sample: each key 1 or missing, and those present are a prefix (one connection, in
    // order).
    let direct = Client::open(&server.url()).unwrap();
    let sample: Vec<usize> = (0..N)
        .filter(|i| *i < 2000 || i % 997 == 0 || *i >= N - 2000)
        .collect();
    let names: Vec<String> = sample.iter().map(|i| key(*i)).collect();
    let mut values = Vec::new();
    for chunk in names.chunks(2000) {
        values.extend(direct.mget::<i64>(chunk).unwrap());
    }
    let mut present_after_gap = false;
    let mut seen_gap = false;
    for (i, v) in sample.iter().zip(&values) {
        match v {
            Some(1) => present_after_gap |= seen_gap,
            None => seen_gap = true,
            Some(n) => panic!("{}: INCR ran {n} times", key(*i)),
        }
    }
    assert!(!present_after_gap, "the keys that ran are not a prefix");
    let line = format!(
        "big pipeline: {N} INCRs (~{} MB), write cut after {took:.1?} ({e}), 1 attempt, {calls} ran \
         once, {keys_created} keys, {} sampled keys all 0 or 1",
        p.len() * 100 / 1_000_000,
        sample.len()
    );
    eprintln!("{line}");
    println!("{line}");
}

// ------------------------------------------------------------------------------------------
// Trickling servers: pipelines and handshakes end at their deadline, never later.
// ------------------------------------------------------------------------------------------

/// Runs the trickle cases against a client of the server behind `proxy`, with timeouts `t`:
/// every call must time out within its bound, never succeed with a wrong reply, never hang.
fn trickle_cases(proxy: &FaultProxy, cfg: ConnectionConfig, label: &str, t: Timeouts) {
    let client = Client::builder()
        .connection_config(
            cfg.connect_timeout(t.connect)
                .read_timeout(t.socket)
                .write_timeout(t.socket),
        )
        .retry(Retry::new(ConstantBackoff::new(BACKOFF), RETRIES))
        .max_connections(2)
        .build()
        .unwrap();
    client.ping().unwrap();
    let mut calls = 0;
    let mut worst = (Duration::ZERO, Duration::ZERO);
    let mut measure = |what: &str, bound: Duration, f: &mut dyn FnMut() -> Result<(), Error>| {
        let started = Instant::now();
        let r = f();
        let took = started.elapsed();
        calls += 1;
        if ratio((took, bound)) > ratio(worst) {
            worst = (took, bound);
        }
        let e = r.expect_err(&format!("{label}: {what} succeeded against a trickle"));
        assert!(e.is_timeout(), "{label}: {what}: {e}");
        assert!(
            took <= bound,
            "{label}: {what} took {took:?}, bound {bound:?}"
        );
    };
    // Replies trickle, 3 ms a byte: 25 ECHO replies of ~40 bytes would take 3 s.
    proxy.set_fault(Fault::Trickle {
        every: MS(3),
        direction: Direction::ToClient,
    });
    for i in 0..6 {
        let d = t.calls[i % 2];
        let mut p = Pipeline::new();
        let mut want = Vec::new();
        for j in 0..25 {
            let tok = format!("{label}:trickle:{i}:{j}");
            p.echo::<Vec<u8>>(&tok);
            want.push(tok.into_bytes());
        }
        measure("a pipeline", d + SLACK, &mut || {
            let got = p.query::<Vec<Vec<u8>>>(client.with_timeout(d))?;
            assert_eq!(got, want, "{label}: a wrong reply");
            Ok(())
        });
    }
    // Handshakes: requests and replies trickle, 25 ms a byte, so no handshake completes in
    // the connect timeout; every call needs a new connection.
    proxy.set_fault(Fault::Trickle {
        every: MS(25),
        direction: Direction::Both,
    });
    for i in 0..4 {
        client.retire_connections();
        let d = t.calls[i % 2];
        let tok = format!("{label}:handshake:{i}");
        measure("a handshake", d + SLACK, &mut || {
            let got = client.with_timeout(d).echo::<String>(&tok)?;
            assert_eq!(got, tok, "{label}: a wrong reply");
            Ok(())
        });
    }
    // Without a per-call timeout: every attempt may spend a connect timeout.
    client.retire_connections();
    let policy_bound = t.connect * (RETRIES + 1) + BACKOFF * RETRIES + SLACK;
    measure("a handshake, retried", policy_bound, &mut || {
        client.echo::<String>("x").map(drop)
    });
    proxy.clear();
    // Back to normal: own replies again.
    wait_until(Duration::from_secs(5), "the client to recover", || {
        client.echo::<String>("ok").is_ok()
    });
    for i in 0..20 {
        let tok = format!("{label}:after:{i}");
        assert_eq!(client.echo::<String>(&tok).unwrap(), tok);
    }
    let line = format!(
        "trickle {label}: {calls} calls, all timed out within their bound; worst {:?}/{:?}",
        worst.0, worst.1
    );
    eprintln!("{line}");
    println!("{line}");
}

#[test]
fn a_trickling_server_times_out_pipelines_and_handshakes_within_their_bound() {
    let _serial = serial();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    for (protocol, label) in [(Protocol::Resp2, "resp2"), (Protocol::Resp3, "resp3")] {
        let cfg = ConnectionConfig::new("127.0.0.1", proxy.port()).protocol(protocol);
        trickle_cases(&proxy, cfg, label, PLAIN);
    }
}

#[test]
fn a_trickling_tls_server_times_out_pipelines_and_handshakes_within_their_bound() {
    let _serial = serial();
    let server = RedisServer::builder().tls().start();
    let upstream = SocketAddr::from(([127, 0, 0, 1], server.tls_port()));
    let proxy = FaultProxy::start(upstream).unwrap();
    let cfg = ConnectionConfig::new("127.0.0.1", proxy.port())
        .tls(TlsConfig::new().ca_file(&tls_certs().ca_cert));
    // A shorter connect timeout than the TLS row's, so the retried case stays short.
    let t = Timeouts {
        connect: MS(600),
        ..TLS
    };
    trickle_cases(&proxy, cfg, "tls", t);
}

// ------------------------------------------------------------------------------------------
// Pub/sub, LOADING, and a server killed under load.
// ------------------------------------------------------------------------------------------

#[test]
fn pubsub_survives_faults() {
    let _shared = shared();
    let rig = rig();
    let mut sub = rig.client.subscriber().unwrap();
    sub.subscribe("news").unwrap();
    let publish = |msg: &str| {
        redisync::cmd("PUBLISH")
            .arg("news")
            .arg(msg)
            .query::<i64>(&rig.direct)
            .unwrap()
    };
    wait_until(Duration::from_secs(5), "the subscription", || {
        publish("first") == 1
    });
    let first = sub.next_message(Duration::from_secs(2)).unwrap().unwrap();
    assert_eq!(first.payload_str(), Some("first"));
    // A reset: the subscriber reconnects and resubscribes by itself.
    rig.proxy.reset_all();
    let got = Arc::new(Mutex::new(None));
    wait_until(Duration::from_secs(10), "delivery after the reset", || {
        let _ = publish("again");
        if let Ok(Some(m)) = sub.next_message(Duration::from_millis(200)) {
            *got.lock().unwrap() = m.payload_str().map(str::to_owned);
            true
        } else {
            false
        }
    });
    assert_eq!(got.lock().unwrap().as_deref(), Some("again"));
    assert!(sub.reconnects() >= 1);
    // A blackhole: waiting for a message times out (None), it does not hang or lie.
    rig.proxy.set_fault(Fault::Blackhole);
    let started = Instant::now();
    let r = sub.next_message(Duration::from_millis(300));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(matches!(r, Ok(None) | Err(_)), "{r:?}");
    rig.proxy.clear();
}

/// A client of a scripted server that answers each command first with `LOADING`, then with
/// `reply`; `LOADING` is in its retry set.
fn loading_then(command: &str, reply: &str) -> (FakeServer, Client) {
    let fake = FakeServer::repeating(vec![
        Step::expect(command),
        Step::reply("-LOADING Redis is loading the dataset in memory\r\n"),
        Step::expect(command),
        Step::reply(reply),
    ]);
    let client = Client::builder()
        .connection_config(clients::bare(fake.port()))
        .retry(Retry::new(ConstantBackoff::new(BACKOFF), RETRIES))
        .retry_on_error([ErrorKind::BusyLoading])
        .build()
        .unwrap();
    (fake, client)
}

#[test]
fn loading_replies_from_a_scripted_server() {
    let _shared = shared();
    // A server still loading its data refuses the command, so even a write may be sent again.
    let (_fake, client) = loading_then("GET", "$1\r\nv\r\n");
    assert_eq!(client.get::<String>("k").unwrap().as_deref(), Some("v"));
    let (_fake, client) = loading_then("INCR", ":1\r\n");
    assert_eq!(client.incr("n").unwrap(), 1);
    let (_fake, client) = loading_then("INCR", ":1\r\n");
    let (n,) = pipe().incr("n").query(&client).unwrap();
    assert_eq!(n, 1);
    let (fake, client) = loading_then("ECHO", "$2\r\nhi\r\n");
    let mut conn = client.get_connection().unwrap();
    assert_eq!(
        (&mut *conn).echo::<String>("hi").unwrap_err().kind(),
        ErrorKind::BusyLoading
    );
    drop(conn);
    assert_eq!(
        client.echo::<String>("hi").unwrap(),
        "hi",
        "through the client it is retried"
    );
    drop(fake);
}

#[test]
fn server_killed_and_restarted_under_load_loses_no_acknowledged_write() {
    let _serial = serial();
    let mut server = RedisServer::builder()
        .config("appendonly yes")
        .config("appendfsync always")
        .start();
    let client = Client::builder()
        .url(&server.url())
        .connect_timeout(CONNECT)
        .socket_timeout(READ)
        .retry(Retry::new(
            ConstantBackoff::new(Duration::from_millis(50)),
            3,
        ))
        .max_connections(8)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let last_ok = Arc::new(AtomicU64::new(0));
    let epoch = Instant::now();
    let acked: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let (client, stop, acked, last_ok) = (
                client.clone(),
                Arc::clone(&stop),
                Arc::clone(&acked),
                Arc::clone(&last_ok),
            );
            thread::spawn(move || {
                let key = format!("w{t}");
                let mut i: u64 = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    if client.set(&key, i).is_ok() {
                        acked.lock().unwrap().insert(key.clone(), i);
                        last_ok.store(epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
                    }
                    if let Ok(Some(v)) = client.get::<u64>(&key) {
                        // Never a value this worker did not write, never one from the future.
                        assert!(v <= i, "{key}: read {v} after writing {i}");
                        let floor = acked.lock().unwrap().get(&key).copied().unwrap_or(0);
                        assert!(v >= floor, "{key}: read {v}, but {floor} was acknowledged");
                    }
                }
            })
        })
        .collect();
    wait_until(Duration::from_secs(5), "traffic", || {
        last_ok.load(Ordering::Relaxed) > 0
    });
    server.kill();
    let killed_at = epoch.elapsed();
    thread::sleep(Duration::from_secs(1));
    server.restart();
    let back_at = epoch.elapsed();
    wait_until(Duration::from_secs(10), "traffic to resume", || {
        Duration::from_millis(last_ok.load(Ordering::Relaxed)) > back_at
    });
    let resumed_after =
        Duration::from_millis(last_ok.load(Ordering::Relaxed)).saturating_sub(back_at);
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    assert!(killed_at < back_at);
    // Every acknowledged write survived the restart (AOF with fsync always).
    let direct = Client::open(&server.url()).unwrap();
    for (key, value) in acked.lock().unwrap().iter() {
        let now = direct.get::<u64>(key).unwrap().unwrap_or(0);
        assert!(now >= *value, "{key}: acknowledged {value}, found {now}");
    }
    eprintln!(
        "kill/restart: {} acknowledged keys checked, traffic resumed {resumed_after:?} after the \
         server was back ({:?} after the kill)",
        acked.lock().unwrap().len(),
        back_at - killed_at
    );
    // Traffic resumed within 1 s plus one backoff of the server being back.
    assert!(
        resumed_after < Duration::from_millis(1050),
        "resumed {resumed_after:?} after the restart"
    );
}
