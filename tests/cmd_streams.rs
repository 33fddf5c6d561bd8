//! The typed stream commands against a real server, on RESP2 and RESP3: entries and ranges,
//! trims, blocking reads (the wait extends the read deadline; a wait that ends with nothing is
//! empty), consumer groups end to end (XREADGROUP, XPENDING, XCLAIM, XAUTOCLAIM, XACK), the
//! XINFO reports, and the edges: missing keys, WRONGTYPE, binary values, refused options.
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test --all-features --test cmd_streams

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use clients::per_protocol;
use redisync::prelude::*;
use redisync::{
    AutoClaim, StreamBatch, StreamEntry, StreamTrim, XAddOptions, XClaimOptions,
    XGroupCreateOptions, XReadOptions, XSetIdOptions,
};
use support::RedisServer;

#[path = "cmd_streams/blocking.rs"]
mod blocking;
#[path = "cmd_streams/groups.rs"]
mod groups;

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(f, v)| (f.to_string(), v.to_string()))
        .collect()
}

fn ids<V>(entries: &[StreamEntry<V>]) -> Vec<&str> {
    entries.iter().map(|e| e.id.as_str()).collect()
}

/// The server's error for an argument it does not know, on a server too old for it.
fn assert_syntax_error(e: &redisync::Error) {
    assert_eq!(e.kind(), ErrorKind::Response, "{e}");
}

#[test]
fn entries_round_trip_through_xadd_and_ranges() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del(["s", "missing"]).unwrap();
        let a = c.xadd("s", [("name", "ann"), ("age", "31")]).unwrap();
        assert!(a.contains('-'), "{a}");
        let b = c
            .xadd_options(
                "s",
                (("n", 1), ("n", 2.5)),
                XAddOptions::new().id("9999999999999-1"),
            )
            .unwrap();
        assert_eq!(b, "9999999999999-1");
        if server.version() >= (7, 0, 0) {
            // `ms-*`: the server picks the sequence.
            let auto_seq = c
                .xadd_options("s", [("x", "y")], XAddOptions::new().id("9999999999999-*"))
                .unwrap();
            assert_eq!(auto_seq, "9999999999999-2");
            c.xdel("s", &auto_seq).unwrap();
        }
        let e = c
            .xadd_options("s", [("x", "y")], XAddOptions::new().id("1-1"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");
        assert!(e.to_string().contains("smaller"), "{e}");

        assert_eq!(c.xlen("s").unwrap(), 2);
        let all: Vec<StreamEntry> = c.xrange("s", "-", "+", None).unwrap();
        assert_eq!(ids(&all), [a.as_str(), "9999999999999-1"]);
        assert_eq!(all[0].fields, pairs(&[("name", "ann"), ("age", "31")]));
        assert_eq!(all[0].get("age").map(String::as_str), Some("31"));
        // A field may repeat; `get` finds the first. Values convert to the caller's type.
        let typed: Vec<StreamEntry<f64>> = c.xrange("s", "9999999999999-1", "+", None).unwrap();
        assert_eq!(
            typed[0].fields,
            [("n".to_string(), 1.0), ("n".to_string(), 2.5)]
        );
        let last: Vec<StreamEntry> = c.xrevrange("s", "+", "-", Some(1)).unwrap();
        assert_eq!(ids(&last), ["9999999999999-1"]);
        let first: Vec<StreamEntry> = c.xrange("s", "-", "+", Some(1)).unwrap();
        assert_eq!(ids(&first), [a.as_str()]);
        // Exclusive bounds.
        let after: Vec<StreamEntry> = c.xrange("s", format!("({a}"), "+", None).unwrap();
        assert_eq!(ids(&after), ["9999999999999-1"]);
        // Missing key: empty, and 0.
        assert!(
            c.xrange::<String>("missing", "-", "+", None)
                .unwrap()
                .is_empty()
        );
        assert!(
            c.xrevrange::<String>("missing", "+", "-", None)
                .unwrap()
                .is_empty()
        );
        assert_eq!(c.xlen("missing").unwrap(), 0);
        assert_eq!(c.xdel("missing", "1-1").unwrap(), 0);

        // NOMKSTREAM: None for a missing key, which stays missing.
        assert_eq!(
            c.xadd_nomkstream("missing", [("f", "v")], XAddOptions::new())
                .unwrap(),
            None
        );
        assert_eq!(c.exists("missing").unwrap(), 0);
        let id = c
            .xadd_nomkstream("s", [("f", "v")], XAddOptions::new().id("9999999999999-5"))
            .unwrap();
        assert_eq!(id.as_deref(), Some("9999999999999-5"));
        assert_eq!(
            c.xdel("s", ["9999999999999-5", "9999999999999-6"]).unwrap(),
            1
        );
    }
}

/// A stream's entries with binary values.
type Entries = Vec<StreamEntry<Vec<u8>>>;

#[test]
fn binary_keys_and_values_round_trip() {
    let server = RedisServer::start();
    let key = b"st\r\n\xff\x00".to_vec();
    let value = b"v\r\n\xfe\x00\xff".to_vec();
    for mut c in per_protocol(server.port()) {
        c.del(&key).unwrap();
        let id = c.xadd(&key, [("bin", value.clone())]).unwrap();
        let got: Vec<StreamEntry<Vec<u8>>> = c.xrange(&key, "-", "+", None).unwrap();
        assert_eq!(
            got,
            [StreamEntry {
                id: id.clone(),
                fields: vec![("bin".to_string(), value.clone())]
            }]
        );
        // As text the value is a conversion error naming both sides, and the connection
        // carries on.
        let e = c.xrange::<String>(&key, "-", "+", None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
        assert!(e.to_string().contains("String"), "{e}");
        // XREAD on a binary key: the batch's key is text, so read those through `cmd`.
        let raw: Vec<(Vec<u8>, Entries)> = redisync::cmd("XREAD")
            .arg("STREAMS")
            .arg(&key)
            .arg("0")
            .query(&mut c)
            .unwrap();
        assert_eq!(raw[0].0, key);
        assert_eq!(raw[0].1[0].fields[0].1, value);
        assert_eq!(c.xlen(&key).unwrap(), 1);
    }
}

#[test]
fn wrong_types_are_server_errors_and_the_connection_carries_on() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.set("str", "x").unwrap();
        let checks: Vec<redisync::Error> = vec![
            c.xadd("str", [("f", "v")]).unwrap_err(),
            c.xlen("str").unwrap_err(),
            c.xrange::<String>("str", "-", "+", None).unwrap_err(),
            c.xread::<String>("str", "0", XReadOptions::new())
                .unwrap_err(),
            c.xtrim("str", StreamTrim::maxlen(1)).unwrap_err(),
            c.xinfo_stream::<String>("str").unwrap_err(),
            c.xack("str", "g", "1-1").unwrap_err(),
        ];
        for e in checks {
            assert_eq!(e.kind(), ErrorKind::WrongType, "{e}");
        }
        assert_eq!(c.get::<String>("str").unwrap().as_deref(), Some("x"));
        // Missing keys where the command needs one.
        let e = c.xinfo_stream::<String>("nokey").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");
        assert!(e.to_string().contains("no such key"), "{e}");
        let e = c.xinfo_groups("nokey").unwrap_err();
        assert!(e.to_string().contains("no such key"), "{e}");
        let e = c.xpending("nokey", "g").unwrap_err();
        assert_eq!(e.server_error().unwrap().code(), "NOGROUP");
        c.ping().unwrap();
    }
}

#[test]
fn refused_options_send_nothing() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let before = (
            server.command_calls("xadd"),
            server.command_calls("xtrim"),
            server.command_calls("xread"),
            server.command_calls("xreadgroup"),
            server.command_calls("xclaim"),
        );
        let errors = vec![
            c.xadd("s", ["only-a-field"]).unwrap_err(),
            c.xadd("s", ()).unwrap_err(),
            c.xadd_options(
                "s",
                [("f", "v")],
                XAddOptions::new().trim(StreamTrim::maxlen(5).limit(1)),
            )
            .unwrap_err(),
            c.xtrim("s", StreamTrim::minid("5-0").exact().limit(1))
                .unwrap_err(),
            c.xread::<String>("s", "0", XReadOptions::new().noack())
                .unwrap_err(),
            c.xread::<String>("s", "0", XReadOptions::new().block(Some(Duration::ZERO)))
                .unwrap_err(),
            c.xread::<String>(["a", "b"], ["0"], XReadOptions::new())
                .unwrap_err(),
            c.xreadgroup::<String>("g", "c", "s", (), XReadOptions::new())
                .unwrap_err(),
            c.xclaim::<String>(
                "s",
                "g",
                "c",
                Duration::ZERO,
                "1-1",
                XClaimOptions::new().time(SystemTime::UNIX_EPOCH - Duration::from_secs(1)),
            )
            .unwrap_err(),
        ];
        for e in errors {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        }
        let after = (
            server.command_calls("xadd"),
            server.command_calls("xtrim"),
            server.command_calls("xread"),
            server.command_calls("xreadgroup"),
            server.command_calls("xclaim"),
        );
        assert_eq!(before, after);
        // In a pipeline, the refusal fails the pipeline when it is sent, and nothing runs.
        let e = redisync::pipe()
            .incr("counter")
            .xtrim("s", StreamTrim::maxlen(1).limit(1))
            .query(&mut c)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert_eq!(c.get::<i64>("counter").unwrap(), None);
    }
}

#[test]
fn trims_and_setid() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del("t").unwrap();
        for i in 1..=10 {
            c.xadd_options("t", [("i", i)], XAddOptions::new().id(format!("{i}-1")))
                .unwrap();
        }
        assert_eq!(c.xtrim("t", StreamTrim::maxlen(8)).unwrap(), 2);
        assert_eq!(c.xtrim("t", StreamTrim::maxlen(8).exact()).unwrap(), 0);
        assert_eq!(c.xtrim("t", StreamTrim::minid("5-0")).unwrap(), 2);
        assert_eq!(c.xrange::<i64>("t", "-", "-", None).unwrap().len(), 0);
        assert_eq!(
            ids(&c.xrange::<i64>("t", "-", "+", Some(1)).unwrap()),
            ["5-1"]
        );
        // Approximate trims only drop whole macro nodes: nothing here.
        assert_eq!(
            c.xtrim("t", StreamTrim::maxlen(1).approx().limit(10))
                .unwrap(),
            0
        );
        assert_eq!(c.xtrim("missing", StreamTrim::maxlen(0)).unwrap(), 0);
        // XADD with a trim.
        c.xadd_options(
            "t",
            [("i", 11)],
            XAddOptions::new().id("11-1").trim(StreamTrim::maxlen(3)),
        )
        .unwrap();
        assert_eq!(
            ids(&c.xrange::<i64>("t", "-", "+", None).unwrap()),
            ["9-1", "10-1", "11-1"]
        );
        c.xadd_options(
            "t",
            [("i", 12)],
            XAddOptions::new().trim(StreamTrim::minid("11-0").approx().limit(0)),
        )
        .unwrap();

        c.del("t2").unwrap();
        c.xadd_options("t2", [("a", "b")], XAddOptions::new().id("5-1"))
            .unwrap();
        c.xsetid("t2", "100-0", XSetIdOptions::new()).unwrap();
        assert_eq!(
            c.xinfo_stream::<String>("t2").unwrap().last_generated_id,
            "100-0"
        );
        let e = c.xsetid("t2", "1-0", XSetIdOptions::new()).unwrap_err();
        assert!(e.to_string().contains("smaller"), "{e}");
        let counters = XSetIdOptions::new().entries_added(50).max_deleted_id("4-0");
        if server.version() >= (7, 0, 0) {
            c.xsetid("t2", "200-0", counters).unwrap();
            let info = c.xinfo_stream::<String>("t2").unwrap();
            assert_eq!(info.entries_added, Some(50));
            assert_eq!(info.max_deleted_entry_id.as_deref(), Some("4-0"));
        } else {
            assert_syntax_error(&c.xsetid("t2", "200-0", counters).unwrap_err());
        }
        let e = c.xsetid("nokey", "1-0", XSetIdOptions::new()).unwrap_err();
        assert!(e.to_string().contains("no such key"), "{e}");
    }
}

#[test]
fn xread_gives_one_batch_per_stream_with_entries() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del(["ra", "rb", "rc"]).unwrap();
        for i in 1..=3 {
            c.xadd_options("ra", [("i", i)], XAddOptions::new().id(format!("{i}-0")))
                .unwrap();
        }
        c.xadd_options("rb", [("j", "x")], XAddOptions::new().id("7-0"))
            .unwrap();
        let read: Vec<StreamBatch<i64>> = c
            .xread(["ra", "rb", "rc"], ["1-0", "7-0", "0"], XReadOptions::new())
            .unwrap();
        assert_eq!(read.len(), 1, "only streams with new entries: {read:?}");
        assert_eq!(read[0].stream, "ra");
        assert_eq!(ids(&read[0].entries), ["2-0", "3-0"]);
        let read: Vec<StreamBatch> = c
            .xread(["ra", "rb"], ["0", "0"], XReadOptions::new().count(1))
            .unwrap();
        let summary: Vec<(&str, Vec<&str>)> = read
            .iter()
            .map(|b| (b.stream.as_str(), ids(&b.entries)))
            .collect();
        assert_eq!(summary, [("ra", vec!["1-0"]), ("rb", vec!["7-0"])]);
        // Nothing new, no BLOCK: empty.
        let none: Vec<StreamBatch> = c.xread("ra", "3-0", XReadOptions::new()).unwrap();
        assert!(none.is_empty());
        let none: Vec<StreamBatch> = c.xread("nokey", "0", XReadOptions::new()).unwrap();
        assert!(none.is_empty());
        // The same reply through `cmd`, into a map.
        let map: HashMap<String, Vec<StreamEntry>> = redisync::cmd("XREAD")
            .arg(("STREAMS", "ra", "rb", "2-0", "0"))
            .query(&mut c)
            .unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(ids(&map["ra"]), ["3-0"]);
        // Through a pipeline, reply types inferred.
        let (len, batches): (u64, Vec<StreamBatch>) = redisync::pipe()
            .xlen("ra")
            .xread("rb", "0", XReadOptions::new())
            .query(&mut c)
            .unwrap();
        assert_eq!(
            (len, batches[0].entries[0].get("j").map(String::as_str)),
            (3, Some("x"))
        );
    }
}

#[test]
fn xinfo_reports_on_every_server() {
    let server = RedisServer::start();
    let seven = server.version() >= (7, 0, 0);
    for mut c in per_protocol(server.port()) {
        c.del(["info", "empty"]).unwrap();
        c.xadd_options(
            "info",
            [("f", "v"), ("g", "w")],
            XAddOptions::new().id("1-1"),
        )
        .unwrap();
        c.xadd_options("info", [("f", "x")], XAddOptions::new().id("2-1"))
            .unwrap();
        c.xadd_options("info", [("f", "y")], XAddOptions::new().id("3-1"))
            .unwrap();
        c.xdel("info", "2-1").unwrap();
        c.xgroup_create("info", "g", "0", XGroupCreateOptions::new())
            .unwrap();
        c.xreadgroup::<String>("g", "alice", "info", ">", XReadOptions::new().count(1))
            .unwrap();
        c.xgroup_createconsumer("info", "g", "never").unwrap();

        let info = c.xinfo_stream::<String>("info").unwrap();
        assert_eq!((info.length, info.groups), (2, 1));
        assert_eq!(info.last_generated_id, "3-1");
        assert!(info.radix_tree_keys >= 1 && info.radix_tree_nodes >= 1);
        let first = info.first_entry.unwrap();
        assert_eq!((first.id.as_str(), first.fields.len()), ("1-1", 2));
        assert_eq!(info.last_entry.unwrap().id, "3-1");
        if seven {
            assert_eq!(info.max_deleted_entry_id.as_deref(), Some("2-1"));
            assert_eq!(info.entries_added, Some(3));
            assert_eq!(info.recorded_first_entry_id.as_deref(), Some("1-1"));
        } else {
            assert_eq!(info.max_deleted_entry_id, None);
            assert_eq!(info.entries_added, None);
            assert_eq!(info.recorded_first_entry_id, None);
        }
        let bytes = c.xinfo_stream::<Vec<u8>>("info").unwrap();
        assert_eq!(bytes.last_entry.unwrap().fields[0].1, b"y");

        let full = c.xinfo_stream_full::<String>("info", None).unwrap();
        assert_eq!(full.length, 2);
        assert_eq!(ids(&full.entries), ["1-1", "3-1"]);
        assert_eq!(full.entries_added, info.entries_added);
        let g = &full.groups[0];
        assert_eq!(
            (g.name.as_str(), g.pel_count, g.last_delivered_id.as_str()),
            ("g", 1, "1-1")
        );
        assert_eq!(g.pending.len(), 1);
        assert_eq!(
            (g.pending[0].id.as_str(), g.pending[0].consumer.as_str()),
            ("1-1", "alice")
        );
        assert_eq!(g.pending[0].deliveries, 1);
        let now = SystemTime::now();
        let age = now
            .duration_since(g.pending[0].delivered_at)
            .unwrap_or_default();
        assert!(age < Duration::from_secs(60), "{age:?}");
        // With an entry deleted after the group's position, 7.0+ cannot tell these either
        // (nil); 6.2 has neither. Both reports agree.
        let short = &c.xinfo_groups("info").unwrap()[0];
        assert_eq!((g.entries_read, g.lag), (short.entries_read, short.lag));
        assert_eq!((g.entries_read, g.lag), (None, None));
        let names: Vec<&str> = g.consumers.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["alice", "never"]);
        let alice = &g.consumers[0];
        assert_eq!((alice.pel_count, alice.pending.len()), (1, 1));
        assert_eq!(alice.pending[0].consumer, "alice");
        assert_eq!(alice.pending[0].id, "1-1");
        let seen = now.duration_since(alice.seen_time).unwrap_or_default();
        assert!(seen < Duration::from_secs(60), "{seen:?}");
        let never = &g.consumers[1];
        if server.is_valkey() {
            // Valkey reports when a consumer last read; `never` did not.
            assert!(alice.active_time.is_some());
            assert_eq!(never.active_time, None);
            let consumers = c.xinfo_consumers("info", "g").unwrap();
            assert_eq!(consumers[1].inactive, None);
            assert!(consumers[0].inactive.is_some());
        } else {
            assert_eq!(alice.active_time, None);
        }
        let one = c.xinfo_stream_full::<String>("info", Some(1)).unwrap();
        assert_eq!(ids(&one.entries), ["1-1"]);
        let all = c.xinfo_stream_full::<String>("info", Some(0)).unwrap();
        assert_eq!(all.entries.len(), 2);

        // An empty stream: no first or last entry.
        c.xadd_options("empty", [("a", "b")], XAddOptions::new().id("1-1"))
            .unwrap();
        c.xdel("empty", "1-1").unwrap();
        let info = c.xinfo_stream::<String>("empty").unwrap();
        assert_eq!(
            (info.length, info.first_entry, info.last_entry),
            (0, None, None)
        );
        let full = c.xinfo_stream_full::<String>("empty", None).unwrap();
        assert!(full.entries.is_empty() && full.groups.is_empty());
        let e = c.xinfo_stream_full::<String>("nokey", None).unwrap_err();
        assert!(e.to_string().contains("no such key"), "{e}");
        assert!(c.xinfo_groups("empty").unwrap().is_empty());
    }
}

#[test]
fn stream_commands_through_a_client_and_a_pipeline() {
    let server = RedisServer::start();
    let client = redisync::Client::open(&server.url()).unwrap();
    client.del("p").unwrap();
    let (id, len, group, entries): (String, u64, (), Vec<StreamEntry>) = redisync::pipe()
        .xadd_options("p", [("k", "v")], XAddOptions::new().id("1-0"))
        .xlen("p")
        .xgroup_create("p", "g", "0", XGroupCreateOptions::new())
        .xrange("p", "-", "+", None)
        .query(&client)
        .unwrap();
    assert_eq!((id.as_str(), len, group, entries.len()), ("1-0", 1, (), 1));
    let (read, pending): (Vec<StreamBatch>, redisync::PendingSummary) = redisync::pipe()
        .xreadgroup("g", "c", "p", ">", XReadOptions::new())
        .xpending("p", "g")
        .query(&client)
        .unwrap();
    assert_eq!(read[0].entries[0].id, "1-0");
    assert_eq!(pending.count, 1);
    let (acked, claim): (u64, AutoClaim<String>) = redisync::pipe()
        .xack("p", "g", "1-0")
        .xautoclaim_justid("p", "g", "c", Duration::ZERO, "0", None)
        .query(&client)
        .unwrap();
    assert_eq!((acked, claim.claimed.len()), (1, 0));
    // A pipeline's XCLAIM reply loses its nils the same way (6.2 sends them).
    client
        .xadd_options("p", [("k", "w")], XAddOptions::new().id("2-0"))
        .unwrap();
    client
        .xreadgroup::<String>("g", "c", "p", ">", XReadOptions::new())
        .unwrap();
    client.xdel("p", "2-0").unwrap();
    let (claimed,): (Vec<StreamEntry>,) = redisync::pipe()
        .xclaim("p", "g", "d", Duration::ZERO, "2-0", XClaimOptions::new())
        .query(&client)
        .unwrap();
    assert!(claimed.is_empty(), "{claimed:?}");
    // Through a client view with a whole-call timeout too.
    let info = client
        .with_timeout(Duration::from_secs(5))
        .xinfo_stream::<String>("p")
        .unwrap();
    assert_eq!(info.length, 1);
}
