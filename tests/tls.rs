//! TLS against a real `redis-server --tls-port`: a good certificate, a certificate from another
//! CA, a host name mismatch, mutual TLS, and a handshake that never completes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{Connection, ConnectionConfig, Error, ErrorKind, Protocol, TimeoutPhase, TlsConfig};
use support::{FakeServer, RedisServer, TlsAuthClients, tls_certs};

fn tls_config(server: &RedisServer, host: &str, tls: TlsConfig) -> ConnectionConfig {
    ConnectionConfig::new(host, server.tls_port()).tls(tls)
}

#[test]
fn trusted_certificate_connects_on_both_protocols() {
    let server = RedisServer::builder().tls().start();
    let certs = tls_certs();
    for protocol in [Protocol::Resp3, Protocol::Resp2] {
        let cfg = tls_config(
            &server,
            "127.0.0.1",
            TlsConfig::new().ca_file(&certs.ca_cert),
        )
        .protocol(protocol);
        let mut conn = Connection::with_config(&cfg).unwrap();
        assert_eq!(conn.protocol(), protocol);
        conn.set("tls-key", "over tls").unwrap();
        assert_eq!(
            conn.get::<String>("tls-key").unwrap().as_deref(),
            Some("over tls")
        );
        // A reply bigger than one TLS record.
        let big = vec![7u8; 200_000];
        conn.set("tls-big", &big).unwrap();
        assert_eq!(conn.get::<Vec<u8>>("tls-big").unwrap(), Some(big));
        assert!(format!("{conn:?}").contains("tls"));
    }
    // The host name form verifies too (the certificate names localhost).
    let cfg = tls_config(
        &server,
        "localhost",
        TlsConfig::new().ca_file(&certs.ca_cert),
    );
    Connection::with_config(&cfg).unwrap().ping().unwrap();
}

#[test]
fn rediss_url_turns_tls_on() {
    let server = RedisServer::builder().tls().start();
    let certs = tls_certs();
    let cfg = ConnectionConfig::from_url(&server.tls_url()).unwrap();
    assert!(cfg.tls.is_some());
    // No private CA given: the system roots do not know ours, so verification fails ...
    let e = Connection::with_config(&cfg).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    // ... and with it, the URL connects.
    let cfg = ConnectionConfig::from_url(&server.tls_url())
        .unwrap()
        .tls(TlsConfig::new().ca_file(&certs.ca_cert));
    Connection::with_config(&cfg).unwrap().ping().unwrap();
}

#[test]
fn certificate_from_another_ca_is_refused() {
    let server = RedisServer::builder().tls().start();
    let certs = tls_certs();
    let cfg = tls_config(
        &server,
        "127.0.0.1",
        TlsConfig::new().ca_file(&certs.other_ca_cert),
    );
    let e = Connection::with_config(&cfg).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    assert!(matches!(e, Error::Tls(_)));
    assert!(
        !e.is_retryable(),
        "a bad certificate does not get better by retrying"
    );
}

#[test]
fn host_name_mismatch_is_refused_unless_explicitly_allowed() {
    let server = RedisServer::builder().tls().start();
    let certs = tls_certs();
    let wrong_name = TlsConfig::new()
        .ca_file(&certs.ca_cert)
        .server_name("not-this-host.example");
    let e =
        Connection::with_config(&tls_config(&server, "127.0.0.1", wrong_name.clone())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");

    let allowed = wrong_name.danger_accept_invalid_hostnames(true);
    Connection::with_config(&tls_config(&server, "127.0.0.1", allowed))
        .unwrap()
        .ping()
        .unwrap();
}

#[test]
fn accepting_invalid_certificates_takes_the_danger_option() {
    let server = RedisServer::builder().tls().start();
    let insecure = TlsConfig::new().danger_accept_invalid_certs(true);
    Connection::with_config(&tls_config(&server, "127.0.0.1", insecure))
        .unwrap()
        .ping()
        .unwrap();
}

#[test]
fn mutual_tls_needs_a_client_certificate_from_the_ca() {
    let server = RedisServer::builder()
        .tls()
        .tls_auth_clients(TlsAuthClients::Yes)
        .start();
    let certs = tls_certs();
    let with_identity = TlsConfig::new()
        .ca_file(&certs.ca_cert)
        .identity(&certs.client_cert, &certs.client_key);
    Connection::with_config(&tls_config(&server, "127.0.0.1", with_identity))
        .unwrap()
        .ping()
        .unwrap();

    // Without a certificate, or with one from another CA, the server ends the session: during
    // the handshake (a TLS error) or at the first exchange (a connection error).
    for tls in [
        TlsConfig::new().ca_file(&certs.ca_cert),
        TlsConfig::new()
            .ca_file(&certs.ca_cert)
            .identity(&certs.untrusted_client_cert, &certs.untrusted_client_key),
    ] {
        let e = match Connection::with_config(&tls_config(&server, "127.0.0.1", tls)) {
            Err(e) => e,
            Ok(mut conn) => conn.ping().unwrap_err(),
        };
        assert!(
            matches!(e.kind(), ErrorKind::Tls | ErrorKind::Connection),
            "{e:?}"
        );
    }
}

#[test]
fn handshake_with_a_silent_server_ends_at_the_connect_deadline() {
    let silent = FakeServer::silent();
    let cfg = ConnectionConfig::new("127.0.0.1", silent.port())
        .tls(TlsConfig::new().danger_accept_invalid_certs(true))
        .connect_timeout(Duration::from_millis(300))
        .socket_timeout(Duration::from_secs(30));
    let started = Instant::now();
    let e = Connection::with_config(&cfg).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn missing_ca_file_is_invalid_input_naming_the_file() {
    let server = RedisServer::builder().tls().start();
    let cfg = tls_config(
        &server,
        "127.0.0.1",
        TlsConfig::new().ca_file("/nonexistent/ca.pem"),
    );
    let e = Connection::with_config(&cfg).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
}

#[test]
fn pooled_tls_connections_are_probed_and_replaced() {
    let server = RedisServer::builder().tls().start();
    let certs = tls_certs();
    let client = redisync::Client::builder()
        .url(&server.tls_url())
        .tls(TlsConfig::new().ca_file(&certs.ca_cert))
        .build()
        .unwrap();
    client.set("k", "v").unwrap();
    assert_eq!(client.pool_state().created, 1);
    server.raw_command(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
    support::wait_until(
        Duration::from_secs(5),
        "the killed TLS connection to be replaced",
        || client.get::<String>("k").unwrap().as_deref() == Some("v"),
    );
    let state = client.pool_state();
    assert!(state.created >= 2 && state.discarded >= 1, "{state:?}");
}
