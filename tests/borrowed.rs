//! The borrowed-reply path (`get_into`, `get_with`, `query_with`) against a real server: the
//! same values as `get`, errors typed and the connection still in step after them, large values
//! through the ordinary read, pushes to the handler. Allocations: tests/borrowed_allocs.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use redisync::prelude::*;
use redisync::{Client, Connection, ConnectionConfig, ErrorKind, Protocol, cmd};
use support::RedisServer;

fn connect(server: &RedisServer, protocol: Protocol) -> Connection {
    let cfg = ConnectionConfig::from_url(&server.url())
        .expect("url")
        .protocol(protocol);
    Connection::with_config(&cfg).expect("connect")
}

#[test]
fn get_into_gives_what_get_gives_on_both_protocols() {
    let server = RedisServer::start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut conn = connect(&server, protocol);
        let mut buf = b"left over".to_vec();
        for (i, len) in [0usize, 1, 16, 1000, 16 * 1024, 200 * 1024]
            .into_iter()
            .enumerate()
        {
            let key = format!("borrowed:{protocol:?}:{i}");
            let value: Vec<u8> = (0..len).map(|j| (j * 7 + i) as u8).collect();
            conn.set(&key, &value[..]).expect("set");
            assert!(conn.get_into(&key, &mut buf).expect("get_into"), "{len}");
            assert_eq!(buf, value, "{protocol:?} {len}");
            let via_get: Option<Vec<u8>> = conn.get(&key).expect("get");
            assert_eq!(via_get.as_deref(), Some(&value[..]));
            let seen = conn
                .get_with(&key, |v| v.map(<[u8]>::to_vec))
                .expect("get_with");
            assert_eq!(seen.as_deref(), Some(&value[..]));
        }
        assert!(
            !conn
                .get_into("borrowed:missing", &mut buf)
                .expect("missing")
        );
        assert!(buf.is_empty(), "a missing key leaves the buffer empty");
        let none = conn
            .get_with("borrowed:missing", |v| v.is_none())
            .expect("get_with");
        assert!(none);
    }
}

#[test]
fn errors_are_typed_and_leave_the_connection_in_step() {
    let server = RedisServer::start();
    let mut conn = connect(&server, Protocol::Resp3);
    conn.rpush("borrowed:list", "x").expect("rpush");
    conn.set("borrowed:s", "v1").expect("set");
    let mut buf = Vec::new();
    let e = conn
        .get_into("borrowed:list", &mut buf)
        .expect_err("wrong type");
    assert_eq!(e.kind(), ErrorKind::WrongType);
    assert!(e.to_string().contains("WRONGTYPE"), "{e}");
    // A reply of another type than a string is a conversion error, and the reply is consumed.
    let e = conn
        .query_with(&cmd("LLEN").arg("borrowed:list"), |_| ())
        .expect_err("an integer is not a string");
    assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
    assert!(
        conn.get_into("borrowed:s", &mut buf)
            .expect("after the errors")
    );
    assert_eq!(buf, b"v1");
    let field = conn
        .query_with(&cmd("LINDEX").arg("borrowed:list").arg(0), |v| {
            v.map(<[u8]>::to_vec)
        })
        .expect("lindex");
    assert_eq!(field.as_deref(), Some(&b"x"[..]));
}

#[test]
fn a_push_before_the_reply_goes_to_the_handler_not_the_caller() {
    let server = RedisServer::start();
    let mut conn = connect(&server, Protocol::Resp3);
    let (tx, rx) = std::sync::mpsc::channel();
    conn.set_push_handler(move |v| {
        let _ = tx.send(v);
    });
    // Tracking on this connection's own reads: an invalidation push arrives before the
    // reply to the command after another client's write.
    redisync::cmd("CLIENT")
        .arg("TRACKING")
        .arg("ON")
        .exec(&mut conn)
        .expect("tracking");
    conn.set("borrowed:tracked", "old").expect("set");
    let mut buf = Vec::new();
    assert!(conn.get_into("borrowed:tracked", &mut buf).expect("read"));
    let mut other = connect(&server, Protocol::Resp2);
    other.set("borrowed:tracked", "new").expect("other write");
    support::wait_until(std::time::Duration::from_secs(5), "the new value", || {
        conn.get_into("borrowed:tracked", &mut buf)
            .expect("read again");
        buf == b"new"
    });
    let push = rx
        .try_recv()
        .expect("the invalidation went to the push handler");
    assert!(matches!(push, redisync::Value::Push(_)), "{push:?}");
}

#[test]
fn client_get_into_through_the_pool() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).expect("client");
    let mut buf = Vec::new();
    for i in 0..50 {
        let value = format!("value-{i}");
        client.set("borrowed:client", &value).expect("set");
        assert!(
            client
                .get_into("borrowed:client", &mut buf)
                .expect("get_into")
        );
        assert_eq!(buf, value.as_bytes());
    }
    assert!(
        !client
            .get_into("borrowed:nothing", &mut buf)
            .expect("missing")
    );
}

#[test]
fn query_ref_walks_replies_of_every_shape_without_a_value_tree() {
    let server = RedisServer::start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut conn = connect(&server, protocol);
        let key = format!("borrowed:hash:{protocol:?}");
        conn.hset(&key, [("f1", "v1"), ("f2", "v2")]).expect("hset");
        // A map on RESP3, a flat array on RESP2: either way four strings, in pairs.
        let mut fields = conn
            .query_ref(&cmd("HGETALL").arg(&key), |reply| match reply {
                redisync::resp::ValueRef::Map(pairs) => pairs
                    .map(|(k, v)| {
                        (
                            k.as_bytes().unwrap().to_vec(),
                            v.as_bytes().unwrap().to_vec(),
                        )
                    })
                    .collect::<Vec<_>>(),
                redisync::resp::ValueRef::Array(items) => {
                    let flat: Vec<Vec<u8>> =
                        items.map(|v| v.as_bytes().unwrap().to_vec()).collect();
                    flat.chunks(2)
                        .map(|p| (p[0].clone(), p[1].clone()))
                        .collect()
                }
                other => panic!("{protocol:?}: {}", other.type_name()),
            })
            .expect("hgetall");
        fields.sort();
        assert_eq!(
            fields,
            [
                (b"f1".to_vec(), b"v1".to_vec()),
                (b"f2".to_vec(), b"v2".to_vec())
            ]
        );
        // Longer than the read buffer: handed over from a copy, the same values.
        let list = format!("borrowed:list:{protocol:?}");
        let values: Vec<String> = (0..5000).map(|i| format!("element-{i:05}")).collect();
        conn.rpush(&list, &values).expect("rpush");
        let (count, bytes) = conn
            .query_ref(&cmd("LRANGE").arg(&list).arg(0).arg(-1), |reply| {
                let items = reply.as_items().expect("an array");
                let n = items.len();
                let total: usize = items.map(|v| v.as_bytes().map_or(0, <[u8]>::len)).sum();
                (n, total)
            })
            .expect("lrange");
        assert_eq!(count, 5000);
        assert_eq!(bytes, values.iter().map(String::len).sum::<usize>());
        // An integer, a null, then an error reply: typed, and the connection still in step.
        let n = conn
            .query_ref(&cmd("LLEN").arg(&list), |r| r.as_int())
            .expect("llen");
        assert_eq!(n, Some(5000));
        let null = conn
            .query_ref(&cmd("GET").arg("borrowed:none"), |r| r.is_null())
            .expect("get");
        assert!(null);
        let e = conn
            .query_ref(&cmd("GET").arg(&list), |_| ())
            .expect_err("WRONGTYPE");
        assert_eq!(e.kind(), ErrorKind::WrongType);
        let first = conn
            .query_ref(&cmd("LINDEX").arg(&list).arg(0), |r| {
                r.as_bytes().map(<[u8]>::to_vec)
            })
            .expect("lindex");
        assert_eq!(first.as_deref(), Some(&b"element-00000"[..]));
    }
}
