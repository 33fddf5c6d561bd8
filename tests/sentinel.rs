//! Sentinel against a real deployment started here (one primary, two replicas, three
//! sentinels on loopback, down-after 1 s): discovery, ROLE verification against a stale
//! sentinel, replica reads and their fallback, typed errors, a listener surviving a sentinel
//! restart, and `SENTINEL FAILOVER` and `kill -9` of the primary under 8 threads of load.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "sentinel/load.rs"]
mod load;
mod support;
#[path = "sentinel/tls.rs"]
mod tls;

use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::sentinel::{ReadFrom, SentinelConfig, SentinelFailure};
use redisync::{Address, CacheConfig, Client, ErrorKind, Role, pipe};
use support::sentinel::{Auth, Deployment, SERVICE};
use support::{FakeServer, Step, unused_port, wait_until};

use load::{Announcements, Load};

const NAME: &str = "redisync-sentinel-test";
const THREADS: usize = 8;

/// The sentinels' timeout in these tests: the default 300 ms, with room for a machine shared
/// with other builds.
const SENTINEL_TIMEOUT: Duration = Duration::from_secs(1);

fn sentinels(urls: &[String]) -> SentinelConfig {
    SentinelConfig::new(SERVICE, urls).timeout(SENTINEL_TIMEOUT)
}

fn client_for(urls: &[String], config: impl FnOnce(SentinelConfig) -> SentinelConfig) -> Client {
    Client::builder()
        .client_name(NAME)
        .connect_timeout(Duration::from_secs(2))
        .socket_timeout(Duration::from_secs(2))
        .max_connections(16)
        .sentinel(config(sentinels(urls)))
        .build()
        .unwrap()
}

/// Connections named `NAME` on the data node at `port`.
fn our_connections(d: &Deployment, port: u16) -> usize {
    d.node(port)
        .raw_command(&["CLIENT", "LIST"])
        .lines()
        .filter(|l| l.contains(&format!("name={NAME} ")))
        .count()
}

fn port_of(a: &Address) -> u16 {
    match a {
        Address::Tcp { port, .. } => *port,
        other => panic!("not a TCP address: {other}"),
    }
}

#[test]
fn sentinel_client_discovers_verifies_and_reads_from_replicas() {
    let d = Deployment::start();
    let primary = d.primary_port();
    let urls = d.sentinel_urls();
    let client = client_for(&urls, |c| c);

    // Every kind of call goes to the primary the sentinels name.
    client.set("greeting", "hello").unwrap();
    let v: Option<String> = client.get("greeting").unwrap();
    assert_eq!(v.as_deref(), Some("hello"));
    let (a, b): (i64, i64) = pipe().incr("n").incr("n").query(&client).unwrap();
    assert_eq!((a, b), (1, 2));
    let ((), n): ((), i64) = client
        .transaction("n", |conn, p| {
            let n: i64 = conn.get("n")?.unwrap_or(0);
            p.set("n", n * 10).get::<i64>("n");
            Ok(())
        })
        .unwrap();
    assert_eq!(n, 20);
    assert!(matches!(client.role().unwrap(), Role::Master { .. }));
    assert_eq!(
        d.node(primary).raw_command(&["GET", "greeting"]),
        "$5\r\nhello\r\n"
    );
    let stats = client.sentinel_stats().unwrap();
    assert_eq!(stats.primary.as_ref().map(port_of), Some(primary));
    assert_eq!(stats.role_mismatches, 0);
    // A subscriber connects to the primary too.
    let mut sub = client.subscriber().unwrap();
    assert_eq!(port_of(sub.address()), primary);
    sub.subscribe("news").unwrap();
    assert_eq!(client.publish("news", "hi").unwrap(), 1);
    let m = sub.next_message(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(m.payload_str(), Some("hi"));
    drop(sub);

    // A replica client: its connections go to replicas (ROLE says so), round robin.
    let replicas = client_for(&urls, |c| c.read_from(ReadFrom::RoundRobin))
        .replica_client()
        .unwrap();
    let c1 = replicas.get_connection().unwrap();
    let c2 = replicas.get_connection().unwrap();
    let ports = [port_of(c1.address()), port_of(c2.address())];
    assert_ne!(ports[0], ports[1], "round robin over both replicas");
    for p in ports {
        assert_ne!(p, primary);
        assert!(d.node(p).raw_command(&["ROLE"]).contains("slave"));
    }
    drop((c1, c2));
    wait_until(Duration::from_secs(5), "the write replicated", || {
        replicas.get::<String>("greeting").unwrap().as_deref() == Some("hello")
    });
    assert!(matches!(replicas.role().unwrap(), Role::Replica { .. }));
    assert_eq!(
        replicas.replica_client().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        replicas.set("k", "v").unwrap_err().kind(),
        ErrorKind::ReadOnly
    );

    // The sentinels list grows from SENTINEL SENTINELS (given only one, it learns of all).
    let one = client_for(&urls[..1], |c| c);
    wait_until(Duration::from_secs(10), "the other sentinels found", || {
        one.sentinel_stats().unwrap().sentinels == 3
    });

    // A stale sentinel first in the list names a replica as the primary: ROLE catches it,
    // that sentinel goes to the back, and the real sentinels are asked.
    let replica_port = ports[0];
    let master_reply = format!(
        "*8\r\n$4\r\nname\r\n$8\r\n{SERVICE}\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nport\r\n${}\r\n{replica_port}\r\n$12\r\nconfig-epoch\r\n$1\r\n0\r\n",
        replica_port.to_string().len()
    );
    let fake = FakeServer::repeating(vec![
        Step::expect_prefix(&["SENTINEL", "MASTER", SERVICE]),
        Step::reply(master_reply),
    ]);
    let mut with_fake = vec![fake.url()];
    with_fake.extend(urls.iter().cloned());
    let stale = client_for(&with_fake, |c| c.listen(false));
    stale.set("after-stale", "ok").unwrap();
    let stats = stale.sentinel_stats().unwrap();
    assert_eq!(stats.role_mismatches, 1, "{stats:?}");
    assert_eq!(stats.primary.as_ref().map(port_of), Some(primary));
    assert_eq!(
        d.node(primary).raw_command(&["GET", "after-stale"]),
        "$2\r\nok\r\n"
    );
    assert!(fake.connections() >= 1);
    drop(stale);

    // A primary demoted behind the sentinels' back answers a write READONLY: the write did not
    // run, so it goes again, after a new lookup, to the primary the sentinels name now.
    let demoted = FakeServer::start(vec![vec![
        Step::expect("HELLO"),
        Step::reply("%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n"),
        Step::expect("ROLE"),
        Step::reply("*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"),
        Step::expect_args(&["SET", "after-readonly", "ok"]),
        Step::reply("-READONLY You can't write against a read only replica.\r\n"),
    ]]);
    let naming = |port: u16| {
        vec![
            Step::expect_prefix(&["SENTINEL", "MASTER", SERVICE]),
            Step::reply(format!(
                "*6\r\n$4\r\nname\r\n${}\r\n{SERVICE}\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nport\r\n${}\r\n{port}\r\n",
                SERVICE.len(),
                port.to_string().len()
            )),
        ]
    };
    let sentinel = FakeServer::start(vec![naming(demoted.port()), naming(primary)]);
    let c = Client::builder()
        .connection_config(
            redisync::ConnectionConfig::new("127.0.0.1", 1)
                .client_name(NAME)
                .lib_info(false),
        )
        .sentinel(
            SentinelConfig::new(SERVICE, [sentinel.url()])
                .timeout(SENTINEL_TIMEOUT)
                .listen(false),
        )
        .build()
        .unwrap();
    c.set("after-readonly", "ok").unwrap();
    let stats = c.sentinel_stats().unwrap();
    assert_eq!(stats.readonly_replies, 1, "{stats:?}");
    assert_eq!(stats.primary.as_ref().map(port_of), Some(primary));
    assert_eq!(c.retry_stats().retries, 1);
    assert_eq!(
        d.node(primary).raw_command(&["GET", "after-readonly"]),
        "$2\r\nok\r\n"
    );
    demoted.check();
    sentinel.check();
    drop(c);

    // An unknown service: a typed error after one pass, not retried.
    let unknown = Client::builder()
        .sentinel(SentinelConfig::new("no-such-service", &urls).timeout(SENTINEL_TIMEOUT))
        .build()
        .unwrap();
    let e = unknown.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownService, "{e}");
    assert_eq!(unknown.retry_stats().retries, 0);
    match &e {
        redisync::Error::Sentinel(s) => {
            assert_eq!(s.failure(), SentinelFailure::UnknownService);
            assert_eq!(s.tried().len(), 3);
        }
        other => panic!("{other:?}"),
    }

    // A sentinel restarted while the listeners run: its listener subscribes again.
    wait_until(Duration::from_secs(5), "3 listeners", || {
        client.sentinel_stats().unwrap().listeners_connected == 3
    });
    let before = client.sentinel_stats().unwrap().listener_resubscribes;
    let mut d = d;
    d.sentinels[1].restart();
    wait_until(Duration::from_secs(10), "the listener resubscribed", || {
        let s = client.sentinel_stats().unwrap();
        s.listener_resubscribes > before && s.listeners_connected == 3
    });
    let subscribed = d.sentinels[1]
        .raw(&["CLIENT", "LIST"])
        .lines()
        .filter(|l| l.contains(" sub=") && !l.contains(" sub=0 "))
        .count();
    assert!(subscribed >= 1, "no subscriber on the restarted sentinel");

    // No replica left: the replica client reads from the primary.
    for p in ports {
        d.node_mut(p).kill();
    }
    replicas.retire_connections();
    assert!(matches!(replicas.role().unwrap(), Role::Master { .. }));
    assert!(replicas.sentinel_stats().unwrap().replica_fallbacks >= 1);
    let v: Option<String> = replicas.get("greeting").unwrap();
    assert_eq!(v.as_deref(), Some("hello"));
}

#[test]
fn sentinel_and_data_node_credentials_are_separate() {
    let d = Deployment::start_with(&Auth {
        data: Some("data-pw".into()),
        sentinel: Some("sentinel-pw".into()),
        ..Auth::default()
    });
    let urls = d.sentinel_urls();
    let primary = d.primary_port();
    let client = Client::builder()
        .password("data-pw")
        .sentinel(sentinels(&urls).password("sentinel-pw"))
        .build()
        .unwrap();
    client.set("k", "v").unwrap();
    assert_eq!(d.node(primary).raw_command(&["GET", "k"]), "$1\r\nv\r\n");
    // The listeners log in too.
    wait_until(Duration::from_secs(5), "3 listeners", || {
        client.sentinel_stats().unwrap().listeners_connected == 3
    });
    // The sentinels' password in their URLs works as well.
    let in_urls: Vec<String> = d
        .sentinels
        .iter()
        .map(|s| format!("redis://:sentinel-pw@127.0.0.1:{}", s.port()))
        .collect();
    let c = Client::builder()
        .password("data-pw")
        .sentinel(sentinels(&in_urls).listen(false))
        .build()
        .unwrap();
    c.ping().unwrap();
    // The data nodes' password is not the sentinels': refused credentials say so, at once.
    let wrong = Client::builder()
        .password("data-pw")
        .sentinel(sentinels(&urls).listen(false))
        .build()
        .unwrap();
    let e = wrong.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    assert_eq!(wrong.retry_stats().retries, 0);
    // And the sentinels' password is not the data nodes'.
    let no_data = Client::builder()
        .sentinel(sentinels(&urls).password("sentinel-pw").listen(false))
        .build()
        .unwrap();
    let e = no_data.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
}

#[test]
fn sentinels_over_tls() {
    let d = Deployment::start_with(&Auth {
        sentinel_tls: true,
        ..Auth::default()
    });
    let certs = support::tls_certs();
    let urls: Vec<String> = d.sentinels.iter().map(|s| s.tls_url()).collect();
    let tls = redisync::TlsConfig::new().ca_file(&certs.ca_cert);
    // The first TLS connection of a process builds the connector (loading the CA), which can
    // take longer than the default 300 ms on a loaded machine.
    let slow = Duration::from_secs(3);
    let client = Client::builder()
        .sentinel(
            sentinels(&urls)
                .tls(tls.clone())
                .timeout(slow)
                .listen(false),
        )
        .build()
        .unwrap();
    client.set("k", "over tls").unwrap();
    assert_eq!(
        d.node(d.primary_port()).raw_command(&["GET", "k"]),
        "$8\r\nover tls\r\n"
    );
    // The listeners too (they subscribe over TLS).
    let listening = Client::builder()
        .sentinel(sentinels(&urls).tls(tls).timeout(slow))
        .build()
        .unwrap();
    listening.ping().unwrap();
    wait_until(Duration::from_secs(5), "3 listeners over TLS", || {
        listening.sentinel_stats().unwrap().listeners_connected >= 3
    });
    // Without the CA the sentinels cannot be verified: nothing is sent in the clear.
    let untrusted = Client::builder()
        .sentinel(sentinels(&urls).timeout(slow).listen(false))
        .build()
        .unwrap();
    let e = untrusted.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SentinelUnreachable, "{e}");
    assert!(e.to_string().contains("TLS"), "{e}");
}

#[test]
fn no_sentinel_reachable_is_a_fast_typed_error() {
    let urls: Vec<String> = (0..3)
        .map(|_| format!("redis://127.0.0.1:{}", unused_port()))
        .collect();
    let client = Client::builder()
        .sentinel(sentinels(&urls).listen(false))
        .build()
        .unwrap();
    let e = client.set("k", "v").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SentinelUnreachable, "{e}");
    assert!(!e.is_retryable());
    assert_eq!(client.retry_stats().retries, 0);
    match &e {
        redisync::Error::Sentinel(s) => assert_eq!(s.tried().len(), 3),
        other => panic!("{other:?}"),
    }
    // A sentinel that accepts and never answers costs its own timeout, not the connect
    // timeout of the data nodes.
    let silent = FakeServer::silent();
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .sentinel(
            SentinelConfig::new(SERVICE, [silent.url()])
                .listen(false)
                .timeout(Duration::from_millis(200)),
        )
        .build()
        .unwrap();
    let start = Instant::now();
    let e = client.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SentinelUnreachable, "{e}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn bad_sentinel_settings_are_refused_at_build() {
    let none: [&str; 0] = [];
    for (builder, part) in [
        (
            Client::builder().sentinel(SentinelConfig::new(SERVICE, none)),
            "sentinel list",
        ),
        (
            Client::builder().sentinel(SentinelConfig::new("", ["redis://127.0.0.1:1"])),
            "sentinel service name",
        ),
        (
            Client::builder().sentinel(SentinelConfig::new(SERVICE, ["redis://127.0.0.1:99999"])),
            "sentinel URL port",
        ),
        (
            Client::builder().sentinel(SentinelConfig::new(SERVICE, ["unix:///tmp/s.sock"])),
            "sentinel URL",
        ),
        (
            Client::builder().sentinel(
                SentinelConfig::new(SERVICE, ["redis://127.0.0.1:1"]).timeout(Duration::ZERO),
            ),
            "sentinel timeout",
        ),
    ] {
        let e = builder.build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        match &e {
            redisync::Error::InvalidInput(i) => assert_eq!(i.part(), part, "{e}"),
            other => panic!("{other:?}"),
        }
    }
    let plain = Client::open("redis://127.0.0.1:1").unwrap();
    assert_eq!(
        plain.replica_client().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert!(plain.sentinel_stats().is_none());
    // Credentials stay out of Debug.
    let cfg = SentinelConfig::new(SERVICE, ["redis://:hunter2@127.0.0.1:1"]).password("s3cret");
    let shown = format!("{cfg:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("s3cret"),
        "{shown}"
    );
}

/// What a failover under load showed.
struct Outcome {
    old: u16,
    new: u16,
    acks: usize,
    lost: usize,
    lost_after_announcement: usize,
    lost_after_promotion: usize,
    switch_time: Duration,
    promotion_time: Duration,
    /// First acknowledged write found on the new primary, after the announcement.
    first_on_new: Option<Duration>,
    /// Last acknowledged write to the old primary (lost), after the announcement.
    last_on_old: Option<Duration>,
    /// Last lost write, in ms from the announcement (negative: before it).
    last_lost_ms: Option<f64>,
}

fn report(what: &str, o: &Outcome) {
    let ms = |d: Option<Duration>| {
        d.map_or("-".to_string(), |d| {
            format!("{:.1} ms", d.as_secs_f64() * 1e3)
        })
    };
    println!(
        "{what}: primary {} -> {}; sentinels: +promoted-slave after {:.0} ms, +switch-master after {:.0} ms; client: first write to the new primary {} after +switch-master, last write to the old one {} after it, last lost write at {} ms from +switch-master; {} acknowledged writes, {} lost ({} acknowledged after +promoted-slave, {} after +switch-master)",
        o.old,
        o.new,
        o.promotion_time.as_secs_f64() * 1e3,
        o.switch_time.as_secs_f64() * 1e3,
        ms(o.first_on_new),
        ms(o.last_on_old),
        o.last_lost_ms
            .map_or("-".to_string(), |v| format!("{v:+.1}")),
        o.acks,
        o.lost,
        o.lost_after_promotion,
        o.lost_after_announcement,
    );
}

/// Runs the load, does `fail` to the primary, and checks what a user would check.
fn failover_under_load(
    what: &str,
    config: impl FnOnce(SentinelConfig) -> SentinelConfig,
    fail: impl FnOnce(&mut Deployment, u16),
) -> Outcome {
    let mut d = Deployment::start();
    let old = d.primary_port();
    let urls = d.sentinel_urls();
    let client = client_for(&urls, config);
    client.ping().unwrap();
    wait_until(Duration::from_secs(5), "3 listeners", || {
        client.sentinel_stats().unwrap().listeners_connected == 3
    });
    let ports: Vec<u16> = d.sentinels.iter().map(|s| s.port()).collect();
    let announced = Announcements::watch(&ports, "+switch-master");
    let promoted = Announcements::watch(&ports, "+promoted-slave");
    let load = Load::start(&client, THREADS);
    wait_until(Duration::from_secs(5), "load running", || {
        d.node(old).command_calls("set") > 1000
    });
    let started = Instant::now();
    fail(&mut d, old);
    let at = support::wait_for(Duration::from_secs(45), "the switch announced", || {
        announced.first()
    });
    let new = support::wait_for(Duration::from_secs(10), "a new primary", || {
        d.sentinels[0].primary_port().filter(|p| *p != old)
    });
    // The client's connections leave the old primary at the switch, not at its demotion.
    if d.node_mut(old).is_running() {
        wait_until(
            Duration::from_secs(3),
            "no data connection left on the old primary",
            || our_connections(&d, old) == 0,
        );
    }
    wait_until(Duration::from_secs(10), "writes on the new primary", || {
        d.node(new).command_calls("set") > 1000
    });
    let tally = load.stop();
    assert_eq!(tally.wrong, 0, "replies handed to the wrong caller");
    let stats = client.sentinel_stats().unwrap();
    assert_eq!(stats.primary.as_ref().map(port_of), Some(new), "{stats:?}");
    assert!(stats.switches >= 1, "{stats:?}");
    if d.node_mut(old).is_running() {
        assert_eq!(
            our_connections(&d, old),
            0,
            "connections left on the old primary"
        );
    }
    assert!(our_connections(&d, new) >= 1);
    let present = load::present(new, &tally.acks);
    let lost: Vec<&load::Ack> = tally
        .acks
        .iter()
        .filter(|a| !present.contains(&a.key))
        .collect();
    let after = |t: Instant| t.checked_duration_since(at);
    let promoted_at = promoted.first().expect("a promotion before the switch");
    let outcome =
        Outcome {
            old,
            new,
            acks: tally.acks.len(),
            lost: lost.len(),
            lost_after_announcement: lost.iter().filter(|a| a.at > at).count(),
            lost_after_promotion: lost.iter().filter(|a| a.at > promoted_at).count(),
            switch_time: at.saturating_duration_since(started),
            promotion_time: promoted_at.saturating_duration_since(started),
            first_on_new: tally
                .acks
                .iter()
                .filter(|a| a.at > at && present.contains(&a.key))
                .map(|a| a.at)
                .min()
                .and_then(after),
            last_lost_ms: lost.iter().map(|a| a.at).max().map(|t| {
                match t.checked_duration_since(at) {
                    Some(d) => d.as_secs_f64() * 1e3,
                    None => -(at - t).as_secs_f64() * 1e3,
                }
            }),
            last_on_old: lost
                .iter()
                .filter(|a| a.at > at)
                .map(|a| a.at)
                .max()
                .and_then(after),
        };
    report(what, &outcome);
    println!(
        "{what}: {} GETs found nothing right after their SET, {} calls failed; stats {stats:?}",
        tally.missing, tally.errors
    );
    // Every listener heard the switch, the restarted one included.
    wait_until(
        Duration::from_secs(10),
        "every sentinel's announcement heard",
        || client.sentinel_stats().unwrap().switch_events >= 3,
    );
    outcome
}

fn sentinel_failover(d: &mut Deployment, _old: u16) {
    assert_eq!(
        d.sentinels[0].raw(&["SENTINEL", "FAILOVER", SERVICE]),
        "+OK\r\n"
    );
}

#[test]
fn follows_sentinel_failover_under_load() {
    let o = failover_under_load("SENTINEL FAILOVER", |c| c, sentinel_failover);
    // Following the promotion, the client has left the old primary before the switch is
    // announced: nothing acknowledged after the announcement is lost.
    assert_eq!(o.lost_after_announcement, 0, "lost after the announcement");
}

#[test]
fn follows_sentinel_failover_at_the_announcement_without_promotion_events() {
    let o = failover_under_load(
        "SENTINEL FAILOVER, +switch-master only",
        |c| c.follow_promotion(false),
        sentinel_failover,
    );
    // The old primary keeps taking writes until the sentinels demote it; a client that
    // followed only the demotion (as the issue measured for another client, 10 s) would have
    // written to it for seconds after the announcement.
    assert!(
        o.last_on_old.is_none_or(|d| d < Duration::from_secs(3)),
        "wrote to the old primary {:?} after the announcement",
        o.last_on_old
    );
}

#[test]
fn follows_kill_9_of_the_primary_under_load() {
    failover_under_load("kill -9", |c| c, |d, old| d.node_mut(old).kill());
}

/// A caching Sentinel client across `SENTINEL FAILOVER`: its invalidation listener follows the
/// switch, so a value changed on the new primary by another client reaches this client's
/// reads (no entry cached from the old primary survives, and new entries are invalidated).
#[test]
fn a_cache_on_a_sentinel_client_follows_a_failover() {
    let d = Deployment::start();
    let old = d.primary_port();
    let urls = d.sentinel_urls();
    let client = Client::builder()
        .client_name(NAME)
        .connect_timeout(Duration::from_secs(2))
        .socket_timeout(Duration::from_secs(2))
        .cache(CacheConfig::new())
        .sentinel(sentinels(&urls))
        .build()
        .unwrap();
    client.set("cached:k", "v1").unwrap();
    let read = |c: &Client| c.get::<String>("cached:k").unwrap();
    // A client just built fills nothing until its listener is up: read until a hit.
    wait_until(Duration::from_secs(5), "a hit on the first primary", || {
        assert_eq!(read(&client).as_deref(), Some("v1"));
        client.cache_stats().unwrap().hits >= 1
    });
    let before = client.cache_stats().unwrap();
    wait_until(Duration::from_secs(5), "3 listeners", || {
        client.sentinel_stats().unwrap().listeners_connected == 3
    });
    let mut d = d;
    sentinel_failover(&mut d, old);
    let new = support::wait_for(Duration::from_secs(20), "a new primary", || {
        d.sentinels[0].primary_port().filter(|p| *p != old)
    });
    wait_until(
        Duration::from_secs(10),
        "the client on the new primary",
        || {
            client
                .sentinel_stats()
                .unwrap()
                .primary
                .as_ref()
                .map(port_of)
                == Some(new)
        },
    );
    // Another client changes the value on the new primary: this client's reads see it (a
    // value cached from the old primary, or from before the change, would hide it forever).
    assert_eq!(
        d.node(new).raw_command(&["SET", "cached:k", "v2"]),
        "+OK\r\n"
    );
    wait_until(Duration::from_secs(5), "v2 read through the cache", || {
        read(&client).as_deref() == Some("v2")
    });
    // Cached again on the new primary, and invalidated by it: the listener moved.
    wait_until(Duration::from_secs(5), "a hit on the new primary", || {
        let hits = client.cache_stats().unwrap().hits;
        read(&client).as_deref() == Some("v2") && client.cache_stats().unwrap().hits > hits
    });
    assert_eq!(
        d.node(new).raw_command(&["SET", "cached:k", "v3"]),
        "+OK\r\n"
    );
    wait_until(
        Duration::from_secs(5),
        "v3 invalidated into the cache",
        || read(&client).as_deref() == Some("v3"),
    );
    let after = client.cache_stats().unwrap();
    assert!(
        after.flushes > before.flushes,
        "the switch flushed the cache: {after:?}"
    );
    assert!(after.invalidations > before.invalidations, "{after:?}");
}
