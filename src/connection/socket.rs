//! Name resolution and TCP connect, both under the connect deadline.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Duration;

use socket2::{Domain, Protocol as SockProtocol, SockAddr, Socket, TcpKeepalive, Type};

use super::stream::is_timeout;
use crate::deadline::Budget;
use crate::error::{Error, Result};

/// The longest keepalive idle time Linux takes (`MAX_TCP_KEEPIDLE`, about 9 hours); longer
/// asks are held to it rather than refused with `EINVAL` at connect.
const MAX_KEEPALIVE: Duration = Duration::from_secs(32_767);

/// Resolves `host:port`. IP literals need no lookup. A name is looked up on a short-lived helper
/// thread, because the system resolver has no timeout of its own: the caller stops waiting at
/// the deadline (the thread finishes its lookup and exits by itself).
pub(crate) fn resolve(host: &str, port: u16, budget: Budget) -> Result<Vec<SocketAddr>> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::Builder::new()
        .name("redisync-resolve".into())
        .spawn(move || {
            let result = (name.as_str(), port)
                .to_socket_addrs()
                .map(|it| it.collect::<Vec<_>>());
            let _ = tx.send(result);
        })
        .map_err(|e| Error::Resolve {
            host: host.to_string(),
            source: e,
        })?;
    let got = match budget.remaining()? {
        Some(left) => rx.recv_timeout(left),
        None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
    };
    match got {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(Error::Resolve {
            host: host.to_string(),
            source: io::Error::new(io::ErrorKind::NotFound, "no addresses found"),
        }),
        Ok(Err(e)) => Err(Error::Resolve {
            host: host.to_string(),
            source: e,
        }),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(budget.timeout()),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(Error::Resolve {
            host: host.to_string(),
            source: io::Error::other("resolver thread failed"),
        }),
    }
}

/// Connects to the first address that answers. Each address gets an equal share of the time
/// left, so one black-holed address cannot use up the whole budget of the others; the last one
/// gets all that remains.
pub(crate) fn connect_tcp(
    addrs: &[SocketAddr],
    budget: Budget,
    keepalive: Option<Duration>,
) -> Result<TcpStream> {
    let mut last_err = None;
    for (i, addr) in addrs.iter().enumerate() {
        let share = budget
            .remaining()?
            .map(|left| left / u32::try_from(addrs.len() - i).unwrap_or(u32::MAX));
        match connect_one(addr, share.map(|s| s.max(Duration::from_millis(1)))) {
            Ok(socket) => {
                configure(&socket, keepalive).map_err(|source| Error::Connect {
                    addr: addr.to_string(),
                    source,
                })?;
                return Ok(socket.into());
            }
            Err(e) => {
                log::debug!("connect to {addr} failed: {e}");
                last_err = Some((addr, e));
            }
        }
    }
    match last_err {
        Some((_, e)) if is_timeout(&e) => Err(budget.timeout()),
        Some((addr, source)) => Err(Error::Connect {
            addr: addr.to_string(),
            source,
        }),
        None => Err(Error::invalid("address", "resolved to no addresses")),
    }
}

fn connect_one(addr: &SocketAddr, timeout: Option<Duration>) -> io::Result<Socket> {
    let socket = Socket::new(
        Domain::for_address(*addr),
        Type::STREAM,
        Some(SockProtocol::TCP),
    )?;
    match timeout {
        Some(t) => socket.connect_timeout(&SockAddr::from(*addr), t)?,
        None => socket.connect(&SockAddr::from(*addr))?,
    }
    Ok(socket)
}

/// TCP_NODELAY on: a command is one write, and Nagle would hold it back waiting for an ACK.
/// Keepalive on: a peer that vanished without a FIN (a dead host, a dropped NAT entry) is noticed
/// on an idle pooled connection instead of at the next command's read timeout.
fn configure(socket: &Socket, keepalive: Option<Duration>) -> io::Result<()> {
    socket.set_tcp_nodelay(true)?;
    if let Some(idle) = keepalive {
        let params = TcpKeepalive::new()
            .with_time(idle.clamp(Duration::from_secs(1), MAX_KEEPALIVE))
            .with_interval(Duration::from_secs(5));
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
        let params = params.with_retries(3);
        socket.set_tcp_keepalive(&params)?;
    }
    Ok(())
}

/// Connects to a Unix socket under the deadline.
#[cfg(unix)]
pub(crate) fn connect_unix(
    path: &std::path::Path,
    budget: Budget,
) -> Result<std::os::unix::net::UnixStream> {
    let left = budget.remaining()?;
    let to_err = |source: io::Error| {
        if is_timeout(&source) {
            budget.timeout()
        } else {
            Error::Connect {
                addr: format!("unix:{}", path.display()),
                source,
            }
        }
    };
    let addr = SockAddr::unix(path).map_err(to_err)?;
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None).map_err(to_err)?;
    match left {
        Some(t) => socket.connect_timeout(&addr, t).map_err(to_err)?,
        None => socket.connect(&addr).map_err(to_err)?,
    }
    Ok(socket.into())
}
