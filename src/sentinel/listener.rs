//! The event listeners: one background thread per sentinel (`redisync-sentinel-listener`),
//! subscribed to `+switch-master` and `+sentinel`, reconnecting with backoff.
//!
//! A `+switch-master` for the service moves the sentinel that sent it to the front of the
//! list and retires every connection of the client at once; the new ones go to the new
//! primary. Events speed a switch up and never replace the lookup every new connection makes:
//! pub/sub delivers at most once, and a listener may be reconnecting when one is sent.
//!
//! Each thread holds a weak reference to the sentinel state and exits within one heartbeat
//! (half a second, plus a connect attempt's sentinel timeout) of the last clone of the client
//! being dropped, or when the promotion it is watching ends (two seconds at most).

use std::sync::Weak;
use std::thread;
use std::time::{Duration, Instant};

use super::{Sentinel, address_of, fields};
use crate::connection::config::{Address, ConnectionConfig};
use crate::deadline::Budget;
use crate::error::{Error, Result};
use crate::pubsub::{Message, Subscriber};
use crate::resp::Value;

const SWITCH: &str = "+switch-master";
const PROMOTED: &str = "+promoted-slave";
const PROMOTING: &str = "+failover-state-send-slaveof-noone";
const ABORTED: &str = "-failover-abort-slave-timeout";
const NEW_SENTINEL: &str = "+sentinel";
/// How often a listener looks whether its client is still there.
const HEARTBEAT: Duration = Duration::from_millis(500);
/// A quiet subscription is PINGed this often, so a sentinel that vanished without closing
/// the connection is noticed.
const PING_EVERY: Duration = Duration::from_secs(3);
/// The first pause before resubscribing, doubled after each failure up to `MAX_BACKOFF`.
const MIN_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Starts the listener thread for `node`.
pub(super) fn start(sentinel: Weak<Sentinel>, node: ConnectionConfig) -> Result<()> {
    thread::Builder::new()
        .name("redisync-sentinel-listener".into())
        .spawn(move || run(&sentinel, &node))
        .map(drop)
        .map_err(Error::Io)
}

fn run(weak: &Weak<Sentinel>, node: &ConnectionConfig) {
    let mut backoff = MIN_BACKOFF;
    let mut subscribed_before = false;
    loop {
        let Some(sentinel) = weak.upgrade() else {
            return;
        };
        match subscribe(node) {
            Ok(mut sub) => {
                sentinel.listener_up(node, subscribed_before);
                subscribed_before = true;
                backoff = MIN_BACKOFF;
                drop(sentinel);
                let why = listen(&mut sub, weak, node);
                let Some(sentinel) = weak.upgrade() else {
                    return;
                };
                sentinel.listener_down();
                if let Some(e) = why {
                    log::debug!("sentinel listener for {} stopped: {e}", node.address);
                }
            }
            Err(e) => {
                drop(sentinel);
                log::debug!(
                    "sentinel listener cannot subscribe to {}: {e}",
                    node.address
                );
                // Jitter, so many clients do not come back in step after an outage.
                let pause = backoff.mul_f64(0.5 + rand::random::<f64>() / 2.0);
                if !pause_while_alive(weak, pause) {
                    return;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Sleeps `pause` in slices of one heartbeat at most; `false` as soon as the client is gone.
fn pause_while_alive(weak: &Weak<Sentinel>, pause: Duration) -> bool {
    let until = Instant::now() + pause;
    loop {
        if weak.strong_count() == 0 {
            return false;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        thread::sleep((until - now).min(HEARTBEAT));
    }
}

fn subscribe(node: &ConnectionConfig) -> Result<Subscriber> {
    let mut sub = Subscriber::with_config(node)?;
    sub.subscribe([SWITCH, PROMOTING, PROMOTED, ABORTED, NEW_SENTINEL])?;
    Ok(sub)
}

/// Reads events until the subscription fails (the error) or the client is gone (`None`).
fn listen(sub: &mut Subscriber, weak: &Weak<Sentinel>, node: &ConnectionConfig) -> Option<Error> {
    let mut heard = Instant::now();
    let reconnects = sub.reconnects();
    loop {
        match sub.next_message(HEARTBEAT) {
            Ok(Some(message)) => {
                heard = Instant::now();
                let sentinel = weak.upgrade()?;
                sentinel.on_event(&message, &node.address);
            }
            Ok(None) => {
                if weak.strong_count() == 0 {
                    return None;
                }
                if heard.elapsed() >= PING_EVERY {
                    if let Err(e) = sub.ping() {
                        return Some(e);
                    }
                    heard = Instant::now();
                }
            }
            Err(e) => return Some(e),
        }
        // The subscriber reconnected by itself (the sentinel restarted): count it as a
        // resubscription, so the client's stats say so.
        if sub.reconnects() != reconnects {
            return Some(Error::Closed);
        }
    }
}

impl Sentinel {
    fn listener_up(&self, node: &ConnectionConfig, again: bool) {
        use std::sync::atomic::Ordering;
        self.counters.listeners.fetch_add(1, Ordering::Relaxed);
        if again {
            self.counters.resubscribes.fetch_add(1, Ordering::Relaxed);
        }
        log::debug!("listening to sentinel {}", node.address);
        // The spec's optional refresh: the sentinels this one knows of for the service.
        let budget = Budget::after(self.config.timeout, crate::error::TimeoutPhase::Connect);
        let known =
            crate::connection::Connection::connect(node, &[], budget, None).and_then(|mut conn| {
                conn.set_cap(budget);
                crate::cmd("SENTINEL")
                    .arg("SENTINELS")
                    .arg(self.config.service.as_str())
                    .query::<Vec<Value>>(&mut conn)
            });
        match known {
            Ok(list) => {
                for f in list.into_iter().filter_map(fields) {
                    if let Ok(address) = address_of(&f) {
                        self.discovered(address);
                    }
                }
            }
            Err(e) => log::debug!("SENTINEL SENTINELS on {}: {e}", node.address),
        }
    }

    fn listener_down(&self) {
        use std::sync::atomic::Ordering;
        self.counters.listeners.fetch_sub(1, Ordering::Relaxed);
    }

    /// An event from the sentinel at `from`.
    pub(super) fn on_event(&self, message: &Message, from: &Address) {
        let (Some(channel), Some(payload)) = (message.channel_str(), message.payload_str()) else {
            return;
        };
        let words: Vec<&str> = payload.split_whitespace().collect();
        match channel {
            // <name> <old ip> <old port> <new ip> <new port>
            SWITCH => {
                let [name, _, _, ip, port] = words[..] else {
                    log::debug!("malformed {SWITCH} event: {payload:?}");
                    return;
                };
                if name != self.config.service {
                    return;
                }
                let Ok(port) = port.parse::<u16>() else {
                    log::debug!("malformed {SWITCH} event: {payload:?}");
                    return;
                };
                use std::sync::atomic::Ordering;
                self.counters.switch_events.fetch_add(1, Ordering::Relaxed);
                let new = Address::Tcp {
                    host: ip.to_string(),
                    port,
                };
                log::info!(
                    "sentinel {from} announced {new} as the primary of {:?}",
                    self.config.service
                );
                // The announcing sentinel is the one that knows: ask it first from now on.
                self.to_front(from);
                self.switch_announced();
                self.named(&new);
                // Its config-epoch, so that a sentinel still naming the old primary is seen
                // to be behind.
                let node = self
                    .nodes
                    .lock()
                    .iter()
                    .find(|n| &n.address == from)
                    .cloned();
                if let Some(node) = node {
                    if let Ok(Some(named)) = self.ask_master(&node, Budget::NONE) {
                        self.epoch.fetch_max(named.epoch, Ordering::AcqRel);
                    }
                }
            }
            // slave <ip:port> <ip> <port> @ <name> <primary ip> <primary port>
            PROMOTED | PROMOTING => {
                let [_, _, ip, port, "@", name, old_ip, old_port] = words[..] else {
                    log::debug!("malformed {PROMOTED} event: {payload:?}");
                    return;
                };
                let (Ok(port), Ok(old_port)) = (port.parse::<u16>(), old_port.parse::<u16>())
                else {
                    return;
                };
                if name != self.config.service {
                    return;
                }
                let to = Address::Tcp {
                    host: ip.to_string(),
                    port,
                };
                let old = Address::Tcp {
                    host: old_ip.to_string(),
                    port: old_port,
                };
                self.to_front(from);
                if channel == PROMOTING {
                    self.promoting(old, to);
                } else {
                    log::info!(
                        "sentinel {from} promoted {to} to primary of {:?}: following it before the switch is announced",
                        self.config.service
                    );
                    self.promoted(old, to);
                }
            }
            // master <name> <ip> <port>
            ABORTED if words.get(1) == Some(&self.config.service.as_str()) => {
                log::warn!(
                    "sentinel {from} gave up the failover of {:?}",
                    self.config.service
                );
                self.failover_aborted();
            }
            // sentinel <run id> <ip> <port> @ <name> <primary ip> <primary port>
            NEW_SENTINEL => {
                let [_, _, ip, port, "@", name, ..] = words[..] else {
                    return;
                };
                if name != self.config.service {
                    return;
                }
                if let Ok(port) = port.parse::<u16>() {
                    self.discovered(Address::Tcp {
                        host: ip.to_string(),
                        port,
                    });
                }
            }
            _ => {}
        }
    }
}
