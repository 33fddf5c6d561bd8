//! Turning Rust values into command arguments, written straight into the connection's buffer.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::resp::write_bulk;
use crate::resp::{format_decimal, write_decimal};

/// A value that is exactly one argument: a key, a field, a value.
///
/// Implemented for strings, byte slices and vectors, integers, floats and `bool` (`1`/`0`).
/// `u8` is deliberately not an argument on its own, so that `Vec<u8>` and `&[u8]` are always
/// one binary-safe argument.
pub trait ToArg {
    /// Writes this argument as one RESP bulk string (use [`write_bulk`]).
    fn write_arg(&self, out: &mut Vec<u8>);
}

/// Zero or more arguments: any [`ToArg`], and slices, vectors, arrays, sets, maps (key then
/// value), tuples and `Option` of them.
///
/// ```
/// use redisync::ToArgs;
/// assert_eq!(("k", 5).arg_count(), 2);
/// assert_eq!(vec![("a", 1), ("b", 2)].arg_count(), 4);
/// assert_eq!(None::<&str>.arg_count(), 0);
/// ```
pub trait ToArgs {
    /// How many arguments [`ToArgs::write_args`] writes.
    fn arg_count(&self) -> usize;
    /// Writes each argument as a RESP bulk string.
    fn write_args(&self, out: &mut Vec<u8>);
}

/// Presents one [`ToArg`] as [`ToArgs`], for building requests from typed parameters.
pub(crate) struct One<T>(pub(crate) T);

impl<T: ToArg> ToArgs for One<T> {
    #[inline]
    fn arg_count(&self) -> usize {
        1
    }
    #[inline]
    fn write_args(&self, out: &mut Vec<u8>) {
        self.0.write_arg(out)
    }
}

/// A command name encoded as a bulk string at compile time (`const { Name::new("GET") }`), so
/// typed commands spend nothing on formatting their own name.
pub(crate) struct Name {
    bulk: [u8; 32],
    len: usize,
}

impl Name {
    /// Encodes `name`; names longer than 16 bytes do not fit (none of Redis's do).
    pub(crate) const fn new(name: &str) -> Name {
        let bytes = name.as_bytes();
        assert!(
            !bytes.is_empty() && bytes.len() <= 16,
            "command name length"
        );
        let mut bulk = [0u8; 32];
        bulk[0] = b'$';
        let mut i = 1;
        if bytes.len() >= 10 {
            bulk[i] = b'0' + (bytes.len() / 10) as u8;
            i += 1;
        }
        bulk[i] = b'0' + (bytes.len() % 10) as u8;
        bulk[i + 1] = b'\r';
        bulk[i + 2] = b'\n';
        i += 3;
        let mut j = 0;
        while j < bytes.len() {
            bulk[i + j] = bytes[j];
            j += 1;
        }
        bulk[i + j] = b'\r';
        bulk[i + j + 1] = b'\n';
        Name {
            bulk,
            len: i + j + 2,
        }
    }
}

impl ToArgs for Name {
    #[inline]
    fn arg_count(&self) -> usize {
        1
    }
    #[inline]
    fn write_args(&self, out: &mut Vec<u8>) {
        // A fixed-size copy, then trimmed: cheaper than a variable-length one for a few bytes.
        let at = out.len();
        out.extend_from_slice(&self.bulk);
        out.truncate(at + self.len);
    }
}

impl<T: ToArg + ?Sized> ToArg for &T {
    #[inline]
    fn write_arg(&self, out: &mut Vec<u8>) {
        (**self).write_arg(out)
    }
}

impl<T: ToArgs + ?Sized> ToArgs for &T {
    #[inline]
    fn arg_count(&self) -> usize {
        (**self).arg_count()
    }
    #[inline]
    fn write_args(&self, out: &mut Vec<u8>) {
        (**self).write_args(out)
    }
}

/// Implements `ToArgs` as "one argument" for types that are a single `ToArg`.
macro_rules! one_arg {
    ($($t:ty),* $(,)?) => {$(
        impl ToArgs for $t {
            #[inline]
            fn arg_count(&self) -> usize { 1 }
            #[inline]
            fn write_args(&self, out: &mut Vec<u8>) { self.write_arg(out) }
        }
    )*};
}

impl ToArg for str {
    #[inline]
    fn write_arg(&self, out: &mut Vec<u8>) {
        write_bulk(out, self.as_bytes())
    }
}
impl ToArg for String {
    #[inline]
    fn write_arg(&self, out: &mut Vec<u8>) {
        write_bulk(out, self.as_bytes())
    }
}
impl ToArg for [u8] {
    #[inline]
    fn write_arg(&self, out: &mut Vec<u8>) {
        write_bulk(out, self)
    }
}
impl ToArg for Vec<u8> {
    #[inline]
    fn write_arg(&self, out: &mut Vec<u8>) {
        write_bulk(out, self)
    }
}
impl<const N: usize> ToArg for [u8; N] {
    #[inline]
    fn write_arg(&self, out: &mut Vec<u8>) {
        write_bulk(out, self)
    }
}
impl ToArg for Cow<'_, str> {
    #[inline]
    fn write_arg(&self, out: &mut Vec<u8>) {
        write_bulk(out, self.as_bytes())
    }
}
impl ToArg for Cow<'_, [u8]> {
    #[inline]
    fn write_arg(&self, out: &mut Vec<u8>) {
        write_bulk(out, self)
    }
}
impl ToArg for bool {
    #[inline]
    fn write_arg(&self, out: &mut Vec<u8>) {
        write_bulk(out, if *self { b"1" } else { b"0" })
    }
}
impl ToArg for char {
    fn write_arg(&self, out: &mut Vec<u8>) {
        let mut buf = [0u8; 4];
        write_bulk(out, self.encode_utf8(&mut buf).as_bytes())
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
    fn arg_count(&self) -> usize {
        1
    }
    #[inline]
    fn write_args(&self, out: &mut Vec<u8>) {
        self.write_arg(out)
    }
}

/// Writes an integer as a bulk string without allocating.
#[inline]
fn write_int_arg(out: &mut Vec<u8>, negative: bool, abs: u64) {
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

macro_rules! int_arg {
    ($($t:ty),* $(,)?) => {$(
        impl ToArg for $t {
            #[inline]
            #[allow(unused_comparisons)]
            fn write_arg(&self, out: &mut Vec<u8>) {
                write_int_arg(out, *self < 0, (*self as i128).unsigned_abs() as u64)
            }
        }
        one_arg!($t);
    )*};
}
int_arg!(i8, i16, i32, i64, isize, u16, u32, u64, usize);

macro_rules! wide_int_arg {
    ($($t:ty),* $(,)?) => {$(
        impl ToArg for $t {
            fn write_arg(&self, out: &mut Vec<u8>) {
                write_bulk(out, self.to_string().as_bytes())
            }
        }
        one_arg!($t);
    )*};
}
wide_int_arg!(i128, u128);

macro_rules! float_arg {
    ($($t:ty),* $(,)?) => {$(
        impl ToArg for $t {
            /// Shortest text that reads back as the same number; infinities as `inf`/`-inf`,
            /// which Redis accepts for scores and increments.
            fn write_arg(&self, out: &mut Vec<u8>) {
                if self.is_infinite() {
                    write_bulk(out, if *self > 0.0 { b"inf" } else { b"-inf" })
                } else {
                    write_bulk(out, self.to_string().as_bytes())
                }
            }
        }
        one_arg!($t);
    )*};
}
float_arg!(f32, f64);

impl<T: ToArgs> ToArgs for Option<T> {
    fn arg_count(&self) -> usize {
        self.as_ref().map_or(0, ToArgs::arg_count)
    }
    fn write_args(&self, out: &mut Vec<u8>) {
        if let Some(v) = self {
            v.write_args(out)
        }
    }
}

/// Slices, vectors, arrays, sets and maps write their elements in iteration order (a map: each
/// key, then its value).
macro_rules! iter_args {
    ($(impl[$($g:tt)*] $ty:ty;)*) => {$(
        impl<$($g)*> ToArgs for $ty {
            fn arg_count(&self) -> usize {
                self.iter().map(|item| item.arg_count()).sum()
            }
            fn write_args(&self, out: &mut Vec<u8>) {
                for item in self.iter() {
                    item.write_args(out)
                }
            }
        }
    )*};
}

iter_args! {
    impl[T: ToArgs] [T];
    impl[T: ToArgs] Vec<T>;
    impl[T: ToArgs, const N: usize] [T; N];
    impl[T: ToArgs, S] HashSet<T, S>;
    impl[T: ToArgs] BTreeSet<T>;
    impl[K: ToArgs, V: ToArgs, S] HashMap<K, V, S>;
    impl[K: ToArgs, V: ToArgs] BTreeMap<K, V>;
}

/// No arguments at all: `script.invoke(con, (), ())` for a script without keys or arguments.
impl ToArgs for () {
    #[inline]
    fn arg_count(&self) -> usize {
        0
    }
    #[inline]
    fn write_args(&self, _out: &mut Vec<u8>) {}
}

macro_rules! tuple_args {
    ($($name:ident)+) => {
        impl<$($name: ToArgs),+> ToArgs for ($($name,)+) {
            #[allow(non_snake_case)]
            fn arg_count(&self) -> usize {
                let ($($name,)+) = self;
                0 $(+ $name.arg_count())+
            }
            #[allow(non_snake_case)]
            fn write_args(&self, out: &mut Vec<u8>) {
                let ($($name,)+) = self;
                $($name.write_args(out);)+
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

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(a: &dyn ToArgs) -> Vec<u8> {
        let mut out = Vec::new();
        a.write_args(&mut out);
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
        assert_eq!(encode(&1.5f64), b"$3\r\n1.5\r\n");
        assert_eq!(encode(&f64::NEG_INFINITY), b"$4\r\n-inf\r\n");
        assert_eq!(encode(&true), b"$1\r\n1\r\n");
        assert_eq!(encode(&Some("x")), b"$1\r\nx\r\n");
        assert_eq!(encode(&None::<i32>), b"");
        assert_eq!(encode(&[("a", 1)]), b"$1\r\na\r\n$1\r\n1\r\n");
        let m: BTreeMap<&str, &str> = [("k", "v")].into();
        assert_eq!(
            (m.arg_count(), encode(&m)),
            (2, b"$1\r\nk\r\n$1\r\nv\r\n".to_vec())
        );
        assert_eq!(b"raw".arg_count(), 1);
        for name in ["GET", "CLIENT", "ZRANGEBYSCORE", "A"] {
            assert_eq!(encode(&Name::new(name)), encode(&name), "{name}");
        }
    }
}
