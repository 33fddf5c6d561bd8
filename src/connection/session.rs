//! What a connection's commands did to its server-side session, so a pool never hands the next
//! caller a connection inside a transaction, watching keys, subscribed, or switched to another
//! database or user.

/// The effect of one command on the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionEffect {
    /// `MULTI`: commands are queued until `EXEC` or `DISCARD`.
    Multi,
    /// `EXEC` or `DISCARD`: the transaction ends and every watch is dropped.
    EndTransaction,
    /// `WATCH`.
    Watch,
    /// `UNWATCH`.
    Unwatch,
    /// A change no cheap command undoes for certain (`SELECT`, `AUTH`, `HELLO`, `SUBSCRIBE`,
    /// `MONITOR`, `CLIENT REPLY`, `RESET`, `READONLY`, ...): the connection must not be reused.
    Dirty,
}

/// What the connection's session looks like now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Session {
    pub(crate) multi: bool,
    pub(crate) watching: bool,
    pub(crate) dirty: bool,
}

impl Session {
    pub(crate) fn apply(&mut self, effect: SessionEffect) {
        match effect {
            SessionEffect::Multi => self.multi = true,
            SessionEffect::EndTransaction => {
                self.multi = false;
                self.watching = false;
            }
            SessionEffect::Watch => self.watching = true,
            SessionEffect::Unwatch => self.watching = false,
            SessionEffect::Dirty => self.dirty = true,
        }
    }

    /// True when the session is as the handshake left it.
    pub(crate) fn is_clean(&self) -> bool {
        !self.multi && !self.watching && !self.dirty
    }
}

/// The effect of a command, from its name and (for `CLIENT`) its subcommand.
pub(crate) fn classify(name: &[u8], subcommand: Option<&[u8]>) -> Option<SessionEffect> {
    let upper = |s: &[u8]| -> [u8; 16] {
        let mut out = [0u8; 16];
        for (o, b) in out.iter_mut().zip(s) {
            *o = b.to_ascii_uppercase();
        }
        out
    };
    if name.len() > 16 {
        return None;
    }
    let n = upper(name);
    let n = &n[..name.len()];
    Some(match n {
        b"MULTI" => SessionEffect::Multi,
        b"EXEC" | b"DISCARD" => SessionEffect::EndTransaction,
        b"WATCH" => SessionEffect::Watch,
        b"UNWATCH" => SessionEffect::Unwatch,
        b"SELECT" | b"AUTH" | b"HELLO" | b"SUBSCRIBE" | b"PSUBSCRIBE" | b"SSUBSCRIBE"
        | b"MONITOR" | b"RESET" | b"READONLY" | b"READWRITE" | b"QUIT" | b"SYNC" | b"PSYNC"
        | b"REPLCONF" => SessionEffect::Dirty,
        b"CLIENT" => {
            let sub = subcommand?;
            if sub.len() > 16 {
                return None;
            }
            let s = upper(sub);
            match &s[..sub.len()] {
                b"REPLY" | b"TRACKING" | b"SETNAME" | b"CACHING" | b"NO-EVICT" | b"NO-TOUCH"
                | b"SETINFO" => SessionEffect::Dirty,
                _ => return None,
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_that_change_the_session_are_recognised_in_any_case() {
        assert_eq!(classify(b"multi", None), Some(SessionEffect::Multi));
        assert_eq!(classify(b"Exec", None), Some(SessionEffect::EndTransaction));
        assert_eq!(classify(b"WATCH", None), Some(SessionEffect::Watch));
        assert_eq!(classify(b"select", None), Some(SessionEffect::Dirty));
        assert_eq!(
            classify(b"client", Some(b"reply")),
            Some(SessionEffect::Dirty)
        );
        assert_eq!(classify(b"CLIENT", Some(b"ID")), None);
        assert_eq!(classify(b"CLIENT", None), None);
        assert_eq!(classify(b"GET", None), None);
        assert_eq!(classify(b"AVERYLONGCOMMANDNAMEINDEED", None), None);
        let mut s = Session::default();
        s.apply(SessionEffect::Watch);
        s.apply(SessionEffect::Multi);
        assert!(!s.is_clean());
        s.apply(SessionEffect::EndTransaction);
        assert!(s.is_clean());
    }
}
