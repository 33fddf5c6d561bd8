//! What a connection's commands did to its server-side session, so a pool never hands the next
//! caller a connection inside a transaction, watching keys, or switched to another database or
//! user. Each effect comes from the command table and is applied when the reply confirms it.

use super::config::Protocol;
use crate::commands::table::SessionEffect;
use crate::resp::Value;

/// What the connection's session looks like now, compared with how the handshake (and the
/// connection-init hooks) left it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Session {
    pub(crate) multi: bool,
    pub(crate) watching: bool,
    /// Changed in a way no cheap command undoes: the connection must be closed, not reused.
    pub(crate) dirty: bool,
    /// A command queued inside the open transaction will make the session dirty if `EXEC`
    /// runs it.
    queued_dirty: bool,
    /// A `HELLO` is queued inside the open transaction: `EXEC`'s reply holds the protocol.
    queued_protocol: bool,
}

impl Session {
    /// Applies what a command does, now that its reply arrived; returns the protocol the
    /// connection speaks from now on when the command changed it.
    pub(crate) fn confirm(&mut self, effect: SessionEffect, reply: &Value) -> Option<Protocol> {
        let error = match reply {
            Value::Error(e) | Value::BulkError(e) => Some(e),
            _ => None,
        };
        // Inside MULTI, a command's reply is QUEUED and its effect waits for EXEC.
        let queued = self.multi && matches!(reply, Value::SimpleString(s) if s == b"QUEUED");
        match effect {
            SessionEffect::None | SessionEffect::Refused(_) => {}
            SessionEffect::Multi => {
                if error.is_none() {
                    self.multi = true;
                }
            }
            SessionEffect::Exec | SessionEffect::Discard => match error {
                None if matches!(reply, Value::Array(_) | Value::Nil | Value::Okay) => {
                    let ran = effect == SessionEffect::Exec && self.queued_dirty;
                    let protocol = match reply {
                        Value::Array(replies) if self.queued_protocol => {
                            replies.iter().rev().find_map(hello_protocol)
                        }
                        _ => None,
                    };
                    self.end_transaction();
                    self.dirty |= ran;
                    return protocol;
                }
                // A transaction whose queueing failed was discarded, watches and all.
                Some(e) if e.code() == "EXECABORT" => self.end_transaction(),
                // `EXEC without MULTI`, `DISCARD without MULTI`: nothing changed on the server
                // (a WATCH stays in force).
                Some(e) if e.message().contains("without MULTI") => {}
                // Anything else leaves the session in a state this side cannot know.
                _ => self.dirty = true,
            },
            SessionEffect::Watch => {
                if error.is_none() && !queued {
                    self.watching = true;
                }
            }
            SessionEffect::Unwatch => {
                if error.is_none() && !queued {
                    self.watching = false;
                }
            }
            SessionEffect::Dirty | SessionEffect::NextCommand => {
                if queued {
                    self.queued_dirty = true;
                } else if error.is_none() {
                    self.dirty = true;
                }
            }
            SessionEffect::Protocol => {
                if queued {
                    self.queued_dirty = true;
                    self.queued_protocol = true;
                } else if error.is_none() {
                    self.dirty = true;
                    // RESET runs at once even inside MULTI, ending the transaction and the
                    // watches, and goes back to RESP2.
                    if matches!(reply, Value::SimpleString(s) if s == b"RESET") {
                        self.end_transaction();
                        return Some(Protocol::Resp2);
                    }
                    return hello_protocol(reply);
                }
            }
        }
        None
    }

    fn end_transaction(&mut self) {
        self.multi = false;
        self.watching = false;
        self.queued_dirty = false;
        self.queued_protocol = false;
    }

    /// True when the session is as the handshake left it.
    pub(crate) fn is_clean(&self) -> bool {
        !self.multi && !self.watching && !self.dirty
    }

    /// Takes the session as it is now for the baseline (after the handshake and the init
    /// hooks, whose effects are the connection's normal state).
    pub(crate) fn set_baseline(&mut self) {
        *self = Session::default();
    }
}

/// The protocol a `HELLO` reply names (its `proto` field, in a RESP3 map or a RESP2 flat
/// array), if `reply` is one. Inside a transaction's reply, a reply counts as `HELLO`'s only
/// when it also has the `server` and `id` fields every `HELLO` reply carries.
fn hello_protocol(reply: &Value) -> Option<Protocol> {
    let (mut proto, mut server, mut id) = (None, false, false);
    let mut see = |field: &Value, value: &Value| match field {
        Value::BulkString(f) | Value::SimpleString(f) => match f.as_slice() {
            b"proto" => {
                proto = match value {
                    Value::Int(2) => Some(Protocol::Resp2),
                    Value::Int(3) => Some(Protocol::Resp3),
                    _ => None,
                }
            }
            b"server" => server = true,
            b"id" => id = true,
            _ => {}
        },
        _ => {}
    };
    match reply {
        Value::Map(pairs) => pairs.iter().for_each(|(f, v)| see(f, v)),
        Value::Array(flat) => flat.chunks_exact(2).for_each(|p| see(&p[0], &p[1])),
        _ => return None,
    }
    proto.filter(|_| server && id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ServerError;

    fn err(text: &str) -> Value {
        Value::Error(Box::new(ServerError::parse(text.as_bytes())))
    }
    fn queued() -> Value {
        Value::SimpleString(b"QUEUED".to_vec())
    }

    #[test]
    fn effects_apply_only_when_the_reply_confirms_them() {
        let mut s = Session::default();
        s.confirm(SessionEffect::Watch, &Value::Okay);
        assert!(s.watching);
        // EXEC without MULTI fails and leaves the server watching: so do we.
        s.confirm(SessionEffect::Exec, &err("ERR EXEC without MULTI"));
        assert!(s.watching && !s.dirty);
        s.confirm(SessionEffect::Multi, &Value::Okay);
        s.confirm(
            SessionEffect::Multi,
            &err("ERR MULTI calls can not be nested"),
        );
        assert!(s.multi);
        s.confirm(SessionEffect::Exec, &Value::Nil);
        assert!(s.is_clean());
        // A failed SELECT changes nothing; a good one makes the session dirty.
        s.confirm(SessionEffect::Dirty, &err("ERR DB index is out of range"));
        assert!(s.is_clean());
        s.confirm(SessionEffect::Dirty, &Value::Okay);
        assert!(s.dirty);
    }

    #[test]
    fn queued_effects_wait_for_exec() {
        let mut s = Session::default();
        s.confirm(SessionEffect::Multi, &Value::Okay);
        s.confirm(SessionEffect::Dirty, &queued());
        assert!(!s.dirty);
        s.confirm(SessionEffect::Discard, &Value::Okay);
        assert!(s.is_clean());
        s.confirm(SessionEffect::Multi, &Value::Okay);
        s.confirm(SessionEffect::Dirty, &queued());
        s.confirm(SessionEffect::Exec, &Value::Array(vec![Value::Okay]));
        assert!(s.dirty && !s.multi);
        let mut s = Session::default();
        s.confirm(SessionEffect::Multi, &Value::Okay);
        s.confirm(SessionEffect::Dirty, &queued());
        s.confirm(SessionEffect::Exec, &err("EXECABORT Transaction discarded"));
        assert!(s.is_clean());
        // An EXEC failing for an unknown reason leaves an unknown state.
        let mut s = Session::default();
        s.confirm(SessionEffect::Multi, &Value::Okay);
        s.confirm(SessionEffect::Exec, &err("ERR something new"));
        assert!(s.dirty);
    }

    fn hello(proto: i64) -> Value {
        let b = |t: &str| Value::BulkString(t.as_bytes().to_vec());
        Value::Map(vec![
            (b("server"), b("redis")),
            (b("version"), b("7.0.15")),
            (b("proto"), Value::Int(proto)),
            (b("id"), Value::Int(7)),
        ])
    }

    #[test]
    fn hello_and_reset_say_which_protocol_follows() {
        let mut s = Session::default();
        let p = s.confirm(SessionEffect::Protocol, &hello(3));
        assert_eq!(p, Some(Protocol::Resp3));
        assert!(s.dirty);
        // RESP2's flat array says the same.
        let Value::Map(pairs) = hello(2) else {
            unreachable!()
        };
        let flat = pairs.into_iter().flat_map(|(f, v)| [f, v]).collect();
        assert_eq!(
            s.confirm(SessionEffect::Protocol, &Value::Array(flat)),
            Some(Protocol::Resp2)
        );
        // A failed HELLO changes nothing.
        let mut s = Session::default();
        let refused = err("NOPROTO unsupported protocol version");
        assert_eq!(s.confirm(SessionEffect::Protocol, &refused), None);
        assert!(s.is_clean());
        // RESET inside MULTI runs at once and ends the transaction.
        s.confirm(SessionEffect::Multi, &Value::Okay);
        let reset = Value::SimpleString(b"RESET".to_vec());
        assert_eq!(
            s.confirm(SessionEffect::Protocol, &reset),
            Some(Protocol::Resp2)
        );
        assert!(!s.multi && s.dirty);
    }

    #[test]
    fn a_queued_hello_takes_effect_with_exec() {
        let mut s = Session::default();
        s.confirm(SessionEffect::Multi, &Value::Okay);
        assert_eq!(s.confirm(SessionEffect::Protocol, &queued()), None);
        // A user's hash with a `proto` field is not HELLO's reply.
        let b = |t: &str| Value::BulkString(t.as_bytes().to_vec());
        let hash = Value::Map(vec![(b("proto"), Value::Int(2))]);
        let replies = Value::Array(vec![hello(3), hash]);
        assert_eq!(
            s.confirm(SessionEffect::Exec, &replies),
            Some(Protocol::Resp3)
        );
        assert!(s.dirty && !s.multi);
    }
}
