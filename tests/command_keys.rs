//! `CommandSpec::keys_in` against the live server's `COMMAND GETKEYS`, for a corpus that covers
//! every key-specification shape in the table, the commands with a key procedure of their own,
//! and argument lists that do not fit their command.
//!
//!     REDIS_SERVER_BIN=/path/to/redis-server cargo test --all-features --test command_keys
//!
//! How replies are compared:
//!
//! - GETKEYS answers with keys: `keys_in` finds the same keys in the same order (on Redis 6.2
//!   in any order: its ZUNIONSTORE family lists the destination last, its specs-less table has
//!   no order to follow);
//! - GETKEYS fails with "Invalid command specified": the table says this server lacks the
//!   command;
//! - GETKEYS fails otherwise ("Invalid arguments", "Invalid number of arguments", "no key
//!   arguments"): `keys_in` finds no keys, or says its list is incomplete. Either is safe: a
//!   router or cache that sees an incomplete list does not trust it, and the server rejects
//!   the command anyway.
//!
//! The few places where we knowingly answer otherwise than one server are listed in
//! `DIVERGENCES`, each with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use redisync::commands::table::{self, BeginSearch, CommandSpec, FindKeys, Servers};
use redisync::{Connection, ConnectionConfig, Protocol, Value};
use support::RedisServer;

/// Arguments separated by single spaces; `""` is an empty argument.
const CORPUS: &[&str] = &[
    // index + range: one key, every other argument, all the rest, all but the last.
    "GET k",
    "MSET a 1 b 2",
    "MSET a 1 b",
    "DEL a b c",
    "EXISTS a b",
    "BLPOP a b 0",
    "BRPOPLPUSH a b 0",
    "BLMOVE a b LEFT LEFT 0",
    "PFCOUNT a b",
    "XADD s * f v",
    "XAUTOCLAIM s g c 0 0",
    "GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 km",
    // multi-spec commands.
    "LMOVE a b LEFT RIGHT",
    "SMOVE a b m",
    "RENAME a b",
    "COPY a b",
    "BITOP AND d a b",
    "BITOP NOT d a",
    "LCS a b",
    "LCS a b IDX",
    "SET k v",
    "SET k v GET",
    "GETEX k",
    "BITFIELD k GET u8 0",
    "BITFIELD_RO k GET u8 0",
    // keyword + range with a limit (STREAMS keys... ids...).
    "XREAD STREAMS a b 0 0",
    "XREAD COUNT 2 STREAMS a b 0 0",
    "XREAD BLOCK 0 STREAMS a 0",
    "XREAD COUNT 1 BLOCK 0 STREAMS a b c 0 0 0",
    "XREAD STREAMS a b",
    "XREAD STREAMS STREAMS 0",
    "XREADGROUP GROUP g c STREAMS a b 0 0",
    "XREADGROUP GROUP g c COUNT 1 STREAMS a >",
    // keynum.
    "EVAL s 2 k1 k2 a",
    "EVAL s 1 k1",
    "EVAL s 0",
    "EVALSHA s 2 k1 k2 a",
    "EVAL_RO s 1 k1",
    "EVALSHA_RO s 1 k1",
    "FCALL f 2 k1 k2 a",
    "FCALL f 0",
    "FCALL_RO f 1 k1",
    "ZUNIONSTORE dst 2 a b WEIGHTS 1 2",
    "ZINTERSTORE dst 1 a",
    "ZDIFFSTORE dst 2 a b",
    "ZINTER 2 a b",
    "ZUNION 2 a b WITHSCORES",
    "ZDIFF 2 a b",
    "ZINTERCARD 2 a b",
    "ZINTERCARD 1 a LIMIT 3",
    "LMPOP 2 a b LEFT",
    "LMPOP 3 a b LEFT",
    "BLMPOP 0 2 a b LEFT",
    "SINTERCARD 2 a b",
    "SINTERCARD 2 a b LIMIT 1",
    "ZMPOP 2 a b MIN",
    "BZMPOP 0 1 a MAX",
    "MSETEX 2 a 1 b 2 EX 10",
    // keyword begin, searched backwards from the end (MIGRATE's KEYS), and MIGRATE's own
    // procedure.
    r#"MIGRATE host 6379 "" 0 5000 KEYS k1 k2"#,
    "MIGRATE host 6379 k 0 5000",
    "MIGRATE host 6379 k 0 5000 COPY REPLACE",
    r#"MIGRATE host 6379 "" 0 5000 AUTH pw KEYS k1"#,
    r#"MIGRATE host 6379 "" 0 5000 AUTH2 u p KEYS k1 k2"#,
    r#"MIGRATE host 6379 "" 0 5000 AUTH KEYS KEYS k1"#,
    r#"MIGRATE host 6379 "" 0 5000"#,
    "MIGRATE host 6379 k 0 5000 AUTH2 a b",
    // SORT: unknown specs, a procedure of its own.
    "SORT k",
    "SORT k STORE dst",
    "SORT k BY w_* GET o_* STORE d",
    "SORT k LIMIT 0 1 STORE d",
    "SORT k ALPHA DESC STORE d",
    "SORT k GET # STORE d1 STORE d2",
    "SORT k STORE",
    "SORT k BY STORE d",
    "SORT k LIMIT 0 STORE d",
    "SORT k STORE d GET",
    "SORT_RO k BY w_*",
    "SORT_RO k STORE d",
    // keyword begin after fixed arguments (GEORADIUS STORE / STOREDIST).
    "GEORADIUS k 0 0 1 km",
    "GEORADIUS k 0 0 1 km STORE d",
    "GEORADIUS k 0 0 1 km STOREDIST d",
    "GEORADIUS k 0 0 1 km COUNT 1 STORE d",
    "GEORADIUS k 0 0 1 km STORE d COUNT 1 ANY",
    "GEORADIUS k 0 0 1 km STORE d STOREDIST e",
    "GEORADIUS k 0 0 1 km STORE",
    "GEORADIUS k 0 0 1 km STORE STORE",
    "GEORADIUSBYMEMBER k m 1 km STORE d",
    "GEORADIUSBYMEMBER k m 1 km STOREDIST d",
    "GEORADIUS_RO k 0 0 1 km",
    // subcommands.
    "OBJECT ENCODING k",
    "OBJECT FREQ k",
    "XINFO STREAM k",
    "XINFO GROUPS k",
    "XINFO CONSUMERS s g",
    "MEMORY USAGE k",
    "MEMORY USAGE k SAMPLES 5",
    "XGROUP CREATE s g $",
    "XGROUP CREATE s g $ MKSTREAM",
    "XGROUP SETID s g $",
    // Valkey only.
    "DELIFEQ k v",
    "HGETEX h FIELDS 1 f",
    "HSETEX h FIELDS 1 f v",
    "HGETDEL h FIELDS 1 f",
    // Redis 6.2 only: no key specs, no legacy positions, a procedure.
    "STRALGO LCS KEYS a b",
    "STRALGO LCS IDX KEYS a b MINMATCHLEN 4",
    // no keys at all, or channels that are not keys (not_key).
    "PING",
    "SPUBLISH ch m",
    "SSUBSCRIBE a b",
    "CLUSTERSCAN 0",
    "OBJECT HELP",
    "XGROUP HELP",
    "CLIENT KILL 1.2.3.4:5",
    // argument lists that do not fit: too few, too many, a bad or too large key count, an
    // unbalanced STREAMS list, KEYS where it cannot be.
    "GET",
    "GET a b",
    "MSET",
    "DEL",
    "RENAME a",
    "LMOVE a",
    "XREAD STREAMS",
    "XREAD STREAMS a",
    "XREAD COUNT 1 STREAMS",
    "XREAD STREAMS a b 0",
    "XREADGROUP GROUP g c STREAMS a",
    "XREADGROUP GROUP g c STREAMS a b 0",
    "EVAL s 3 k1 k2",
    "EVAL s x k1",
    "EVAL s -1 k1",
    "ZUNIONSTORE dst 3 a b",
    "ZUNIONSTORE dst 0 a",
    "ZUNIONSTORE d 0",
    "ZINTER 3 a b",
    "ZINTER x a b",
    "ZINTER 0 a",
    "SINTERCARD 0 a",
    "LMPOP 0 LEFT",
    "ZMPOP 0 MIN",
    "BLMPOP 0 0 LEFT",
    "MSETEX 3 a 1 b 2",
    "MSETEX 0 EX 1",
    "MIGRATE host 6379 k 0 5000 KEYS k1",
    r#"MIGRATE host 6379 "" 0 5000 KEYS"#,
    "STRALGO LCS KEYS a",
    "STRALGO LCS STRINGS a b",
    "OBJECT",
    "OBJECT NOSUCH k",
];

/// Where we knowingly answer otherwise than a server: (server, arguments, reason).
const DIVERGENCES: &[(Servers, &str, &str)] = &[
    (
        Servers::REDIS_7_0,
        "GEORADIUS k 0 0 1 km STORE d STOREDIST e",
        "7.0 follows both keyword specs and lists d and e; the command stores only into the \
         last one named, as 6.2 and Valkey 9 report",
    ),
    (
        Servers::REDIS_6_2,
        r#"MIGRATE host 6379 "" 0 5000 AUTH KEYS KEYS k1"#,
        "6.2 takes the password `KEYS` for the KEYS option; 7.0 and Valkey skip AUTH's \
         argument, as the command does",
    ),
    (
        Servers::REDIS_6_2,
        "OBJECT NOSUCH k",
        "6.2 has no subcommand table: it finds keys at OBJECT's legacy position even for a \
         subcommand that does not exist; the table knows no such subcommand",
    ),
];

fn split(line: &str) -> Vec<Vec<u8>> {
    line.split(' ')
        .map(|w| {
            if w == r#""""# {
                Vec::new()
            } else {
                w.as_bytes().to_vec()
            }
        })
        .collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::SimpleString(s) | Value::BulkString(s) | Value::Verbatim { text: s, .. } => {
            String::from_utf8(s.clone()).unwrap()
        }
        other => panic!("expected a string, got {other:?}"),
    }
}

/// The entry `keys_in` is asked: the command's (a container delegates to its subcommand).
fn entry(args: &[Vec<u8>]) -> &'static CommandSpec {
    table::lookup(&args[0])
}

/// Whether the table says `server` has the command (and subcommand) these arguments name.
fn has(server: Servers, args: &[Vec<u8>]) -> bool {
    let spec = entry(args);
    if !spec.servers().contains(server) {
        return false;
    }
    match args.get(1) {
        Some(sub) if !spec.subcommands().is_empty() => spec
            .subcommand(sub)
            .is_some_and(|s| s.servers().contains(server)),
        _ => true,
    }
}

fn identify(info: &str) -> Servers {
    let field = |k: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix(':'))
            .map(|v| v.trim().to_owned())
    };
    let (server, version) = match field("server_name").as_deref() {
        Some("valkey") => ("valkey", field("valkey_version").unwrap()),
        _ => ("redis", field("redis_version").unwrap()),
    };
    let parts: Vec<&str> = version.split('.').collect();
    match (server, &parts[..]) {
        ("redis", ["6", "2", ..]) => Servers::REDIS_6_2,
        ("redis", ["7", "0", ..]) => Servers::REDIS_7_0,
        ("valkey", ["9", ..]) => Servers::VALKEY_9,
        _ => panic!(
            "{server} {version} is not a server the command table covers (Redis 6.2, Redis \
             7.0, Valkey 9): add it to scripts/command-table/generate.py and regenerate the \
             table with `make command-table`"
        ),
    }
}

#[test]
fn keys_in_agrees_with_command_getkeys() {
    let server = RedisServer::start();
    let cfg = ConnectionConfig::new("127.0.0.1", server.port())
        .protocol(Protocol::Resp3)
        .lib_info(false);
    let mut conn = Connection::with_config(&cfg).unwrap();
    let info: Value = redisync::cmd("INFO")
        .arg("server")
        .query(&mut conn)
        .unwrap();
    let which = identify(&text(&info));

    let mut out = Vec::new();
    let mut compared = 0;
    for line in CORPUS {
        let args = split(line);
        let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        let ours = entry(&args).keys_in(&refs);
        let our_names: Vec<String> = ours
            .positions()
            .iter()
            .map(|&p| String::from_utf8_lossy(&args[p]).into_owned())
            .collect();
        let reply: redisync::Result<Value> = redisync::cmd("COMMAND")
            .arg("GETKEYS")
            .arg(&args)
            .query(&mut conn);
        let divergence = DIVERGENCES
            .iter()
            .find(|(s, l, _)| *s == which && l == line);
        match reply {
            Ok(Value::Array(keys)) => {
                compared += 1;
                let mut theirs: Vec<String> = keys.iter().map(text).collect();
                let mut mine = our_names.clone();
                if which == Servers::REDIS_6_2 {
                    theirs.sort();
                    mine.sort();
                }
                match divergence {
                    Some(_) if mine == theirs => out.push(format!(
                        "{line}: listed in DIVERGENCES, but keys_in now agrees ({theirs:?})"
                    )),
                    Some(_) => {}
                    None if mine != theirs => out.push(format!(
                        "{line}: server {theirs:?}, keys_in {our_names:?} (complete: {})",
                        ours.is_complete()
                    )),
                    None => {}
                }
            }
            Ok(other) => panic!("{line}: GETKEYS replied {other:?}"),
            Err(e) => {
                let msg = e.to_string();
                if msg.contains("Invalid command specified") {
                    if has(which, &args) {
                        out.push(format!(
                            "{line}: the server does not know the command; the table says it has it"
                        ));
                    }
                } else {
                    compared += 1;
                    if !has(which, &args) && which != Servers::REDIS_6_2 {
                        out.push(format!(
                            "{line}: the server knows the command ({msg}); the table says it lacks it"
                        ));
                    }
                    if !ours.positions().is_empty() && ours.is_complete() {
                        out.push(format!(
                            "{line}: the server refuses it ({msg}); keys_in says, complete, {our_names:?}"
                        ));
                    }
                }
                if divergence.is_some() {
                    out.push(format!(
                        "{line}: listed in DIVERGENCES, but the server refuses it"
                    ));
                }
            }
        }
    }
    let mut msg = String::new();
    for line in &out {
        writeln!(msg, "  {line}").unwrap();
    }
    assert!(
        out.is_empty(),
        "keys_in disagrees with COMMAND GETKEYS on {which:?} ({} of {compared} cases):\n{msg}",
        out.len()
    );
    assert!(compared > 60, "only {compared} cases reached the server");
}

/// The shape of a key specification, as far as finding keys goes.
fn shape(spec: &redisync::commands::table::KeySpec) -> String {
    let begin = match spec.begin_search() {
        BeginSearch::Index(_) => "index",
        BeginSearch::Keyword { start_from, .. } if start_from < 0 => "keyword from the end",
        BeginSearch::Keyword { .. } => "keyword",
        BeginSearch::Unknown => "unknown",
    };
    let find = match spec.find_keys() {
        FindKeys::Range { limit, .. } if limit > 0 => "range with a limit".to_owned(),
        FindKeys::Range { last_key, step, .. } => format!(
            "range to {}, step {}",
            match last_key {
                0 => "one key",
                k if k > 0 => "a fixed key",
                -1 => "the end",
                _ => "before the end",
            },
            if step == 1 { "1" } else { "n" }
        ),
        FindKeys::KeyNum { step, .. } => {
            format!("keynum, step {}", if step == 1 { "1" } else { "n" })
        }
        FindKeys::Unknown => "unknown".to_owned(),
    };
    format!("{begin} / {find}")
}

/// Every shape any entry of the table has is in the corpus (a new server with a new shape
/// makes this fail until the corpus covers it).
#[test]
fn the_corpus_covers_every_key_spec_shape() {
    let all: Vec<&CommandSpec> = table::commands()
        .iter()
        .flat_map(|c| std::iter::once(*c).chain(c.subcommands().iter().copied()))
        .collect();
    let in_table: BTreeSet<String> = all.iter().flat_map(|c| c.key_specs()).map(shape).collect();
    let mut in_corpus = BTreeSet::new();
    for line in CORPUS {
        let args = split(line);
        let mut spec = entry(&args);
        if let Some(sub) = args.get(1).and_then(|s| spec.subcommand(s)) {
            spec = sub;
        }
        in_corpus.extend(spec.key_specs().iter().map(shape));
    }
    let missing: Vec<&String> = in_table.difference(&in_corpus).collect();
    assert!(
        missing.is_empty(),
        "key-spec shapes no corpus case uses: {missing:?}"
    );
}
