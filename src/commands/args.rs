//! Turning Rust values into command arguments, written straight into the connection's buffer
//! through an [`ArgWriter`], which takes whole arguments only and counts them, so the count a
//! command announces can never disagree with what follows it.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::io::Write as _;

use crate::commands::table::CommandSpec;
use crate::error::{Error, Result};
use crate::resp::{format_decimal, write_bulk_inline, write_decimal};

/// Where arguments go: each call writes exactly one whole argument (a RESP bulk string) and
/// counts it.
///
/// Implementations of [`ToArg`] and [`ToArgs`] receive one; there is no way to write raw bytes
/// through it, so no implementation can make a command's header disagree with its body.
///
/// ```
/// use redisync::{ArgWriter, ToArgs};
/// struct Point { x: i64, y: i64 }
/// impl ToArgs for Point {
///     fn write_args(&self, out: &mut ArgWriter<'_>) {
///         out.arg_int(self.x);
///         out.arg_int(self.y);
///     }
/// }
/// assert_eq!(Point { x: 1, y: 2 }.arg_count(), 2);
/// ```
pub struct ArgWriter<'a> {
    /// `None`: only counting.
    out: Option<&'a mut Vec<u8>>,
    count: usize,
    /// A [`ToArg`] that wrote other than one argument: how many it wrote.
    misuse: Option<usize>,
}

impl<'a> ArgWriter<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>) -> ArgWriter<'a> {
        ArgWriter {
            out: Some(out),
            count: 0,
            misuse: None,
        }
    }

    fn counting() -> ArgWriter<'static> {
        ArgWriter {
            out: None,
            count: 0,
            misuse: None,
        }
    }

    /// Writes one argument: any bytes, binary-safe.
    #[inline]
    pub fn arg(&mut self, bytes: &[u8]) {
        self.count += 1;
        if let Some(out) = &mut self.out {
            write_bulk_inline(out, bytes);
        }
    }

    /// Writes one argument: a signed integer in decimal.
    #[inline]
    pub fn arg_int(&mut self, n: i64) {
        self.decimal(n < 0, n.unsigned_abs());
    }

    /// Writes one argument: an unsigned integer in decimal.
    #[inline]
    pub fn arg_uint(&mut self, n: u64) {
        self.decimal(false, n);
    }

    /// Writes one argument formatted by `format_args!`, without allocating for short ones:
    /// `out.arg_fmt(format_args!("{id}:{field}"))`.
    pub fn arg_fmt(&mut self, text: fmt::Arguments<'_>) {
        if self.out.is_none() {
            self.count += 1;
            return;
        }
        let mut buf = [0u8; 64];
        let mut cursor = &mut buf[..];
        if cursor.write_fmt(text).is_ok() {
            let len = 64 - cursor.len();
            self.arg(&buf[..len]);
        } else {
            self.arg(text.to_string().as_bytes());
        }
    }

    /// How many arguments have been written.
    pub fn count(&self) -> usize {
        self.count
    }

    #[inline]
    fn decimal(&mut self, negative: bool, abs: u64) {
        self.count += 1;
        let Some(out) = &mut self.out else {
            return;
        };
        let mut buf = [0u8; 20];
        let digits = format_decimal(&mut buf, abs);
        out.push(b'$');
        write_decimal(out, (digits.len() + usize::from(negative)) as i64);
        out.extend_from_slice(b"\r\n");
        if negative {
            out.push(b'-');
        }
        out.extend_from_slice(digits);
        out.extend_from_slice(b"\r\n");
    }

    /// Arguments encoded earlier by an `ArgWriter` (so `count` is exact), copied in.
    pub(crate) fn encoded(&mut self, bytes: &[u8], count: usize) {
        self.count += count;
        if let Some(out) = &mut self.out {
            out.extend_from_slice(bytes);
        }
    }

    /// Writes `value`, which must be exactly one argument; a [`ToArg`] that writes some other
    /// number is recorded, and the command is refused before anything is sent.
    #[inline]
    pub(crate) fn one<T: ToArg + ?Sized>(&mut self, value: &T) {
        let before = self.count;
        value.write_arg(self);
        let wrote = self.count - before;
        if wrote != 1 && self.misuse.is_none() {
            self.misuse = Some(wrote);
        }
    }
}

impl fmt::Debug for ArgWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArgWriter")
            .field("count", &self.count)
            .finish()
    }
}

/// Arguments long enough to be sent from where they are, instead of copied into the write
/// buffer: where each goes in the encoded frame, and its bytes. Filled only on the write
/// path's usual case (a single ordinary command); see [`ToArg::write_arg_spliced`].
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct Splices<'d> {
    pub(crate) list: Vec<(usize, &'d [u8])>,
}

/// Arguments at least this long are spliced into the write instead of copied.
pub(crate) const SPLICE_MIN: usize = 16 * 1024;

impl<'d> Splices<'d> {
    pub(crate) fn new() -> Splices<'d> {
        Splices { list: Vec::new() }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

impl ArgWriter<'_> {
    /// Writes one argument whose bytes outlive the write: a long one is recorded in `splices`
    /// (its header and CRLF go into the buffer, around where it will be sent from), a short
    /// one copied as [`ArgWriter::arg`] does.
    #[inline(always)]
    pub(crate) fn arg_spliced<'d>(&mut self, bytes: &'d [u8], splices: &mut Splices<'d>) {
        if bytes.len() < SPLICE_MIN {
            return self.arg(bytes);
        }
        self.splice(bytes, splices)
    }

    #[inline(never)]
    fn splice<'d>(&mut self, bytes: &'d [u8], splices: &mut Splices<'d>) {
        let Some(out) = self.out.as_mut() else {
            return self.arg(bytes);
        };
        self.count += 1;
        out.push(b'$');
        write_decimal(out, bytes.len() as i64);
        out.extend_from_slice(b"\r\n");
        splices.list.push((out.len(), bytes));
        out.extend_from_slice(b"\r\n");
    }

    /// [`ArgWriter::one`] for a value whose long bytes may be spliced.
    #[inline(always)]
    pub(crate) fn one_spliced<'d, T: ToArg + ?Sized>(
        &mut self,
        value: &'d T,
        splices: &mut Splices<'d>,
    ) {
        let before = self.count;
        value.write_arg_spliced(self, splices);
        let wrote = self.count - before;
        if wrote != 1 && self.misuse.is_none() {
            self.misuse = Some(wrote);
        }
    }
}

/// [`encode_command`] with long arguments recorded in `splices` instead of copied (their
/// positions account for the header's final length).
#[inline(always)]
pub(crate) fn encode_command_spliced<'d, A: ToArgs + ?Sized>(
    out: &mut Vec<u8>,
    spec: &CommandSpec,
    args: &'d A,
    splices: &mut Splices<'d>,
) -> Result<()> {
    let at = out.len();
    out.extend_from_slice(&spec.wire.bytes);
    out.truncate(at + usize::from(spec.wire.len));
    let first = splices.list.len();
    let mut w = ArgWriter::new(out);
    w.count = usize::from(spec.wire.args);
    args.write_args_spliced(&mut w, splices);
    let (count, misuse) = (w.count, w.misuse);
    let before = out.len();
    let done = finish_header(out, at, count, misuse);
    if done.is_err() {
        splices.list.truncate(first);
    } else if out.len() > before {
        // A header of more than one digit moved the body up.
        let shift = out.len() - before;
        for s in &mut splices.list[first..] {
            s.0 += shift;
        }
    }
    done
}

/// Encodes one whole command: `*N`, the command's name from its table entry (the container
/// first for a subcommand), then `args`. On error nothing is left in `out`.
#[inline(always)]
pub(crate) fn encode_command<A: ToArgs + ?Sized>(
    out: &mut Vec<u8>,
    spec: &CommandSpec,
    args: &A,
) -> Result<()> {
    let at = out.len();
    // The placeholder header and the name in one fixed-size copy, then trimmed.
    out.extend_from_slice(&spec.wire.bytes);
    out.truncate(at + usize::from(spec.wire.len));
    let mut w = ArgWriter::new(out);
    w.count = usize::from(spec.wire.args);
    args.write_args(&mut w);
    let (count, misuse) = (w.count, w.misuse);
    finish_header(out, at, count, misuse)
}

/// Encodes one command whose every argument, its name included, `write` writes.
#[inline]
pub(crate) fn encode_with(out: &mut Vec<u8>, write: impl FnOnce(&mut ArgWriter<'_>)) -> Result<()> {
    let at = out.len();
    // Room for `*N\r\n` with one digit; more digits move the body up once, at the end.
    out.extend_from_slice(b"*0\r\n");
    let mut w = ArgWriter::new(out);
    write(&mut w);
    let (count, misuse) = (w.count, w.misuse);
    finish_header(out, at, count, misuse)
}

/// Writes the real argument count into the `*0\r\n` placeholder at `at` (moving the body up
/// once when it has more than one digit), or takes the command back out on a misuse.
#[inline(always)]
fn finish_header(out: &mut Vec<u8>, at: usize, count: usize, misuse: Option<usize>) -> Result<()> {
    if let Some(n) = misuse {
        out.truncate(at);
        return Err(Error::invalid(
            "argument",
            format!("a ToArg value wrote {n} arguments; it must write exactly one"),
        ));
    }
    if count == 0 {
        out.truncate(at);
        return Err(Error::invalid("command", "no command name"));
    }
    if count < 10 {
        out[at + 1] = b'0' + count as u8;
    } else {
        // The header grows from the `*N\r\n` placeholder: the body moves up in place (no
        // temporary vector), and the header is written in front of it.
        let mut buf = [0u8; 20];
        let digits = format_decimal(&mut buf, count as u64);
        // `*`, the digits, CRLF: at least 5 bytes, as count >= 10.
        let n = digits.len() + 3;
        let end = out.len();
        out.resize(end + n - 4, 0);
        out.copy_within(at + 4..end, at + n);
        out[at] = b'*';
        out[at + 1..at + n - 2].copy_from_slice(digits);
        out[at + n - 2..at + n].copy_from_slice(b"\r\n");
    }
    Ok(())
}

/// A value that is exactly one argument: a key, a field, a value.
///
/// Implemented for strings, byte slices and vectors, integers, floats and `bool` (`1`/`0`).
/// `u8` is deliberately not an argument on its own, so that `Vec<u8>` and `&[u8]` are always
/// one binary-safe argument. An implementation must write exactly one argument: one that
/// writes none or several makes the command fail with
/// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent.
pub trait ToArg {
    /// Writes this value as one argument.
    fn write_arg(&self, out: &mut ArgWriter<'_>);

    /// [`ToArg::write_arg`], where a long value may be sent from where it is instead of
    /// copied; the byte types do. Not for implementing: the default writes a copy.
    #[doc(hidden)]
    #[inline]
    fn write_arg_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, _splices: &mut Splices<'d>) {
        self.write_arg(out)
    }
}

/// Zero or more arguments: any [`ToArg`], and slices, vectors, arrays, sets, maps (key then
/// value), tuples (up to 12) and `Option` of them.
///
/// ```
/// use redisync::ToArgs;
/// assert_eq!(("k", 5).arg_count(), 2);
/// assert_eq!(vec![("a", 1), ("b", 2)].arg_count(), 4);
/// assert_eq!(None::<&str>.arg_count(), 0);
/// ```
pub trait ToArgs {
    /// Writes each argument.
    fn write_args(&self, out: &mut ArgWriter<'_>);

    /// [`ToArgs::write_args`], where long values may be sent from where they are; see
    /// [`ToArg::write_arg_spliced`]. Not for implementing: the default writes copies.
    #[doc(hidden)]
    #[inline]
    fn write_args_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, _splices: &mut Splices<'d>) {
        self.write_args(out)
    }

    /// How many arguments [`ToArgs::write_args`] writes (it is run once, counting only).
    fn arg_count(&self) -> usize {
        let mut w = ArgWriter::counting();
        self.write_args(&mut w);
        w.count
    }
}

/// Presents one [`ToArg`] as [`ToArgs`], checking that it writes exactly one argument.
pub(crate) struct One<T>(pub(crate) T);

impl<T: ToArg> ToArgs for One<T> {
    #[inline]
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.one(&self.0)
    }
    #[inline(always)]
    fn write_args_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, splices: &mut Splices<'d>) {
        out.one_spliced(&self.0, splices)
    }
}

impl<T: ToArg + ?Sized> ToArg for &T {
    #[inline]
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        (**self).write_arg(out)
    }
    #[inline(always)]
    fn write_arg_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, splices: &mut Splices<'d>) {
        (**self).write_arg_spliced(out, splices)
    }
}

impl<T: ToArgs + ?Sized> ToArgs for &T {
    #[inline]
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        (**self).write_args(out)
    }
    #[inline(always)]
    fn write_args_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, splices: &mut Splices<'d>) {
        (**self).write_args_spliced(out, splices)
    }
}

/// Implements `ToArgs` as "one argument" for types that are a single `ToArg`.
macro_rules! one_arg {
    ($($t:ty),* $(,)?) => {$(
        impl ToArgs for $t {
            #[inline]
            fn write_args(&self, out: &mut ArgWriter<'_>) { out.one(self) }
            #[inline]
            fn write_args_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, splices: &mut Splices<'d>) {
                out.one_spliced(self, splices)
            }
        }
    )*};
}

impl ToArg for str {
    #[inline]
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg(self.as_bytes())
    }
    #[inline(always)]
    fn write_arg_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, splices: &mut Splices<'d>) {
        out.arg_spliced(self.as_bytes(), splices)
    }
}
impl ToArg for String {
    #[inline]
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg(self.as_bytes())
    }
    #[inline(always)]
    fn write_arg_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, splices: &mut Splices<'d>) {
        out.arg_spliced(self.as_bytes(), splices)
    }
}
impl ToArg for [u8] {
    #[inline]
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg(self)
    }
    #[inline(always)]
    fn write_arg_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, splices: &mut Splices<'d>) {
        out.arg_spliced(self, splices)
    }
}
impl ToArg for Vec<u8> {
    #[inline]
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg(self)
    }
    #[inline(always)]
    fn write_arg_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, splices: &mut Splices<'d>) {
        out.arg_spliced(self, splices)
    }
}
impl<const N: usize> ToArg for [u8; N] {
    #[inline]
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg(self)
    }
}
impl ToArg for Cow<'_, str> {
    #[inline]
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg(self.as_bytes())
    }
}
impl ToArg for Cow<'_, [u8]> {
    #[inline]
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg(self)
    }
}
impl ToArg for bool {
    #[inline]
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg(if *self { b"1" } else { b"0" })
    }
}
impl ToArg for char {
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        let mut buf = [0u8; 4];
        out.arg(self.encode_utf8(&mut buf).as_bytes())
    }
}

one_arg!(
    str,
    String,
    [u8],
    Vec<u8>,
    Cow<'_, str>,
    Cow<'_, [u8]>,
    bool,
    char
);

impl<const N: usize> ToArgs for [u8; N] {
    #[inline]
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.one(self)
    }
}

macro_rules! signed_arg {
    ($($t:ty),* $(,)?) => {$(
        impl ToArg for $t {
            #[inline]
            fn write_arg(&self, out: &mut ArgWriter<'_>) {
                out.arg_int(i64::from(*self))
            }
        }
        one_arg!($t);
    )*};
}
signed_arg!(i8, i16, i32, i64);

macro_rules! unsigned_arg {
    ($($t:ty),* $(,)?) => {$(
        impl ToArg for $t {
            #[inline]
            fn write_arg(&self, out: &mut ArgWriter<'_>) {
                out.arg_uint(u64::from(*self))
            }
        }
        one_arg!($t);
    )*};
}
unsigned_arg!(u16, u32, u64);

impl ToArg for isize {
    #[inline]
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg_int(*self as i64)
    }
}
impl ToArg for usize {
    #[inline]
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg_uint(*self as u64)
    }
}
impl ToArg for i128 {
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg_fmt(format_args!("{self}"))
    }
}
impl ToArg for u128 {
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        out.arg_fmt(format_args!("{self}"))
    }
}
one_arg!(isize, usize, i128, u128);

macro_rules! float_arg {
    ($($t:ty),* $(,)?) => {$(
        impl ToArg for $t {
            /// Shortest text that reads back as the same number; infinities as `inf`/`-inf`,
            /// which Redis accepts for scores and increments.
            fn write_arg(&self, out: &mut ArgWriter<'_>) {
                if self.is_infinite() {
                    out.arg(if *self > 0.0 { b"inf" } else { b"-inf" })
                } else {
                    out.arg_fmt(format_args!("{self}"))
                }
            }
        }
        one_arg!($t);
    )*};
}
float_arg!(f32, f64);

impl<T: ToArgs> ToArgs for Option<T> {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if let Some(v) = self {
            v.write_args(out)
        }
    }
    fn write_args_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, splices: &mut Splices<'d>) {
        if let Some(v) = self {
            v.write_args_spliced(out, splices)
        }
    }
}

/// Slices, vectors, arrays, sets and maps write their elements in iteration order (a map: each
/// key, then its value).
macro_rules! iter_args {
    ($(impl[$($g:tt)*] $ty:ty $(, $spliced:tt)?;)*) => {$(
        impl<$($g)*> ToArgs for $ty {
            fn write_args(&self, out: &mut ArgWriter<'_>) {
                for item in self.iter() {
                    item.write_args(out)
                }
            }
            $(
            fn write_args_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, splices: &mut Splices<'d>) {
                $spliced
                for item in self.iter() {
                    item.write_args_spliced(out, splices)
                }
            }
            )?
        }
    )*};
}

iter_args! {
    impl[T: ToArgs] [T], {};
    impl[T: ToArgs] Vec<T>, {};
    impl[T: ToArgs, const N: usize] [T; N], {};
    impl[T: ToArgs, S] HashSet<T, S>;
    impl[T: ToArgs] BTreeSet<T>;
    impl[K: ToArgs, V: ToArgs, S] HashMap<K, V, S>;
    impl[K: ToArgs, V: ToArgs] BTreeMap<K, V>;
}

/// No arguments at all: `script.invoke(con, (), ())` for a script without keys or arguments.
impl ToArgs for () {
    #[inline]
    fn write_args(&self, _out: &mut ArgWriter<'_>) {}
}

macro_rules! tuple_args {
    ($($name:ident)+) => {
        impl<$($name: ToArgs),+> ToArgs for ($($name,)+) {
            #[allow(non_snake_case)]
            #[inline]
            fn write_args(&self, out: &mut ArgWriter<'_>) {
                let ($($name,)+) = self;
                $($name.write_args(out);)+
            }
            #[allow(non_snake_case)]
            #[inline(always)]
            fn write_args_spliced<'d>(&'d self, out: &mut ArgWriter<'_>, splices: &mut Splices<'d>) {
                let ($($name,)+) = self;
                $($name.write_args_spliced(out, splices);)+
            }
        }
    };
}
tuple_args!(A);
tuple_args!(A B);
tuple_args!(A B C);
tuple_args!(A B C D);
tuple_args!(A B C D E);
tuple_args!(A B C D E F);
tuple_args!(A B C D E F G);
tuple_args!(A B C D E F G H);
tuple_args!(A B C D E F G H I);
tuple_args!(A B C D E F G H I J);
tuple_args!(A B C D E F G H I J K);
tuple_args!(A B C D E F G H I J K L);

/// Takes a buffer back to the length it had when this was made, unless [`Rollback::keep`] is
/// called: an error, or a panic in a caller's `ToArg`/`ToArgs` impl half-way through, must not
/// leave part of an argument (or of a command) in a buffer that is sent later, where the header
/// would no longer count what follows it.
pub(crate) struct Rollback<'a> {
    buf: &'a mut Vec<u8>,
    at: usize,
    keep: bool,
}

impl<'a> Rollback<'a> {
    pub(crate) fn new(buf: &'a mut Vec<u8>) -> Rollback<'a> {
        let at = buf.len();
        Rollback {
            buf,
            at,
            keep: false,
        }
    }

    pub(crate) fn buf(&mut self) -> &mut Vec<u8> {
        self.buf
    }

    /// What was written stays.
    pub(crate) fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Rollback<'_> {
    fn drop(&mut self) {
        if !self.keep {
            self.buf.truncate(self.at);
        }
    }
}

/// Arguments already written as RESP bulk strings, and exactly how many.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Encoded {
    bytes: Vec<u8>,
    count: usize,
}

impl Encoded {
    /// Appends `args`.
    pub(crate) fn push(&mut self, args: &dyn ToArgs) -> Result<()> {
        let mut guard = Rollback::new(&mut self.bytes);
        let mut w = ArgWriter::new(guard.buf());
        args.write_args(&mut w);
        let (count, misuse) = (w.count, w.misuse);
        if let Some(n) = misuse {
            return Err(Error::invalid(
                "argument",
                format!("a ToArg value wrote {n} arguments; it must write exactly one"),
            ));
        }
        guard.keep();
        self.count += count;
        Ok(())
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub(crate) fn count(&self) -> usize {
        self.count
    }
}

impl ToArgs for Encoded {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.encoded(&self.bytes, self.count)
    }
    fn arg_count(&self) -> usize {
        self.count
    }
}

impl fmt::Debug for Encoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: arguments can be secrets.
        f.debug_struct("Encoded")
            .field("args", &self.count)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(a: &dyn ToArgs) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = ArgWriter::new(&mut out);
        a.write_args(&mut w);
        assert_eq!(w.count(), a.arg_count());
        out
    }

    #[test]
    fn each_type_writes_its_arguments() {
        assert_eq!(encode(&"ab"), b"$2\r\nab\r\n");
        assert_eq!(encode(&b"\x00\xff".to_vec()), b"$2\r\n\x00\xff\r\n");
        assert_eq!(encode(&-42i64), b"$3\r\n-42\r\n");
        assert_eq!(encode(&0u64), b"$1\r\n0\r\n");
        assert_eq!(encode(&u64::MAX), b"$20\r\n18446744073709551615\r\n");
        assert_eq!(encode(&i64::MIN), b"$20\r\n-9223372036854775808\r\n");
        assert_eq!(
            encode(&u128::MAX),
            format!("$39\r\n{}\r\n", u128::MAX).as_bytes()
        );
        assert_eq!(encode(&1.5f64), b"$3\r\n1.5\r\n");
        assert_eq!(encode(&1e300f64).len(), 301 + 8);
        assert_eq!(encode(&f64::NEG_INFINITY), b"$4\r\n-inf\r\n");
        assert_eq!(encode(&true), b"$1\r\n1\r\n");
        assert_eq!(encode(&Some("x")), b"$1\r\nx\r\n");
        assert_eq!(encode(&None::<i32>), b"");
        assert_eq!(encode(&[("a", 1)]), b"$1\r\na\r\n$1\r\n1\r\n");
        let m: BTreeMap<&str, &str> = [("k", "v")].into();
        assert_eq!(encode(&m), b"$1\r\nk\r\n$1\r\nv\r\n".to_vec());
        assert_eq!(b"raw".arg_count(), 1);
        let twelve = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, "twelve");
        assert_eq!(twelve.arg_count(), 12);
    }

    #[test]
    fn the_header_counts_what_was_written() {
        let mut out = Vec::new();
        encode_with(&mut out, |w| {
            for i in 0..12 {
                w.arg_int(i);
            }
        })
        .unwrap();
        assert!(out.starts_with(b"*12\r\n$1\r\n0\r\n"), "{out:?}");
        assert_eq!(crate::resp::split_command(&out).unwrap().len(), 12);
        out.clear();
        encode_with(&mut out, |w| w.arg(b"PING")).unwrap();
        assert_eq!(out, b"*1\r\n$4\r\nPING\r\n");
        // Headers of 2 to 5 digits grow in place after what the buffer already held.
        for n in [10usize, 99, 100, 1000, 12345] {
            let mut out = b"before".to_vec();
            encode_with(&mut out, |w| {
                for i in 0..n {
                    w.arg_uint(i as u64);
                }
            })
            .unwrap();
            let head = format!("before*{n}\r\n$1\r\n0\r\n$1\r\n1\r\n");
            assert!(out.starts_with(head.as_bytes()), "{n}");
            let args = crate::resp::split_command(&out[6..]).unwrap();
            assert_eq!(args.len(), n);
            assert_eq!(args[n - 1], (n - 1).to_string().as_bytes());
        }
    }

    #[test]
    fn a_to_arg_that_writes_two_arguments_is_refused_and_leaves_nothing() {
        struct Two;
        impl ToArg for Two {
            fn write_arg(&self, out: &mut ArgWriter<'_>) {
                out.arg(b"a");
                out.arg(b"b");
            }
        }
        let mut out = b"earlier".to_vec();
        let e = encode_with(&mut out, |w| {
            w.arg(b"GET");
            One(&Two).write_args(w);
        })
        .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        assert_eq!(out, b"earlier");
    }
}
