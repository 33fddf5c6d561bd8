//! Helpers for testing code that uses this crate (the `testing` feature): a fault-injection
//! proxy and a maintenance-notification simulator.
//!
//! # Fault injection
//!
//! Retry policies, timeouts and "did the command run?" handling are only trustworthy once they
//! have met a network that misbehaves. [`FaultProxy`] is a TCP proxy on `127.0.0.1` that you put
//! between your client and a real Redis server; it forwards bytes both ways until you tell it to
//! delay them, swallow them, cut a reply in half, or reset the connection. Faults switch at any
//! time, while traffic flows, and apply to the connections already open as well as to new ones.
//!
//! | [`Fault`] | what the client sees |
//! |---|---|
//! | [`Fault::Delay`] | slow replies; a read timeout once the delay exceeds it |
//! | [`Fault::Blackhole`] | connect succeeds, the handshake (or any command) times out |
//! | [`Fault::Reset`] | a connection error (TCP RST) on every connection, old and new |
//! | [`Fault::ResetAfterRequest`] | a connection error for a command the server *did* run |
//! | [`Fault::CloseAfter`] | the connection closed (FIN) after a given number of bytes |
//! | [`Fault::HalfReply`] | half a reply, then silence: a read timeout |
//! | [`Fault::Drop`] | one direction silently lost: a read timeout |
//! | [`Fault::RefuseNew`] | new connections fail at once; open ones keep working |
//!
//! The counters ([`FaultProxy::connections`], [`FaultProxy::total_accepted`],
//! [`FaultProxy::bytes_to_server`], [`FaultProxy::bytes_to_client`]) let a test wait for the
//! traffic it expects instead of sleeping.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use redisync::testing::{Direction, Fault, FaultProxy};
//! use redisync::{ErrorKind};
//! use redisync::prelude::*;
//!
//! let proxy = FaultProxy::start("127.0.0.1:6379".parse()?)?;
//! let client = redisync::Client::builder()
//!     .url(&proxy.url())
//!     .socket_timeout(Duration::from_millis(300))
//!     .build()?;
//! client.set("greeting", "hello")?;
//!
//! // Replies now arrive after the client has given up.
//! proxy.set_fault(Fault::Delay { delay: Duration::from_secs(1), direction: Direction::ToClient });
//! match client.get::<String>("greeting") {
//!     Err(e) => assert_eq!(e.kind(), ErrorKind::Timeout),
//!     Ok(v) => panic!("expected a timeout, got {v:?}"),
//! }
//!
//! // Back to normal: the client replaces the broken connection and carries on.
//! proxy.clear();
//! let v: Option<String> = client.get("greeting")?;
//! assert_eq!(v.as_deref(), Some("hello"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Maintenance notifications
//!
//! Redis Cloud and Redis Software warn the clients that asked for it (`CLIENT
//! MAINT_NOTIFICATIONS ON moving-endpoint-type <type>`, on RESP3) before a maintenance touches
//! their endpoint: RESP3 pushes such as `MIGRATING` and `MIGRATED`, `FAILING_OVER` and
//! `FAILED_OVER`, and `MOVING` with the endpoint to reconnect to before the old one goes away.
//! A plain `redis-server` sends none of them. [`MaintenanceSimulator`] is a RESP-aware proxy on
//! `127.0.0.1`, in front of a real server, that does: it answers the handshake itself (or
//! refuses it as Redis 7.0 does), injects any [`Notification`] between two reply frames of the
//! connections a [`Target`] picks, slows replies down, and closes the endpoint on a timer.
//!
//! ```no_run
//! use std::sync::{Arc, Mutex};
//! use std::time::{Duration, Instant};
//!
//! use redisync::prelude::*;
//! use redisync::resp::Value;
//! use redisync::testing::{MaintenanceSimulator, Notification, Target};
//! use redisync::{Connection, ConnectionConfig, Protocol, cmd};
//!
//! // In front of the test's redis-server.
//! let sim = MaintenanceSimulator::start("127.0.0.1:6379".parse()?)?;
//! let config = ConnectionConfig::new("127.0.0.1", sim.port()).protocol(Protocol::Resp3);
//! let mut conn = Connection::with_config(&config)?;
//! let pushes = Arc::new(Mutex::new(Vec::new()));
//! conn.set_push_handler({
//!     let pushes = Arc::clone(&pushes);
//!     move |push: Value| pushes.lock().unwrap().push(push)
//! });
//!
//! // The handshake a maintenance-aware client sends: the simulator answers +OK.
//! cmd("CLIENT")
//!     .arg("MAINT_NOTIFICATIONS")
//!     .arg("ON")
//!     .arg("moving-endpoint-type")
//!     .arg("internal-ip")
//!     .exec(&mut conn)?;
//! assert_eq!(sim.handshakes(), ["internal-ip"]);
//!
//! // A migration starts: the push reaches the connection ahead of its next reply.
//! let migrating = Notification::Migrating { seq: 1, time: Duration::from_secs(15) };
//! assert_eq!(sim.notify(&migrating, Target::Handshaken), 1);
//! conn.set("k", "v")?;
//! assert_eq!(pushes.lock().unwrap().len(), 1);
//!
//! // While it lasts, replies are slow.
//! sim.delay_replies(Duration::from_millis(200));
//! let start = Instant::now();
//! let v: Option<String> = conn.get("k")?;
//! assert!(start.elapsed() >= Duration::from_millis(200));
//! assert_eq!(v.as_deref(), Some("v"));
//! sim.delay_replies(Duration::ZERO);
//!
//! // The endpoint moves, and the old one goes away half a second later.
//! let moving = Notification::Moving {
//!     seq: 2,
//!     time: Duration::from_secs(30),
//!     endpoint: Some("127.0.0.1:6380".into()),
//! };
//! sim.notify(&moving, Target::All);
//! sim.close_after(Duration::from_millis(500));
//! while sim.connections() > 0 {
//!     std::thread::sleep(Duration::from_millis(10));
//! }
//! assert!(conn.ping().is_err()); // the push came first, then the close
//! assert!(Connection::with_config(&config).is_err()); // refused
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Threads
//!
//! A proxy runs one thread that accepts connections and two per connection (one per
//! direction). A maintenance simulator runs one thread that accepts connections and three per
//! connection (requests, replies, and the one writer to the client), plus one for each
//! [`MaintenanceSimulator::close_after`] until it fires. Dropping either closes every
//! connection and stops them all; it waits for them at most a few seconds and never hangs.

mod maint;
mod proxy;

use std::time::Duration;

pub use maint::{MaintenanceSimulator, Notification, Target};
pub use proxy::FaultProxy;

/// Which way bytes flow through a [`FaultProxy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client (your code) to the server: requests.
    ToServer,
    /// From the server to the client: replies and pushes.
    ToClient,
    /// Both ways.
    Both,
}

impl Direction {
    fn includes(self, one_way: Direction) -> bool {
        self == Direction::Both || self == one_way
    }
}

/// What a [`FaultProxy`] does to the traffic it carries. One fault is in force at a time;
/// [`FaultProxy::set_fault`] replaces it and [`FaultProxy::clear`] removes it.
///
/// A *chunk* below is what one `read` returned from one side: up to 64 KiB, usually one whole
/// command or reply when they are small. Bytes a fault discards are gone: clearing the fault
/// later does not bring them back.
///
/// End of stream (FIN) from one side is passed on to the other once the chunks before it are
/// forwarded, except while that direction discards bytes ([`Fault::Blackhole`], [`Fault::Drop`],
/// or a connection cut by [`Fault::HalfReply`]); the proxy closes a connection whose both sides
/// have finished sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Holds every chunk going `direction` for `delay` after it was read, then forwards it.
    /// Reading goes on meanwhile, so this adds latency, not a throughput limit. Changing or
    /// clearing the fault re-times the chunks still held: after [`FaultProxy::clear`] they are
    /// forwarded at once. [`Fault::delay`] builds the both-ways form.
    Delay {
        /// How long each chunk is held.
        delay: Duration,
        /// Which chunks are held.
        direction: Direction,
    },
    /// Forwards nothing either way: both sides are read and what is read is discarded, and no
    /// end of stream is passed on. New connections are accepted and connected upstream, then
    /// blackholed the same way, so a client's connect succeeds and its handshake hangs.
    Blackhole,
    /// Aborts every current connection with a TCP RST, to the client and to the server
    /// (`SO_LINGER` 0, then close), and resets each new connection as soon as it is accepted,
    /// before connecting upstream. [`FaultProxy::set_fault`] with this fault returns once the
    /// current connections are closed.
    Reset,
    /// On each connection, forwards the next client-to-server chunk to the server, then resets
    /// the client's side with a TCP RST; nothing the server sends after that chunk reaches the
    /// client. The server's side is closed normally (never reset, so the request is not lost
    /// on the way in) and the server runs the request: the client sees a connection error for
    /// a command that did run. A request larger than one chunk arrives incomplete and does not
    /// run.
    /// Server-to-client chunks forwarded before the request are unaffected. A new connection's
    /// first chunk is its handshake, so new connections fail in the handshake.
    ResetAfterRequest,
    /// Forwards `bytes` more bytes going `direction` on each connection, counted from the
    /// moment the connection first sees this fault (a connection opened later: from its
    /// start), then closes both sides of that connection cleanly with FIN. With
    /// [`Direction::Both`] the bytes of both directions count against one budget. Zero closes
    /// each connection at once. (A side that still has unread bytes in the proxy when it is
    /// closed gets a RST after the FIN, as with any TCP close.)
    CloseAfter {
        /// How many more bytes are forwarded before the close.
        bytes: u64,
        /// Which bytes count.
        direction: Direction,
    },
    /// On each connection, forwards only the first half (`len / 2` bytes) of the next
    /// server-to-client chunk, then discards everything the server sends on that connection
    /// from then on, even after [`FaultProxy::clear`] (the stream cannot be resumed in the
    /// middle of a reply). The connection stays open and requests still reach the server, so
    /// a client waiting for the rest of the reply times out.
    HalfReply,
    /// Silently discards every chunk going this way; the other way is forwarded normally.
    Drop(Direction),
    /// Resets each new connection with a TCP RST as soon as it is accepted, as a server that
    /// is down would refuse it (the TCP connect itself succeeds, because the listening socket
    /// stays open; the client's first read or write fails). Current connections are left
    /// alone and keep working.
    RefuseNew,
    /// Forwards the bytes going `direction` one at a time, pausing `every` after each: a peer
    /// that trickles, which a per-read timeout alone never catches (every read gets a byte in
    /// time). Changing or clearing the fault forwards the rest of the chunk at once.
    Trickle {
        /// The pause after each byte.
        every: Duration,
        /// Which bytes trickle.
        direction: Direction,
    },
}

impl Fault {
    /// [`Fault::Delay`] in both directions.
    pub fn delay(delay: Duration) -> Fault {
        Fault::Delay {
            delay,
            direction: Direction::Both,
        }
    }

    fn delay_for(fault: Option<Fault>, dir: Direction) -> Duration {
        match fault {
            Some(Fault::Delay { delay, direction }) if direction.includes(dir) => delay,
            _ => Duration::ZERO,
        }
    }
}
