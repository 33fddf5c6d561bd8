//! Just enough RESP for the fixtures, independent of the crate under test.
//!
//! The fixtures must not trust the client's own encoder and decoder (that is
//! what the tests check), so they carry this small, separate one: encode a
//! command, split a command array off a request buffer, and find where one
//! reply ends. Replies are handed to tests as raw text, not decoded.

use std::io::{self, ErrorKind, Read, Write};

/// Encodes `args` as a RESP array of bulk strings: a command as clients send it.
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Outcome of looking at the start of a buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Parse<T> {
    /// A complete item, and how many bytes it took.
    Done(T, usize),
    /// The buffer holds the start of an item; read more.
    Incomplete,
    /// The buffer does not start with what was expected.
    Invalid(String),
}

/// Splits one command (an array of bulk strings) off the front of `buf`.
pub fn parse_command(buf: &[u8]) -> Parse<Vec<Vec<u8>>> {
    let Some((header, mut pos)) = line(buf, 0) else {
        return Parse::Incomplete;
    };
    let Some(count) = header.strip_prefix(b"*").and_then(parse_int) else {
        return Parse::Invalid(format!(
            "expected a command array ('*<n>'), got line {:?}",
            String::from_utf8_lossy(header)
        ));
    };
    let Ok(count) = usize::try_from(count) else {
        return Parse::Invalid(format!("negative command array length {count}"));
    };
    let mut args = Vec::with_capacity(count);
    for _ in 0..count {
        let Some((header, body_start)) = line(buf, pos) else {
            return Parse::Incomplete;
        };
        let Some(len) = header
            .strip_prefix(b"$")
            .and_then(parse_int)
            .and_then(|n| usize::try_from(n).ok())
        else {
            return Parse::Invalid(format!(
                "expected a bulk string argument ('$<len>'), got line {:?}",
                String::from_utf8_lossy(header)
            ));
        };
        let end = body_start + len;
        if buf.len() < end + 2 {
            return Parse::Incomplete;
        }
        if &buf[end..end + 2] != b"\r\n" {
            return Parse::Invalid(format!("bulk string of length {len} not followed by CRLF"));
        }
        args.push(buf[body_start..end].to_vec());
        pos = end + 2;
    }
    Parse::Done(args, pos)
}

/// Length of the first complete RESP2 or RESP3 value in `buf`.
pub fn value_len(buf: &[u8]) -> Parse<()> {
    match value_end(buf, 0) {
        Ok(Some(end)) => Parse::Done((), end),
        Ok(None) => Parse::Incomplete,
        Err(e) => Parse::Invalid(e),
    }
}

/// Where the value starting at `pos` ends; `None` when more bytes are needed.
fn value_end(buf: &[u8], pos: usize) -> Result<Option<usize>, String> {
    let Some((header, after)) = line(buf, pos) else {
        return Ok(None);
    };
    let Some((&kind, rest)) = header.split_first() else {
        return Err("empty line where a RESP value was expected".to_owned());
    };
    let length = || {
        parse_int(rest)
            .ok_or_else(|| format!("bad length in line {:?}", String::from_utf8_lossy(header)))
    };
    match kind {
        // Simple string, error, integer, null, double, boolean, big number.
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Ok(Some(after)),
        // Bulk string, blob error, verbatim string; -1 is the RESP2 null.
        b'$' | b'!' | b'=' => {
            let Ok(len) = usize::try_from(length()?) else {
                return Ok(Some(after));
            };
            let end = after + len + 2;
            Ok((buf.len() >= end).then_some(end))
        }
        // Array, set, push (n values) and map, attribute (2n values).
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let Ok(count) = usize::try_from(length()?) else {
                return Ok(Some(after));
            };
            let values = if matches!(kind, b'%' | b'|') {
                count * 2
            } else {
                count
            };
            let mut end = after;
            for _ in 0..values {
                match value_end(buf, end)? {
                    Some(next) => end = next,
                    None => return Ok(None),
                }
            }
            // An attribute decorates the value that follows it.
            if kind == b'|' {
                return value_end(buf, end);
            }
            Ok(Some(end))
        }
        other => Err(format!(
            "unknown RESP type byte {:?} in line {:?}",
            other as char,
            String::from_utf8_lossy(header)
        )),
    }
}

/// The line starting at `pos` (without CRLF) and the index just past its CRLF.
fn line(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(pos..)?;
    let at = rest.windows(2).position(|w| w == b"\r\n")?;
    Some((&rest[..at], pos + at + 2))
}

fn parse_int(digits: &[u8]) -> Option<i64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Sends `args` as one command on `stream` and reads one reply, returned
/// as raw RESP text (e.g. `"+PONG\r\n"`, `"$3\r\nbar\r\n"`).
///
/// For one command per stream: bytes that arrive after the reply are
/// dropped. Use [`RawConnection`] to pipeline. The stream's own timeouts
/// bound the wait.
pub fn round_trip<S: Read + Write, A: AsRef<[u8]>>(
    stream: &mut S,
    args: &[A],
) -> io::Result<String> {
    RawConnection::new(stream).round_trip(args)
}

/// A stream plus the reply bytes read from it but not yet returned, so
/// replies to pipelined commands are split correctly.
#[derive(Debug)]
pub struct RawConnection<S> {
    stream: S,
    buf: Vec<u8>,
}

impl<S: Read + Write> RawConnection<S> {
    /// Wraps a connected stream (`TcpStream`, `UnixStream`, `&mut` either).
    pub fn new(stream: S) -> Self {
        RawConnection {
            stream,
            buf: Vec::new(),
        }
    }

    /// The stream, e.g. to change its timeouts.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Sends one command without waiting for its reply.
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<()> {
        self.stream.write_all(&encode_command(args))?;
        self.stream.flush()
    }

    /// Sends one command and reads its reply.
    pub fn round_trip<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<String> {
        self.send(args)?;
        self.read_reply()
    }

    /// Reads exactly one reply, returned as raw RESP text.
    pub fn read_reply(&mut self) -> io::Result<String> {
        let mut chunk = [0u8; 4096];
        loop {
            match value_len(&self.buf) {
                Parse::Done((), len) => {
                    let reply: Vec<u8> = self.buf.drain(..len).collect();
                    return Ok(String::from_utf8_lossy(&reply).into_owned());
                }
                Parse::Invalid(e) => return Err(io::Error::new(ErrorKind::InvalidData, e)),
                Parse::Incomplete => {}
            }
            let n = match self.stream.read(&mut chunk) {
                Ok(n) => n,
                // A socket read with a timeout is not restarted after a
                // stop/continue of the process (signal(7)): read again.
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                return Err(io::Error::new(
                    ErrorKind::UnexpectedEof,
                    format!(
                        "connection closed after {} bytes of a reply: {:?}",
                        self.buf.len(),
                        String::from_utf8_lossy(&self.buf)
                    ),
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}
