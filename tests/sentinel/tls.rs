//! The data nodes over TLS through a Sentinel lookup: a deployment whose primary and
//! replicas listen on TLS only (and replicate over TLS), monitored by sentinels that reach
//! them over TLS. The builder's `tls` applies to every address the sentinels name.

use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{Client, ErrorKind, TlsConfig, pipe};

use super::support::sentinel::{Auth, Deployment, SERVICE};
use super::support::{tls_certs, wait_until};
use super::{NAME, our_connections, port_of, sentinels};

/// The first TLS connection of a process builds the connector (loading the CA), which can
/// take a while on a loaded machine.
const SLOW: Duration = Duration::from_secs(3);

/// A value no other run or call produces.
fn unique(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{what}-{}-{nanos}", std::process::id())
}

fn bulk(v: &str) -> String {
    format!("${}\r\n{v}\r\n", v.len())
}

#[test]
fn data_nodes_over_tls_through_sentinel_lookup_and_failover() {
    let d = Deployment::start_with(&Auth {
        data_tls: true,
        ..Auth::default()
    });
    let certs = tls_certs();
    let tls = TlsConfig::new().ca_file(&certs.ca_cert);
    // The sentinels announce their TLS ports to each other (they talk TLS among themselves),
    // so the client reaches them over TLS too; their listing then matches its own list.
    let urls: Vec<String> = d.sentinels.iter().map(|s| s.tls_url()).collect();
    let old = d.primary_port();
    assert_eq!(
        old,
        d.port_of(&d.nodes[0]),
        "the sentinels name the TLS port"
    );

    let client = Client::builder()
        .client_name(NAME)
        .tls(tls.clone())
        .connect_timeout(SLOW)
        .socket_timeout(Duration::from_secs(2))
        .sentinel(sentinels(&urls).tls(tls.clone()).timeout(SLOW))
        .build()
        .unwrap();

    // The primary, over TLS (it has no plain port): a write, a read, a pipeline.
    let v1 = unique("tls-primary");
    client.set("k", &v1).unwrap();
    assert_eq!(
        client.get::<String>("k").unwrap().as_deref(),
        Some(v1.as_str())
    );
    assert_eq!(d.node(old).raw_command(&["GET", "k"]), bulk(&v1));
    let v2 = unique("tls-pipeline");
    let ((), got, n): ((), Option<String>, i64) = pipe()
        .set("p", &v2)
        .get::<String>("p")
        .incr("n")
        .query(&client)
        .unwrap();
    assert_eq!((got.as_deref(), n), (Some(v2.as_str()), 1));
    assert_eq!(d.node(old).raw_command(&["GET", "p"]), bulk(&v2));
    assert!(
        our_connections(&d, old) >= 1,
        "pooled connections on the primary"
    );
    let stats = client.sentinel_stats().unwrap();
    assert_eq!(stats.primary.as_ref().map(port_of), Some(old));
    assert_eq!(stats.role_mismatches, 0);

    // A replica client reads from a replica over TLS.
    let reads = client.replica_client().unwrap();
    let conn = reads.get_connection().unwrap();
    let replica = port_of(conn.address());
    assert_ne!(replica, old);
    assert!(d.node(replica).raw_command(&["ROLE"]).contains("slave"));
    drop(conn);
    let gets_before = d.node(replica).command_calls("get");
    wait_until(
        Duration::from_secs(5),
        "the write read from a replica",
        || reads.get::<String>("k").unwrap().as_deref() == Some(v1.as_str()),
    );
    let replica_gets: u64 = d
        .nodes
        .iter()
        .filter(|n| d.port_of(n) != old)
        .map(|n| n.command_calls("get"))
        .sum();
    assert!(replica_gets > gets_before, "the reads ran on a replica");

    // SENTINEL FAILOVER: the client follows to the new primary, over TLS.
    assert_eq!(
        d.sentinels[0].raw(&["SENTINEL", "FAILOVER", SERVICE]),
        "+OK\r\n"
    );
    wait_until(Duration::from_secs(15), "a new primary named", || {
        d.sentinels[0].primary_port().is_some_and(|p| p != old)
    });
    let new = d.primary_port();
    wait_until(
        Duration::from_secs(10),
        "the new primary says master",
        || d.node(new).raw_command(&["ROLE"]).contains("master"),
    );
    let sets_before = d.node(new).command_calls("set");
    let v3 = unique("tls-after-failover");
    wait_until(
        Duration::from_secs(10),
        "a write on the new primary",
        || client.set("k", &v3).is_ok() && d.node(new).raw_command(&["GET", "k"]) == bulk(&v3),
    );
    assert!(d.node(new).command_calls("set") > sets_before);
    assert_eq!(
        client.get::<String>("k").unwrap().as_deref(),
        Some(v3.as_str())
    );
    let stats = client.sentinel_stats().unwrap();
    assert_eq!(stats.primary.as_ref().map(port_of), Some(new));
    wait_until(
        Duration::from_secs(5),
        "no connection left on the old primary",
        || our_connections(&d, old) == 0,
    );
    assert!(our_connections(&d, new) >= 1);

    // Without the data nodes' TLS settings the sentinels still answer, but the primary they
    // name speaks only TLS: a typed error within the connect timeout, not a hang.
    let connect_timeout = Duration::from_secs(2);
    let plain = Client::builder()
        .connect_timeout(connect_timeout)
        .socket_timeout(connect_timeout)
        .sentinel(sentinels(&urls).tls(tls).timeout(SLOW).listen(false))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = plain.ping().unwrap_err();
    let took = started.elapsed();
    println!("without data-node TLS: {:?} after {took:?}: {e}", e.kind());
    // The TLS port drops the plaintext hello: a connection error, retries included, well
    // inside one connect timeout.
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert!(
        took < connect_timeout,
        "a plain client took {took:?} to fail: {e}"
    );
}
