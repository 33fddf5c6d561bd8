//! Blocking reads: the wait extends the read deadline, and a wait that ends with nothing is
//! empty.

use std::thread;
use std::time::Instant;

use redisync::Protocol;

use super::*;
use crate::clients::impatient;

#[test]
fn a_blocking_read_waits_past_the_read_timeout_for_another_connections_entry() {
    let server = RedisServer::start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let key = format!("wait-{protocol:?}");
        let mut reader = impatient(server.port(), protocol, Duration::from_millis(300));
        let client = redisync::Client::open(&server.url()).unwrap();
        let (read, waited, id) = thread::scope(|s| {
            let producer = s.spawn(|| {
                // Once the reader is blocked on the key, add an entry.
                support::wait_until(Duration::from_secs(10), "the reader to block", || {
                    server.blocked_clients() >= 1
                });
                thread::sleep(Duration::from_millis(700));
                client.xadd(&key, [("job", "late")]).unwrap()
            });
            let started = Instant::now();
            let read: Vec<StreamBatch> = reader
                .xread(
                    &key,
                    "$",
                    XReadOptions::new().block(Some(Duration::from_secs(10))),
                )
                .unwrap();
            (read, started.elapsed(), producer.join().unwrap())
        });
        assert_eq!(read.len(), 1, "{read:?}");
        assert_eq!(read[0].stream, key);
        assert_eq!(ids(&read[0].entries), [id.as_str()]);
        assert_eq!(
            read[0].entries[0].get("job").map(String::as_str),
            Some("late")
        );
        assert!(
            waited > Duration::from_millis(600) && waited < Duration::from_secs(9),
            "{waited:?}"
        );
        reader.ping().unwrap();
    }
}

#[test]
fn a_blocking_read_that_times_out_is_empty() {
    let server = RedisServer::start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut c = impatient(server.port(), protocol, Duration::from_millis(300));
        c.del("quiet").unwrap();
        c.xgroup_create("quiet", "g", "$", XGroupCreateOptions::new().mkstream())
            .unwrap();
        let started = Instant::now();
        // Longer than the read timeout, and nothing arrives.
        let read: Vec<StreamBatch> = c
            .xread(
                "quiet",
                "$",
                XReadOptions::new().block(Some(Duration::from_millis(500))),
            )
            .unwrap();
        assert!(read.is_empty(), "{read:?}");
        assert!(started.elapsed() >= Duration::from_millis(450));
        let read: Vec<StreamBatch> = c
            .xreadgroup(
                "g",
                "c",
                "quiet",
                ">",
                XReadOptions::new()
                    .count(5)
                    .block(Some(Duration::from_millis(400))),
            )
            .unwrap();
        assert!(read.is_empty(), "{read:?}");
        // A group and a consumer named `block` are not the BLOCK option: the wait is still the
        // 400 ms one, so the 300 ms read timeout does not cut the read short.
        c.xgroup_create("quiet", "block", "$", XGroupCreateOptions::new())
            .unwrap();
        let started = Instant::now();
        let read: Vec<StreamBatch> = c
            .xreadgroup(
                "block",
                "block",
                "quiet",
                ">",
                XReadOptions::new().block(Some(Duration::from_millis(400))),
            )
            .unwrap();
        assert!(read.is_empty(), "{read:?}");
        assert!(started.elapsed() >= Duration::from_millis(350));
        // Sub-millisecond waits round up to 1 ms instead of meaning "forever".
        let read: Vec<StreamBatch> = c
            .xread(
                "quiet",
                "$",
                XReadOptions::new().block(Some(Duration::from_micros(10))),
            )
            .unwrap();
        assert!(read.is_empty());
        c.ping().unwrap();
    }
}
