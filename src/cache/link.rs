//! What a pooled connection of a caching client knows about the cache, applied in the
//! connection's one write path: commands that would change what cached replies mean are
//! refused, writes invalidate their keys before they leave and again once their replies are
//! read, and closing the connection evicts what it fetched.

use std::sync::Arc;

use super::Cache;
use crate::commands::table::{CommandSpec, spec};
use crate::commands::{Batch, Request};
use crate::connection::{Connection, Meta, reply_to_result};
use crate::error::{ConversionError, Error, Result};
use crate::resp::{Value, split_command, write_bulk, write_command_header};

/// Commands refused on a caching client's connections: each changes which data the
/// connection reads (`SELECT`, `AUTH`, `HELLO`'s `AUTH`), or turns the tracking that keeps the
/// cache true off or elsewhere (`RESET`, `HELLO`, `CLIENT TRACKING`).
static REFUSED: [&CommandSpec; 5] = [
    &spec::SELECT,
    &spec::AUTH,
    &spec::HELLO,
    &spec::RESET,
    &spec::CLIENT_TRACKING,
];

/// The generation of a connection whose tracking redirect the server reported broken: never
/// the listener's.
const BROKEN: u64 = u64::MAX;

/// A caching client's mark on one of its connections.
pub(crate) struct Link {
    cache: Arc<Cache>,
    /// The listener generation this connection's tracking redirects to (0: untracked).
    generation: u64,
    /// Keys written by commands whose replies are still owed, with the sequence number of
    /// the reply after which they are dropped again (`None` for a flush).
    written: std::collections::VecDeque<(u64, Option<Vec<u8>>)>,
}

impl Link {
    pub(crate) fn new(cache: Arc<Cache>, generation: u64) -> Link {
        Link {
            cache,
            generation,
            written: std::collections::VecDeque::new(),
        }
    }

    /// The listener generation this connection's tracking redirects to (0: untracked).
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether the connection's tracking matches the listener now up (or, with none up, it
    /// is untracked): a connection that fails this is closed instead of reused.
    pub(crate) fn is_current(&self) -> bool {
        self.generation == self.cache.current()
    }

    /// The error for a command this connection must not send while caching is on.
    pub(crate) fn refusal(spec: &'static CommandSpec) -> Option<Error> {
        if REFUSED.iter().any(|r| std::ptr::eq(*r, spec)) {
            return Some(Error::invalid(
                spec.full_name(),
                "refused while client-side caching is on: it would change what the cached replies mean on this connection (build a client without .cache(..) for it)",
            ));
        }
        None
    }

    /// A frame is about to be sent, its first reply numbered `first_seq`: the keys its writes
    /// touch are invalidated now (so a read in flight for them keeps nothing) and remembered
    /// until each write's reply is in.
    pub(crate) fn before_send(
        &mut self,
        commands: impl Iterator<Item = (&'static CommandSpec, usize)>,
        frame: &[u8],
        first_seq: u64,
    ) {
        let mut begin = 0;
        for (seq, (spec, end)) in (first_seq..).zip(commands) {
            let bytes = frame.get(begin..end).unwrap_or(&[]);
            begin = end;
            if !writes(spec) {
                continue;
            }
            if [&spec::FLUSHALL, &spec::FLUSHDB, &spec::SWAPDB]
                .iter()
                .any(|s| std::ptr::eq(*s, spec))
            {
                self.cache.store.flush();
                self.written.push_back((seq, None));
                continue;
            }
            let Some(args) = split_command(bytes) else {
                continue;
            };
            let keys = spec.keys_in(&args);
            for &i in keys.positions() {
                if let Some(key) = args.get(i) {
                    self.cache.store.invalidate(key, false);
                    self.written.push_back((seq, Some(key.to_vec())));
                }
            }
        }
    }

    /// The reply numbered `seq` has been read. The writes up to it have run, unless they
    /// were queued in a transaction still open (`in_transaction`: they run at `EXEC`): what
    /// was read meanwhile (perhaps before them) is dropped again, so this client reads its
    /// own writes.
    pub(crate) fn after_reply(&mut self, seq: u64, in_transaction: bool) {
        if in_transaction {
            return;
        }
        while self.written.front().is_some_and(|(s, _)| *s <= seq) {
            match self.written.pop_front() {
                Some((_, Some(key))) => self.cache.store.invalidate(&key, false),
                Some((_, None)) => self.cache.store.flush(),
                None => break,
            }
        }
    }

    /// A push frame arrived on this connection. `tracking-redir-broken` says the listener
    /// this connection's tracking redirects to is gone: invalidations for what it read are
    /// lost, so everything cached goes and the connection fills nothing more (the pool closes
    /// it).
    pub(crate) fn on_push(&mut self, push: &Value) {
        let Value::Push(items) = push else {
            return;
        };
        let broken = matches!(
            items.first(),
            Some(Value::BulkString(k) | Value::SimpleString(k)) if k.eq_ignore_ascii_case(b"tracking-redir-broken")
        );
        if broken && self.generation != BROKEN {
            log::warn!("a connection's tracking redirect broke; flushing the cache");
            self.generation = BROKEN;
            self.cache.store.flush();
        }
    }

    /// The connection closed: the server forgot what it tracked for it.
    pub(crate) fn closed(&self, id: u64) {
        if !self.cache.is_broadcast() {
            self.cache.store.evict_connection(id);
        }
    }
}

/// Whether a command may change data: a write, or a script or function.
fn writes(spec: &CommandSpec) -> bool {
    spec.has_flag("write") || spec.runs_user_code()
}

/// Sends `request` so that the server tracks it as the mode asks and, with `with_ttl`, with
/// its keys' `PTTL`s in the same transaction: the reply and the `PTTL` replies.
pub(crate) fn fetch_tracked(
    conn: &mut Connection,
    request: &Request<'_>,
    keys: &[&[u8]],
    optin: bool,
    with_ttl: bool,
) -> Result<(Value, Vec<Value>)> {
    let mut frame = Vec::with_capacity(64 + keys.iter().map(|k| k.len() + 24).sum::<usize>());
    let mut metas = Vec::with_capacity(keys.len() + 4);
    let push = |frame: &mut Vec<u8>, metas: &mut Vec<Meta>, spec, args: &[&[u8]]| {
        write_command_header(frame, args.len());
        for a in args {
            write_bulk(frame, a);
        }
        metas.push(Meta {
            spec,
            end: frame.len(),
        });
    };
    if with_ttl {
        push(&mut frame, &mut metas, &spec::MULTI, &[b"MULTI"]);
    }
    if optin {
        let caching: &[&[u8]] = &[b"CLIENT", b"CACHING", b"YES"];
        push(&mut frame, &mut metas, &spec::CLIENT_CACHING, caching);
    }
    request.encode(&mut frame)?;
    metas.push(Meta {
        spec: request.spec(),
        end: frame.len(),
    });
    if with_ttl {
        for key in keys {
            push(&mut frame, &mut metas, &spec::PTTL, &[b"PTTL", key]);
        }
        push(&mut frame, &mut metas, &spec::EXEC, &[b"EXEC"]);
    }
    let batch = Batch {
        encoded: &frame,
        metas: &metas,
        atomic: with_ttl,
        repeatable: true,
    };
    let mut replies = crate::commands::Execute::execute_batch(conn, &batch)?;
    if !with_ttl {
        // CLIENT CACHING YES, then the reply.
        let value = replies.pop().unwrap_or(Value::Nil);
        if let Some(first) = replies.pop() {
            reply_to_result(first)?;
        }
        return Ok((reply_to_result(value)?, Vec::new()));
    }
    // MULTI, QUEUED..., then EXEC's array: [OK (optin)], the reply, the PTTLs.
    let exec = replies.pop().unwrap_or(Value::Nil);
    for r in replies {
        reply_to_result(r)?;
    }
    let mut items = match reply_to_result(exec)? {
        Value::Array(items) if items.len() == keys.len() + 1 + usize::from(optin) => items,
        other => return Err(ConversionError::new("the cache's EXEC reply", &other).into()),
    };
    let pttls = items.split_off(1 + usize::from(optin));
    let value = items.pop().unwrap_or(Value::Nil);
    Ok((reply_to_result(value)?, pttls))
}
