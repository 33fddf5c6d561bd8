//! The typed pub/sub commands against a real server, on RESP2 and RESP3: `PUBLISH` and
//! `SPUBLISH` counted by real [`Subscriber`](redisync::pubsub::Subscriber)s, and the `PUBSUB`
//! introspection subcommands (the shard ones from Redis 7.0; on 6.2 the server's errors).
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test --all-features --test cmd_pubsub

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::time::Duration;

use clients::per_protocol;
use redisync::prelude::*;
use redisync::pubsub::Subscriber;
use redisync::{ConnectionConfig, Protocol};
use support::RedisServer;

fn subscriber(server: &RedisServer, protocol: Protocol) -> Subscriber {
    let cfg = ConnectionConfig::new("127.0.0.1", server.port()).protocol(protocol);
    Subscriber::with_config(&cfg).unwrap()
}

#[test]
fn publish_counts_real_subscribers_and_pubsub_reports_them() {
    let server = RedisServer::start();
    for (i, mut c) in per_protocol(server.port()).into_iter().enumerate() {
        let protocol = c.protocol();
        assert_eq!(c.publish("news", "nobody listens").unwrap(), 0);
        let mut one = subscriber(&server, protocol);
        one.subscribe(["news", "sport"]).unwrap();
        let mut two = subscriber(&server, protocol);
        two.subscribe("news").unwrap();
        two.psubscribe("n*").unwrap();

        // A pattern subscription counts as one more receiver.
        assert_eq!(c.publish("news", "hello").unwrap(), 3);
        let m = one.next_message(Duration::from_secs(5)).unwrap().unwrap();
        assert_eq!(
            (m.channel_str(), m.payload_str()),
            (Some("news"), Some("hello"))
        );
        // Binary payloads arrive unchanged.
        let bin = b"\r\n\xff\x00".to_vec();
        assert_eq!(c.publish("sport", &bin).unwrap(), 1);
        let m = one.next_message(Duration::from_secs(5)).unwrap().unwrap();
        assert_eq!(m.payload, bin);

        let mut channels = c.pubsub_channels(None).unwrap();
        channels.sort();
        assert_eq!(channels, ["news", "sport"]);
        assert_eq!(c.pubsub_channels(Some("s*")).unwrap(), ["sport"]);
        assert!(c.pubsub_channels(Some("zz*")).unwrap().is_empty());
        assert_eq!(c.pubsub_numpat().unwrap(), 1);
        assert_eq!(
            c.pubsub_numsub(["news", "sport", "none"]).unwrap(),
            [
                ("news".to_string(), 2),
                ("sport".to_string(), 1),
                ("none".to_string(), 0)
            ]
        );
        assert!(c.pubsub_numsub(()).unwrap().is_empty());
        drop((one, two));
        support::wait_until(Duration::from_secs(5), "the subscribers to leave", || {
            c.pubsub_numpat().unwrap() == 0
        });
        assert!(c.pubsub_channels(None).unwrap().is_empty(), "round {i}");
    }
}

#[test]
fn shard_channels_from_redis_7() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        if server.version() < (7, 0, 0) {
            for e in [
                c.spublish("orders", "x").unwrap_err(),
                c.pubsub_shardchannels(None).unwrap_err(),
                c.pubsub_shardnumsub("orders").unwrap_err(),
            ] {
                assert_eq!(e.kind(), ErrorKind::Response, "{e}");
                let text = e.to_string().to_lowercase();
                assert!(text.contains("unknown"), "{e}");
            }
            c.ping().unwrap();
            continue;
        }
        assert_eq!(c.spublish("orders", "none yet").unwrap(), 0);
        let mut sub = subscriber(&server, c.protocol());
        sub.ssubscribe("orders").unwrap();
        assert_eq!(c.spublish("orders", "o-1").unwrap(), 1);
        let m = sub.next_message(Duration::from_secs(5)).unwrap().unwrap();
        assert_eq!(m.payload_str(), Some("o-1"));
        // A shard channel is not an ordinary channel.
        assert_eq!(c.publish("orders", "x").unwrap(), 0);
        assert!(c.pubsub_channels(None).unwrap().is_empty());
        assert_eq!(c.pubsub_shardchannels(None).unwrap(), ["orders"]);
        assert_eq!(c.pubsub_shardchannels(Some("o*")).unwrap(), ["orders"]);
        assert!(c.pubsub_shardchannels(Some("x*")).unwrap().is_empty());
        assert_eq!(
            c.pubsub_shardnumsub(["orders", "other"]).unwrap(),
            [("orders".to_string(), 1), ("other".to_string(), 0)]
        );
    }
}

#[test]
fn publishing_through_a_client_and_a_pipeline() {
    let server = RedisServer::start();
    let client = redisync::Client::open(&server.url()).unwrap();
    let mut sub = client.subscriber().unwrap();
    sub.subscribe("jobs").unwrap();
    let (a, b, n): (u64, u64, Vec<(String, u64)>) = redisync::pipe()
        .publish("jobs", "one")
        .publish("jobs", 2)
        .pubsub_numsub("jobs")
        .query(&client)
        .unwrap();
    assert_eq!((a, b, n), (1, 1, vec![("jobs".to_string(), 1)]));
    let first = sub.next_message(Duration::from_secs(5)).unwrap().unwrap();
    let second = sub.next_message(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(
        (first.payload_str(), second.payload::<i64>().unwrap()),
        (Some("one"), 2)
    );
    // The SUBSCRIBE family is the subscriber's: an ordinary connection refuses it.
    let e = redisync::cmd("SUBSCRIBE")
        .arg("x")
        .exec(&client)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
}
