//! Finding a command's keys in its arguments, as the server does: from the key specifications
//! (Redis's `getKeysUsingKeySpecs`), or, for the few commands whose specifications cannot say
//! (`incomplete`, `unknown`, or none at all), from a procedure of their own, as the server has
//! one. For routing and caching.
//!
//! `tests/command_keys.rs` checks the result against `COMMAND GETKEYS` on every server.
//!
//! The rules, where arguments do not fit the command:
//!
//! - the wrong number of arguments for the arity, an unknown subcommand, an unknown command:
//!   no keys, incomplete (the server rejects the command before it touches a key);
//! - a key count (`numkeys`) that is not a decimal integer, is negative, is zero for a command
//!   that needs keys, or announces more keys than there are arguments: that specification gives
//!   no keys and the result is incomplete;
//! - a `limit` range (`XREAD ... STREAMS k1 k2 id1 id2`) whose arguments do not divide evenly:
//!   the keys the specification gives, incomplete;
//! - a key position past the end: the keys before it, incomplete.
//!
//! Whatever the bytes, nothing here panics or loops without end: positions are computed in
//! saturating `i64` arithmetic and every index is checked.

use super::data::{flag, key_flag};
use super::spec;
use super::{BeginSearch, CommandSpec, FindKeys, KeySpec};

/// The positions of a command's keys in its arguments (index 0 is the command name), in the
/// order the key specifications list them, and whether that is all of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keys {
    pub(crate) positions: Vec<usize>,
    pub(crate) complete: bool,
}

impl Keys {
    /// The argument indexes of the keys.
    pub fn positions(&self) -> &[usize] {
        &self.positions
    }
    /// False when a specification could not be followed (an unknown search, or arguments that
    /// do not match it), so there may be keys this list misses.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    fn none(complete: bool) -> Keys {
        Keys {
            positions: Vec::new(),
            complete,
        }
    }
}

/// A command whose keys its specifications cannot find, and the procedure that finds them.
type Procedure = fn(&[&[u8]]) -> Keys;

/// The commands with a procedure of their own, each for the reason given at the function.
static PROCEDURES: &[(&CommandSpec, Procedure)] = &[
    (&spec::SORT, sort_keys),
    (&spec::SORT_RO, sort_ro_keys),
    (&spec::MIGRATE, migrate_keys),
    (&spec::GEORADIUS, georadius_keys),
    (&spec::GEORADIUSBYMEMBER, georadiusbymember_keys),
    (&spec::STRALGO, stralgo_keys),
];

impl CommandSpec {
    /// Where the keys are in `args` (the command's whole argument list, its name at index 0,
    /// a subcommand's container and subcommand at 0 and 1).
    ///
    /// On a container's entry (`OBJECT`), the subcommand named by `args[1]` answers. See the
    /// module documentation for arguments that do not fit the command.
    pub fn keys_in(&self, args: &[&[u8]]) -> Keys {
        if !self.subcommands.is_empty() {
            return match args.get(1).and_then(|name| self.subcommand(name)) {
                Some(sub) => sub.keys_in(args),
                None => Keys::none(false),
            };
        }
        if self.is_unknown() || !self.arity_allows(args.len()) {
            return Keys::none(false);
        }
        if let Some((_, procedure)) = PROCEDURES.iter().find(|(s, _)| std::ptr::eq(*s, self)) {
            return procedure(args);
        }
        if self.key_specs.is_empty() {
            // Only Redis 6.2 has commands without key specifications that have keys: their
            // legacy positions are all there is.
            let legacy = self.legacy;
            if legacy.first > 0 {
                return range(
                    args,
                    legacy.first.into(),
                    legacy.last.into(),
                    legacy.step.into(),
                );
            }
            return Keys::none(self.flags.0 & flag::MOVABLEKEYS == 0);
        }
        let mut keys = Keys::none(true);
        for spec in self.key_specs {
            if spec.flags.0 & key_flag::NOT_KEY != 0 {
                continue; // a shard channel (SPUBLISH), a cursor: not a key
            }
            self.follow(spec, args, &mut keys);
        }
        keys
    }

    /// Whether its one key is always the first argument (`GET k`, `HSET k f v`, ...) and
    /// nothing else is a key: routing can then read that argument alone.
    pub(crate) fn key_is_first_arg(&self) -> bool {
        matches!(
            self.key_specs,
            [KeySpec {
                begin: BeginSearch::Index(1),
                find: FindKeys::Range { last_key: 0, .. },
                flags,
            }] if flags.0 & key_flag::NOT_KEY == 0
        ) && self.subcommands.is_empty()
            && !PROCEDURES.iter().any(|(s, _)| std::ptr::eq(*s, self))
    }

    fn arity_allows(&self, argc: usize) -> bool {
        let Ok(argc) = i64::try_from(argc) else {
            return false;
        };
        let arity = i64::from(self.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// Adds the keys one specification finds.
    fn follow(&self, spec: &KeySpec, args: &[&[u8]], keys: &mut Keys) {
        let argc = len(args);
        let first = match spec.begin {
            BeginSearch::Index(i) => i64::from(i),
            BeginSearch::Keyword {
                keyword,
                start_from,
            } => {
                let found = if start_from >= 0 {
                    (i64::from(start_from)..argc).find(|&i| is_word(args, i, keyword))
                } else {
                    let from = argc.saturating_add(i64::from(start_from));
                    (1..=from).rev().find(|&i| is_word(args, i, keyword))
                };
                match found {
                    Some(i) => i + 1,
                    // An optional keyword that is not there: no keys from this spec.
                    None => return,
                }
            }
            BeginSearch::Unknown => {
                keys.complete = false;
                return;
            }
        };
        let (first, last, step) = match spec.find {
            FindKeys::Range {
                last_key,
                step,
                limit,
            } => {
                let last_key = i64::from(last_key);
                let last = if last_key >= 0 {
                    first.saturating_add(last_key)
                } else if limit <= 0 {
                    argc.saturating_add(last_key)
                } else {
                    let rest = argc.saturating_sub(first).max(0);
                    let limit = i64::from(limit);
                    if rest % limit != 0 {
                        keys.complete = false;
                    }
                    first.saturating_add(rest / limit + last_key)
                };
                (first, last, i64::from(step))
            }
            FindKeys::KeyNum {
                key_num_index,
                first_key,
                step,
            } => {
                let at = first.saturating_add(i64::from(key_num_index));
                let Some(n) = arg(args, at).and_then(parse_count) else {
                    keys.complete = false;
                    return;
                };
                if n == 0 && self.flags.0 & flag::NO_MANDATORY_KEYS == 0 {
                    // The server refuses a zero count where keys are mandatory.
                    keys.complete = false;
                    return;
                }
                let step = i64::from(step);
                let start = first.saturating_add(i64::from(first_key));
                let last = start.saturating_add((n - 1).saturating_mul(step));
                if n > 0 && last >= argc {
                    keys.complete = false;
                    return;
                }
                (start, last, step)
            }
            FindKeys::Unknown => {
                keys.complete = false;
                return;
            }
        };
        push_range(keys, argc, first, last, step);
    }
}

/// Positions `first..=last` every `step`, as far as the arguments go.
fn push_range(keys: &mut Keys, argc: i64, first: i64, last: i64, step: i64) {
    if step <= 0 {
        keys.complete = false;
        return;
    }
    let mut j = first;
    while j <= last {
        match usize::try_from(j) {
            Ok(at) if j >= 1 && j < argc => keys.positions.push(at),
            _ => {
                keys.complete = false;
                break;
            }
        }
        j = j.saturating_add(step);
        if j == i64::MAX {
            break;
        }
    }
}

/// A legacy `first, last, step` triple (last negative: from the end).
fn range(args: &[&[u8]], first: i64, last: i64, step: i64) -> Keys {
    let argc = len(args);
    let last = if last < 0 { argc + last } else { last };
    let mut keys = Keys::none(true);
    push_range(&mut keys, argc, first, last, step);
    keys
}

fn len(args: &[&[u8]]) -> i64 {
    i64::try_from(args.len()).unwrap_or(i64::MAX)
}

fn arg<'a>(args: &[&'a [u8]], i: i64) -> Option<&'a [u8]> {
    usize::try_from(i).ok().and_then(|i| args.get(i)).copied()
}

fn is_word(args: &[&[u8]], i: i64, word: &str) -> bool {
    arg(args, i).is_some_and(|a| a.eq_ignore_ascii_case(word.as_bytes()))
}

/// A key count as the server reads one (`string2ll`): decimal digits with an optional `-`, no
/// `+`, no spaces, no leading zeros. `None` for anything else and for negative counts.
fn parse_count(bytes: &[u8]) -> Option<i64> {
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    let ok = match digits {
        [] => false,
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !ok || digits.len() != bytes.len() {
        return None; // not a number, or negative
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

// -- commands with a procedure of their own -------------------------------------------------

/// The option words of a command with their argument counts, for skipping over them.
fn option_args(word: &[u8], options: &[(&str, usize)]) -> Option<usize> {
    options
        .iter()
        .find(|(name, _)| word.eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, n)| *n)
}

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
/// [STORE destination]`: the STORE key can be anywhere among the options (its spec is
/// `unknown`), and the last STORE wins. BY and GET patterns name keys derived from the sorted
/// key's contents (a `unknown` spec too): when one is there (BY with a `*`, GET other than `#`),
/// the result is incomplete.
fn sort_keys(args: &[&[u8]]) -> Keys {
    sort_like(args, true)
}

/// `SORT_RO`: SORT without STORE.
fn sort_ro_keys(args: &[&[u8]]) -> Keys {
    sort_like(args, false)
}

fn sort_like(args: &[&[u8]], store: bool) -> Keys {
    const OPTIONS: &[(&str, usize)] = &[("LIMIT", 2), ("GET", 1), ("BY", 1), ("STORE", 1)];
    let mut keys = Keys {
        positions: vec![1],
        complete: true,
    };
    let mut dest = None;
    let mut i = 2;
    while i < args.len() {
        let word = args[i];
        let n = option_args(word, OPTIONS).unwrap_or(0);
        let value = args.get(i + 1).copied();
        if word.eq_ignore_ascii_case(b"STORE") {
            if store && value.is_some() {
                dest = Some(i + 1);
            }
        } else if word.eq_ignore_ascii_case(b"BY") {
            if value.is_some_and(|p| p.contains(&b'*')) {
                keys.complete = false;
            }
        } else if word.eq_ignore_ascii_case(b"GET") && value.is_some_and(|p| p != b"#") {
            keys.complete = false;
        }
        i = i.saturating_add(1 + n);
    }
    keys.positions.extend(dest);
    keys
}

/// `MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH password] [AUTH2 user password]
/// [KEYS key ...]`: one key at 3, or with KEYS (and `""` at 3) every argument after KEYS. The
/// KEYS spec is `incomplete` because the word can also be a password; the options are parsed
/// here, so a password is skipped. KEYS with a key at 3, or with nothing after it, fails on the
/// server: the key at 3, incomplete.
fn migrate_keys(args: &[&[u8]]) -> Keys {
    const OPTIONS: &[(&str, usize)] = &[("COPY", 0), ("REPLACE", 0), ("AUTH", 1), ("AUTH2", 2)];
    let mut i = 6;
    while i < args.len() {
        let word = args[i];
        if word.eq_ignore_ascii_case(b"KEYS") {
            let first = i + 1;
            if args.get(3).is_some_and(|key| key.is_empty()) && first < args.len() {
                return Keys {
                    positions: (first..args.len()).collect(),
                    complete: true,
                };
            }
            return Keys {
                positions: vec![3],
                complete: false,
            };
        }
        i = i.saturating_add(1 + option_args(word, OPTIONS).unwrap_or(0));
    }
    Keys {
        positions: vec![3],
        complete: true,
    }
}

/// `GEORADIUS key longitude latitude radius unit [options] [STORE key] [STOREDIST key]`: the
/// key, and the destination of STORE or STOREDIST. Its two keyword specs would give both when
/// both are there, but the command stores into one, the last named (as Redis 6.2 and Valkey 9
/// report it; Redis 7.0's GETKEYS lists both).
fn georadius_keys(args: &[&[u8]]) -> Keys {
    geo_store(args, 6)
}

/// `GEORADIUSBYMEMBER key member radius unit [options] [STORE key] [STOREDIST key]`.
fn georadiusbymember_keys(args: &[&[u8]]) -> Keys {
    geo_store(args, 5)
}

fn geo_store(args: &[&[u8]], options_from: usize) -> Keys {
    let mut dest = None;
    let mut i = options_from;
    while i < args.len() {
        let word = args[i];
        if (word.eq_ignore_ascii_case(b"STORE") || word.eq_ignore_ascii_case(b"STOREDIST"))
            && i + 1 < args.len()
        {
            dest = Some(i + 1);
            i += 1;
        }
        i += 1;
    }
    let mut positions = vec![1];
    positions.extend(dest);
    Keys {
        positions,
        complete: true,
    }
}

/// `STRALGO LCS [KEYS k1 k2] [STRINGS a b] [IDX] [LEN] [MINMATCHLEN n] [WITHMATCHLEN]` (Redis
/// 6.2 only, with no key specs and no legacy positions): the two keys after KEYS. KEYS without
/// two arguments after it fails on the server: no keys, incomplete.
fn stralgo_keys(args: &[&[u8]]) -> Keys {
    const OPTIONS: &[(&str, usize)] = &[
        ("STRINGS", 2),
        ("IDX", 0),
        ("LEN", 0),
        ("WITHMATCHLEN", 0),
        ("MINMATCHLEN", 1),
    ];
    if !args.get(1).is_some_and(|a| a.eq_ignore_ascii_case(b"LCS")) {
        return Keys::none(true);
    }
    let mut i = 2;
    while i < args.len() {
        let word = args[i];
        if word.eq_ignore_ascii_case(b"KEYS") {
            return if i + 2 < args.len() {
                Keys {
                    positions: vec![i + 1, i + 2],
                    complete: true,
                }
            } else {
                Keys::none(false)
            };
        }
        i = i.saturating_add(1 + option_args(word, OPTIONS).unwrap_or(0));
    }
    Keys::none(true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::{KeyFlags, Servers};
    use super::super::{commands, lookup};
    use super::*;

    fn keys(words: &str) -> Keys {
        let args: Vec<&[u8]> = words.split(' ').map(str::as_bytes).collect();
        lookup(args[0]).keys_in(&args)
    }

    fn at(words: &str) -> Vec<usize> {
        keys(words).positions
    }

    #[test]
    fn specs() {
        assert_eq!(at("GET k"), [1]);
        assert_eq!(at("MSET a 1 b 2"), [1, 3]);
        assert_eq!(at("DEL a b c"), [1, 2, 3]);
        assert_eq!(at("BLPOP a b 0"), [1, 2]);
        assert_eq!(at("LMOVE a b LEFT RIGHT"), [1, 2]);
        assert_eq!(at("XREAD COUNT 2 STREAMS a b 0 0"), [4, 5]);
        assert_eq!(at("EVAL s 2 k1 k2 a"), [3, 4]);
        assert_eq!(at("ZUNIONSTORE d 2 a b WEIGHTS 1 2"), [1, 3, 4]);
        assert_eq!(at("OBJECT ENCODING k"), [2]);
        assert_eq!(at("XGROUP CREATE s g $"), [2]);
        assert!(keys("PING").is_complete() && at("PING").is_empty());
        assert!(at("SPUBLISH ch m").is_empty());
    }

    #[test]
    fn arguments_that_do_not_fit() {
        for words in [
            "GET",
            "GET a b",
            "RENAME a",
            "EVAL s 3 k1 k2",
            "EVAL s x k",
            "EVAL s -1 k",
            "EVAL s +1 k",
            "EVAL s 01 k",
            "ZINTER 0 a",
            "OBJECT",
            "OBJECT NOPE k",
            "NOPE k",
        ] {
            let k = keys(words);
            assert!(!k.is_complete(), "{words}: {k:?}");
        }
        let k = keys("XREAD STREAMS a b 0");
        assert_eq!((k.positions(), k.is_complete()), (&[2][..], false));
        let k = keys("EVAL s 0");
        assert!(k.positions().is_empty() && k.is_complete());
    }

    #[test]
    fn procedures() {
        assert_eq!(at("SORT k BY w_* GET o_* STORE d"), [1, 7]);
        assert!(!keys("SORT k BY w_*").is_complete());
        assert!(keys("SORT k STORE d").is_complete());
        assert_eq!(at("SORT k LIMIT 0 STORE d"), [1]);
        assert_eq!(at("SORT_RO k STORE d"), [1]);
        assert_eq!(at("MIGRATE h 1 k 0 5000"), [3]);
        assert_eq!(at("MIGRATE h 1  0 5000 AUTH KEYS KEYS a b"), [9, 10]);
        assert!(!keys("MIGRATE h 1 k 0 5000 KEYS a").is_complete());
        assert_eq!(at("GEORADIUS k 0 0 1 km STORE d STOREDIST e"), [1, 9]);
        assert_eq!(at("GEORADIUSBYMEMBER k m 1 km STORE d"), [1, 6]);
        assert_eq!(at("STRALGO LCS IDX KEYS a b"), [4, 5]);
    }

    fn synthetic(key_specs: &'static [KeySpec], arity: i32) -> CommandSpec {
        CommandSpec {
            name: "TEST",
            servers: Servers::ALL,
            arity,
            key_specs,
            ..super::super::data::DEFAULT
        }
    }

    #[test]
    fn keyword_searched_backwards() {
        // A negative start_from searches from the end: the last KEYS wins.
        static SPECS: &[KeySpec] = &[KeySpec {
            begin: BeginSearch::Keyword {
                keyword: "KEYS",
                start_from: -2,
            },
            find: FindKeys::Range {
                last_key: -1,
                step: 1,
                limit: 0,
            },
            flags: KeyFlags(0),
        }];
        let spec = synthetic(SPECS, -1);
        let args: Vec<&[u8]> = "T KEYS a KEYS b c".split(' ').map(str::as_bytes).collect();
        assert_eq!(spec.keys_in(&args).positions(), [4, 5]);
        let args: Vec<&[u8]> = "T x KEYS".split(' ').map(str::as_bytes).collect();
        assert_eq!(spec.keys_in(&args), Keys::none(true));
    }

    #[test]
    fn keynum_with_a_step() {
        // `MSETEX numkeys key value [key value ...]` (Valkey): n keys, every other argument.
        static SPECS: &[KeySpec] = &[KeySpec {
            begin: BeginSearch::Index(1),
            find: FindKeys::KeyNum {
                key_num_index: 0,
                first_key: 1,
                step: 2,
            },
            flags: KeyFlags(0),
        }];
        let spec = synthetic(SPECS, -4);
        let args: Vec<&[u8]> = "T 2 a 1 b 2 EX 1".split(' ').map(str::as_bytes).collect();
        assert_eq!(spec.keys_in(&args).positions(), [2, 4]);
        let args: Vec<&[u8]> = "T 3 a 1 b 2".split(' ').map(str::as_bytes).collect();
        assert_eq!(spec.keys_in(&args), Keys::none(false));
    }

    #[test]
    fn count_parsing() {
        assert_eq!(parse_count(b"0"), Some(0));
        assert_eq!(parse_count(b"12"), Some(12));
        assert_eq!(parse_count(b"9223372036854775807"), Some(i64::MAX));
        for bad in [
            &b""[..],
            b"-1",
            b"+1",
            b"01",
            b" 1",
            b"1 ",
            b"x",
            b"-",
            b"99999999999999999999",
        ] {
            assert_eq!(parse_count(bad), None, "{bad:?}");
        }
    }

    /// Random and hostile arguments against every entry: no panic, and every position is an
    /// argument.
    #[test]
    fn garbage_never_panics() {
        let words: &[&[u8]] = &[
            b"",
            b"0",
            b"1",
            b"2",
            b"-1",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"99999999999999999999",
            b"STREAMS",
            b"KEYS",
            b"STORE",
            b"STOREDIST",
            b"BY",
            b"GET",
            b"LIMIT",
            b"AUTH",
            b"AUTH2",
            b"BLOCK",
            b"LCS",
            b"GROUP",
            b"k",
            b"\xff\x00",
            b"*",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let all: Vec<&CommandSpec> = commands()
            .iter()
            .flat_map(|c| std::iter::once(*c).chain(c.subcommands().iter().copied()))
            .collect();
        for spec in &all {
            for _ in 0..40 {
                let n = (next() % 12) as usize;
                let mut args: Vec<&[u8]> = Vec::with_capacity(n + 2);
                args.push(spec.container().unwrap_or(spec.name()).as_bytes());
                if spec.container().is_some() {
                    args.push(spec.name().as_bytes());
                }
                for _ in 0..n {
                    args.push(words[(next() % words.len() as u64) as usize]);
                }
                for len in 0..=args.len() {
                    let k = spec.keys_in(&args[..len]);
                    assert!(k.positions().iter().all(|&p| p >= 1 && p < len), "{spec:?}");
                }
            }
        }
    }
}
