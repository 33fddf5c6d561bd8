//! The server, connection and cluster groups against real servers, on RESP2 and RESP3: the
//! parsed replies (INFO, ROLE, SLOWLOG, HELLO, CLIENT INFO/LIST, CLUSTER NODES/SLOTS/SHARDS)
//! must be the same struct on both protocols, and a server without a command answers its
//! error.
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test --all-features --test cmd_server

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::collections::HashMap;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use clients::{assert_server_error, per_protocol, rpush_raw};
use redisync::prelude::*;
use redisync::{
    ClientAttr, ClientKillOptions, ClientListOptions, ClientType, ConnectionConfig, FlushMode,
    HelloOptions, PauseMode, Protocol, Role, TrackingOptions, UnblockMode, cmd,
};
use support::{RedisServer, wait_for, wait_until};

#[path = "cmd_server/cluster.rs"]
mod cluster;
#[path = "cmd_server/connection.rs"]
mod connection;

/// Redis 7.0+ or Valkey (which forked from 7.2).
fn seven(server: &RedisServer) -> bool {
    server.version() >= (7, 0, 0)
}

/// Redis 7.2+ or Valkey: `CLIENT NO-TOUCH`, `CLIENT SETINFO`, `CLUSTER MYSHARDID`.
fn seven_two(server: &RedisServer) -> bool {
    server.is_valkey() || server.version() >= (7, 2, 0)
}

/// How many times a subcommand ran: `INFO commandstats` names it `client|kill` on 7.0+ and
/// only the container on 6.2.
fn calls(server: &RedisServer, container: &str, sub: &str) -> u64 {
    if seven(server) {
        server.command_calls(&format!("{container}|{sub}"))
    } else {
        server.command_calls(container)
    }
}

fn connect(server: &RedisServer, protocol: Protocol) -> Connection {
    Connection::with_config(&ConnectionConfig::new("127.0.0.1", server.port()).protocol(protocol))
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// server

#[test]
fn info_is_parsed_alike_on_both_protocols() {
    let server = RedisServer::start();
    let mut infos = Vec::new();
    for mut c in per_protocol(server.port()) {
        c.flushall(None).unwrap();
        c.set("a", 1).unwrap();
        c.set(b"b\r\n\xff".as_slice(), 2).unwrap();
        c.expire("a", Duration::from_secs(100)).unwrap();
        let info = c.info().unwrap();
        assert!(info.redis_version().is_some());
        assert_eq!(info.valkey_version().is_some(), server.is_valkey());
        assert_eq!(info.server_name() == Some("valkey"), server.is_valkey());
        assert!(info.used_memory().unwrap() > 0);
        assert!(info.connected_clients().unwrap() >= 1);
        assert_eq!(info.role(), Some("master"));
        assert!(info.uptime().is_some() && info.total_commands_processed().unwrap() > 0);
        assert_eq!(
            info.get("server", "tcp_port"),
            Some(server.port().to_string().as_str())
        );
        assert_eq!(
            info.get_as::<u16>("Server", "tcp_port"),
            Some(server.port())
        );
        let ks = info.keyspace();
        assert_eq!((ks[&0].keys, ks[&0].expires), (2, 1));
        // One section.
        let memory = c.info_sections(["memory"]).unwrap();
        assert!(memory.used_memory().is_some() && memory.redis_version().is_none());
        assert_eq!(memory.sections().count(), 1);
        // Several: Redis 7.0+.
        let both = c.info_sections(["memory", "server"]);
        if seven(&server) {
            let both = both.unwrap();
            assert!(both.used_memory().is_some() && both.redis_version().is_some());
        } else {
            assert_server_error(&both.unwrap_err(), "syntax error");
            c.ping().unwrap();
        }
        infos.push(c.info_sections(["keyspace"]).unwrap());
    }
    assert_eq!(infos[0], infos[1]);
    assert_eq!(infos[0].keyspace()[&0].keys, 2);
}

#[test]
fn dbsize_flush_and_swapdb() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.flushall(Some(FlushMode::Sync)).unwrap();
        assert_eq!(c.dbsize().unwrap(), 0);
        c.mset([("a", 1), ("b", 2)]).unwrap();
        assert_eq!(c.dbsize().unwrap(), 2);
        c.flushdb(Some(FlushMode::Async)).unwrap();
        assert_eq!(c.dbsize().unwrap(), 0);
        c.set("a", 1).unwrap();
        c.flushdb(None).unwrap();
        assert_eq!(c.dbsize().unwrap(), 0);
        // SWAPDB: db 0's key moves to db 1.
        c.set("moved", "v").unwrap();
        c.swapdb(0, 1).unwrap();
        assert_eq!(c.dbsize().unwrap(), 0);
        c.select(1).unwrap();
        assert_eq!(c.get::<String>("moved").unwrap().as_deref(), Some("v"));
        c.select(0).unwrap();
        assert_server_error(&c.swapdb(0, 100_000).unwrap_err(), "out of range");
        c.flushall(None).unwrap();
        c.select(1).unwrap();
        assert_eq!(c.dbsize().unwrap(), 0, "FLUSHALL empties every database");
        c.select(0).unwrap();
    }
}

#[test]
fn time_and_lastsave_are_system_times() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let before = SystemTime::now() - Duration::from_secs(2);
        let t = c.time().unwrap();
        let after = SystemTime::now() + Duration::from_secs(2);
        assert!(before <= t && t <= after, "{t:?}");
        // Microseconds are there: two readings differ.
        let t2 = c.time().unwrap();
        assert!(t2 >= t);
        let saved = c.lastsave().unwrap();
        assert!(
            saved <= after && saved > before - Duration::from_secs(3600),
            "{saved:?}"
        );
    }
}

#[test]
fn config_get_and_set() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let policy = c.config_get("maxmemory-policy").unwrap();
        assert_eq!(policy.len(), 1);
        c.config_set(("maxmemory-policy", "allkeys-lru")).unwrap();
        assert_eq!(
            c.config_get("maxmemory-policy").unwrap()["maxmemory-policy"],
            "allkeys-lru"
        );
        c.config_set([("maxmemory-policy", "noeviction")]).unwrap();
        let globbed = c.config_get("maxmemory*").unwrap();
        assert!(
            globbed.len() >= 3 && globbed["maxmemory"] == "0",
            "{globbed:?}"
        );
        assert!(c.config_get("no-such-setting*").unwrap().is_empty());
        assert_server_error(&c.config_set(("no-such-setting", "1")).unwrap_err(), "");
        c.ping().unwrap();
        // Several at once: Redis 7.0+.
        let many = c.config_get(["maxmemory", "port"]);
        let set_many = c.config_set([("maxclients", "500"), ("timeout", "0")]);
        if seven(&server) {
            let many: HashMap<String, String> = many.unwrap();
            assert_eq!(many["port"], server.port().to_string());
            assert_eq!(many.len(), 2);
            set_many.unwrap();
            assert_eq!(c.config_get("maxclients").unwrap()["maxclients"], "500");
        } else {
            assert_server_error(&many.unwrap_err(), "wrong number of arguments");
            assert_server_error(&set_many.unwrap_err(), "wrong number of arguments");
        }
        // Refused before anything is sent.
        let (get, set) = (
            calls(&server, "config", "get"),
            calls(&server, "config", "set"),
        );
        let e = c.config_get(&[] as &[&str]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = c.config_set(("maxmemory",)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(calls(&server, "config", "get"), get);
        assert_eq!(calls(&server, "config", "set"), set);
    }
}

#[test]
fn memory_usage_of_keys() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        assert_eq!(c.memory_usage("missing", None).unwrap(), None);
        let key = b"bin\r\n\xff".as_slice();
        c.set(key, vec![0u8; 1000]).unwrap();
        let n = c.memory_usage(key, None).unwrap().unwrap();
        assert!(n >= 1000, "{n}");
        rpush_raw(&mut c, "list", (0..200).collect::<Vec<usize>>());
        assert!(c.memory_usage("list", Some(0)).unwrap().unwrap() > 0);
        assert!(c.memory_usage("list", Some(5)).unwrap().unwrap() > 0);
        c.del(("list", key)).unwrap();
    }
}

#[test]
fn slowlog_entries_are_the_same_struct_on_both_protocols() {
    let server = RedisServer::start();
    let mut conns = per_protocol(server.port());
    conns[0].config_set(("slowlog-log-slower-than", 0)).unwrap();
    conns[0].slowlog_reset().unwrap();
    conns[0].client_setname("slow-client").unwrap();
    let value = b"v\r\n\xff\x00".to_vec();
    conns[0].set("slow-key", value.clone()).unwrap();
    conns[0]
        .config_set(("slowlog-log-slower-than", -1))
        .unwrap();
    let mut seen = Vec::new();
    for c in &mut conns {
        let entries = c.slowlog_get(None).unwrap();
        let set = entries
            .iter()
            .find(|e| {
                e.arguments.first().map(Vec::as_slice) == Some(b"set".as_slice())
                    || e.arguments.first().map(Vec::as_slice) == Some(b"SET".as_slice())
            })
            .unwrap_or_else(|| panic!("no SET in {entries:?}"))
            .clone();
        assert_eq!(set.arguments[1..], [b"slow-key".to_vec(), value.clone()]);
        assert_eq!(set.client_name, "slow-client");
        assert!(
            set.client_addr.starts_with("127.0.0.1:"),
            "{}",
            set.client_addr
        );
        assert!(set.time <= SystemTime::now() + Duration::from_secs(2));
        assert!(c.slowlog_len().unwrap() >= entries.len() as u64);
        assert_eq!(c.slowlog_get(Some(1)).unwrap().len(), 1);
        // Newest first.
        assert!(entries.windows(2).all(|w| w[0].id > w[1].id));
        seen.push(set);
    }
    assert_eq!(seen[0], seen[1]);
    conns[1].slowlog_reset().unwrap();
    assert_eq!(conns[0].slowlog_len().unwrap(), 0);
    assert!(conns[0].slowlog_get(Some(10)).unwrap().is_empty());
}

#[test]
fn server_commands_through_pipelines_and_clients() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).unwrap();
    client.flushdb(None).unwrap();
    client.set("k", "v").unwrap();
    assert_eq!(client.dbsize().unwrap(), 1);
    assert!(client.info().unwrap().redis_version().is_some());
    assert!(matches!(client.role().unwrap(), Role::Master { .. }));
    for mut c in per_protocol(server.port()) {
        let (n, t, info, role, id, nodes) = redisync::pipe()
            .dbsize()
            .time()
            .info_sections(["server"])
            .role()
            .client_id()
            .client_list(ClientListOptions::new())
            .query(&mut c)
            .unwrap();
        assert_eq!(n, 1);
        assert!(t > SystemTime::UNIX_EPOCH);
        assert!(info.redis_version().is_some());
        assert!(matches!(role, Role::Master { offset: 0, ref replicas } if replicas.is_empty()));
        assert!(nodes.iter().any(|n| n.id == id), "the list has this client");
        // A refused command makes the pipeline fail before anything is sent.
        let before = calls(&server, "config", "get");
        let e = redisync::pipe()
            .dbsize()
            .config_get(&[] as &[&str])
            .query(&mut c)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(calls(&server, "config", "get"), before);
        c.ping().unwrap();
    }
}
