//! What a connection's commands did to its server-side session, so a pool never hands the next
//! caller a connection inside a transaction, watching keys, or switched to another database or
//! user. Each effect comes from the command table and is applied when the reply confirms it.

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
}

impl Session {
    /// Applies what a command does, now that its reply arrived.
    pub(crate) fn confirm(&mut self, effect: SessionEffect, reply: &Value) {
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
                    self.end_transaction();
                    self.dirty |= ran;
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
            SessionEffect::Dirty => {
                if queued {
                    self.queued_dirty = true;
                } else if error.is_none() {
                    self.dirty = true;
                }
            }
        }
    }

    fn end_transaction(&mut self) {
        self.multi = false;
        self.watching = false;
        self.queued_dirty = false;
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
}
