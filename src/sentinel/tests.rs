//! Unit tests of the sentinel state: reply parsing, events, promotions, the list.
use super::*;

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

fn flat(pairs: &[(&str, &str)]) -> Value {
    Value::Array(pairs.iter().flat_map(|(k, v)| [bulk(k), bulk(v)]).collect())
}

#[test]
fn field_lists_parse_on_both_protocols() {
    let resp2 = flat(&[("ip", "10.0.0.1"), ("port", "6380"), ("config-epoch", "3")]);
    let f = fields(resp2).unwrap();
    assert_eq!(
        address_of(&f).unwrap(),
        Address::Tcp {
            host: "10.0.0.1".into(),
            port: 6380
        }
    );
    let resp3 = Value::Map(vec![(bulk("ip"), bulk("::1")), (bulk("port"), bulk("1"))]);
    assert!(address_of(&fields(resp3).unwrap()).is_ok());
    // An odd list, a scalar, a missing or bad port: no address, no panic.
    assert!(fields(Value::Array(vec![bulk("ip")])).is_none());
    assert!(fields(Value::Int(1)).is_none());
    for bad in [
        flat(&[("ip", "h")]),
        flat(&[("ip", "h"), ("port", "0")]),
        flat(&[("ip", "h"), ("port", "99999")]),
        flat(&[("ip", ""), ("port", "1")]),
    ] {
        let e = address_of(&fields(bad).unwrap()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion);
    }
}

#[test]
fn replicas_marked_down_or_unlinked_are_not_healthy() {
    let with = |flags: &str, link: &str| {
        fields(flat(&[
            ("ip", "h"),
            ("port", "1"),
            ("flags", flags),
            ("master-link-status", link),
        ]))
        .unwrap()
    };
    assert!(is_healthy(&with("slave", "ok")));
    assert!(!is_healthy(&with("s_down,slave", "ok")));
    assert!(!is_healthy(&with("slave,o_down", "ok")));
    assert!(!is_healthy(&with("slave,disconnected", "ok")));
    assert!(!is_healthy(&with("slave", "err")));
}

fn state() -> Arc<Sentinel> {
    Sentinel::start(SentinelConfig::new("svc", ["redis://127.0.0.1:1"]).listen(false)).unwrap()
}

fn message(channel: &str, payload: &str) -> crate::pubsub::Message {
    crate::pubsub::Message {
        kind: crate::pubsub::MessageKind::Message,
        channel: channel.as_bytes().to_vec(),
        pattern: None,
        payload: payload.as_bytes().to_vec(),
    }
}

fn tcp(port: u16) -> Address {
    Address::Tcp {
        host: "127.0.0.1".into(),
        port,
    }
}

#[test]
fn switch_events_for_the_service_move_the_primary_once() {
    let s = state();
    let retired = Arc::new(AtomicU64::new(0));
    let r = Arc::clone(&retired);
    s.watch(Arc::new(move || {
        r.fetch_add(1, Ordering::Relaxed);
        true
    }));
    s.named(&tcp(1000));
    assert_eq!(
        retired.load(Ordering::Relaxed),
        0,
        "the first primary is no switch"
    );
    let from = tcp(26379);
    // Another service, malformed payloads: nothing happens.
    for (ch, p) in [
        ("+switch-master", "other 127.0.0.1 1000 127.0.0.1 2000"),
        ("+switch-master", "svc 127.0.0.1 1000 127.0.0.1"),
        ("+switch-master", "svc 127.0.0.1 1000 127.0.0.1 notaport"),
        ("+promoted-slave", "slave x"),
        ("+sentinel", ""),
    ] {
        s.on_event(&message(ch, p), &from);
    }
    assert_eq!(s.stats().primary, Some(tcp(1000)));
    assert_eq!(retired.load(Ordering::Relaxed), 0);
    // The switch, heard from three sentinels: one switch, three events.
    for _ in 0..3 {
        s.on_event(
            &message("+switch-master", "svc 127.0.0.1 1000 127.0.0.1 2000"),
            &from,
        );
    }
    let stats = s.stats();
    assert_eq!(stats.primary, Some(tcp(2000)));
    assert_eq!((stats.switches, stats.switch_events), (1, 3));
    assert_eq!(retired.load(Ordering::Relaxed), 1);
}

#[test]
fn a_promotion_stands_in_for_the_old_primary_until_the_switch() {
    let s = state();
    s.named(&tcp(1000));
    s.on_event(
        &message(
            "+promoted-slave",
            "slave 127.0.0.1:2000 127.0.0.1 2000 @ svc 127.0.0.1 1000",
        ),
        &tcp(26379),
    );
    assert_eq!(s.stats().primary, Some(tcp(2000)));
    // A lookup still naming the old primary is answered with the promoted one.
    assert_eq!(s.promoted_instead_of(&tcp(1000)), Some(tcp(2000)));
    assert_eq!(s.promoted_instead_of(&tcp(1000)), Some(tcp(2000)));
    // Once the lookups name someone else, the promotion is over.
    assert_eq!(s.promoted_instead_of(&tcp(2000)), None);
    assert_eq!(s.promoted_instead_of(&tcp(1000)), None);
    // An abort after a promotion hands the choice back to the lookups.
    s.on_event(
        &message(
            "+promoted-slave",
            "slave 127.0.0.1:3000 127.0.0.1 3000 @ svc 127.0.0.1 2000",
        ),
        &tcp(26379),
    );
    s.on_event(
        &message("-failover-abort-slave-timeout", "master svc 127.0.0.1 2000"),
        &tcp(26379),
    );
    assert_eq!(s.stats().primary, None);
    assert_eq!(s.promoted_instead_of(&tcp(2000)), None);
}

#[test]
fn promotions_are_ignored_when_following_the_announcement_only() {
    let s = Sentinel::start(
        SentinelConfig::new("svc", ["redis://127.0.0.1:1"])
            .listen(false)
            .follow_promotion(false),
    )
    .unwrap();
    s.named(&tcp(1000));
    s.on_event(
        &message(
            "+promoted-slave",
            "slave 127.0.0.1:2000 127.0.0.1 2000 @ svc 127.0.0.1 1000",
        ),
        &tcp(26379),
    );
    assert_eq!(s.stats().primary, Some(tcp(1000)));
}

#[test]
fn new_sentinels_join_the_list_once() {
    let s = state();
    let event = "sentinel 0123abc 127.0.0.1 26390 @ svc 127.0.0.1 1000";
    s.on_event(&message("+sentinel", event), &tcp(1));
    s.on_event(&message("+sentinel", event), &tcp(1));
    s.on_event(
        &message(
            "+sentinel",
            "sentinel 0123abc 127.0.0.1 26391 @ other 127.0.0.1 1000",
        ),
        &tcp(1),
    );
    assert_eq!(s.stats().sentinels, 2);
    s.to_back(&tcp(1));
    assert_eq!(s.nodes.lock()[0].address, tcp(26390));
    s.to_front(&tcp(1));
    assert_eq!(s.nodes.lock()[0].address, tcp(1));
}

/// Threads of this process whose name starts with `prefix` (Linux keeps 15 bytes of it).
#[cfg(target_os = "linux")]
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                .filter(|name| name.starts_with(prefix))
                .count()
        })
        .unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[test]
fn listeners_exit_when_the_client_is_gone() {
    let prefix = "redisync-sentin";
    let s = Sentinel::start(SentinelConfig::new(
        "svc",
        ["redis://127.0.0.1:1", "redis://127.0.0.1:2"],
    ))
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while threads_named(prefix) < 2 {
        assert!(std::time::Instant::now() < deadline, "no listener threads");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Let them fail a few times, so they sit in a backoff pause.
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(s);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while threads_named(prefix) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "listener threads still running"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
