//! A loopback port where TCP `connect` hangs: for connect-timeout tests.
//!
//! Tests may only send traffic to loopback, so the usual trick of dialling an
//! unroutable address is out. Instead: a listener with a backlog of 0 that
//! never accepts, with its accept queue filled by our own connections. Linux
//! then drops further SYNs, so a client's `connect` neither succeeds nor is
//! refused until its timeout fires. (A [`FakeServer::silent`] is different:
//! its connects succeed and only reads hang.)
//!
//! [`FakeServer::silent`]: super::FakeServer::silent

use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use socket2::{Domain, Socket, Type};

/// How long a probe connect waits before it counts as "hanging".
const PROBE_TIMEOUT: Duration = Duration::from_millis(200);
/// The accept queue of a backlog-0 listener holds one connection; allow
/// plenty of slack before calling the kernel's behaviour unexpected.
const MAX_FILLERS: usize = 16;

/// A listener whose `connect`s hang; closes on drop.
#[derive(Debug)]
pub struct BlackholeListener {
    addr: SocketAddr,
    _listener: Socket,
    /// Connections that fill the accept queue; kept open for our lifetime.
    _fillers: Vec<TcpStream>,
}

impl BlackholeListener {
    /// Binds `127.0.0.1:0`, fills the accept queue, and checks that one more
    /// connect times out.
    ///
    /// # Panics
    ///
    /// When the socket calls fail, or the kernel keeps accepting connections
    /// (then this machine cannot provide a hanging connect this way).
    pub fn start() -> BlackholeListener {
        let listener = Socket::new(Domain::IPV4, Type::STREAM, None)
            .unwrap_or_else(|e| panic!("BlackholeListener: cannot create a socket: {e}"));
        let bind_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        listener
            .bind(&bind_addr.into())
            .unwrap_or_else(|e| panic!("BlackholeListener: cannot bind 127.0.0.1:0: {e}"));
        listener
            .listen(0)
            .unwrap_or_else(|e| panic!("BlackholeListener: cannot listen: {e}"));
        let addr = listener
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .unwrap_or_else(|| panic!("BlackholeListener: cannot read its address"));

        let mut fillers = Vec::new();
        loop {
            match TcpStream::connect_timeout(&addr, PROBE_TIMEOUT) {
                Ok(stream) if fillers.len() < MAX_FILLERS => fillers.push(stream),
                Ok(_) => panic!(
                    "BlackholeListener: {addr} still accepts connects after {MAX_FILLERS} \
                     queued ones; cannot make a hanging connect on this kernel"
                ),
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => break,
                Err(e) => panic!("BlackholeListener: unexpected connect error to {addr}: {e}"),
            }
        }
        BlackholeListener {
            addr,
            _listener: listener,
            _fillers: fillers,
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }
}
