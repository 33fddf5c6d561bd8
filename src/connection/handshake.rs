//! The commands that open a session: `HELLO` (or `AUTH` on RESP2), `CLIENT SETNAME`, `SELECT`,
//! `CLIENT SETINFO`. They go through the one write path like any command, under the connect
//! budget the connection was given.

use super::config::{ConnectionConfig, Protocol};
use super::{Connection, Meta, reply_to_result};
use crate::commands::table::{CommandSpec, spec};
use crate::error::{Error, ErrorKind, ProtocolError, Result, ServerError};
use crate::resp::{Value, write_bulk, write_command_header};

fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    write_command_header(out, args.len());
    for a in args {
        write_bulk(out, a);
    }
}

/// One command, one reply; an error reply comes back as `Err(Error::Server)`.
fn exchange(conn: &mut Connection, spec: &'static CommandSpec, args: &[&[u8]]) -> Result<Value> {
    conn.exchange(spec, |out| {
        encode(out, args);
        Ok(())
    })
    .map_err(|e| mismatch(conn, e))
}

/// A server that answers the first command with a TLS record speaks TLS: say so, instead of
/// a protocol error that looks like a broken server (and would be retried).
fn mismatch(conn: &Connection, e: Error) -> Error {
    match e {
        Error::Protocol(ProtocolError::UnknownType(0x15 | 0x16)) => {
            Error::tls(std::io::Error::other(format!(
                "{} answered with TLS: use a rediss:// URL (or the server's plain port)",
                conn.addr
            )))
        }
        e => e,
    }
}

pub(super) fn run(conn: &mut Connection, cfg: &ConnectionConfig) -> Result<()> {
    let password = cfg.password.as_ref().map(|p| p.expose().as_bytes());
    let user = cfg.username.as_deref().unwrap_or("default").as_bytes();
    let mut named = false;

    if cfg.protocol == Protocol::Resp3 {
        let mut args: Vec<&[u8]> = vec![b"HELLO", b"3"];
        if let Some(pass) = password {
            args.extend_from_slice(&[b"AUTH", user, pass]);
        }
        if let Some(name) = &cfg.client_name {
            args.extend_from_slice(&[b"SETNAME", name.as_bytes()]);
        }
        match exchange(conn, &spec::HELLO, &args) {
            Ok(Value::Map(_) | Value::Array(_)) => {
                conn.set_protocol(Protocol::Resp3);
                named = true;
            }
            Ok(other) => return Err(unexpected("HELLO", &other)),
            Err(Error::Server(e)) if hello_unsupported(&e) => {
                log::debug!("server has no RESP3 ({e}); falling back to RESP2");
            }
            Err(Error::Server(e)) => return Err(auth_or_server(e)),
            Err(e) => return Err(e),
        }
    }

    if conn.protocol() == Protocol::Resp2 {
        if let Some(pass) = password {
            // Without a user name, the one-argument form works on every server version.
            let reply = match &cfg.username {
                Some(u) => exchange(conn, &spec::AUTH, &[b"AUTH", u.as_bytes(), pass]),
                None => exchange(conn, &spec::AUTH, &[b"AUTH", pass]),
            };
            match reply {
                Ok(Value::Okay) => {}
                Ok(other) => return Err(unexpected("AUTH", &other)),
                Err(Error::Server(e)) => return Err(Error::Auth(e)),
                Err(e) => return Err(e),
            }
        }
    }

    // The rest goes in one round trip.
    let db = cfg.db.to_string();
    let version = env!("CARGO_PKG_VERSION");
    let mut steps: Vec<(Step, &'static CommandSpec, Vec<&[u8]>)> = Vec::with_capacity(4);
    if let (false, Some(name)) = (named, &cfg.client_name) {
        steps.push((
            Step::SetName,
            &spec::CLIENT_SETNAME,
            vec![b"CLIENT", b"SETNAME", name.as_bytes()],
        ));
    }
    if cfg.db != 0 {
        steps.push((Step::Select, &spec::SELECT, vec![b"SELECT", db.as_bytes()]));
    }
    if cfg.lib_info {
        for (field, value) in [
            (&b"LIB-NAME"[..], &b"redisync"[..]),
            (b"LIB-VER", version.as_bytes()),
        ] {
            steps.push((
                Step::LibInfo,
                &spec::CLIENT_SETINFO,
                vec![b"CLIENT", b"SETINFO", field, value],
            ));
        }
    }
    if steps.is_empty() {
        return Ok(());
    }
    let mut encoded = Vec::new();
    let mut metas = Vec::with_capacity(steps.len());
    for (_, spec, args) in &steps {
        encode(&mut encoded, args);
        metas.push(Meta {
            spec,
            end: encoded.len(),
        });
    }
    // Every reply is read before any is judged, so the stream stays in step when one failed.
    let replies = conn
        .exchange_batch(&metas, &encoded)
        .map_err(|e| mismatch(conn, e))?;
    for ((step, _, _), reply) in steps.into_iter().zip(replies) {
        match (step, reply_to_result(reply)) {
            (_, Ok(_)) => {}
            // Servers before 7.2 have no CLIENT SETINFO; the library name is only a courtesy.
            (Step::LibInfo, Err(_)) => {}
            (Step::Select, Err(e)) => {
                return Err(Error::invalid(
                    "database",
                    format!("SELECT {} failed: {e}", cfg.db),
                ));
            }
            (Step::SetName, Err(e)) => return Err(e),
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Step {
    SetName,
    Select,
    LibInfo,
}

/// `HELLO` is unknown before Redis 6 (`ERR unknown command`), and `NOPROTO` means the server
/// does not speak the version asked for.
fn hello_unsupported(e: &ServerError) -> bool {
    e.code() == "NOPROTO"
        || (e.code() == "ERR" && e.message().to_ascii_lowercase().contains("unknown command"))
}

/// A `HELLO` failure is about credentials when the server says so (`WRONGPASS`, `NOAUTH`) or
/// when it rejects `AUTH` itself (`ERR ... AUTH ...`, as servers without passwords do).
fn auth_or_server(e: Box<ServerError>) -> Error {
    let about_auth = e.kind() == ErrorKind::Authentication
        || (e.code() == "ERR" && e.message().to_ascii_uppercase().contains("AUTH"));
    if about_auth {
        Error::Auth(e)
    } else {
        Error::Server(e)
    }
}

fn unexpected(command: &str, v: &Value) -> Error {
    Error::Protocol(ProtocolError::Unexpected(format!(
        "{command} replied with {}",
        v.describe()
    )))
}
