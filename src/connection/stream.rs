//! The byte stream under a connection: TCP, Unix socket or TLS.

use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::TcpStream;
use std::time::Duration;

use socket2::SockRef;

/// One transport. Timeouts are set on the socket underneath, so they also bound TLS records.
pub(crate) enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
    #[cfg(feature = "tls")]
    Tls(Box<native_tls::TlsStream<TcpStream>>),
}

impl Stream {
    /// The OS socket underneath (for TLS, the TCP socket it runs over).
    fn socket(&self) -> SockRef<'_> {
        match self {
            Stream::Tcp(s) => SockRef::from(s),
            #[cfg(unix)]
            Stream::Unix(s) => SockRef::from(s),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => SockRef::from(s.get_ref()),
        }
    }

    pub(crate) fn set_read_timeout(&self, t: Duration) -> io::Result<()> {
        self.socket().set_read_timeout(Some(t))
    }

    pub(crate) fn set_write_timeout(&self, t: Duration) -> io::Result<()> {
        self.socket().set_write_timeout(Some(t))
    }

    /// True when nothing is waiting to be read: no decrypted bytes inside TLS, and a
    /// non-blocking peek at the socket finds no data and no end of stream. A closed or reset
    /// socket, or any error, is not quiet.
    pub(crate) fn is_quiet(&self) -> bool {
        #[cfg(feature = "tls")]
        if let Stream::Tls(s) = self {
            if s.buffered_read_size().unwrap_or(1) > 0 {
                return false;
            }
        }
        peek_would_block(&self.socket())
    }
}

/// `MSG_PEEK | MSG_DONTWAIT` where the platform has them (socket2 exports no constants for
/// them): a peek that neither blocks nor consumes, in one system call.
#[cfg(any(target_os = "linux", target_os = "android"))]
const PEEK_NOWAIT: Option<i32> = Some(0x02 | 0x40);
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
))]
const PEEK_NOWAIT: Option<i32> = Some(0x02 | 0x80);
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)))]
const PEEK_NOWAIT: Option<i32> = None;

fn peek_would_block(sock: &SockRef<'_>) -> bool {
    let mut byte = [MaybeUninit::<u8>::uninit(); 1];
    let would_block =
        |r: io::Result<usize>| matches!(r, Err(e) if e.kind() == io::ErrorKind::WouldBlock);
    if let Some(flags) = PEEK_NOWAIT {
        return would_block(sock.recv_with_flags(&mut byte, flags));
    }
    // Elsewhere: switch to non-blocking for one peek (three system calls).
    if sock.set_nonblocking(true).is_err() {
        return false;
    }
    let quiet = would_block(sock.peek(&mut byte));
    sock.set_nonblocking(false).is_ok() && quiet
}

impl Stream {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Stream::Tcp(_) => "tcp",
            #[cfg(unix)]
            Stream::Unix(_) => "unix",
            #[cfg(feature = "tls")]
            Stream::Tls(_) => "tls",
        }
    }

    pub(crate) fn shutdown(&self) {
        let _ = self.socket().shutdown(std::net::Shutdown::Both);
    }
}

impl Read for Stream {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.read(buf),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.write(buf),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            #[cfg(unix)]
            Stream::Unix(s) => s.flush(),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.flush(),
        }
    }
}
