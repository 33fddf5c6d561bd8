//! The byte stream under a connection: TCP, Unix socket or TLS, every read and write of it
//! bounded by a deadline.
//!
//! The bound lives in [`Timed`], the layer right above the OS socket, so it holds for every
//! system call whoever makes it: the connection's own reads, and the reads and writes TLS makes
//! for one record (a peer that trickles one byte per read cannot stretch a TLS read past its
//! deadline, because the time left is set on the socket before each of them).

use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::TcpStream;
#[cfg(unix)]
use std::os::fd::AsFd;
use std::time::Duration;

use socket2::SockRef;

use crate::deadline::Span;

/// One transport.
pub(crate) enum Stream {
    Tcp(Timed<TcpStream>),
    #[cfg(unix)]
    Unix(Timed<std::os::unix::net::UnixStream>),
    #[cfg(feature = "tls")]
    Tls(Box<native_tls::TlsStream<Timed<TcpStream>>>),
}

/// The bound on one direction of a socket: the span of the current step, whether its first
/// system call is still to come (that one takes the span's first timeout, worked out without
/// reading the clock), and the timeout the socket has now (so it is set only when it changes).
#[derive(Debug)]
struct Bound {
    span: Span,
    first: bool,
    /// The socket's timeout now, in nanoseconds ([`NO_LIMIT`]: blocking without limit; [`UNSET`]: not set yet).
    set: u64,
    /// The socket is in non-blocking mode for a moment ([`Stream::read_available`]): a
    /// `WouldBlock` then means "nothing more yet", not a socket timeout to wait out.
    nonblocking: bool,
}

impl Bound {
    fn new() -> Bound {
        Bound {
            span: Span::unlimited(std::time::Instant::now()),
            first: false,
            set: UNSET,
            nonblocking: false,
        }
    }

    /// The timeout for the next system call, or `Err` when the deadline has passed.
    #[inline]
    fn next(&mut self) -> io::Result<Option<Duration>> {
        let left = if std::mem::take(&mut self.first) {
            self.span.first()
        } else {
            self.span.deadline().remaining()
        };
        match left {
            // A socket timeout under a microsecond would round to "no timeout".
            Some(t) if t < Duration::from_micros(1) => {
                Err(io::Error::from(io::ErrorKind::TimedOut))
            }
            other => Ok(other),
        }
    }
}

/// A socket whose every read and write is bounded by the deadline armed before it.
pub(crate) struct Timed<S> {
    io: S,
    read: Bound,
    write: Bound,
}

#[cfg(unix)]
fn sock<S: AsFd>(s: &S) -> SockRef<'_> {
    SockRef::from(s)
}

#[cfg(not(unix))]
fn sock(s: &TcpStream) -> SockRef<'_> {
    SockRef::from(s)
}

impl<S> Timed<S> {
    pub(crate) fn new(io: S) -> Timed<S> {
        Timed {
            io,
            read: Bound::new(),
            write: Bound::new(),
        }
    }

    /// Bounds reads and writes by `span` (the TLS handshake, before there is a `Stream`).
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) fn arm(&mut self, span: Span) {
        self.read.span = span;
        self.read.first = true;
        self.write.span = span;
        self.write.first = true;
    }
}

#[cfg(unix)]
impl<S: Read + AsFd> Read for Timed<S> {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        timed_read(&mut self.io, &mut self.read, buf)
    }
}

#[cfg(unix)]
impl<S: Write + AsFd> Write for Timed<S> {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        timed_write(&mut self.io, &mut self.write, buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.io.flush()
    }
}

#[cfg(not(unix))]
impl Read for Timed<TcpStream> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        timed_read(&mut self.io, &mut self.read, buf)
    }
}

#[cfg(not(unix))]
impl Write for Timed<TcpStream> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        timed_write(&mut self.io, &mut self.write, buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.io.flush()
    }
}

/// Setting a socket's timeouts, for the transports [`Timed`] wraps.
trait TimedSock {
    fn set_read(&self, t: Option<Duration>) -> io::Result<()>;
    fn set_write(&self, t: Option<Duration>) -> io::Result<()>;
}

#[cfg(unix)]
impl<S: AsFd> TimedSock for S {
    fn set_read(&self, t: Option<Duration>) -> io::Result<()> {
        sock(self).set_read_timeout(t)
    }
    fn set_write(&self, t: Option<Duration>) -> io::Result<()> {
        sock(self).set_write_timeout(t)
    }
}

#[cfg(not(unix))]
impl TimedSock for TcpStream {
    fn set_read(&self, t: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(t)
    }
    fn set_write(&self, t: Option<Duration>) -> io::Result<()> {
        self.set_write_timeout(t)
    }
}

/// One read or write under `bound`: the time left is set on the socket first (when it
/// changed), and a socket timeout that fires before the deadline (after an earlier, shorter
/// one) only makes it wait for the rest.
#[inline]
fn timed<S: TimedSock, T>(
    io: &mut S,
    bound: &mut Bound,
    set: fn(&S, Option<Duration>) -> io::Result<()>,
    mut op: impl FnMut(&mut S) -> io::Result<T>,
) -> io::Result<T> {
    loop {
        let t = bound.next()?;
        let ns = nanos(t);
        if !keeps(bound.set, ns) {
            set(io, t)?;
            bound.set = ns;
        }
        match op(io) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && bound.nonblocking => {
                return Err(e);
            }
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

#[inline]
fn timed_read<S: Read + TimedSock>(io: &mut S, b: &mut Bound, buf: &mut [u8]) -> io::Result<usize> {
    timed(io, b, S::set_read, |io| io.read(buf))
}

#[inline]
fn timed_write<S: Write + TimedSock>(io: &mut S, b: &mut Bound, buf: &[u8]) -> io::Result<usize> {
    timed(io, b, S::set_write, |io| io.write(buf))
}

/// One read or write bounded by `span` for a socket whose bound is not armed: the span is
/// passed along instead of copied in (`set`: the socket's timeout now, as in [`Bound::set`]).
#[inline(always)]
fn within<S, T>(
    io: &mut S,
    set: &mut u64,
    span: &Span,
    mut first: bool,
    set_timeout: fn(&S, Option<Duration>) -> io::Result<()>,
    mut op: impl FnMut(&mut S) -> io::Result<T>,
) -> io::Result<T> {
    loop {
        let t = if std::mem::take(&mut first) {
            span.first()
        } else {
            span.deadline().remaining()
        };
        if matches!(t, Some(t) if t < Duration::from_micros(1)) {
            return Err(io::Error::from(io::ErrorKind::TimedOut));
        }
        let ns = nanos(t);
        if !keeps(*set, ns) {
            set_timeout(io, t)?;
            *set = ns;
        }
        match op(io) {
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// Whether the socket's timeout now (`set`) can serve a system call that must end within
/// `want`: it is no longer, and short of it by less than an eighth. Later calls of one step
/// each have a little less time left than the one before; setting the socket's timeout for
/// every one of them (a system call each) would double the calls of a reply that arrives in
/// many reads. A timeout kept a little short can only fire early, and then the loop waits out
/// the rest: the bound itself never stretches.
#[inline(always)]
fn keeps(set: u64, want: u64) -> bool {
    set == want || (set <= want && want != NO_LIMIT && want - set < want >> 3)
}

/// [`Bound::set`] before any timeout was set on the socket.
const UNSET: u64 = u64::MAX;
/// [`Bound::set`] for a socket blocking without limit.
const NO_LIMIT: u64 = u64::MAX - 1;

/// A socket timeout as nanoseconds, for comparing (saturating far below [`NO_LIMIT`]: a
/// timeout of centuries compares as "the longest").
#[inline(always)]
fn nanos(t: Option<Duration>) -> u64 {
    match t {
        None => NO_LIMIT,
        Some(t) => t
            .as_secs()
            .checked_mul(1_000_000_000)
            .and_then(|n| n.checked_add(u64::from(t.subsec_nanos())))
            .map_or(NO_LIMIT - 1, |n| n.min(NO_LIMIT - 1)),
    }
}

pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

impl Stream {
    /// One read bounded by `span`; `first`: it is the span's first system call (it takes the
    /// span's first timeout, with no clock read).
    #[inline(always)]
    pub(crate) fn read_within(
        &mut self,
        buf: &mut [u8],
        span: &Span,
        first: bool,
    ) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => within(
                &mut s.io,
                &mut s.read.set,
                span,
                first,
                TimedSock::set_read,
                |io| io.read(buf),
            ),
            #[cfg(unix)]
            Stream::Unix(s) => within(
                &mut s.io,
                &mut s.read.set,
                span,
                first,
                TimedSock::set_read,
                |io| io.read(buf),
            ),
            // TLS reads and writes the socket itself, through its `Timed` layer: arm it.
            #[cfg(feature = "tls")]
            Stream::Tls(s) => {
                let r = &mut s.get_mut().read;
                r.span = *span;
                r.first = first;
                s.read(buf)
            }
        }
    }

    /// One write bounded by `span`; `first`: it is the span's first system call.
    #[inline(always)]
    pub(crate) fn write_within(
        &mut self,
        buf: &[u8],
        span: &Span,
        first: bool,
    ) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => within(
                &mut s.io,
                &mut s.write.set,
                span,
                first,
                TimedSock::set_write,
                |io| io.write(buf),
            ),
            #[cfg(unix)]
            Stream::Unix(s) => within(
                &mut s.io,
                &mut s.write.set,
                span,
                first,
                TimedSock::set_write,
                |io| io.write(buf),
            ),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => {
                let t = s.get_mut();
                t.write.span = *span;
                t.write.first = first;
                // Only TLS reads while it writes (a renegotiation, a key update).
                t.read.span = *span;
                t.read.first = false;
                s.write(buf)
            }
        }
    }

    /// One vectored write bounded by `span`; `first`: it is the span's first system call.
    pub(crate) fn write_vectored_within(
        &mut self,
        bufs: &[io::IoSlice<'_>],
        span: &Span,
        first: bool,
    ) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => within(
                &mut s.io,
                &mut s.write.set,
                span,
                first,
                TimedSock::set_write,
                |io| io.write_vectored(bufs),
            ),
            #[cfg(unix)]
            Stream::Unix(s) => within(
                &mut s.io,
                &mut s.write.set,
                span,
                first,
                TimedSock::set_write,
                |io| io.write_vectored(bufs),
            ),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => {
                let t = s.get_mut();
                t.write.span = *span;
                t.write.first = first;
                t.read.span = *span;
                t.read.first = false;
                s.write_vectored(bufs)
            }
        }
    }

    /// The OS socket underneath (for TLS, the TCP socket it runs over).
    fn socket(&self) -> SockRef<'_> {
        match self {
            Stream::Tcp(s) => SockRef::from(&s.io),
            #[cfg(unix)]
            Stream::Unix(s) => SockRef::from(&s.io),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => SockRef::from(&s.get_ref().io),
        }
    }

    /// The peer's IP address (none for a Unix socket).
    pub(crate) fn peer_ip(&self) -> Option<std::net::IpAddr> {
        self.socket()
            .peer_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .map(|a| a.ip())
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

    /// Reads whatever is already there without waiting: `Ok(0)` when nothing is (the socket
    /// is left blocking again either way). End of stream is an error.
    pub(crate) fn read_available(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(feature = "tls")]
        if let Stream::Tls(s) = self {
            if s.buffered_read_size().unwrap_or(0) == 0 && peek_would_block(&self.socket()) {
                return Ok(0);
            }
        }
        self.socket().set_nonblocking(true)?;
        let r = match self {
            Stream::Tcp(s) => s.io.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.io.read(buf),
            // TLS reads the socket through `Timed`, which must hand a `WouldBlock` back at once
            // (OpenSSL keeps a record that arrived in part for the next read) instead of
            // waiting it out as a timeout: that would spin until the last reply's deadline.
            #[cfg(feature = "tls")]
            Stream::Tls(s) => {
                let t = s.get_mut();
                t.read.nonblocking = true;
                t.write.nonblocking = true;
                let r = s.read(buf);
                let t = s.get_mut();
                t.read.nonblocking = false;
                t.write.nonblocking = false;
                r
            }
        };
        self.socket().set_nonblocking(false)?;
        match r {
            Ok(0) => Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
            Err(e) => Err(e),
        }
    }

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
