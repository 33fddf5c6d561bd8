//! The blocking pops (BZPOPMIN, BZPOPMAX, BZMPOP) woken by another connection's ZADD.

use std::thread;
use std::time::Instant;

use redisync::{ConnectionConfig, Protocol};

use super::*;
use crate::clients::impatient;

/// Adds `(score, member)` to `key` from another connection after `after`.
fn add_later(
    port: u16,
    after: Duration,
    key: &'static str,
    score: f64,
    member: &'static str,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut other = Connection::with_config(&ConnectionConfig::new("127.0.0.1", port)).unwrap();
        thread::sleep(after);
        other.zadd(key, (score, member)).unwrap();
    })
}

#[test]
fn blocking_pops_wait_past_the_read_timeout_for_another_connections_push() {
    let server = RedisServer::start();
    let port = server.port();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        // A read timeout much shorter than the waits: the command's own wait extends it.
        let mut c = impatient(port, protocol, Duration::from_millis(200));
        c.del(["{b}a", "{b}b"]).unwrap();

        // A bounded wait: the member arrives after 600 ms, past the 200 ms read timeout.
        let pusher = add_later(port, Duration::from_millis(600), "{b}b", f64::INFINITY, "m");
        let start = Instant::now();
        let got = c
            .bzpopmax::<String, String>(["{b}a", "{b}b"], Some(Duration::from_secs(10)))
            .unwrap();
        let waited = start.elapsed();
        pusher.join().unwrap();
        assert_eq!(
            got,
            Some(("{b}b".to_string(), "m".to_string(), f64::INFINITY))
        );
        assert!(waited >= Duration::from_millis(500), "{waited:?}");

        // Waiting forever (None) reads with no deadline at all.
        let pusher = add_later(port, Duration::from_millis(500), "{b}a", -1.5, "n");
        let got = c
            .bzpopmin::<String, String>(["{b}a", "{b}b"], None)
            .unwrap();
        pusher.join().unwrap();
        assert_eq!(got, Some(("{b}a".to_string(), "n".to_string(), -1.5)));

        // A wait that runs out is None, not a timeout error, even past the read timeout.
        let start = Instant::now();
        let got = c
            .bzpopmin::<String, String>("{b}a", Some(Duration::from_millis(400)))
            .unwrap();
        assert_eq!(got, None);
        assert!(start.elapsed() >= Duration::from_millis(390));

        // A member already there is popped at once.
        c.zadd("{b}a", [(1.0, "x"), (2.0, "y")]).unwrap();
        assert_eq!(
            c.bzpopmin::<String, String>("{b}a", Some(Duration::from_secs(1)))
                .unwrap(),
            Some(("{b}a".to_string(), "x".to_string(), 1.0))
        );

        // BZMPOP: Redis 7.0+.
        if has_7_0(&server) {
            let pusher = add_later(port, Duration::from_millis(600), "{b}b", 7.0, "z");
            let got = c
                .bzmpop::<String, String>(Some(Duration::from_secs(10)), "{b}b", MinMax::Min, 3)
                .unwrap();
            pusher.join().unwrap();
            assert_eq!(got, Some(("{b}b".to_string(), scored(&[("z", 7.0)]))));
            let got = c
                .bzmpop::<String, String>(None, ["{b}b", "{b}a"], MinMax::Max, 3)
                .unwrap();
            assert_eq!(got, Some(("{b}a".to_string(), scored(&[("y", 2.0)]))));
            let got = c
                .bzmpop::<String, String>(Some(Duration::from_millis(300)), "{b}a", MinMax::Max, 1)
                .unwrap();
            assert_eq!(got, None);
        } else {
            let e = c
                .bzmpop::<String, String>(Some(Duration::from_secs(1)), "{b}a", MinMax::Min, 1)
                .unwrap_err();
            assert_unknown_command(&e, "bzmpop");
        }

        // A zero timeout is refused before sending: Redis would wait forever.
        let e = c
            .bzpopmin::<String, String>("{b}a", Some(Duration::ZERO))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        c.ping().unwrap();
    }
}
