//! Client-side helpers shared by the integration tests. They use redisync's own API, so they
//! live apart from `support/`, whose fixtures must not (a client bug must not break the
//! fixtures that check it).

// Each test binary uses only part of this module.
#![allow(dead_code, clippy::unwrap_used)]

use redisync::{Connection, ConnectionConfig, Protocol};

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

/// Settings for a scripted server with no handshake commands at all (RESP2, no library
/// info), so a script starts straight at the command under test.
pub fn bare(port: u16) -> ConnectionConfig {
    ConnectionConfig::new("127.0.0.1", port)
        .protocol(Protocol::Resp2)
        .lib_info(false)
}
