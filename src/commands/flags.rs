//! What the retry layer needs to know about a command: is it safe to send twice, and does it
//! block on the server (so its reply may take longer than the read timeout).

use std::time::Duration;

/// Commands that change nothing (or whose repetition changes nothing further), by name: a
/// lost reply to one of these may be asked for again. Everything else is assumed to have an
/// effect that must not happen twice.
const REPEATABLE: &[&str] = &[
    "BITCOUNT",
    "BITPOS",
    "DBSIZE",
    "DUMP",
    "ECHO",
    "EVALSHA_RO",
    "EVAL_RO",
    "EXISTS",
    "EXPIRETIME",
    "FCALL_RO",
    "GEODIST",
    "GEOHASH",
    "GEOPOS",
    "GEOSEARCH",
    "GET",
    "GETBIT",
    "GETRANGE",
    "HEXISTS",
    "HGET",
    "HGETALL",
    "HKEYS",
    "HLEN",
    "HMGET",
    "HRANDFIELD",
    "HSCAN",
    "HSTRLEN",
    "HVALS",
    "INFO",
    "KEYS",
    "LINDEX",
    "LLEN",
    "LPOS",
    "LRANGE",
    "MGET",
    "OBJECT",
    "PEXPIRETIME",
    "PFCOUNT",
    "PING",
    "PTTL",
    "RANDOMKEY",
    "SCAN",
    "SCARD",
    "SDIFF",
    "SINTER",
    "SINTERCARD",
    "SISMEMBER",
    "SMEMBERS",
    "SMISMEMBER",
    "SRANDMEMBER",
    "SSCAN",
    "STRLEN",
    "SUBSTR",
    "SUNION",
    "TIME",
    "TOUCH",
    "TTL",
    "TYPE",
    "XINFO",
    "XLEN",
    "XPENDING",
    "XRANGE",
    "XREVRANGE",
    "ZCARD",
    "ZCOUNT",
    "ZDIFF",
    "ZINTER",
    "ZINTERCARD",
    "ZLEXCOUNT",
    "ZMSCORE",
    "ZRANDMEMBER",
    "ZRANGE",
    "ZRANGEBYLEX",
    "ZRANGEBYSCORE",
    "ZRANK",
    "ZREVRANGE",
    "ZREVRANGEBYLEX",
    "ZREVRANGEBYSCORE",
    "ZREVRANK",
    "ZSCAN",
    "ZSCORE",
    "ZUNION",
];

/// Whether a command of this name may be sent again after its reply was lost.
pub(crate) fn is_repeatable(name: &[u8]) -> bool {
    REPEATABLE
        .iter()
        .any(|r| r.len() == name.len() && r.as_bytes().eq_ignore_ascii_case(name))
}

/// Where a blocking command keeps its timeout.
#[derive(Clone, Copy)]
enum Wait {
    /// The last argument, in seconds.
    LastSeconds,
    /// The first argument after the name, in seconds.
    FirstSeconds,
    /// The last argument, in milliseconds.
    LastMillis,
    /// The argument after `BLOCK`, in milliseconds (absent: the command does not block).
    AfterBlock,
}

const BLOCKING: &[(&str, Wait)] = &[
    ("BLPOP", Wait::LastSeconds),
    ("BRPOP", Wait::LastSeconds),
    ("BZPOPMIN", Wait::LastSeconds),
    ("BZPOPMAX", Wait::LastSeconds),
    ("BRPOPLPUSH", Wait::LastSeconds),
    ("BLMOVE", Wait::LastSeconds),
    ("BLMPOP", Wait::FirstSeconds),
    ("BZMPOP", Wait::FirstSeconds),
    ("WAIT", Wait::LastMillis),
    ("WAITAOF", Wait::LastMillis),
    ("XREAD", Wait::AfterBlock),
    ("XREADGROUP", Wait::AfterBlock),
];

fn wait_rule(name: &[u8]) -> Option<Wait> {
    BLOCKING
        .iter()
        .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name))
        .map(|(_, w)| *w)
}

/// Whether a command of this name may block on the server (so its arguments are worth
/// reading with [`blocking_wait`]). Allocates nothing.
pub(crate) fn may_block(name: &[u8]) -> bool {
    wait_rule(name).is_some()
}

/// How long a blocking command may make the server wait before it replies, read from its
/// arguments (`args[0]` is the name): `Some(None)` for "forever" (a zero timeout), `None` for a
/// command that does not block.
pub(crate) fn blocking_wait(args: &[&[u8]]) -> Option<Option<Duration>> {
    let seconds = |a: &[u8]| -> Option<Option<Duration>> {
        let v: f64 = std::str::from_utf8(a).ok()?.parse().ok()?;
        if !v.is_finite() || v < 0.0 {
            return None;
        }
        Some((v > 0.0).then(|| Duration::from_secs_f64(v)))
    };
    let millis = |a: &[u8]| -> Option<Option<Duration>> {
        let v: u64 = std::str::from_utf8(a).ok()?.parse().ok()?;
        Some((v > 0).then(|| Duration::from_millis(v)))
    };
    match wait_rule(args.first()?)? {
        Wait::LastSeconds => seconds(args.last()?),
        Wait::FirstSeconds => seconds(args.get(1)?),
        Wait::LastMillis => millis(args.last()?),
        Wait::AfterBlock => {
            let at = args.iter().position(|a| a.eq_ignore_ascii_case(b"BLOCK"))?;
            millis(args.get(at + 1)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_commands_are_repeatable_in_any_case() {
        assert!(is_repeatable(b"GET") && is_repeatable(b"mget") && is_repeatable(b"Ttl"));
        assert!(!is_repeatable(b"INCR") && !is_repeatable(b"SET") && !is_repeatable(b"EVAL"));
        assert!(!is_repeatable(b"BLPOP"));
    }

    #[test]
    fn blocking_commands_report_their_wait() {
        let secs = |s: u64| Some(Some(Duration::from_secs(s)));
        assert_eq!(blocking_wait(&[b"BLPOP", b"a", b"b", b"30"]), secs(30));
        assert_eq!(
            blocking_wait(&[b"blmove", b"a", b"b", b"LEFT", b"RIGHT", b"2"]),
            secs(2)
        );
        assert_eq!(blocking_wait(&[b"BLPOP", b"a", b"0"]), Some(None));
        assert_eq!(
            blocking_wait(&[b"BZPOPMIN", b"z", b"0.5"]),
            Some(Some(Duration::from_millis(500)))
        );
        assert_eq!(
            blocking_wait(&[b"BLMPOP", b"7", b"1", b"l", b"LEFT"]),
            secs(7)
        );
        assert_eq!(
            blocking_wait(&[b"WAIT", b"1", b"1500"]),
            Some(Some(Duration::from_millis(1500)))
        );
        assert_eq!(
            blocking_wait(&[
                b"XREAD", b"COUNT", b"1", b"BLOCK", b"250", b"STREAMS", b"s", b"$"
            ]),
            Some(Some(Duration::from_millis(250)))
        );
        assert_eq!(blocking_wait(&[b"XREAD", b"STREAMS", b"s", b"0"]), None);
        assert_eq!(blocking_wait(&[b"GET", b"k"]), None);
        assert_eq!(blocking_wait(&[b"BLPOP", b"a", b"soon"]), None);
    }
}
