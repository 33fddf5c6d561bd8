//! The commands that open a session: `HELLO` (or `AUTH` on RESP2), `CLIENT SETNAME`, `SELECT`,
//! `CLIENT SETINFO`. They run under the connect deadline (the caller maps their timeouts).

use std::time::{Duration, Instant};

use super::config::{ConnectionConfig, Protocol};
use super::{Connection, reply_to_result};
use crate::error::{Error, ErrorKind, ProtocolError, Result, ServerError};
use crate::resp::{Value, write_bulk, write_command_header};

fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    write_command_header(out, args.len());
    for a in args {
        write_bulk(out, a);
    }
}

/// One command, one reply (an error reply kept as a value).
fn exchange(conn: &mut Connection, args: &[&[u8]], deadline: Deadline) -> Result<Value> {
    conn.limit_to(deadline.0, deadline.1)?;
    conn.write_with(1, |out| encode(out, args))?;
    conn.read_reply()
}

/// The connect deadline and the configured connect timeout (for the error message).
#[derive(Clone, Copy)]
struct Deadline(Instant, Duration);

pub(super) fn run(conn: &mut Connection, cfg: &ConnectionConfig, deadline: Instant) -> Result<()> {
    let deadline = Deadline(deadline, cfg.connect_timeout);
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
        match exchange(conn, &args, deadline)? {
            Value::Map(_) | Value::Array(_) => {
                conn.set_protocol(Protocol::Resp3);
                named = true;
            }
            Value::Error(e) | Value::BulkError(e) if hello_unsupported(&e) => {
                log::debug!("server has no RESP3 ({e}); falling back to RESP2");
            }
            Value::Error(e) | Value::BulkError(e) => return Err(auth_or_server(e)),
            other => return Err(unexpected("HELLO", &other)),
        }
    }

    if conn.protocol() == Protocol::Resp2 {
        if let Some(pass) = password {
            // Without a user name, the one-argument form works on every server version.
            let reply = match &cfg.username {
                Some(u) => exchange(conn, &[b"AUTH", u.as_bytes(), pass], deadline)?,
                None => exchange(conn, &[b"AUTH", pass], deadline)?,
            };
            match reply {
                Value::Okay => {}
                Value::Error(e) | Value::BulkError(e) => return Err(Error::Auth(e)),
                other => return Err(unexpected("AUTH", &other)),
            }
        }
    }

    // The rest goes in one round trip.
    let db = cfg.db.to_string();
    let version = env!("CARGO_PKG_VERSION");
    let mut steps: Vec<(Step, Vec<&[u8]>)> = Vec::with_capacity(4);
    if let (false, Some(name)) = (named, &cfg.client_name) {
        steps.push((Step::SetName, vec![b"CLIENT", b"SETNAME", name.as_bytes()]));
    }
    if cfg.db != 0 {
        steps.push((Step::Select, vec![b"SELECT", db.as_bytes()]));
    }
    if cfg.lib_info {
        steps.push((
            Step::LibInfo,
            vec![b"CLIENT", b"SETINFO", b"LIB-NAME", b"redisync"],
        ));
        steps.push((
            Step::LibInfo,
            vec![b"CLIENT", b"SETINFO", b"LIB-VER", version.as_bytes()],
        ));
    }
    conn.limit_to(deadline.0, deadline.1)?;
    conn.write_with(steps.len(), |out| {
        for (_, args) in &steps {
            encode(out, args);
        }
    })?;
    // Read every reply before judging any, so the stream stays in step even when one failed.
    let replies = conn.read_replies(steps.len())?;
    for ((step, _), reply) in steps.into_iter().zip(replies) {
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
