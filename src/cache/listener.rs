//! The invalidation listener: one connection per caching client, subscribed to
//! `__redis__:invalidate`, read by a background thread (`redisync-cache-listener`) that applies
//! every invalidation to the store as it arrives.
//!
//! The thread holds only a weak reference to the cache and exits within one heartbeat of the
//! last clone of the client being dropped.

use std::sync::Weak;
use std::thread;
use std::time::{Duration, Instant};

use super::{Cache, CacheMode};
use crate::commands::table::spec;
use crate::connection::Connection;
use crate::connection::config::{ConnectionConfig, Protocol};
use crate::error::{Error, Result, TimeoutPhase};
use crate::resp::{Value, write_bulk, write_command_header};

/// The channel the server publishes redirected invalidations on (for RESP2 listeners).
const CHANNEL: &[u8] = b"__redis__:invalidate";
/// The first pause before reconnecting, doubled after each failure up to `MAX_BACKOFF`.
const MIN_BACKOFF: Duration = Duration::from_millis(5);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Starts the listener thread.
pub(super) fn start(
    cache: Weak<Cache>,
    connect: ConnectionConfig,
    open: Option<super::Opener>,
) -> Result<()> {
    // RESP2, so that every server and version delivers the invalidations the same way: as
    // messages on the channel.
    let cfg = connect.protocol(Protocol::Resp2);
    thread::Builder::new()
        .name("redisync-cache-listener".into())
        .spawn(move || run(&cache, &cfg, open.as_ref()))
        .map(drop)
        .map_err(Error::Io)
}

fn run(weak: &Weak<Cache>, cfg: &ConnectionConfig, open: Option<&super::Opener>) {
    let mut backoff = MIN_BACKOFF;
    loop {
        let Some(cache) = weak.upgrade() else {
            return;
        };
        let heartbeat = cache.heartbeat;
        let restarts = cache.restarts();
        match subscribe(cfg, &cache, open) {
            Ok((conn, id)) => {
                cache.listener_up(id);
                backoff = MIN_BACKOFF;
                drop(cache);
                let why = listen(conn, weak, heartbeat, restarts);
                match weak.upgrade() {
                    Some(cache) => cache.listener_down(&why),
                    None => return,
                }
            }
            Err(e) => {
                cache.listener_down(&e);
                drop(cache);
                // Jitter, so many clients do not reconnect in step after an outage.
                let pause = backoff.mul_f64(0.5 + rand::random::<f64>() / 2.0);
                thread::sleep(pause);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Opens the listener's connection: its ID, the broadcast tracking (in that mode), and the
/// subscription, all within the connect timeout.
fn subscribe(
    cfg: &ConnectionConfig,
    cache: &Cache,
    open: Option<&super::Opener>,
) -> Result<(Connection, u64)> {
    let start = Instant::now();
    let mut conn = match open {
        Some(open) => open(cfg)?,
        None => Connection::with_config(cfg)?,
    };
    let id: u64 = crate::cmd("CLIENT").arg("ID").query(&mut conn)?;
    if let CacheMode::Broadcast(prefixes) = &cache.mode {
        // The listener tracks the prefixes itself, its invalidations redirected to itself.
        let mut tracking = crate::cmd("CLIENT")
            .arg("TRACKING")
            .arg("ON")
            .arg("REDIRECT")
            .arg(id)
            .arg("BCAST");
        for p in prefixes {
            tracking = tracking.arg("PREFIX").arg(p.as_str());
        }
        tracking.exec(&mut conn)?;
    }
    conn.write_untracked(&spec::SUBSCRIBE, |out| {
        write_command_header(out, 2);
        write_bulk(out, b"SUBSCRIBE");
        write_bulk(out, CHANNEL);
        Ok(())
    })?;
    let left = cfg.connect_timeout.saturating_sub(start.elapsed());
    match conn.next_frame(left)? {
        Some(Value::Array(items) | Value::Push(items)) if matches!(items.first(), Some(Value::BulkString(k)) if k.eq_ignore_ascii_case(b"subscribe")) => {
            Ok((conn, id))
        }
        Some(Value::Error(e) | Value::BulkError(e)) => Err(Error::Server(e)),
        Some(other) => Err(Error::invalid(
            "cache",
            format!(
                "the invalidation listener's SUBSCRIBE got {} instead of its confirmation",
                other.describe()
            ),
        )),
        None => Err(Error::timeout(TimeoutPhase::Connect, cfg.connect_timeout)),
    }
}

/// How often the listener looks up from its socket for a restart request (the pool retired
/// its connections: the address may now mean another server).
const RESTART_CHECK: Duration = Duration::from_millis(100);

/// Reads invalidations until the connection fails, the cache is gone or a restart is asked
/// for; why it stopped.
fn listen(mut conn: Connection, weak: &Weak<Cache>, heartbeat: Duration, restarts: u64) -> Error {
    let mut awaiting_pong = false;
    let mut last = Instant::now();
    loop {
        let frame = match conn.next_frame(heartbeat.min(RESTART_CHECK)) {
            Ok(frame) => frame,
            Err(e) => return e,
        };
        let Some(cache) = weak.upgrade() else {
            return Error::invalid("cache", "the client is gone");
        };
        if cache.restarts() != restarts {
            return Error::invalid("cache", "the listener was asked to reconnect");
        }
        match frame {
            Some(frame) => {
                // Any frame shows the connection is alive.
                awaiting_pong = false;
                last = Instant::now();
                apply(&cache, frame);
            }
            None if last.elapsed() < heartbeat => {}
            None if awaiting_pong => return Error::timeout(TimeoutPhase::Read, heartbeat),
            None => {
                let ping = conn.write_untracked(&spec::PING, |out| {
                    write_command_header(out, 1);
                    write_bulk(out, b"PING");
                    Ok(())
                });
                if let Err(e) = ping {
                    return e;
                }
                awaiting_pong = true;
                last = Instant::now();
            }
        }
    }
}

/// Applies one frame from the listener's connection.
fn apply(cache: &Cache, frame: Value) {
    let mut items = match frame {
        Value::Array(items) | Value::Push(items) => items,
        other => return unexpected(cache, &other),
    };
    let kind = match items.first() {
        Some(Value::BulkString(k) | Value::SimpleString(k)) => k.to_ascii_lowercase(),
        _ => return unexpected(cache, &Value::Array(items)),
    };
    match kind.as_slice() {
        b"message" if items.len() == 3 => {
            let payload = items.pop().unwrap_or(Value::Nil);
            match payload {
                // A FLUSHALL or FLUSHDB (or a tracking table the server had to empty).
                Value::Nil => cache.store.flush(),
                Value::Array(keys) => {
                    for key in keys {
                        match key {
                            Value::BulkString(k) | Value::SimpleString(k) => {
                                cache.store.invalidate(&k, true);
                            }
                            other => return unexpected(cache, &other),
                        }
                    }
                }
                other => unexpected(cache, &other),
            }
        }
        // The heartbeat's answer, and the subscription's own confirmations.
        b"pong" | b"subscribe" => {}
        _ => unexpected(cache, &Value::Array(items)),
    }
}

/// Something other than an invalidation came: nothing cached can be trusted to have seen
/// every change, so it all goes.
fn unexpected(cache: &Cache, what: &Value) {
    log::warn!(
        "the cache listener got an unexpected {}; flushing the cache",
        what.describe()
    );
    cache.store.flush();
}
