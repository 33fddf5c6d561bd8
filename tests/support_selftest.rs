//! Tests of the test fixtures in `tests/support/`.
//!
//! Every other integration test trusts these fixtures, so each one is
//! exercised here for real: a broken fixture should fail here, by name,
//! rather than as a mysterious client bug elsewhere.

// A failed setup step here is a failed test; `expect` says which step.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use std::{env, fs};

use support::resp::{self, Parse, RawConnection};
use support::{
    BlackholeListener, FakeServer, RedisServer, ServerKind, Step, TlsAuthClients, free_port,
    tls_certs, unused_port, wait_for, wait_until,
};

const SHORT: Duration = Duration::from_millis(200);
const LONG: Duration = Duration::from_secs(10);

/// Connects to `addr` with bounded reads and writes.
fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, LONG)
        .unwrap_or_else(|e| panic!("cannot connect to {addr}: {e}"));
    stream
        .set_read_timeout(Some(LONG))
        .expect("set_read_timeout");
    stream
        .set_write_timeout(Some(LONG))
        .expect("set_write_timeout");
    stream
}

fn round_trip(stream: &mut TcpStream, args: &[&str]) -> String {
    resp::round_trip(stream, args).unwrap_or_else(|e| panic!("{args:?} failed: {e}"))
}

/// The value of `field:` in an INFO reply.
fn info_field<'a>(info: &'a str, field: &str) -> &'a str {
    info.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {field} in INFO reply {info:?}"))
        .trim()
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

// ---------------------------------------------------------------- resp

#[test]
fn resp_command_round_trips_through_encode_and_parse() {
    let encoded = resp::encode_command(&["SET", "k", "a\r\nb"]);
    assert_eq!(encoded, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n");
    let mut pipelined = encoded.clone();
    pipelined.extend_from_slice(b"*1\r\n$4\r\nPI");
    assert_eq!(
        resp::parse_command(&pipelined),
        Parse::Done(
            vec![b"SET".to_vec(), b"k".to_vec(), b"a\r\nb".to_vec()],
            encoded.len()
        )
    );
    assert_eq!(
        resp::parse_command(&pipelined[encoded.len()..]),
        Parse::Incomplete
    );
    assert_eq!(
        resp::parse_command(b"*2\r\n$3\r\nGET\r\n"),
        Parse::Incomplete
    );
    assert!(matches!(resp::parse_command(b"+OK\r\n"), Parse::Invalid(_)));
    assert!(matches!(
        resp::parse_command(b"*1\r\n$3\r\nGETX\r\n"),
        Parse::Invalid(_)
    ));
}

#[test]
fn resp_value_len_frames_resp2_and_resp3_replies() {
    let cases: &[&[u8]] = &[
        b"+OK\r\n",
        b"-ERR no\r\n",
        b":42\r\n",
        b"$-1\r\n",
        b"$5\r\nhe\r\no\r\n",
        b"*-1\r\n",
        b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n",
        b"_\r\n",
        b"%1\r\n+k\r\n~2\r\n#t\r\n,1.5\r\n",
        b"|1\r\n+ttl\r\n:3\r\n$1\r\nx\r\n",
        b">2\r\n+message\r\n=7\r\ntxt:abc\r\n",
    ];
    for &case in cases {
        let mut buf = case.to_vec();
        buf.extend_from_slice(b"+NEXT\r\n");
        assert_eq!(
            resp::value_len(&buf),
            Parse::Done((), case.len()),
            "{:?}",
            String::from_utf8_lossy(case)
        );
        assert_eq!(
            resp::value_len(&case[..case.len() - 1]),
            Parse::Incomplete,
            "{:?}",
            String::from_utf8_lossy(case)
        );
    }
    assert!(matches!(resp::value_len(b"?what\r\n"), Parse::Invalid(_)));
}

// ---------------------------------------------------------------- wait

#[test]
fn wait_until_returns_once_the_condition_holds() {
    let start = Instant::now();
    let mut calls = 0;
    wait_until(LONG, "three calls", || {
        calls += 1;
        calls == 3
    });
    assert_eq!(calls, 3);
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(wait_for(LONG, "a value", || Some(7)), 7);
}

#[test]
#[should_panic(expected = "waiting for the impossible")]
fn wait_until_panics_naming_what_it_waited_for() {
    wait_until(Duration::from_millis(50), "the impossible", || false);
}

// ---------------------------------------------------------------- ports

#[test]
fn unused_port_refuses_connections() {
    let port = unused_port();
    let err = TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), LONG)
        .expect_err("connect to unused_port() succeeded");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
}

#[test]
fn free_port_never_repeats_within_a_process() {
    let mut ports: Vec<u16> = (0..50).map(|_| free_port()).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 50);
}

#[test]
fn blackhole_listener_makes_connect_hang_until_timeout() {
    let blackhole = BlackholeListener::start();
    let start = Instant::now();
    let err = TcpStream::connect_timeout(&blackhole.addr(), Duration::from_millis(300))
        .expect_err("connect to a BlackholeListener succeeded");
    assert!(is_timeout(&err), "expected a timeout, got {err}");
    assert!(
        start.elapsed() >= Duration::from_millis(250),
        "returned after {:?}",
        start.elapsed()
    );
}

// ---------------------------------------------------------------- RedisServer

#[test]
fn redis_server_answers_raw_commands() {
    let server = RedisServer::start();
    assert_eq!(server.host(), "127.0.0.1");
    assert_eq!(server.url(), format!("redis://127.0.0.1:{}", server.port()));
    assert_eq!(server.raw_command(&["PING"]), "+PONG\r\n");
    assert_eq!(
        server.raw_command(&["SET", "greeting", "hello world"]),
        "+OK\r\n"
    );
    assert_eq!(
        server.raw_command(&["GET", "greeting"]),
        "$11\r\nhello world\r\n"
    );

    // The server is ours: our pid, our port, persistence off, debug allowed.
    let info = server.raw_command(&["INFO", "server"]);
    assert_eq!(
        info_field(&info, "process_id"),
        server.pid().expect("running").to_string()
    );
    assert_eq!(info_field(&info, "tcp_port"), server.port().to_string());
    assert_eq!(
        server.raw_command(&["CONFIG", "GET", "save"]),
        "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"
    );
    assert_eq!(
        server.raw_command(&["CONFIG", "GET", "appendonly"]),
        "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"
    );
    assert_eq!(server.raw_command(&["DEBUG", "SLEEP", "0"]), "+OK\r\n");
    assert!(
        server.log().contains("Ready to accept connections"),
        "{}",
        server.log()
    );
    assert!(server.dir().join("redis.log").is_file());
}

/// Set by `make test-servers` to what it means to run (`"Redis 6.2"`,
/// `"Valkey 9"`), so a run against the wrong binary fails instead of passing.
const EXPECT_SERVER: &str = "REDISYNC_EXPECT_SERVER";

#[test]
fn redis_server_reports_its_kind_and_version() {
    let server = RedisServer::start();
    let (kind, version) = (server.kind(), server.version());
    eprintln!(
        "server under test: {} ({})",
        server.describe_version(),
        server.bin().display()
    );
    assert_eq!(server.is_valkey(), kind == ServerKind::Valkey);
    assert!(version >= (6, 2, 0), "{version:?}: older than 6.2");

    // The same as the binary says of itself.
    let out = Command::new(server.bin())
        .arg("--version")
        .output()
        .expect("run --version");
    let said = String::from_utf8_lossy(&out.stdout);
    let (major, minor, patch) = version;
    assert!(
        said.contains(&format!(" v={major}.{minor}.{patch} ")),
        "{said:?} vs {version:?}"
    );
    let name = if server.is_valkey() {
        "Valkey"
    } else {
        "Redis"
    };
    assert!(said.starts_with(&format!("{name} server ")), "{said:?}");
    let info = server.raw_command(&["INFO", "server"]);
    if server.is_valkey() {
        assert_eq!(info_field(&info, "server_name"), "valkey");
        assert_eq!(
            info_field(&info, "valkey_version"),
            format!("{major}.{minor}.{patch}")
        );
    } else {
        assert_eq!(
            info_field(&info, "redis_version"),
            format!("{major}.{minor}.{patch}")
        );
    }

    // What tests gate on the version: FUNCTION came with 7.0 (Valkey has it).
    let functions = server.raw_command(&["FUNCTION", "LIST"]);
    if version >= (7, 0, 0) {
        assert_eq!(functions, "*0\r\n");
    } else {
        assert!(
            functions.starts_with("-ERR unknown command"),
            "{functions:?}"
        );
    }
    // DEBUG is allowed on every version (`enable-debug-command` from 7.0 on).
    assert_eq!(server.raw_command(&["DEBUG", "SLEEP", "0"]), "+OK\r\n");

    if let Ok(expected) = env::var(EXPECT_SERVER) {
        let actual = server.describe_version();
        assert!(
            actual.starts_with(&format!("{expected}.")),
            "{EXPECT_SERVER}={expected} but the server is {actual}"
        );
    }
}

#[test]
fn redis_server_is_killed_and_cleaned_up_on_drop() {
    let server = RedisServer::start();
    let addr = server.addr();
    let dir = server.dir().to_path_buf();
    let pid = server.pid().expect("running");
    drop(server);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "redis-server {pid} still exists"
    );
    assert!(!dir.exists(), "{} was not removed", dir.display());
    let err = TcpStream::connect_timeout(&addr, LONG).expect_err("dropped server still accepts");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn redis_server_kill_and_restart_keep_the_port() {
    let mut server = RedisServer::start();
    let port = server.port();
    server.raw_command(&["SET", "k", "v"]);
    server.kill();
    assert!(!server.is_running());
    let err = server
        .try_raw_command(&["PING"])
        .expect_err("killed server answered");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
    server.restart();
    assert!(server.is_running());
    assert_eq!(server.port(), port);
    assert_eq!(server.raw_command(&["PING"]), "+PONG\r\n");
    assert_eq!(
        server.raw_command(&["GET", "k"]),
        "$-1\r\n",
        "data survived a restart without persistence"
    );
}

#[test]
fn redis_server_requirepass_demands_auth() {
    let server = RedisServer::builder()
        .requirepass("s3cret \"quoted\"")
        .start();
    assert_eq!(server.password(), Some("s3cret \"quoted\""));
    let reply = server.raw_command_noauth(&["PING"]);
    assert!(reply.starts_with("-NOAUTH"), "{reply:?}");
    assert_eq!(server.raw_command(&["PING"]), "+PONG\r\n");
    let mut stream = connect(server.addr());
    let reply = round_trip(&mut stream, &["AUTH", "wrong"]);
    assert!(reply.starts_with("-WRONGPASS"), "{reply:?}");
}

#[test]
fn redis_server_acl_users_and_extra_config() {
    let server = RedisServer::builder()
        .acl_user("alice on >pw ~* +@all")
        .acl_user("user bob on >bobpw ~bob:* +get")
        .config("maxclients 77")
        .start();
    assert_eq!(
        server.raw_command_as("alice", "pw", &["ACL", "WHOAMI"]),
        "$5\r\nalice\r\n"
    );
    assert_eq!(
        server.raw_command_as("bob", "bobpw", &["GET", "bob:x"]),
        "$-1\r\n"
    );
    let denied = server.raw_command_as("bob", "bobpw", &["SET", "bob:x", "1"]);
    assert!(denied.starts_with("-NOPERM"), "{denied:?}");
    assert_eq!(
        server.raw_command(&["CONFIG", "GET", "maxclients"]),
        "*2\r\n$10\r\nmaxclients\r\n$2\r\n77\r\n"
    );
}

#[test]
fn redis_server_unix_socket_answers_ping() {
    let server = RedisServer::builder().unix_socket().start();
    let path = server.unix_path();
    let mode = fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "socket mode {mode:o}");
    let mut stream =
        UnixStream::connect(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    stream
        .set_read_timeout(Some(LONG))
        .expect("set_read_timeout");
    assert_eq!(
        resp::round_trip(&mut stream, &["PING"]).expect("PING"),
        "+PONG\r\n"
    );
}

#[test]
#[should_panic(expected = "has no TLS port")]
fn redis_server_without_tls_has_no_tls_port() {
    RedisServer::start().tls_port();
}

// ---------------------------------------------------------------- TLS

/// `openssl` with `args`, output captured.
fn openssl(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("run openssl")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

#[test]
fn tls_certs_chain_to_their_cas() {
    let certs = tls_certs();
    assert!(
        std::ptr::eq(certs, tls_certs()),
        "certificates are generated once per process"
    );
    let ca = path_str(&certs.ca_cert);
    let other_ca = path_str(&certs.other_ca_cert);
    for (cert, trusted_by, ok) in [
        (&certs.server_cert, ca, true),
        (&certs.client_cert, ca, true),
        (&certs.server_cert, other_ca, false),
        (&certs.untrusted_client_cert, other_ca, true),
        (&certs.untrusted_client_cert, ca, false),
    ] {
        let out = openssl(&["verify", "-CAfile", trusted_by, path_str(cert)]);
        assert_eq!(
            out.status.success(),
            ok,
            "openssl verify -CAfile {trusted_by} {}: {}{}",
            cert.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let san = openssl(&[
        "x509",
        "-noout",
        "-ext",
        "subjectAltName",
        "-in",
        path_str(&certs.server_cert),
    ]);
    let san = String::from_utf8_lossy(&san.stdout);
    assert!(
        san.contains("DNS:localhost") && san.contains("IP Address:127.0.0.1"),
        "{san}"
    );
    for key in [
        &certs.server_key,
        &certs.client_key,
        &certs.untrusted_client_key,
    ] {
        let text = fs::read_to_string(key).unwrap_or_else(|e| panic!("{}: {e}", key.display()));
        assert!(
            text.starts_with("-----BEGIN PRIVATE KEY-----"),
            "{} is not PKCS#8",
            key.display()
        );
    }
}

/// `redis-cli` on PATH, if any.
fn redis_cli() -> Option<String> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join("redis-cli"))
        .find(|p| p.is_file())
        .map(|p| p.to_string_lossy().into_owned())
}

/// `redis-cli --tls -h 127.0.0.1 -p PORT <extra> PING`.
fn redis_cli_tls_ping(cli: &str, port: u16, extra: &[&str]) -> Output {
    let port = port.to_string();
    Command::new(cli)
        .args(["--tls", "-h", "127.0.0.1", "-p", &port])
        .args(extra)
        .arg("PING")
        .output()
        .expect("run redis-cli")
}

fn stdout_of(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn redis_server_with_tls_serves_both_ports() {
    let server = RedisServer::builder().tls().start();
    assert_eq!(
        server.tls_url(),
        format!("rediss://127.0.0.1:{}", server.tls_port())
    );
    assert_eq!(server.raw_command(&["PING"]), "+PONG\r\n");
    TcpStream::connect_timeout(
        &SocketAddr::from((Ipv4Addr::LOCALHOST, server.tls_port())),
        LONG,
    )
    .unwrap_or_else(|e| panic!("TLS port does not accept TCP: {e}"));
    assert_eq!(
        server.raw_command(&["CONFIG", "GET", "tls-auth-clients"]),
        "*2\r\n$16\r\ntls-auth-clients\r\n$8\r\noptional\r\n"
    );

    let Some(cli) = redis_cli() else {
        eprintln!("redis-cli not installed: TLS handshake not checked");
        return;
    };
    let certs = tls_certs();
    let good = redis_cli_tls_ping(
        &cli,
        server.tls_port(),
        &["--cacert", path_str(&certs.ca_cert)],
    );
    assert_eq!(stdout_of(&good).trim(), "PONG", "{good:?}");
    let bad = redis_cli_tls_ping(
        &cli,
        server.tls_port(),
        &["--cacert", path_str(&certs.other_ca_cert)],
    );
    assert!(
        !stdout_of(&bad).contains("PONG"),
        "unrelated CA was accepted: {bad:?}"
    );
}

#[test]
fn redis_server_tls_only_with_mutual_tls() {
    let server = RedisServer::builder()
        .tls_only()
        .tls_auth_clients(TlsAuthClients::Yes)
        .unix_socket()
        .start();
    // No plain port: raw commands go over the Unix socket.
    assert!(
        panic::catch_unwind(AssertUnwindSafe(|| server.port())).is_err(),
        "a TLS-only server has a plain port"
    );
    assert_eq!(
        server.raw_command(&["CONFIG", "GET", "port"]),
        "*2\r\n$4\r\nport\r\n$1\r\n0\r\n"
    );
    TcpStream::connect_timeout(
        &SocketAddr::from((Ipv4Addr::LOCALHOST, server.tls_port())),
        LONG,
    )
    .unwrap_or_else(|e| panic!("TLS port does not accept TCP: {e}"));

    let Some(cli) = redis_cli() else {
        eprintln!("redis-cli not installed: mutual TLS not checked");
        return;
    };
    let certs = tls_certs();
    let ca = path_str(&certs.ca_cert);
    let no_cert = redis_cli_tls_ping(&cli, server.tls_port(), &["--cacert", ca]);
    assert!(
        !stdout_of(&no_cert).contains("PONG"),
        "no client cert was accepted: {no_cert:?}"
    );
    let untrusted = redis_cli_tls_ping(
        &cli,
        server.tls_port(),
        &[
            "--cacert",
            ca,
            "--cert",
            path_str(&certs.untrusted_client_cert),
            "--key",
            path_str(&certs.untrusted_client_key),
        ],
    );
    assert!(
        !stdout_of(&untrusted).contains("PONG"),
        "untrusted client cert was accepted: {untrusted:?}"
    );
    let good = redis_cli_tls_ping(
        &cli,
        server.tls_port(),
        &[
            "--cacert",
            ca,
            "--cert",
            path_str(&certs.client_cert),
            "--key",
            path_str(&certs.client_key),
        ],
    );
    assert_eq!(stdout_of(&good).trim(), "PONG", "{good:?}");
}

// ---------------------------------------------------------------- missing binary

/// Env var that makes [`child_starts_a_server`] do its job.
const CHILD: &str = "REDISYNC_SUPPORT_SELFTEST_CHILD";

/// Runs this test binary's [`child_starts_a_server`] with `env`.
fn run_child(env: &[(&str, &str)], remove: &[&str]) -> String {
    let exe = env::current_exe().expect("current_exe");
    let mut cmd = Command::new(exe);
    cmd.args([
        "--exact",
        "child_starts_a_server",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD, "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    for k in remove {
        cmd.env_remove(k);
    }
    let out = cmd.output().expect("run the test binary");
    assert!(
        !out.status.success(),
        "the child started a server: {}",
        stdout_of(&out)
    );
    stdout_of(&out)
}

/// Starts a server. Run normally it must succeed; run as the child of
/// `missing_redis_server_panics_with_install_hint`, with no usable
/// `redis-server`, it must panic with the install hint.
#[test]
fn child_starts_a_server() {
    let server = RedisServer::start();
    assert_eq!(server.raw_command(&["PING"]), "+PONG\r\n");
}

#[test]
fn missing_redis_server_panics_with_install_hint() {
    let out = run_child(&[("PATH", "/nonexistent")], &["REDIS_SERVER_BIN"]);
    assert!(
        out.contains("redis-server not found: run `make test`, which installs it"),
        "{out}"
    );
    let out = run_child(&[("REDIS_SERVER_BIN", "/nonexistent/redis-server")], &[]);
    assert!(
        out.contains("REDIS_SERVER_BIN=/nonexistent/redis-server is not an executable"),
        "{out}"
    );
}

// ---------------------------------------------------------------- FakeServer

#[test]
fn fake_server_replies_in_script_order_and_records_commands() {
    let fake = FakeServer::with_script(vec![
        Step::expect("ping"),
        Step::reply("+PONG\r\n"),
        Step::expect_args(&["SET", "k", "v"]),
        Step::expect_prefix(&["GET"]),
        Step::reply("+OK\r\n$-1\r\n"),
    ]);
    assert_eq!(fake.url(), format!("redis://127.0.0.1:{}", fake.port()));
    let mut stream = connect(fake.addr());
    assert_eq!(round_trip(&mut stream, &["PING"]), "+PONG\r\n");
    // Two pipelined commands in one write; both replies in one write too.
    let mut pipeline = resp::encode_command(&["set", "k", "v"]);
    pipeline.extend(resp::encode_command(&["GET", "k"]));
    stream.write_all(&pipeline).expect("write");
    let mut conn = RawConnection::new(&mut stream);
    assert_eq!(conn.read_reply().expect("reply"), "+OK\r\n");
    assert_eq!(conn.read_reply().expect("reply"), "$-1\r\n");
    // The script ended: the server closes.
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).expect("clean EOF");
    assert!(rest.is_empty());

    assert_eq!(fake.command_names(), ["PING", "SET", "GET"]);
    assert_eq!(
        fake.commands()[1],
        [b"set".to_vec(), b"k".to_vec(), b"v".to_vec()]
    );
    assert_eq!(fake.connections(), 1);
    fake.check();
}

#[test]
fn fake_server_mismatch_fails_the_test_on_drop() {
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["GET", "a"]),
        Step::reply("+OK\r\n"),
    ]);
    let mut stream = connect(fake.addr());
    stream
        .write_all(&resp::encode_command(&["GET", "b"]))
        .expect("write");
    let mut rest = Vec::new();
    // The connection ends at the failed step, without the reply.
    stream.read_to_end(&mut rest).expect("EOF");
    assert!(rest.is_empty(), "{rest:?}");
    let errors = fake.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("\"GET\", \"b\""), "{errors:?}");
    let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(fake)));
    assert!(
        dropped.is_err(),
        "dropping a FakeServer with failed expectations did not panic"
    );
}

#[test]
fn fake_server_chunked_reply_arrives_in_pieces() {
    let delay = Duration::from_millis(40);
    let fake = FakeServer::with_script(vec![
        Step::expect_any(),
        Step::reply_chunked("$5\r\nhello\r\n", 4, delay),
    ]);
    let mut stream = connect(fake.addr());
    stream
        .write_all(&resp::encode_command(&["GET", "k"]))
        .expect("write");
    let start = Instant::now();
    let mut first = [0u8; 64];
    let n = stream.read(&mut first).expect("read");
    // Pieces are 40 ms apart: the first read cannot see them all.
    assert!(n < 11, "the whole reply arrived at once");
    let mut all = first[..n].to_vec();
    stream.read_to_end(&mut all).expect("read");
    assert_eq!(all, b"$5\r\nhello\r\n");
    assert!(
        start.elapsed() >= delay * 2,
        "pieces came after {:?}",
        start.elapsed()
    );
}

#[test]
fn fake_server_sleep_stalls_then_replies() {
    let fake = FakeServer::with_script(vec![
        Step::expect("GET"),
        Step::Sleep(Duration::from_millis(400)),
        Step::reply("$-1\r\n"),
    ]);
    let mut stream = connect(fake.addr());
    stream
        .set_read_timeout(Some(SHORT))
        .expect("set_read_timeout");
    stream
        .write_all(&resp::encode_command(&["GET", "k"]))
        .expect("write");
    let mut buf = [0u8; 16];
    let err = stream.read(&mut buf).expect_err("reply came during Sleep");
    assert!(is_timeout(&err), "{err}");
    stream
        .set_read_timeout(Some(LONG))
        .expect("set_read_timeout");
    assert_eq!(
        RawConnection::new(&mut stream).read_reply().expect("reply"),
        "$-1\r\n"
    );
}

#[test]
fn fake_server_runs_one_script_per_connection() {
    let fake = FakeServer::start(vec![
        vec![Step::expect("PING"), Step::Close, Step::reply("+never\r\n")],
        vec![Step::expect("PING"), Step::reply("+second\r\n")],
    ]);
    let mut first = connect(fake.addr());
    first
        .write_all(&resp::encode_command(&["PING"]))
        .expect("write");
    let mut rest = Vec::new();
    first.read_to_end(&mut rest).expect("clean EOF after Close");
    assert!(rest.is_empty(), "{rest:?}");

    let mut second = connect(fake.addr());
    assert_eq!(round_trip(&mut second, &["PING"]), "+second\r\n");

    // Beyond the scripts: closed at once.
    let mut third = connect(fake.addr());
    let mut buf = [0u8; 8];
    let n = third.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0);
    fake.wait_for_connections(3, LONG);
    assert_eq!(
        fake.commands_by_connection()
            .iter()
            .map(Vec::len)
            .collect::<Vec<_>>(),
        [1, 1, 0]
    );
}

#[test]
fn fake_server_repeating_serves_every_connection() {
    let fake = FakeServer::repeating(vec![Step::expect("PING"), Step::reply("+PONG\r\n")]);
    for _ in 0..3 {
        assert_eq!(
            round_trip(&mut connect(fake.addr()), &["PING"]),
            "+PONG\r\n"
        );
    }
    fake.wait_for_commands(3, LONG);
    assert_eq!(fake.connections(), 3);
}

#[test]
fn fake_server_silent_accepts_but_never_answers_and_drops_fast() {
    let fake = FakeServer::silent();
    let mut stream = connect(fake.addr());
    stream
        .set_read_timeout(Some(SHORT))
        .expect("set_read_timeout");
    stream
        .write_all(&resp::encode_command(&["PING"]))
        .expect("write");
    let mut buf = [0u8; 16];
    let err = stream.read(&mut buf).expect_err("silent server answered");
    assert!(is_timeout(&err), "{err}");
    fake.wait_for_connections(1, LONG);

    let start = Instant::now();
    drop(fake);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "drop took {:?}",
        start.elapsed()
    );
    // The connection is gone with the server.
    stream
        .set_read_timeout(Some(LONG))
        .expect("set_read_timeout");
    assert!(matches!(stream.read(&mut buf), Ok(0) | Err(_)));
}
