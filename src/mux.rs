//! The multiplexed mode's engine: a few lanes, each a thread holding one connection of the
//! client's pool. Callers on any thread queue their encoded commands on a lane and wait on a
//! ticket of their own; the lane's thread takes everything queued, writes it as one frame
//! through the connection's one write path, and hands each reply to its ticket as soon as it is
//! read, in order.
//!
//! Why a thread per lane rather than a caller that leads (flat combining): a leader blocked in
//! a read on behalf of others cannot honour its own deadline without handing a half-read reply
//! stream to another caller, and the push handlers and connect hooks (the user's code) would
//! run on whichever caller happened to lead. Here each caller's wait is a condition-variable
//! wait that ends at its own deadline whatever the connection is doing; the lane's thread is the
//! only code that touches the socket, and it survives a panic in the user's code it runs.
//!
//! A caller that stops waiting (its deadline passed) marks its ticket abandoned: queued, it is
//! never written; written, its reply is read in turn and dropped, so the stream stays in step
//! for everyone else. A connection failure fails every ticket of the frame, each told whether
//! its own commands left whole (the write report's count), so the retry loop decides per caller
//! exactly as on the pool.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::commands::ConnectionCommands as _;
use crate::commands::table::{CommandSpec, SessionEffect};
use crate::connection::Meta;
use crate::deadline::Budget;
use crate::error::{Error, Result, TimeoutPhase};
use crate::pool::{Pool, PooledConnection};
use crate::resp::Value;

/// The largest encoded command or pipeline that shares a connection; a larger one takes a
/// pooled connection, so its write does not hold up the callers queued behind it.
pub(crate) const MAX_SHARED_FRAME: usize = 64 * 1024;
/// Most commands in one frame; more wait for the next.
const MAX_FRAME_COMMANDS: usize = 512;
/// Most bytes in one frame (more wait for the next).
const MAX_FRAME_BYTES: usize = 256 * 1024;
/// How many times a lane that found nothing queued yields the core before it sleeps.
const YIELDS_BEFORE_SLEEP: u32 = 2;
/// How often an idle lane reads its connection for pushes and checks it is still current.
const IDLE_TICK: Duration = Duration::from_millis(250);

/// Whether a command may share a connection with other callers' commands: it changes nothing
/// about the session (no `SELECT`, `WATCH`, `MULTI`, `CLIENT ...`, `HELLO`), it does not block,
/// and a caching client's connections do not refuse it.
pub(crate) fn shares(spec: &'static CommandSpec) -> bool {
    spec.session == SessionEffect::None
        && spec.blocking.is_none()
        && crate::cache::Link::refusal(spec).is_none()
}

/// The lanes of one client.
pub(crate) struct Mux {
    lanes: Vec<Arc<Lane>>,
    next: AtomicUsize,
    stats: Arc<Stats>,
}

/// Counters, for [`MultiplexStats`](crate::MultiplexStats).
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) frames: AtomicU64,
    pub(crate) commands: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) connections: AtomicU64,
}

/// What a lane's thread needs besides its queue.
pub(crate) struct Settings {
    pub(crate) pool: Pool,
    pub(crate) health_check_interval: Option<Duration>,
    pub(crate) health_checks: Arc<AtomicU64>,
}

struct Lane {
    queue: Mutex<Queue>,
    wake: Condvar,
}

struct Queue {
    tickets: VecDeque<Arc<Ticket>>,
    shutdown: bool,
}

/// One caller's commands and the slot its replies come back in.
struct Ticket {
    frame: Vec<u8>,
    commands: Commands,
    /// When the caller stops waiting (`None`: never), for the budget of a connect.
    deadline: Option<Instant>,
    state: Mutex<State>,
    done: Condvar,
}

/// A ticket's commands: usually one (the whole frame), or a pipeline's.
pub(crate) enum Commands {
    One(&'static CommandSpec),
    Many(Vec<Meta>),
}

impl Commands {
    fn len(&self) -> usize {
        match self {
            Commands::One(_) => 1,
            Commands::Many(m) => m.len(),
        }
    }
}

enum State {
    Queued,
    Written,
    /// The outcome, and the callers to wake once this one has it. The lane's thread wakes the
    /// first two callers of a frame and each caller wakes two more (a binary tree in reply
    /// order), so the lane makes two wake-up calls per frame instead of one per caller and
    /// turns to the next frame sooner, while the last caller is only a few wake-ups away.
    Done(Outcome, Wakes),
    Abandoned,
}

/// The callers a caller wakes once it has its outcome.
type Wakes = [Option<Arc<Ticket>>; 2];

/// How a caller's commands fared.
pub(crate) enum Outcome {
    /// Every reply, in order (error replies as values).
    Replies(Replies),
    /// No reply: the connection failed or could not be had, or the caller's deadline passed.
    Failed { error: Error, may_have_run: bool },
}

/// The replies of one ticket.
pub(crate) enum Replies {
    One(Value),
    Many(Vec<Value>),
}

impl Mux {
    /// `lanes` lanes, each with a thread that takes its connection from `settings.pool` when
    /// first needed.
    pub(crate) fn start(lanes: usize, settings: Settings) -> Result<Mux> {
        let stats = Arc::new(Stats::default());
        let settings = Arc::new(settings);
        // Built as the threads start, so that if one cannot, dropping it stops the others.
        let mut mux = Mux {
            lanes: Vec::with_capacity(lanes),
            next: AtomicUsize::new(0),
            stats: Arc::clone(&stats),
        };
        for i in 0..lanes {
            let lane = Arc::new(Lane {
                queue: Mutex::new(Queue {
                    tickets: VecDeque::new(),
                    shutdown: false,
                }),
                wake: Condvar::new(),
            });
            let (for_thread, settings, stats) =
                (Arc::clone(&lane), Arc::clone(&settings), Arc::clone(&stats));
            std::thread::Builder::new()
                .name(format!("redisync-mux-{i}"))
                .spawn(move || run_lane(&for_thread, &settings, &stats))
                .map_err(Error::Io)?;
            mux.lanes.push(lane);
        }
        Ok(mux)
    }

    pub(crate) fn lanes(&self) -> usize {
        self.lanes.len()
    }

    pub(crate) fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Queues `frame` (its commands as `commands` says) on a lane and waits for its replies,
    /// at most until `call` ends.
    pub(crate) fn call(&self, frame: Vec<u8>, commands: Commands, call: Budget) -> Outcome {
        let deadline = call.deadline.instant();
        if call.deadline.has_passed() {
            return Outcome::Failed {
                error: call.timeout(),
                may_have_run: false,
            };
        }
        let ticket = Arc::new(Ticket {
            frame,
            commands,
            deadline,
            state: Mutex::new(State::Queued),
            done: Condvar::new(),
        });
        let at = self.next.fetch_add(1, Ordering::Relaxed) % self.lanes.len();
        let lane = &self.lanes[at];
        lane.queue.lock().tickets.push_back(Arc::clone(&ticket));
        lane.wake.notify_one();
        ticket.wait(call)
    }
}

impl Drop for Mux {
    fn drop(&mut self) {
        // The last clone of the client is gone, so no caller waits: the threads exit and give
        // their connections back to the pool.
        for lane in &self.lanes {
            lane.queue.lock().shutdown = true;
            lane.wake.notify_all();
        }
    }
}

impl Ticket {
    /// Waits for the outcome until `call` ends; then gives up on it (a reply that comes later
    /// is read and dropped by the lane).
    fn wait(&self, call: Budget) -> Outcome {
        let mut state = self.state.lock();
        loop {
            match std::mem::replace(&mut *state, State::Abandoned) {
                State::Done(outcome, next) => {
                    drop(state);
                    wake(next);
                    return outcome;
                }
                other => *state = other,
            }
            match call.deadline.instant() {
                None => self.done.wait(&mut state),
                Some(until) => {
                    if self.done.wait_until(&mut state, until).timed_out() {
                        let may_have_run = match std::mem::replace(&mut *state, State::Abandoned) {
                            State::Done(outcome, next) => {
                                drop(state);
                                wake(next);
                                return outcome;
                            }
                            State::Written => true,
                            State::Queued | State::Abandoned => false,
                        };
                        return Outcome::Failed {
                            error: call.timeout(),
                            may_have_run,
                        };
                    }
                }
            }
        }
    }

    /// Claims the ticket for a frame about to be written: false if its caller gave up.
    fn claim(&self) -> bool {
        let mut state = self.state.lock();
        match *state {
            State::Queued => {
                *state = State::Written;
                true
            }
            _ => false,
        }
    }

    /// Hands the outcome to the caller, or drops it if the caller gave up.
    fn finish(&self, outcome: Outcome, stats: &Stats) {
        let mut state = self.state.lock();
        if matches!(*state, State::Abandoned) {
            drop(state);
            if matches!(outcome, Outcome::Replies(_)) {
                stats.dropped.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        *state = State::Done(outcome, [None, None]);
        drop(state);
        self.done.notify_one();
    }

    /// Whether the caller gave up.
    fn is_abandoned(&self) -> bool {
        matches!(*self.state.lock(), State::Abandoned)
    }

    /// Stores the outcome with the callers to wake after this one, without waking this one;
    /// if the caller gave up meanwhile, the outcome is dropped and the callers to wake are
    /// given back.
    fn finish_linked(&self, outcome: Outcome, wakes: Wakes) -> std::result::Result<(), Wakes> {
        let mut state = self.state.lock();
        if matches!(*state, State::Abandoned) {
            drop(state);
            drop(outcome);
            return Err(wakes);
        }
        *state = State::Done(outcome, wakes);
        Ok(())
    }
}

/// Wakes the callers a caller was to wake.
fn wake(wakes: Wakes) {
    for t in wakes.into_iter().flatten() {
        t.done.notify_one();
    }
}

/// A lane's thread: frames until the client is dropped.
fn run_lane(lane: &Lane, settings: &Settings, stats: &Stats) {
    let mut conn: Option<PooledConnection> = None;
    while let Some(batch) = next_batch(lane, &mut conn) {
        let served = catch_unwind(AssertUnwindSafe(|| {
            serve(settings, stats, &mut conn, batch)
        }));
        if served.is_err() {
            // The user's code (a push handler, a connect hook) panicked mid-frame: the
            // connection's state is unknown. The frame's callers were told by its guard.
            log::warn!("a multiplexed connection's thread caught a panic; reconnecting");
            close(conn.take());
        }
    }
    if let Some(c) = conn.take() {
        // Back to the pool, which checks it as usual; a push sink panicking in that check
        // must not take the thread's exit with it.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(c)));
    }
}

/// Closes a connection whose state is unknown, never handing it back to the pool.
fn close(conn: Option<PooledConnection>) {
    if let Some(c) = conn {
        let _ = catch_unwind(AssertUnwindSafe(move || c.discard()));
    }
}

/// The next tickets to write, as many as one frame takes; `None` once the client is gone.
/// While nothing is queued, an open connection is read for pushes now and then (and let go
/// when it is no longer fit to use or has idled past the pool's `idle_timeout`).
fn next_batch(lane: &Lane, conn: &mut Option<PooledConnection>) -> Option<Vec<Arc<Ticket>>> {
    let mut queue = lane.queue.lock();
    let mut yields = 0;
    loop {
        if queue.shutdown {
            return None;
        }
        if !queue.tickets.is_empty() {
            let mut batch = Vec::with_capacity(queue.tickets.len().min(MAX_FRAME_COMMANDS));
            let (mut commands, mut bytes) = (0, 0);
            while let Some(t) = queue.tickets.front() {
                let n = t.commands.len();
                if !batch.is_empty()
                    && (commands + n > MAX_FRAME_COMMANDS
                        || bytes + t.frame.len() > MAX_FRAME_BYTES)
                {
                    break;
                }
                commands += n;
                bytes += t.frame.len();
                if let Some(t) = queue.tickets.pop_front() {
                    batch.push(t);
                }
            }
            return Some(batch);
        }
        match conn {
            None => lane.wake.wait(&mut queue),
            // The callers just woken usually queue their next command at once: giving them the
            // core a few times first spares a sleep and a wake-up call per frame.
            Some(_) if yields < YIELDS_BEFORE_SLEEP => {
                yields += 1;
                drop(queue);
                std::thread::yield_now();
                queue = lane.queue.lock();
            }
            Some(_) => {
                let idle = lane.wake.wait_for(&mut queue, IDLE_TICK).timed_out();
                if idle && queue.tickets.is_empty() && !queue.shutdown {
                    drop(queue);
                    idle_check(conn);
                    queue = lane.queue.lock();
                }
            }
        }
    }
}

/// Reads pushes waiting on an idle connection (without blocking) and lets it go when it is no
/// longer fit for use.
fn idle_check(conn: &mut Option<PooledConnection>) {
    let Some(c) = conn.as_mut() else { return };
    let now = Instant::now();
    let expired = c.idle_timeout().is_some_and(|t| c.idle_for(now) >= t);
    // The push handlers are the user's code.
    let fit = catch_unwind(AssertUnwindSafe(|| c.ready() && c.is_current())).unwrap_or(false);
    if !fit {
        close(conn.take());
    } else if expired {
        // Healthy but unused: back to the pool, whose reaper expires it.
        drop(conn.take());
    }
}

/// The tickets of a frame in flight. Whatever happens, each is finished: with its replies as
/// they come, with the connection's error, or (if the thread unwinds) with an error saying so.
struct Frame<'a> {
    tickets: Vec<Arc<Ticket>>,
    /// The index of each ticket's first command in the frame.
    firsts: Vec<usize>,
    /// Tickets finished so far (always a prefix: replies come in order).
    done: usize,
    /// Replies of the current pipeline ticket so far.
    partial: Vec<Value>,
    /// Tickets answered but not yet handed over (see [`Frame::hand_over`]).
    ready: Vec<(Arc<Ticket>, Replies)>,
    written: bool,
    stats: &'a Stats,
}

impl Frame<'_> {
    /// Fails every unfinished ticket: the last gets `error` itself, the others a copy. A
    /// ticket's commands may have run if any of them had left whole (`complete` commands of the
    /// frame did).
    fn fail_rest(&mut self, error: Error, complete: usize) {
        self.hand_over();
        let n = self.tickets.len();
        let mut error = Some(error);
        while self.done < n {
            let i = self.done;
            self.done += 1;
            let e = if self.done == n {
                error.take()
            } else {
                error.as_ref().map(duplicate)
            };
            let e = e.unwrap_or(Error::Broken {
                cause: crate::ErrorKind::Connection,
            });
            let first = self.firsts.get(i).copied().unwrap_or(0);
            self.tickets[i].finish(
                Outcome::Failed {
                    error: e,
                    may_have_run: complete > first,
                },
                self.stats,
            );
        }
    }

    /// The reply to the frame's next command.
    fn deliver(&mut self, reply: Value) {
        let Some(t) = self.tickets.get(self.done) else {
            return;
        };
        let outcome = match &t.commands {
            Commands::One(_) => Replies::One(reply),
            Commands::Many(m) => {
                self.partial.push(reply);
                if self.partial.len() < m.len() {
                    return;
                }
                Replies::Many(std::mem::take(&mut self.partial))
            }
        };
        self.done += 1;
        self.ready.push((Arc::clone(t), outcome));
    }

    /// Hands the answered tickets their replies as one chain: each caller's outcome is stored
    /// with the next caller to wake, and only the first is woken here.
    fn hand_over(&mut self) {
        if self.ready.is_empty() {
            return;
        }
        // Callers that gave up are left out of the tree (their replies are dropped).
        let before = self.ready.len();
        self.ready.retain(|(t, _)| !t.is_abandoned());
        let gave_up = (before - self.ready.len()) as u64;
        if gave_up > 0 {
            self.stats.dropped.fetch_add(gave_up, Ordering::Relaxed);
        }
        // Caller i wakes callers 2i + 2 and 2i + 3; the lane wakes callers 0 and 1. Children
        // are stored first, so a parent that gives up now can have the lane wake its children.
        let order: Vec<Arc<Ticket>> = self.ready.iter().map(|(t, _)| Arc::clone(t)).collect();
        let n = order.len();
        let child = |k: usize| order.get(k).map(Arc::clone);
        for i in (0..n).rev() {
            let Some((t, replies)) = self.ready.pop() else {
                break;
            };
            let wakes = [child(2 * i + 2), child(2 * i + 3)];
            if let Err(orphans) = t.finish_linked(Outcome::Replies(replies), wakes) {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                wake(orphans);
            }
        }
        wake([child(0), child(1)]);
    }
}

impl Drop for Frame<'_> {
    fn drop(&mut self) {
        self.hand_over();
        if self.done < self.tickets.len() {
            let complete = if self.written { usize::MAX } else { 0 };
            self.fail_rest(
                Error::Io(std::io::Error::other(
                    "the multiplexed connection's thread panicked in a push handler or connect hook",
                )),
                complete,
            );
        }
    }
}

/// Writes one frame for `batch` and hands out its replies.
fn serve(
    settings: &Settings,
    stats: &Stats,
    conn: &mut Option<PooledConnection>,
    batch: Vec<Arc<Ticket>>,
) {
    // From here on every ticket is finished, even if the user's code run below panics.
    let frame = RefCell::new(Frame {
        firsts: Vec::new(),
        tickets: batch,
        done: 0,
        partial: Vec::new(),
        ready: Vec::new(),
        written: false,
        stats,
    });
    let got = connection(settings, stats, conn, &frame.borrow().tickets);
    let c = match got {
        Ok(c) => c,
        Err(e) => {
            // Nothing was written: no caller's command can have run.
            frame.borrow_mut().fail_rest(e, 0);
            return;
        }
    };
    let mut metas: Vec<Meta> = Vec::new();
    let mut end = 0;
    {
        let mut f = frame.borrow_mut();
        let all = std::mem::take(&mut f.tickets);
        metas.reserve(all.len());
        for t in all {
            let refused = match &t.commands {
                Commands::One(spec) => c.refuses(spec),
                Commands::Many(m) => m.iter().find_map(|m| c.refuses(m.spec)),
            };
            if let Some(e) = refused {
                let refusal = Outcome::Failed {
                    error: e,
                    may_have_run: false,
                };
                t.finish(refusal, stats);
                continue;
            }
            // A caller that gave up before its command was written is left out.
            if !t.claim() {
                continue;
            }
            f.firsts.push(metas.len());
            match &t.commands {
                Commands::One(spec) => metas.push(Meta {
                    spec,
                    end: end + t.frame.len(),
                }),
                Commands::Many(m) => metas.extend(m.iter().map(|m| Meta {
                    spec: m.spec,
                    end: end + m.end,
                })),
            }
            end += t.frame.len();
            f.tickets.push(t);
        }
        if f.tickets.is_empty() {
            return;
        }
        f.written = true;
    }
    // Counted before any caller has its reply, so a caller that has one sees its frame counted.
    stats.frames.fetch_add(1, Ordering::Relaxed);
    stats
        .commands
        .fetch_add(metas.len() as u64, Ordering::Relaxed);
    let mut encoded = false;
    let result = c.exchange_shared(
        &metas,
        |out| {
            encoded = true;
            out.reserve(end);
            for t in &frame.borrow().tickets {
                out.extend_from_slice(&t.frame);
            }
            Ok(())
        },
        |_, reply| frame.borrow_mut().deliver(reply),
    );
    frame.borrow_mut().hand_over();
    if let Err(e) = result {
        let complete = if encoded { c.last_write().complete } else { 0 };
        let broken = c.is_broken();
        frame.borrow_mut().fail_rest(e, complete);
        if broken {
            drop(conn.take());
        }
    }
}

/// The lane's connection, ready for a frame: the one it holds if it is still current (PINGed
/// first when it idled past `health_check_interval`), or a new one from the pool within the
/// longest wait among the frame's callers.
fn connection<'c>(
    settings: &Settings,
    stats: &Stats,
    conn: &'c mut Option<PooledConnection>,
    batch: &[Arc<Ticket>],
) -> Result<&'c mut PooledConnection> {
    if let Some(c) = conn.as_mut() {
        let mut fit = c.is_current();
        if fit {
            if let Some(interval) = settings.health_check_interval {
                if c.idle_for(Instant::now()) > interval {
                    settings.health_checks.fetch_add(1, Ordering::Relaxed);
                    match (&mut **c).ping() {
                        Ok(()) => {}
                        Err(e) if !e.breaks_connection() => {
                            log::debug!("health check answered {e}; the connection is alive");
                        }
                        Err(e) => {
                            log::debug!("health check failed, replacing the connection: {e}");
                            fit = false;
                        }
                    }
                }
            }
        }
        if !fit {
            close(conn.take());
        }
    }
    if conn.is_none() {
        // A new connection is worth waiting for as long as some caller still waits.
        let mut latest = Some(Instant::now());
        for t in batch {
            latest = match (latest, t.deadline) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
        }
        let budget = match latest {
            Some(at) => Budget::after(
                at.saturating_duration_since(Instant::now()),
                TimeoutPhase::Call,
            ),
            None => Budget::NONE,
        };
        let opened = settings.pool.get_within(budget)?;
        stats.connections.fetch_add(1, Ordering::Relaxed);
        *conn = Some(opened);
    }
    conn.as_mut()
        .ok_or_else(|| Error::invalid("multiplexed connection", "none could be had"))
}

/// A copy of a connection-level error, for the other callers of a frame it failed.
fn duplicate(e: &Error) -> Error {
    let io = |e: &std::io::Error| std::io::Error::new(e.kind(), e.to_string());
    match e {
        Error::Io(source) => Error::Io(io(source)),
        Error::Closed => Error::Closed,
        Error::Broken { cause } => Error::Broken { cause: *cause },
        Error::Timeout { phase, after } => Error::Timeout {
            phase: *phase,
            after: *after,
        },
        Error::Protocol(p) => Error::Protocol(p.clone()),
        Error::Connect { addr, source } => Error::Connect {
            addr: addr.clone(),
            source: io(source),
        },
        Error::Resolve { host, source } => Error::Resolve {
            host: host.clone(),
            source: io(source),
        },
        Error::Auth(s) => Error::Auth(s.clone()),
        Error::Server(s) => Error::Server(s.clone()),
        Error::PoolTimeout(p) => Error::PoolTimeout(p.clone()),
        Error::Tls(inner) => Error::Tls(Box::new(std::io::Error::other(inner.to_string()))),
        Error::InvalidInput(i) => Error::InvalidInput(i.clone()),
        other => Error::Broken {
            cause: other.kind(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> Arc<Ticket> {
        Arc::new(Ticket {
            frame: Vec::new(),
            commands: Commands::One(&crate::commands::table::spec::PING),
            deadline: None,
            state: Mutex::new(State::Written),
            done: Condvar::new(),
        })
    }

    /// Every caller still waiting is woken exactly once by the tree of a frame's hand-over,
    /// whichever callers gave up before it; those get nothing.
    #[test]
    fn the_wake_tree_reaches_every_waiting_caller_once() {
        for n in 0..40usize {
            for pattern in [0u64, 1, 0b10, 0b101, 0b1100_1001, u64::MAX, 0xAAAA_AAAA] {
                let stats = Stats::default();
                let tickets: Vec<Arc<Ticket>> = (0..n).map(|_| ticket()).collect();
                let gave_up = |i: usize| pattern >> (i % 64) & 1 == 1;
                for (i, t) in tickets.iter().enumerate() {
                    if gave_up(i) {
                        *t.state.lock() = State::Abandoned;
                    }
                }
                let mut frame = Frame {
                    tickets: tickets.clone(),
                    firsts: (0..n).collect(),
                    done: n,
                    partial: Vec::new(),
                    ready: tickets
                        .iter()
                        .map(|t| (Arc::clone(t), Replies::One(Value::Okay)))
                        .collect(),
                    written: true,
                    stats: &stats,
                };
                frame.hand_over();
                // The lane wakes the first two waiting callers; follow what each would wake.
                let live: Vec<usize> = (0..n).filter(|&i| !gave_up(i)).collect();
                let index = |t: &Arc<Ticket>| tickets.iter().position(|x| Arc::ptr_eq(x, t));
                let mut queue: Vec<usize> = live.iter().take(2).copied().collect();
                let mut woken = vec![0u32; n];
                while let Some(i) = queue.pop() {
                    woken[i] += 1;
                    let taken = std::mem::replace(&mut *tickets[i].state.lock(), State::Abandoned);
                    match taken {
                        State::Done(Outcome::Replies(Replies::One(Value::Okay)), wakes) => {
                            queue.extend(wakes.iter().flatten().filter_map(index));
                        }
                        _ => panic!("caller {i} of {n} woken without its reply"),
                    }
                }
                for (i, &times) in woken.iter().enumerate() {
                    let want = u32::from(!gave_up(i));
                    assert_eq!(times, want, "caller {i} of {n}, pattern {pattern:b}");
                }
                assert_eq!(
                    stats.dropped.load(Ordering::Relaxed),
                    (n - live.len()) as u64
                );
            }
        }
    }
}
