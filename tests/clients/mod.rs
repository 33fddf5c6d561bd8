//! Client-side helpers shared by the integration tests. They use redisync's own API, so they
//! live apart from `support/`, whose fixtures must not (a client bug must not break the
//! fixtures that check it).

// Each test binary uses only part of this module.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use redisync::{Connection, ConnectionConfig, Error, ErrorKind, Protocol, ToArgs, cmd};

/// One connection per protocol (RESP2, then RESP3) to the server on `port`, each checked to
/// have agreed on its protocol.
pub fn per_protocol(port: u16) -> Vec<Connection> {
    [Protocol::Resp2, Protocol::Resp3]
        .into_iter()
        .map(|p| {
            let cfg = ConnectionConfig::new("127.0.0.1", port).protocol(p);
            let conn = Connection::with_config(&cfg).unwrap();
            assert_eq!(conn.protocol(), p);
            conn
        })
        .collect()
}

/// A connection speaking `protocol` with a read timeout shorter than the blocking waits it makes.
pub fn impatient(port: u16, protocol: Protocol, read_timeout: Duration) -> Connection {
    let cfg = ConnectionConfig::new("127.0.0.1", port)
        .protocol(protocol)
        .read_timeout(read_timeout);
    Connection::with_config(&cfg).unwrap()
}

/// Settings for a scripted server with no handshake commands at all (RESP2, no library
/// info), so a script starts straight at the command under test.
pub fn bare(port: u16) -> ConnectionConfig {
    ConnectionConfig::new("127.0.0.1", port)
        .protocol(Protocol::Resp2)
        .lib_info(false)
}

/// Empties the connection's current database (`FLUSHDB` as a plain command).
pub fn flush(c: &mut Connection) {
    cmd("FLUSHDB").exec(c).unwrap();
}

/// `RPUSH key items...` as a plain command, so a test needs nothing of the list group.
pub fn rpush_raw(c: &mut Connection, key: &str, items: impl ToArgs) {
    cmd("RPUSH").arg(key).arg(items).exec(c).unwrap();
}

/// Fails unless `e` is the server's error for a command it lacks, naming `command` (any case).
#[track_caller]
pub fn assert_unknown_command(e: &Error, command: &str) {
    assert_eq!(e.kind(), ErrorKind::Response, "{command}: {e}");
    let text = e.to_string().to_ascii_lowercase();
    assert!(
        text.contains("unknown command") && text.contains(&command.to_ascii_lowercase()),
        "{command}: {e}"
    );
}

/// Fails unless `e` is the server's `WRONGTYPE` error.
#[track_caller]
pub fn assert_wrongtype(e: &Error) {
    assert_eq!(e.kind(), ErrorKind::WrongType, "{e}");
}

/// Fails unless `e` is a server error (`ERR` and the like) whose text contains `text` (any case).
#[track_caller]
pub fn assert_server_error(e: &Error, text: &str) {
    assert_eq!(e.kind(), ErrorKind::Response, "{e}");
    assert!(
        e.to_string()
            .to_ascii_lowercase()
            .contains(&text.to_ascii_lowercase()),
        "{e} should say {text:?}"
    );
}
