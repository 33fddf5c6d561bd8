//! Pub/sub: [`Subscriber`], a connection of its own that listens for published messages.
//!
//! Once a connection subscribes, Redis lets it send only (un)subscribe commands and `PING`
//! (on RESP2), and the server writes to it whenever a message is published. Such a connection
//! cannot be shared, so a subscriber never comes from a client's pool:
//! [`Client::subscriber`](crate::Client::subscriber) opens a fresh one with the client's
//! settings, and [`Subscriber::open`] / [`Subscriber::with_config`] do the same without a client.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! let client = redisync::Client::open("redis://127.0.0.1:6379")?;
//! let mut sub = client.subscriber()?;
//! sub.subscribe(["orders", "alerts"])?;
//! sub.psubscribe("metrics.*")?;
//!
//! // Wait up to a second, e.g. to do other work between messages.
//! if let Some(msg) = sub.next_message(Duration::from_secs(1))? {
//!     println!("{}: {:?}", msg.channel_str().unwrap_or("?"), msg.payload_str());
//! }
//! // Or block for each message.
//! for msg in sub.messages() {
//!     let msg = msg?;
//!     let amount: i64 = msg.payload()?;
//!     println!("{:?} on {:?}: {amount}", msg.kind, msg.channel_str());
//! }
//! # Ok::<(), redisync::Error>(())
//! ```
//!
//! # Delivery is at most once
//!
//! Redis keeps no pub/sub messages: each one goes to the connections subscribed at the moment it
//! is published, and to nobody else. So a message published while a subscriber is disconnected
//! (the server restarted, the connection was killed, the network failed) is lost, and so is one
//! the server dropped because the subscriber read too slowly (`client-output-buffer-limit
//! pubsub`). Use Redis streams where every message must arrive.
//!
//! Messages that reach the subscriber are never lost or reordered by it: those that arrive while
//! it waits for a confirmation or a pong are queued and handed out first, in arrival order.
//!
//! # Reconnecting
//!
//! When the connection breaks, the next call opens a new one (the full handshake, as
//! [`Connection::with_config`] does) and subscribes again to every channel, pattern and shard
//! channel on record, then carries on. [`Subscriber::reconnects`] counts how often that happened.
//! See [`Subscriber::next_message`] for how long it keeps trying.
//!
//! # RESP2 and RESP3
//!
//! Both work. On RESP2 messages and confirmations arrive as arrays; on RESP3 as push frames, and
//! push frames of kinds this module does not know are skipped, as RESP3 asks of clients.

use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use crate::commands::table::spec;
use crate::commands::{FromValue, ToArgs};
use crate::connection::Connection;
use crate::connection::config::{Address, ConnectionConfig, Protocol};
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::resp::{Value, write_bulk, write_command_header};
use crate::retry::{Backoff, EqualJitterBackoff};

mod frame;
use frame::{Event, FAMILIES, Family, Op, encode, parse_frame, split_names};

/// How long each step of [`Messages`] waits before it waits again. It also bounds how long the
/// iterator keeps reconnecting before it reports the connection error.
const ITERATOR_WAIT: Duration = Duration::from_secs(60);
/// The pause after the first failed reconnect attempt; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
/// The longest pause between reconnect attempts: short, because messages published while
/// disconnected are lost.
const MAX_BACKOFF: Duration = Duration::from_millis(500);
/// The shortest socket wait: the OS refuses a zero read timeout, so a caller's zero timeout (a
/// poll) still reads what has already arrived.
const MIN_WAIT: Duration = Duration::from_millis(1);

/// Which command delivered a [`Message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageKind {
    /// `PUBLISH` to a channel of [`Subscriber::subscribe`].
    Message,
    /// `PUBLISH` to a channel matching a pattern of [`Subscriber::psubscribe`];
    /// [`Message::pattern`] names the pattern.
    PMessage,
    /// `SPUBLISH` to a shard channel of [`Subscriber::ssubscribe`].
    SMessage,
}

/// One published message.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// Which subscription delivered it.
    pub kind: MessageKind,
    /// The channel it was published to.
    pub channel: Vec<u8>,
    /// The pattern that matched the channel, for [`MessageKind::PMessage`].
    pub pattern: Option<Vec<u8>>,
    /// What was published.
    pub payload: Vec<u8>,
}

impl Message {
    /// The channel, when it is UTF-8.
    pub fn channel_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.channel).ok()
    }

    /// The pattern, when there is one and it is UTF-8.
    pub fn pattern_str(&self) -> Option<&str> {
        self.pattern
            .as_deref()
            .and_then(|p| std::str::from_utf8(p).ok())
    }

    /// The payload, when it is UTF-8.
    pub fn payload_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.payload).ok()
    }

    /// The payload converted as a bulk string reply would be: `String`, `Vec<u8>`, integers,
    /// floats, `bool`, ...
    ///
    /// # Errors
    /// [`ErrorKind::Conversion`] when the payload does not convert to `T`.
    pub fn payload<T: FromValue>(&self) -> Result<T> {
        T::from_value(Value::BulkString(self.payload.clone()))
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        f.debug_struct("Message")
            .field("kind", &self.kind)
            .field("channel", &text(&self.channel))
            .field("pattern", &self.pattern.as_deref().map(text))
            .field("payload", &text(&self.payload))
            .finish()
    }
}

/// A pub/sub subscriber: one connection of its own, the channels, patterns and shard channels
/// it is subscribed to, and the messages received but not yet handed out.
///
/// See the [module documentation](self) for an example, and for what happens to messages
/// published while it is disconnected (they are lost).
///
/// Each (un)subscribe method sends one command and waits, under the read timeout, for the
/// server to confirm every name; messages arriving meanwhile are queued, never dropped.
/// The subscriber keeps a record of what it asked for ([`Subscriber::channels`],
/// [`Subscriber::patterns`], [`Subscriber::shard_channels`]) and restores it on every
/// reconnect.
///
/// # Errors and the record
///
/// A method that fails on a connection error keeps its change on record, so the reconnect it
/// (or the next call) makes applies it. A subscription the server refuses with an error reply
/// (an ACL forbidding the channel, say) is taken off the record again.
pub struct Subscriber {
    config: ConnectionConfig,
    conn: Option<Connection>,
    protocol: Protocol,
    queue: VecDeque<Message>,
    /// What the caller asked for: restored on every new connection.
    wanted: Subscriptions,
    /// What the server has confirmed on the current connection. An "unsubscribe from all" is
    /// done when this is empty, whatever the record says.
    active: Subscriptions,
    reconnects: u64,
    /// Where to reconnect instead when the address fails (a cluster's classic subscriber:
    /// any node delivers every `PUBLISH`, so another node will do when this one is gone).
    relocate: Option<Relocate>,
}

/// Given the address a reconnect just failed on, the settings of another server to try
/// (`None`: try the same again).
pub(crate) type Relocate =
    std::sync::Arc<dyn Fn(&crate::Address) -> Option<ConnectionConfig> + Send + Sync>;

impl Subscriber {
    /// Connects to the server a URL names (see [`ConnectionConfig::from_url`]).
    ///
    /// # Errors
    /// A bad URL, or the error of connecting.
    pub fn open(url: &str) -> Result<Subscriber> {
        Subscriber::with_config(&ConnectionConfig::from_url(url)?)
    }

    /// Connects with these settings (under the connect timeout, as
    /// [`Connection::with_config`] does). Reconnects use the same settings.
    ///
    /// # Errors
    /// The error of connecting.
    pub fn with_config(config: &ConnectionConfig) -> Result<Subscriber> {
        let conn = Connection::with_config(config)?;
        Ok(Subscriber {
            config: config.clone(),
            protocol: conn.protocol(),
            conn: Some(conn),
            queue: VecDeque::new(),
            wanted: Subscriptions::default(),
            active: Subscriptions::default(),
            reconnects: 0,
            relocate: None,
        })
    }

    /// Reconnects that fail go to the server `relocate` names instead.
    pub(crate) fn relocate_with(&mut self, relocate: Relocate) {
        self.relocate = Some(relocate);
    }

    /// Subscribes to channels (`SUBSCRIBE`): one name, or a slice, array, vector or tuple of
    /// names.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for no names; the server's error reply; a read timeout when
    /// the confirmations do not all arrive in time; the connection error when the connection
    /// broke and could not be reopened (its first reconnect attempt gets the whole connect
    /// timeout, as [`Subscriber::next_message`]'s does; the others stop at the read timeout).
    pub fn subscribe(&mut self, channels: impl ToArgs) -> Result<()> {
        self.change(Family::Channel, Op::Subscribe, &channels)
    }

    /// Subscribes to glob-style patterns (`PSUBSCRIBE`), such as `news.*`.
    ///
    /// # Errors
    /// As for [`Subscriber::subscribe`].
    pub fn psubscribe(&mut self, patterns: impl ToArgs) -> Result<()> {
        self.change(Family::Pattern, Op::Subscribe, &patterns)
    }

    /// Subscribes to shard channels (`SSUBSCRIBE`, Redis 7.0 and later), which receive
    /// `SPUBLISH`ed messages. On a cluster, all the names of one call must hash to one slot.
    ///
    /// # Errors
    /// As for [`Subscriber::subscribe`].
    pub fn ssubscribe(&mut self, shard_channels: impl ToArgs) -> Result<()> {
        self.change(Family::Shard, Op::Subscribe, &shard_channels)
    }

    /// Unsubscribes from channels (`UNSUBSCRIBE`). No names (an empty slice, `None::<&str>`)
    /// means every channel, as in Redis; [`Subscriber::unsubscribe_all`] says that by name.
    /// Names not subscribed to are no error.
    ///
    /// # Errors
    /// As for [`Subscriber::subscribe`], but no names is allowed.
    pub fn unsubscribe(&mut self, channels: impl ToArgs) -> Result<()> {
        self.change(Family::Channel, Op::Unsubscribe, &channels)
    }

    /// Unsubscribes from patterns (`PUNSUBSCRIBE`); no names means every pattern.
    ///
    /// # Errors
    /// As for [`Subscriber::unsubscribe`].
    pub fn punsubscribe(&mut self, patterns: impl ToArgs) -> Result<()> {
        self.change(Family::Pattern, Op::Unsubscribe, &patterns)
    }

    /// Unsubscribes from shard channels (`SUNSUBSCRIBE`); no names means every shard channel.
    ///
    /// # Errors
    /// As for [`Subscriber::unsubscribe`].
    pub fn sunsubscribe(&mut self, shard_channels: impl ToArgs) -> Result<()> {
        self.change(Family::Shard, Op::Unsubscribe, &shard_channels)
    }

    /// Unsubscribes from every channel (patterns and shard channels stay).
    ///
    /// # Errors
    /// As for [`Subscriber::unsubscribe`].
    pub fn unsubscribe_all(&mut self) -> Result<()> {
        self.change(Family::Channel, Op::Unsubscribe, &None::<&str>)
    }

    /// Unsubscribes from every pattern.
    ///
    /// # Errors
    /// As for [`Subscriber::unsubscribe`].
    pub fn punsubscribe_all(&mut self) -> Result<()> {
        self.change(Family::Pattern, Op::Unsubscribe, &None::<&str>)
    }

    /// Unsubscribes from every shard channel.
    ///
    /// # Errors
    /// As for [`Subscriber::unsubscribe`].
    pub fn sunsubscribe_all(&mut self) -> Result<()> {
        self.change(Family::Shard, Op::Unsubscribe, &None::<&str>)
    }

    /// The next message, waiting at most `timeout` for one; `None` when none came in time.
    /// Running out of time leaves the connection as it was (a message half received is kept,
    /// and completed by a later call). A zero timeout takes only what has already arrived.
    ///
    /// Confirmations and pongs are read here too, but never returned: they are not messages.
    ///
    /// When the connection breaks (or broke before this call), this reconnects, subscribes to
    /// everything on record again, and goes on waiting. Attempts are repeated with a short,
    /// growing pause until `timeout` passes; each is bounded by the connect timeout and what is
    /// left of `timeout`, except the first one of a call, which always gets the full connect
    /// timeout so that a short `timeout` cannot keep the subscriber from ever reconnecting.
    /// Re-subscribing waits for its confirmations under the read timeout.
    ///
    /// # Errors
    /// - the last connection error, when no attempt to reconnect succeeded in time;
    /// - an error that retrying cannot fix, at once: the server refusing the credentials on
    ///   reconnect, or refusing a subscription on record;
    /// - [`Error::Server`] for an error reply from the server, and
    ///   [`ProtocolError::Unexpected`](crate::error::ProtocolError::Unexpected) (naming what arrived) for a frame of a shape no
    ///   subscriber expects; both leave the connection as it is, so the next call goes on;
    /// - another [`Error::Protocol`] for bytes that are not RESP; the connection is dropped and
    ///   the next call reconnects.
    pub fn next_message(&mut self, timeout: Duration) -> Result<Option<Message>> {
        let deadline = deadline_after(timeout);
        let mut reconnected = false;
        loop {
            if let Some(m) = self.queue.pop_front() {
                return Ok(Some(m));
            }
            if !self.is_connected() {
                // Only the first reconnect of a call may outlast `timeout`; a server that
                // accepts and then drops every connection must not hold the caller forever.
                self.reconnect(deadline, !reconnected)?;
                reconnected = true;
                continue;
            }
            let wait = deadline
                .saturating_duration_since(Instant::now())
                .max(MIN_WAIT);
            let frame = match self.conn()?.next_frame(wait) {
                Ok(Some(frame)) => frame,
                Ok(None) if Instant::now() >= deadline => return Ok(None),
                Ok(None) => continue,
                Err(e) if e.is_connection_error() => {
                    self.disconnect(&e);
                    if reconnected && Instant::now() >= deadline {
                        return Err(e);
                    }
                    continue;
                }
                Err(e) => {
                    self.disconnect(&e);
                    return Err(e);
                }
            };
            if let Absorbed::Message(m) = self.absorb(parse_frame(frame)?) {
                return Ok(Some(m));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
        }
    }

    /// An endless iterator of messages: each step blocks until a message arrives, reconnecting
    /// as [`Subscriber::next_message`] does. It yields an error and goes on (the next step
    /// reconnects) when the server stays unreachable for about a minute, or for any error
    /// `next_message` returns; stop iterating to give up.
    pub fn messages(&mut self) -> Messages<'_> {
        Messages { sub: self }
    }

    /// Sends a health-check `PING` and waits, under the read timeout, for its pong, which is
    /// never handed out as a message. Messages arriving first are queued. Reconnects first
    /// when the connection is already known to be broken.
    ///
    /// # Errors
    /// A read timeout when no pong came in time, or the connection error; the connection is
    /// then dropped, and the next call reconnects.
    pub fn ping(&mut self) -> Result<()> {
        let timeout = self.config.read_timeout;
        if !self.is_connected() {
            self.reconnect(deadline_after(timeout), true)?;
        }
        self.send(|out| {
            write_command_header(out, 1);
            write_bulk(out, b"PING");
        })?;
        self.await_frames(
            vec![Awaited {
                what: Confirm::Pong,
                left: 1,
            }],
            timeout,
        )
    }

    /// The channels on record: those subscribed to, and restored after a reconnect.
    pub fn channels(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.wanted.of(Family::Channel).iter().map(Vec::as_slice)
    }

    /// The patterns on record.
    pub fn patterns(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.wanted.of(Family::Pattern).iter().map(Vec::as_slice)
    }

    /// The shard channels on record.
    pub fn shard_channels(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.wanted.of(Family::Shard).iter().map(Vec::as_slice)
    }

    /// Whether the server has confirmed `shard_channel` on the current connection (a cluster
    /// node drops a shard channel by itself when its slot moves away).
    pub(crate) fn is_active_shard_channel(&self, shard_channel: &[u8]) -> bool {
        self.active.of(Family::Shard).contains(shard_channel)
    }

    /// How many times the subscriber has reopened its connection after it broke.
    pub fn reconnects(&self) -> u64 {
        self.reconnects
    }

    /// Whether a connection is open and not known to be broken. A connection that broke
    /// without a sign (the server vanished) counts as connected until the next read or write.
    pub fn is_connected(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| !c.is_broken())
    }

    /// The protocol of the current (or, while disconnected, the last) connection.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The server address.
    pub fn address(&self) -> &Address {
        &self.config.address
    }

    /// Records the change, then sends it and waits for its confirmations.
    fn change(&mut self, family: Family, op: Op, names: &dyn ToArgs) -> Result<()> {
        let names = split_names(names, family)?;
        if op == Op::Subscribe && names.is_empty() {
            return Err(Error::invalid(
                family.what(),
                format!(
                    "{} needs at least one name",
                    String::from_utf8_lossy(family.command(op))
                ),
            ));
        }
        let timeout = self.config.read_timeout;
        let deadline = deadline_after(timeout);
        let record = self.wanted.of_mut(family);
        let mut added = Vec::new();
        let awaited = match op {
            Op::Subscribe => {
                for n in &names {
                    if record.insert(n.clone()) {
                        added.push(n.clone());
                    }
                }
                Confirm::Subscribed(family)
            }
            Op::Unsubscribe if names.is_empty() => {
                record.clear();
                Confirm::AllUnsubscribed(family)
            }
            Op::Unsubscribe => {
                for n in &names {
                    record.remove(n);
                }
                Confirm::Unsubscribed(family)
            }
        };
        let result = if self.is_connected() {
            let sent = self.send(|out| encode(out, family.command(op), names.iter()));
            match sent.and_then(|()| {
                self.await_frames(
                    vec![Awaited {
                        what: awaited,
                        // Redis confirms each name given, repeated or not subscribed alike;
                        // "all" gets one or more confirmations, counted by `active` instead.
                        left: names.len().max(1),
                    }],
                    timeout,
                )
            }) {
                Err(e) if e.is_connection_error() => {
                    log::debug!("pub/sub connection broke during {family:?} {op:?}: {e}");
                    // A new connection subscribes to the record, which holds this change.
                    self.reconnect(deadline, true)
                }
                other => other,
            }
        } else {
            self.reconnect(deadline, true)
        };
        if let Err(Error::Server(_)) = &result {
            // The server refused a whole command (on its own, or in the re-subscription of a
            // reconnect), so nothing of it took effect; without this, every reconnect would
            // ask again and be refused again.
            let record = self.wanted.of_mut(family);
            for n in &added {
                record.remove(n);
            }
        }
        result
    }

    /// Opens a new connection and subscribes to the record, retrying with a short backoff
    /// until `deadline`. With `first_in_full`, the first attempt gets the whole connect timeout
    /// even when the deadline is nearer.
    fn reconnect(&mut self, deadline: Instant, first_in_full: bool) -> Result<()> {
        let connect_timeout = self.config.connect_timeout;
        let left = || deadline.saturating_duration_since(Instant::now());
        let mut budget = if first_in_full {
            connect_timeout
        } else {
            left().min(connect_timeout)
        };
        let backoff = reconnect_backoff();
        let mut previous = Duration::ZERO;
        let mut attempts = 0u32;
        loop {
            if budget.is_zero() {
                return Err(Error::timeout(TimeoutPhase::Connect, connect_timeout));
            }
            attempts += 1;
            let err = match self.connect(budget) {
                Ok(()) => {
                    self.reconnects += 1;
                    log::debug!(
                        "pub/sub reconnected to {} after {attempts} attempt(s)",
                        self.config.address
                    );
                    return Ok(());
                }
                Err(e) => e,
            };
            // Credentials refused, a subscription refused, a server speaking nonsense: trying
            // again in a few milliseconds would only get the same answer.
            if !err.is_retryable() {
                return Err(err);
            }
            log::debug!("pub/sub reconnect attempt {attempts} failed: {err}");
            if let Some(elsewhere) = self.relocate.as_ref().and_then(|r| r(&self.config.address)) {
                log::debug!(
                    "pub/sub moves from {} to {}",
                    self.config.address,
                    elsewhere.address
                );
                self.config = elsewhere;
            }
            if left().is_zero() {
                return Err(err);
            }
            previous = backoff.delay(attempts, previous);
            std::thread::sleep(previous.min(left()));
            budget = left().min(connect_timeout);
            if budget.is_zero() {
                return Err(err);
            }
        }
    }

    /// One attempt: connect, then send every subscription on record in one write and wait for
    /// all their confirmations.
    fn connect(&mut self, connect_timeout: Duration) -> Result<()> {
        self.conn = None;
        self.active = Subscriptions::default();
        let cfg = self.config.clone().connect_timeout(connect_timeout);
        let conn = Connection::with_config(&cfg)?;
        self.protocol = conn.protocol();
        self.conn = Some(conn);
        let mut awaited = Vec::new();
        for family in FAMILIES {
            let n = self.wanted.of(family).len();
            if n > 0 {
                awaited.push(Awaited {
                    what: Confirm::Subscribed(family),
                    left: n,
                });
            }
        }
        if awaited.is_empty() {
            return Ok(());
        }
        let wanted = &self.wanted;
        let Some(conn) = self.conn.as_mut() else {
            return Err(Error::Broken {
                cause: ErrorKind::Connection,
            });
        };
        let sent = conn.write_untracked(&spec::SUBSCRIBE, |out| {
            for family in FAMILIES {
                let names = wanted.of(family);
                if !names.is_empty() {
                    encode(out, family.command(Op::Subscribe), names.iter());
                }
            }
            Ok(())
        });
        let result = sent.and_then(|()| self.await_frames(awaited, self.config.read_timeout));
        if let Err(e) = &result {
            // Some of the record may be subscribed and some not: only a new connection is in a
            // known state.
            self.disconnect(e);
        }
        result
    }

    /// Reads frames until every awaited confirmation has arrived, queueing messages, within
    /// `timeout`.
    fn await_frames(&mut self, mut awaited: Vec<Awaited>, timeout: Duration) -> Result<()> {
        let start = Instant::now();
        while !awaited.is_empty() {
            let Some(left) = timeout
                .checked_sub(start.elapsed())
                .filter(|d| !d.is_zero())
            else {
                // The confirmations may still come, and would then be counted for a later
                // call: like any connection after a read timeout, this one is given up.
                let e = Error::timeout(TimeoutPhase::Read, timeout);
                self.disconnect(&e);
                return Err(e);
            };
            let frame = match self.conn()?.next_frame(left) {
                Ok(Some(frame)) => frame,
                Ok(None) => continue,
                Err(e) => {
                    self.disconnect(&e);
                    return Err(e);
                }
            };
            let event = match parse_frame(frame) {
                Ok(event) => event,
                // An error reply answers the command as a whole: no confirmation follows, and
                // the stream is still in step.
                Err(e @ Error::Server(_)) => return Err(e),
                Err(e) => {
                    // What the server means is unknown, so whether confirmations are still
                    // coming is too.
                    self.disconnect(&e);
                    return Err(e);
                }
            };
            let confirm = match self.absorb(event) {
                Absorbed::Message(m) => {
                    self.queue.push_back(m);
                    continue;
                }
                Absorbed::Confirm(c) => c,
                Absorbed::Nothing => continue,
            };
            let all_gone = |f: Family| self.active.of(f).is_empty();
            let hit = awaited.iter().position(|a| match (a.what, confirm) {
                (Confirm::AllUnsubscribed(f), Confirm::Unsubscribed(g)) => f == g && all_gone(f),
                (want, got) => want == got,
            });
            if let Some(i) = hit {
                awaited[i].left -= 1;
                if awaited[i].left == 0 {
                    awaited.remove(i);
                }
            }
        }
        Ok(())
    }

    /// Applies a frame to the state: confirmations update what is active.
    fn absorb(&mut self, event: Event) -> Absorbed {
        match event {
            Event::Message(m) => Absorbed::Message(m),
            Event::Subscribed(family, name) => {
                self.active.of_mut(family).insert(name);
                Absorbed::Confirm(Confirm::Subscribed(family))
            }
            Event::Unsubscribed(family, name) => {
                if let Some(name) = name {
                    self.active.of_mut(family).remove(&name);
                }
                Absorbed::Confirm(Confirm::Unsubscribed(family))
            }
            Event::Pong => Absorbed::Confirm(Confirm::Pong),
            Event::Ignored => Absorbed::Nothing,
        }
    }

    fn send(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        let sent = self.conn()?.write_untracked(&spec::SUBSCRIBE, |out| {
            encode(out);
            Ok(())
        });
        match sent {
            Ok(()) => Ok(()),
            Err(e) => {
                self.disconnect(&e);
                Err(e)
            }
        }
    }

    fn conn(&mut self) -> Result<&mut Connection> {
        self.conn.as_mut().ok_or(Error::Broken {
            cause: ErrorKind::Connection,
        })
    }

    fn disconnect(&mut self, why: &Error) {
        if self.conn.take().is_some() {
            log::debug!(
                "pub/sub connection to {} dropped: {why}",
                self.config.address
            );
        }
        self.active = Subscriptions::default();
    }
}

impl fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriber")
            .field("address", &format_args!("{}", self.config.address))
            .field("protocol", &self.protocol)
            .field("connected", &self.is_connected())
            .field("channels", &self.wanted.of(Family::Channel).len())
            .field("patterns", &self.wanted.of(Family::Pattern).len())
            .field("shard_channels", &self.wanted.of(Family::Shard).len())
            .field("queued", &self.queue.len())
            .field("reconnects", &self.reconnects)
            .finish()
    }
}

/// The iterator of [`Subscriber::messages`]: endless, each step blocking until a message (or
/// an error) arrives.
#[derive(Debug)]
pub struct Messages<'a> {
    sub: &'a mut Subscriber,
}

impl Iterator for Messages<'_> {
    type Item = Result<Message>;

    fn next(&mut self) -> Option<Result<Message>> {
        loop {
            match self.sub.next_message(ITERATOR_WAIT) {
                Ok(Some(m)) => return Some(Ok(m)),
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// Names per family, in byte order (so a reconnect subscribes in a stable order).
#[derive(Debug, Default)]
struct Subscriptions([BTreeSet<Vec<u8>>; 3]);

impl Subscriptions {
    fn of(&self, family: Family) -> &BTreeSet<Vec<u8>> {
        &self.0[family as usize]
    }
    fn of_mut(&mut self, family: Family) -> &mut BTreeSet<Vec<u8>> {
        &mut self.0[family as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirm {
    Subscribed(Family),
    Unsubscribed(Family),
    /// Done once no name of the family is left.
    AllUnsubscribed(Family),
    Pong,
}

#[derive(Debug)]
struct Awaited {
    what: Confirm,
    left: usize,
}

enum Absorbed {
    Message(Message),
    Confirm(Confirm),
    Nothing,
}

fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// The pauses between reconnect attempts: between half and all of 10 ms, 20 ms, ... up to
/// 500 ms, so that many subscribers of one restarted server do not reconnect in lockstep (the
/// same backoff code as the client's retries).
fn reconnect_backoff() -> EqualJitterBackoff {
    EqualJitterBackoff::new(FIRST_BACKOFF / 2, MAX_BACKOFF).unwrap_or_default()
}
