//! The command encoder: writes into a caller's buffer, allocating nothing per argument.

/// Writes `*<argc>\r\n`, the header of a command of `argc` arguments (the name included).
#[inline]
pub fn write_command_header(out: &mut Vec<u8>, argc: usize) {
    let mut head = [0u8; HEADER];
    let n = header(&mut head, b'*', argc);
    let at = out.len();
    out.extend_from_slice(&head);
    out.truncate(at + n);
}

/// Writes one argument as a bulk string: `$<len>\r\n<bytes>\r\n`.
///
/// ```
/// let mut out = Vec::new();
/// redisync::resp::write_command_header(&mut out, 2);
/// redisync::resp::write_bulk(&mut out, b"GET");
/// redisync::resp::write_bulk(&mut out, b"k");
/// assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
/// ```
#[inline]
pub fn write_bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    write_bulk_with_type(out, b'$', bytes);
}

/// [`write_bulk`] for the hot path (every argument of a typed command): inlined, with the
/// one- and two-digit headers most arguments have written as one small copy.
#[inline(always)]
pub(crate) fn write_bulk_inline(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = bytes.len();
    out.reserve(len + HEADER + 2);
    if len < 10 {
        out.extend_from_slice(&[b'$', b'0' + len as u8, b'\r', b'\n']);
    } else if len < 100 {
        let (tens, ones) = ((len / 10) as u8, (len % 10) as u8);
        out.extend_from_slice(&[b'$', b'0' + tens, b'0' + ones, b'\r', b'\n']);
    } else {
        return write_bulk_with_type(out, b'$', bytes);
    }
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

#[inline]
pub(crate) fn write_bulk_with_type(out: &mut Vec<u8>, ty: u8, bytes: &[u8]) {
    // This runs for every argument of every command, so the header is built on the stack and
    // appended as one fixed-size copy (a few register moves, no memcpy call), then trimmed.
    let mut head = [0u8; HEADER];
    let n = header(&mut head, ty, bytes.len());
    out.reserve(HEADER + bytes.len() + 2);
    let at = out.len();
    out.extend_from_slice(&head);
    out.truncate(at + n);
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

/// Room for a type byte, 20 digits and CRLF, rounded up.
const HEADER: usize = 24;

/// Writes `<ty><len>\r\n` into `head`; returns its length.
#[inline]
fn header(head: &mut [u8; HEADER], ty: u8, len: usize) -> usize {
    // Most headers are one or two digits: no division loop for them.
    if len < 10 {
        head[..4].copy_from_slice(&[ty, b'0' + len as u8, b'\r', b'\n']);
        return 4;
    }
    if len < 100 {
        let (tens, ones) = ((len / 10) as u8, (len % 10) as u8);
        head[..5].copy_from_slice(&[ty, b'0' + tens, b'0' + ones, b'\r', b'\n']);
        return 5;
    }
    let mut digits = [0u8; 20];
    let d = format_decimal(&mut digits, len as u64);
    let n = d.len();
    head[0] = ty;
    head[1..1 + n].copy_from_slice(d);
    head[1 + n] = b'\r';
    head[2 + n] = b'\n';
    n + 3
}

pub(crate) fn write_line(out: &mut Vec<u8>, ty: u8, line: &[u8]) {
    out.push(ty);
    out.extend_from_slice(line);
    out.extend_from_slice(b"\r\n");
}

/// Formats an integer in decimal without allocating.
#[inline]
pub(crate) fn write_decimal(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let digits = format_decimal(&mut buf, n.unsigned_abs());
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(digits);
}

/// Writes the digits of `n` at the end of `buf` and returns them.
#[inline]
pub(crate) fn format_decimal(buf: &mut [u8; 20], mut n: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

/// The arguments of one command as this module encodes it (`*N` then `N` bulk strings), or
/// `None` when the bytes are not exactly that.
pub(crate) fn split_command(encoded: &[u8]) -> Option<Vec<&[u8]>> {
    let (n, mut rest) = header_value(encoded, b'*')?;
    let mut args = Vec::with_capacity(n.min(rest.len() / 4 + 1));
    for _ in 0..n {
        let (len, body) = header_value(rest, b'$')?;
        let end = len.checked_add(2)?;
        let arg = body.get(..len)?;
        if body.get(len..end)? != b"\r\n" {
            return None;
        }
        args.push(arg);
        rest = &body[end..];
    }
    rest.is_empty().then_some(args)
}

/// Parses `<ty><decimal>\r\n` at the start of `buf`: the number and the bytes after it.
fn header_value(buf: &[u8], ty: u8) -> Option<(usize, &[u8])> {
    let rest = buf.strip_prefix(&[ty])?;
    let nl = rest.iter().position(|&b| b == b'\r')?;
    let digits = &rest[..nl];
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse().ok()?;
    let after = rest.get(nl..)?.strip_prefix(b"\r\n")?;
    Some((n, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_cover_the_extremes() {
        for n in [0i64, 1, -1, 9, 10, 12345, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            write_decimal(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
        let mut buf = [0u8; 20];
        assert_eq!(
            format_decimal(&mut buf, u64::MAX),
            u64::MAX.to_string().as_bytes()
        );
    }

    #[test]
    fn split_command_reads_back_what_was_encoded() {
        let mut out = Vec::new();
        write_command_header(&mut out, 3);
        for a in [&b"SET"[..], b"k\r\n", b""] {
            write_bulk(&mut out, a);
        }
        assert_eq!(split_command(&out).unwrap(), [&b"SET"[..], b"k\r\n", b""]);
        assert!(split_command(&out[..out.len() - 1]).is_none());
        assert!(split_command(b"*1\r\n$99999999999999999999\r\n").is_none());
        assert!(split_command(b"garbage").is_none());
    }
}
