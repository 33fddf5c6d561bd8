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
    pub(crate) fn set_read_timeout(&self, t: Duration) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(Some(t)),
            #[cfg(unix)]
            Stream::Unix(s) => s.set_read_timeout(Some(t)),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.get_ref().set_read_timeout(Some(t)),
        }
    }

    pub(crate) fn set_write_timeout(&self, t: Duration) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_write_timeout(Some(t)),
            #[cfg(unix)]
            Stream::Unix(s) => s.set_write_timeout(Some(t)),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.get_ref().set_write_timeout(Some(t)),
        }
    }

    /// True when nothing is waiting to be read: no decrypted bytes inside TLS, and a
    /// non-blocking peek at the socket finds no data and no end of stream. A closed or reset
    /// socket, or any error, is not quiet.
    pub(crate) fn is_quiet(&self) -> bool {
        let sock = match self {
            Stream::Tcp(s) => SockRef::from(s),
            #[cfg(unix)]
            Stream::Unix(s) => SockRef::from(s),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => {
                if s.buffered_read_size().unwrap_or(1) > 0 {
                    return false;
                }
                SockRef::from(s.get_ref())
            }
        };
        peek_would_block(&sock)
    }
}

/// `recv(MSG_PEEK | MSG_DONTWAIT)`: one system call that neither blocks nor consumes. The flag
/// values are the platforms' own (no constant for them is exported by socket2).
#[cfg(any(target_os = "linux", target_os = "android"))]
const PEEK_NOWAIT: i32 = 0x02 | 0x40;
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
))]
const PEEK_NOWAIT: i32 = 0x02 | 0x80;

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
))]
fn peek_would_block(sock: &SockRef<'_>) -> bool {
    let mut byte = [MaybeUninit::<u8>::uninit(); 1];
    matches!(sock.recv_with_flags(&mut byte, PEEK_NOWAIT), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

/// Elsewhere: switch to non-blocking for one peek (three system calls).
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
fn peek_would_block(sock: &SockRef<'_>) -> bool {
    if sock.set_nonblocking(true).is_err() {
        return false;
    }
    let mut byte = [MaybeUninit::<u8>::uninit(); 1];
    let quiet = matches!(sock.peek(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
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
        let _ = match self {
            Stream::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            #[cfg(unix)]
            Stream::Unix(s) => s.shutdown(std::net::Shutdown::Both),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.get_ref().shutdown(std::net::Shutdown::Both),
        };
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
