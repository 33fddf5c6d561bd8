//! Coverage: every command (and subcommand) of the groups the typed API covers, as the live
//! server reports them, has a typed method (`redisync::commands::methods()`) or is in the one
//! exclusion list with its reason (`redisync::commands::excluded()`). The test fails listing
//! each command that has neither, and prints how many were covered and excluded.
//!
//! Redis 7.0 and Valkey report each command's group in `COMMAND DOCS`; Redis 6.2 has no
//! `COMMAND DOCS`, so there the group is the command table's (read from the newer servers) and
//! the names come from `COMMAND`.
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test --all-features --test command_coverage -- --nocapture

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use redisync::commands::table::{self, Group};
use redisync::{Connection, ConnectionConfig, Protocol, Value};
use support::RedisServer;

/// The groups the typed API covers (issue 8's list): every data type, scripting, pub/sub,
/// transactions, the connection, and the server and cluster commands applications use (the
/// rest of those two groups is in the exclusion list).
const COVERED: &[Group] = &[
    Group::String,
    Group::Bitmap,
    Group::Generic,
    Group::Hash,
    Group::List,
    Group::Set,
    Group::SortedSet,
    Group::Stream,
    Group::Geo,
    Group::HyperLogLog,
    Group::Scripting,
    Group::PubSub,
    Group::Transactions,
    Group::Connection,
    Group::Server,
    Group::Cluster,
];

fn text(v: &Value) -> String {
    match v {
        Value::SimpleString(s) | Value::BulkString(s) | Value::Verbatim { text: s, .. } => {
            String::from_utf8(s.clone()).unwrap()
        }
        other => panic!("expected a string, got {other:?}"),
    }
}

fn list(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) | Value::Set(a) => a,
        other => panic!("expected an array, got {other:?}"),
    }
}

fn pairs(v: &Value) -> Vec<(String, &Value)> {
    match v {
        Value::Map(m) => m.iter().map(|(k, v)| (text(k), v)).collect(),
        Value::Array(a) => a.chunks(2).map(|p| (text(&p[0]), &p[1])).collect(),
        other => panic!("expected a map, got {other:?}"),
    }
}

/// The covered commands the server has: full names (`GET`, `CLIENT KILL`) in upper case.
fn covered_commands(server: &RedisServer) -> BTreeSet<String> {
    let cfg = ConnectionConfig::new("127.0.0.1", server.port()).protocol(Protocol::Resp3);
    let mut conn = Connection::with_config(&cfg).unwrap();
    let covered_group = |name: &str| -> bool {
        let spec = table::lookup(name.as_bytes());
        COVERED.contains(&spec.group())
    };
    let mut out = BTreeSet::new();
    if server.version() >= (7, 0, 0) {
        // COMMAND DOCS: name -> {group, subcommands: {name -> {group, ...}}}.
        let docs: Value = redisync::cmd("COMMAND")
            .arg("DOCS")
            .query(&mut conn)
            .unwrap();
        for (name, doc) in pairs(&docs) {
            let doc: BTreeMap<String, &Value> = pairs(doc).into_iter().collect();
            let group = doc.get("group").map(|g| text(g)).unwrap_or_default();
            let in_covered = COVERED.iter().any(|g| g.name() == group);
            if !in_covered {
                continue;
            }
            let upper = name.to_ascii_uppercase();
            match doc.get("subcommands") {
                Some(subs) => {
                    for (sub, _) in pairs(subs) {
                        // `client|kill` -> `CLIENT KILL`
                        out.insert(sub.to_ascii_uppercase().replace('|', " "));
                    }
                }
                None => {
                    out.insert(upper);
                }
            }
        }
    } else {
        // COMMAND: one array per command, the name first; groups from the table.
        let all: Value = redisync::cmd("COMMAND").query(&mut conn).unwrap();
        for entry in list(&all) {
            let name = text(&list(entry)[0]).to_ascii_uppercase();
            if !covered_group(&name) {
                continue;
            }
            let spec = table::lookup(name.as_bytes());
            let subs: Vec<_> = spec
                .subcommands()
                .iter()
                .filter(|s| s.servers().contains(table::Servers::REDIS_6_2))
                .collect();
            if subs.is_empty() {
                out.insert(name);
            } else {
                for s in subs {
                    out.insert(s.full_name());
                }
            }
        }
    }
    out
}

#[test]
fn every_command_of_the_covered_groups_has_a_typed_method_or_a_reason() {
    let server = RedisServer::start();
    let commands = covered_commands(&server);
    let methods: BTreeMap<String, Vec<&str>> =
        redisync::commands::methods().fold(BTreeMap::new(), |mut m, (name, spec)| {
            m.entry(spec.full_name())
                .or_insert_with(Vec::new)
                .push(name);
            m
        });
    let excluded: BTreeMap<String, &str> = redisync::commands::excluded()
        .map(|(name, why)| (name.to_ascii_uppercase(), why))
        .collect();
    let excluded_reason = |full: &str| -> Option<&str> {
        excluded.get(full).copied().or_else(|| {
            full.split_once(' ')
                .and_then(|(container, _)| excluded.get(container).copied())
        })
    };
    let mut covered = 0;
    let mut left_out = 0;
    let mut missing = Vec::new();
    for full in &commands {
        if methods.contains_key(full) {
            covered += 1;
        } else if excluded_reason(full).is_some() {
            left_out += 1;
        } else {
            missing.push(full.as_str());
        }
    }
    // A reason is given for no command twice over, and every listed name is a command.
    for name in excluded.keys() {
        let spec = match name.split_once(' ') {
            Some((c, s)) => table::lookup(c.as_bytes()).subcommand(s.as_bytes()),
            None => Some(table::lookup(name.as_bytes())).filter(|s| !s.is_unknown()),
        };
        assert!(
            spec.is_some(),
            "the exclusion list names {name}, which is no command"
        );
        assert!(
            !methods.contains_key(name),
            "{name} is both excluded and has methods {:?}",
            methods[name]
        );
    }
    let line = format!(
        "coverage on {}: {} commands in the covered groups, {covered} with typed methods, \
         {left_out} excluded, {} missing",
        server.describe_version(),
        commands.len(),
        missing.len()
    );
    println!("{line}");
    eprintln!("{line}");
    assert!(
        missing.is_empty(),
        "{} commands have no typed method and no reason in the exclusion list:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}
