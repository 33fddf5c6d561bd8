//! Drift test: the generated command table (src/commands/table/data.rs) against the live server
//! that `REDIS_SERVER_BIN` names (Redis 6.2, Redis 7.0 or Valkey 9).
//!
//! It compares what the server reports in `COMMAND INFO` (and `COMMAND DOCS` on 7.0+) with
//! `spec.facts(server)` for every command and subcommand, and fails listing every mismatch.
//! A failure means the table is stale: regenerate it with `make command-table`.
//!
//!     REDIS_SERVER_BIN=/path/to/redis-server cargo test --all-features --test command_table

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use redisync::commands::table::{
    self, BeginSearch, CommandSpec, Facts, FindKeys, KeySpec, Servers, Version,
};
use redisync::{Connection, ConnectionConfig, Protocol, Value};
use support::RedisServer;

// -- reading replies ------------------------------------------------------------------------

fn text(v: &Value) -> String {
    match v {
        Value::Okay => "OK".to_owned(),
        Value::SimpleString(s) | Value::BulkString(s) | Value::Verbatim { text: s, .. } => {
            String::from_utf8(s.clone()).unwrap()
        }
        Value::Int(i) => i.to_string(),
        other => panic!("expected a string, got {other:?}"),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        other => panic!("expected an integer, got {other:?}"),
    }
}

fn list(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) | Value::Set(a) => a,
        other => panic!("expected an array, got {other:?}"),
    }
}

/// A RESP3 map, or a RESP2 flat array of pairs, by key.
fn map(v: &Value) -> BTreeMap<String, &Value> {
    match v {
        Value::Map(m) => m.iter().map(|(k, v)| (text(k), v)).collect(),
        Value::Array(a) => a.chunks(2).map(|p| (text(&p[0]), &p[1])).collect(),
        other => panic!("expected a map, got {other:?}"),
    }
}

fn names(v: &Value) -> BTreeSet<String> {
    list(v).iter().map(text).collect()
}

// -- what the server says -------------------------------------------------------------------

/// One entry of `COMMAND INFO`, with its docs.
struct Live {
    /// Upper case; a subcommand's alone (`KILL`).
    name: String,
    arity: i64,
    flags: BTreeSet<String>,
    legacy: (i64, i64, i64),
    /// 7.0+ only.
    tips: Option<BTreeSet<String>>,
    key_specs: Option<Vec<String>>,
    group: Option<String>,
    since: Option<String>,
    subcommands: Vec<Live>,
}

fn live_entry(v: &Value, docs: Option<&BTreeMap<String, &Value>>) -> Live {
    let e = list(v);
    let full = text(&e[0]);
    let doc = docs.and_then(|d| d.get(&full)).map(|d| map(d));
    let modern = e.len() > 7;
    let subdocs = doc
        .as_ref()
        .and_then(|d| d.get("subcommands"))
        .map(|s| map(s));
    Live {
        name: full.rsplit('|').next().unwrap().to_uppercase(),
        arity: int(&e[1]),
        flags: names(&e[2]),
        legacy: (int(&e[3]), int(&e[4]), int(&e[5])),
        tips: modern.then(|| names(&e[7])),
        key_specs: modern.then(|| list(&e[8]).iter().map(live_key_spec).collect()),
        group: doc.as_ref().map(|d| text(d["group"])),
        since: doc.as_ref().map(|d| text(d["since"])),
        subcommands: if modern {
            list(&e[9])
                .iter()
                .map(|s| live_entry(s, subdocs.as_ref()))
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// A key spec in one canonical text form, shared with [`table_key_spec`].
fn live_key_spec(v: &Value) -> String {
    let ks = map(v);
    let mut flags: Vec<String> = names(ks["flags"]).into_iter().collect();
    flags.sort();
    let bs = map(ks["begin_search"]);
    let begin = match text(bs["type"]).as_str() {
        "index" => format!("index({})", int(map(bs["spec"])["index"])),
        "keyword" => {
            let s = map(bs["spec"]);
            format!("keyword({:?}, {})", text(s["keyword"]), int(s["startfrom"]))
        }
        other => other.to_owned(),
    };
    let fk = map(ks["find_keys"]);
    let find = match text(fk["type"]).as_str() {
        "range" => {
            let s = map(fk["spec"]);
            format!(
                "range(last {}, step {}, limit {})",
                int(s["lastkey"]),
                int(s["keystep"]),
                int(s["limit"])
            )
        }
        "keynum" => {
            let s = map(fk["spec"]);
            format!(
                "keynum(index {}, first {}, step {})",
                int(s["keynumidx"]),
                int(s["firstkey"]),
                int(s["keystep"])
            )
        }
        other => other.to_owned(),
    };
    format!("{begin} {find} [{}]", flags.join(","))
}

fn table_key_spec(ks: &KeySpec) -> String {
    let begin = match ks.begin_search() {
        BeginSearch::Index(i) => format!("index({i})"),
        BeginSearch::Keyword {
            keyword,
            start_from,
        } => format!("keyword({keyword:?}, {start_from})"),
        BeginSearch::Unknown => "unknown".to_owned(),
    };
    let find = match ks.find_keys() {
        FindKeys::Range {
            last_key,
            step,
            limit,
        } => format!("range(last {last_key}, step {step}, limit {limit})"),
        FindKeys::KeyNum {
            key_num_index,
            first_key,
            step,
        } => format!("keynum(index {key_num_index}, first {first_key}, step {step})"),
        FindKeys::Unknown => "unknown".to_owned(),
    };
    let mut flags: Vec<&str> = ks.flags().names().collect();
    flags.sort();
    format!("{begin} {find} [{}]", flags.join(","))
}

fn version_text(v: Option<Version>) -> String {
    match v {
        Some(Version(a, b, c)) => format!("{a}.{b}.{c}"),
        None => "none".to_owned(),
    }
}

/// Which of the table's servers this is, from `INFO server`.
fn identify(info: &str) -> (Servers, String) {
    let field = |k: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix(':'))
            .map(|v| v.trim().to_owned())
    };
    let (server, version) = match field("server_name").as_deref() {
        Some("valkey") => ("valkey", field("valkey_version")),
        _ => ("redis", field("redis_version")),
    };
    let version = version.unwrap_or_else(|| panic!("INFO server has no version:\n{info}"));
    let parts: Vec<&str> = version.split('.').collect();
    let which = match (server, &parts[..]) {
        ("redis", ["6", "2", ..]) => Servers::REDIS_6_2,
        ("redis", ["7", "0", ..]) => Servers::REDIS_7_0,
        ("valkey", ["9", ..]) => Servers::VALKEY_9,
        _ => panic!(
            "{server} {version} is not a server the command table covers (Redis 6.2, Redis 7.0, \
             Valkey 9): add it to scripts/command-table/generate.py and regenerate the table \
             with `make command-table`"
        ),
    };
    (which, format!("{server} {version}"))
}

fn connect(server: &RedisServer) -> Connection {
    let cfg = ConnectionConfig::new("127.0.0.1", server.port())
        .protocol(Protocol::Resp3)
        .lib_info(false);
    Connection::with_config(&cfg).unwrap()
}

fn query(conn: &mut Connection, args: &[&str]) -> Value {
    let mut c = redisync::cmd(args[0]);
    for a in &args[1..] {
        c.push(*a);
    }
    c.query::<Value>(&mut *conn)
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

// -- comparing ------------------------------------------------------------------------------

fn full_name(spec: &CommandSpec) -> String {
    match spec.container() {
        Some(c) => format!("{c} {}", spec.name()),
        None => spec.name().to_owned(),
    }
}

fn compare(
    server: Servers,
    modern: bool,
    live: &Live,
    spec: &'static CommandSpec,
    out: &mut Vec<String>,
) {
    let name = full_name(spec);
    let Some(facts): Option<Facts> = spec.facts(server) else {
        out.push(format!(
            "{name}: the server has it; the table says it does not"
        ));
        return;
    };
    let mut diff = |what: &str, server_says: String, table_says: String| {
        if server_says != table_says {
            out.push(format!(
                "{name}: {what}: server {server_says}, table {table_says}"
            ));
        }
    };
    diff("arity", live.arity.to_string(), facts.arity().to_string());
    diff(
        "flags",
        format!("{:?}", live.flags),
        format!(
            "{:?}",
            facts.flags().map(str::to_owned).collect::<BTreeSet<_>>()
        ),
    );
    let (f, l, s) = facts.legacy_keys();
    diff(
        "first/last/step",
        format!("{:?}", live.legacy),
        format!("{:?}", (i64::from(f), i64::from(l), i64::from(s))),
    );
    if modern {
        diff(
            "tips",
            format!("{:?}", live.tips.as_ref().unwrap()),
            format!(
                "{:?}",
                facts.tips().map(str::to_owned).collect::<BTreeSet<_>>()
            ),
        );
        diff(
            "key specs",
            format!("{:?}", live.key_specs.as_ref().unwrap()),
            format!(
                "{:?}",
                facts
                    .key_specs()
                    .iter()
                    .map(table_key_spec)
                    .collect::<Vec<_>>()
            ),
        );
        diff(
            "group",
            format!("{:?}", live.group),
            format!("{:?}", Some(facts.group().name())),
        );
        diff(
            "since",
            live.since.clone().unwrap_or_else(|| "none".to_owned()),
            version_text(facts.since()),
        );
    }
    if live.flags.contains("blocking") && spec.blocking().is_none() {
        out.push(format!(
            "{name}: the server flags it blocking; the table has no wait spec for it"
        ));
    }
    if !modern {
        return;
    }
    // Subcommands: the same set, and the same facts.
    let table_subs: BTreeMap<&str, &'static CommandSpec> = spec
        .subcommands()
        .iter()
        .filter(|s| s.servers().contains(server))
        .map(|s| (s.name(), *s))
        .collect();
    let live_subs: BTreeMap<&str, &Live> = live
        .subcommands
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    for (sub, l) in &live_subs {
        match table_subs.get(sub) {
            Some(spec) => compare(server, modern, l, spec, out),
            None => out.push(format!(
                "{name} {sub}: the server has it; the table does not list it for this server"
            )),
        }
    }
    for sub in table_subs.keys() {
        if !live_subs.contains_key(sub) {
            out.push(format!(
                "{name} {sub}: the table lists it for this server; the server does not have it"
            ));
        }
    }
}

/// Redis 6.2 lists no subcommands in COMMAND INFO; the generator read them from `<C> HELP`
/// (every line that does not start with a space begins with a subcommand's name). The same
/// here, for every container but CLUSTER, whose HELP needs cluster mode.
fn compare_62_help(conn: &mut Connection, out: &mut Vec<String>) {
    let known: BTreeSet<&str> = table::commands()
        .iter()
        .flat_map(|c| c.subcommands())
        .map(|s| s.name())
        .collect();
    for spec in table::commands() {
        if spec.subcommands().is_empty()
            || !spec.servers().contains(Servers::REDIS_6_2)
            || spec.name() == "CLUSTER"
        {
            continue;
        }
        let help = query(conn, &[spec.name(), "HELP"]);
        let listed: BTreeSet<String> = list(&help)[1..]
            .iter()
            .map(text)
            .filter(|l| !l.starts_with(char::is_whitespace))
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .filter(|w| known.contains(w.as_str()))
            .collect();
        let in_table: BTreeSet<String> = spec
            .subcommands()
            .iter()
            .filter(|s| s.servers().contains(Servers::REDIS_6_2))
            .map(|s| s.name().to_owned())
            .collect();
        if listed != in_table {
            out.push(format!(
                "{} HELP lists {listed:?}; the table has {in_table:?} for redis-6.2",
                spec.name()
            ));
        }
    }
}

#[test]
fn command_table_matches_the_live_server() {
    let server = RedisServer::start();
    let mut conn = connect(&server);
    let (which, label) = identify(&text(&query(&mut conn, &["INFO", "server"])));
    let modern = which != Servers::REDIS_6_2;

    let (infos, docs) = if modern {
        (
            query(&mut conn, &["COMMAND", "INFO"]),
            Some(query(&mut conn, &["COMMAND", "DOCS"])),
        )
    } else {
        // 6.2's COMMAND INFO needs names; COMMAND is the same reply for every command.
        (query(&mut conn, &["COMMAND"]), None)
    };
    let docs = docs.as_ref().map(map);
    let live: BTreeMap<String, Live> = list(&infos)
        .iter()
        .map(|e| live_entry(e, docs.as_ref()))
        .map(|l| (l.name.clone(), l))
        .collect();

    let mut out = Vec::new();
    for (name, l) in &live {
        let spec = table::lookup(name.as_bytes());
        if spec.is_unknown() {
            out.push(format!("{name}: the server has it; the table does not"));
            continue;
        }
        compare(which, modern, l, spec, &mut out);
    }
    for spec in table::commands() {
        if spec.servers().contains(which) && !live.contains_key(spec.name()) {
            out.push(format!(
                "{}: the table lists it for this server; the server does not have it",
                spec.name()
            ));
        }
    }
    if !modern {
        compare_62_help(&mut conn, &mut out);
    }

    let mut msg = String::new();
    for line in &out {
        writeln!(msg, "  {line}").unwrap();
    }
    assert!(
        out.is_empty(),
        "the command table does not match {label} ({} mismatches); regenerate it with \
         `make command-table`:\n{msg}",
        out.len()
    );
    // The table is sorted for binary search, and each name finds itself.
    let all = table::commands();
    assert!(all.windows(2).all(|w| w[0].name() < w[1].name()));
    for spec in all {
        assert!(std::ptr::eq(table::lookup(spec.name().as_bytes()), *spec));
        assert!(std::ptr::eq(
            table::lookup(spec.name().to_lowercase().as_bytes()),
            *spec
        ));
        for sub in spec.subcommands() {
            assert_eq!(sub.container(), Some(spec.name()));
            assert!(std::ptr::eq(
                spec.subcommand(sub.name().as_bytes()).unwrap(),
                *sub
            ));
        }
    }
}
