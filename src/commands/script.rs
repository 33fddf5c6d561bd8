//! Lua scripts run by their SHA1 ([`Script`]). The raw scripting commands (`EVAL`,
//! `EVALSHA`, `SCRIPT ...`) and Redis 7 functions (`FUNCTION LOAD`, `FCALL`, ...) are typed
//! methods of [`ScriptingCommands`](crate::ScriptingCommands).
//!
//! A [`Script`] sends `EVALSHA`, so the script's source crosses the wire only when the server
//! does not know it yet. On `NOSCRIPT` it sends `SCRIPT LOAD` and then `EVALSHA` once more,
//! rather than falling back to `EVAL`:
//!
//! - a script loaded with `SCRIPT LOAD` stays in the server's cache, while since Redis 7.4 one
//!   sent with `EVAL` may be evicted from it again, which would make every call pay the
//!   `NOSCRIPT` round trip;
//! - the server's answer to `SCRIPT LOAD` is the SHA1 it computed, so a disagreement with ours
//!   shows up as an error at once instead of a `NOSCRIPT` on every call;
//! - the read-only form keeps going through `EVALSHA_RO`, with no second path to get right.
//!
//! The price is one extra round trip, once per script per server (and again after
//! `SCRIPT FLUSH` or a restart). A `NOSCRIPT` reply means the script did not run, so sending it
//! again cannot run it twice.

use std::fmt;
use std::sync::Arc;

use super::Execute;
use super::args::{Encoded, ToArgs};
use super::cmd::Request;
use super::reply::FromValue;
use super::table::spec;
use crate::error::{Error, ErrorKind, ProtocolError, Result};
use crate::resp::Value;

/// A Lua script, with the SHA1 of its source computed once.
///
/// Calls send `EVALSHA sha numkeys key... arg...`; when the server answers `NOSCRIPT` (first use
/// on that server, or after `SCRIPT FLUSH` or a restart), the script is loaded with
/// `SCRIPT LOAD` and `EVALSHA` is sent once more. Cloning is cheap (the source is shared).
///
/// ```no_run
/// use redisync::{Connection, Script};
///
/// let mut conn = Connection::open("redis://127.0.0.1")?;
/// let add = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
/// let n: i64 = add.invoke(&mut conn, "counter", 5)?;
/// // The same, built step by step; several keys or arguments go in one call or several.
/// let n2: i64 = add.key("counter").arg(5).invoke(&mut conn)?;
/// assert_eq!(n2, n + 5);
/// // A read-only script can go to a replica through EVALSHA_RO.
/// let get = Script::new("return redis.call('GET', KEYS[1])");
/// let v: Option<i64> = get.invoke_ro(&mut conn, "counter", ())?;
/// # Ok::<(), redisync::Error>(())
/// ```
///
/// # Errors
///
/// An error raised by the script (`ERR user_script:1: ...`, or a `redis.error_reply`) comes
/// back as [`Error::Server`] with the server's code and message. A call made while another
/// script runs too long gets [`ErrorKind::Busy`].
#[derive(Clone)]
pub struct Script {
    code: Arc<str>,
    sha: String,
}

impl Script {
    /// A script from its Lua source; computes the source's SHA1 (no I/O).
    pub fn new(code: &str) -> Script {
        Script {
            code: Arc::from(code),
            sha: hex(&sha1(code.as_bytes())),
        }
    }

    /// The SHA1 of the source, as 40 lowercase hex digits: the name `EVALSHA` uses.
    pub fn sha(&self) -> &str {
        &self.sha
    }

    /// The Lua source.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Starts an invocation with its first key (or keys: a slice or tuple adds several).
    pub fn key(&self, key: impl ToArgs) -> ScriptInvocation<'_> {
        let mut inv = ScriptInvocation::new(self);
        inv.key(key);
        inv
    }

    /// Starts an invocation with its first argument (or arguments) and no keys yet.
    pub fn arg(&self, arg: impl ToArgs) -> ScriptInvocation<'_> {
        let mut inv = ScriptInvocation::new(self);
        inv.arg(arg);
        inv
    }

    /// Runs the script with `EVALSHA` (loading it first if the server answers `NOSCRIPT`) and
    /// converts its reply. `keys` and `args` are anything [`ToArgs`]: one value, a slice, a
    /// tuple, or `()` for none; `numkeys` is the number of key arguments.
    ///
    /// # Errors
    /// Connection errors, the script's own error, [`ErrorKind::Busy`], or a reply that does not
    /// convert to `T`.
    pub fn invoke<T: FromValue>(
        &self,
        con: impl Execute,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Result<T> {
        T::from_value(self.run(con, false, &keys, &args)?)
    }

    /// Like [`Script::invoke`], through `EVALSHA_RO` (Redis 7.0+): the server refuses any write
    /// the script tries, and the call may be served by a read-only replica.
    ///
    /// # Errors
    /// As [`Script::invoke`]; a script that writes fails with a server error.
    pub fn invoke_ro<T: FromValue>(
        &self,
        con: impl Execute,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Result<T> {
        T::from_value(self.run(con, true, &keys, &args)?)
    }

    /// Sends `SCRIPT LOAD` now, for example to warm a server up before the first call.
    ///
    /// # Errors
    /// Connection errors, a compile error in the script, or a server whose SHA1 of the source
    /// differs from [`Script::sha`].
    pub fn load(&self, mut con: impl Execute) -> Result<()> {
        let sha: String = FromValue::from_value(
            con.execute(&Request::new(&spec::SCRIPT_LOAD, &(&*self.code,)))?,
        )?;
        if sha.eq_ignore_ascii_case(&self.sha) {
            Ok(())
        } else {
            Err(Error::Protocol(ProtocolError::Unexpected(format!(
                "SCRIPT LOAD returned SHA1 {sha}, expected {}",
                self.sha
            ))))
        }
    }

    fn run(
        &self,
        mut con: impl Execute,
        read_only: bool,
        keys: &dyn ToArgs,
        args: &dyn ToArgs,
    ) -> Result<Value> {
        match self.evalsha(&mut con, read_only, keys, args) {
            Err(e) if e.kind() == ErrorKind::NoScript => {
                self.load(&mut con)?;
                self.evalsha(&mut con, read_only, keys, args)
            }
            other => other,
        }
    }

    fn evalsha(
        &self,
        con: &mut impl Execute,
        read_only: bool,
        keys: &dyn ToArgs,
        args: &dyn ToArgs,
    ) -> Result<Value> {
        let spec = if read_only {
            &spec::EVALSHA_RO
        } else {
            &spec::EVALSHA
        };
        let request = (self.sha.as_str(), keys.arg_count(), keys, args);
        con.execute(&Request::new(spec, &request))
    }
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Script")
            .field("sha", &self.sha)
            .field("code_len", &self.code.len())
            .finish()
    }
}

/// A [`Script`] call being built: keys and arguments added one [`ToArgs`] at a time.
///
/// ```no_run
/// # let mut conn = redisync::Connection::open("redis://127.0.0.1")?;
/// let script = redisync::Script::new("return #KEYS + #ARGV");
/// let n: i64 = script.key("a").key(["b", "c"]).arg(1).invoke(&mut conn)?;
/// assert_eq!(n, 4);
/// # Ok::<(), redisync::Error>(())
/// ```
#[derive(Clone)]
#[must_use = "call .invoke() to run the script"]
pub struct ScriptInvocation<'a> {
    script: &'a Script,
    keys: Encoded,
    args: Encoded,
    /// A key or argument that could not be encoded: the call is refused.
    invalid: Option<String>,
}

impl<'a> ScriptInvocation<'a> {
    fn new(script: &'a Script) -> ScriptInvocation<'a> {
        ScriptInvocation {
            script,
            keys: Encoded::default(),
            args: Encoded::default(),
            invalid: None,
        }
    }

    /// Adds a key (or several). Keys are sent before arguments whatever the order of calls.
    pub fn key(&mut self, key: impl ToArgs) -> &mut ScriptInvocation<'a> {
        if let Err(e) = self.keys.push(&key) {
            self.invalid.get_or_insert(e.to_string());
        }
        self
    }

    /// Adds an argument (or several).
    pub fn arg(&mut self, arg: impl ToArgs) -> &mut ScriptInvocation<'a> {
        if let Err(e) = self.args.push(&arg) {
            self.invalid.get_or_insert(e.to_string());
        }
        self
    }

    fn check(&self) -> Result<()> {
        match &self.invalid {
            Some(why) => Err(Error::invalid("script argument", why.clone())),
            None => Ok(()),
        }
    }

    /// Runs the script, as [`Script::invoke`].
    ///
    /// # Errors
    /// As [`Script::invoke`].
    pub fn invoke<T: FromValue>(&self, con: impl Execute) -> Result<T> {
        self.check()?;
        self.script.invoke(con, &self.keys, &self.args)
    }

    /// Runs the script read-only, as [`Script::invoke_ro`].
    ///
    /// # Errors
    /// As [`Script::invoke_ro`].
    pub fn invoke_ro<T: FromValue>(&self, con: impl Execute) -> Result<T> {
        self.check()?;
        self.script.invoke_ro(con, &self.keys, &self.args)
    }
}

impl fmt::Debug for ScriptInvocation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: arguments can be secrets.
        f.debug_struct("ScriptInvocation")
            .field("sha", &self.script.sha)
            .field("keys", &self.keys.count())
            .field("args", &self.args.count())
            .finish()
    }
}

/// The SHA-1 digest of `data` (FIPS 180-4). Used only to name scripts, as Redis does; not for
/// anything that needs collision resistance.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut state: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut blocks = data.chunks_exact(64);
    for block in &mut blocks {
        sha1_block(&mut state, block);
    }
    // Padding: a 1 bit, zeros, then the length in bits as a big-endian u64, filling one block,
    // or two when fewer than 9 bytes are left in the first.
    let rest = blocks.remainder();
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let end = if rest.len() < 56 { 64 } else { 128 };
    let bits = (data.len() as u64).wrapping_mul(8);
    tail[end - 8..end].copy_from_slice(&bits.to_be_bytes());
    for block in tail[..end].chunks_exact(64) {
        sha1_block(&mut state, block);
    }
    let mut digest = [0u8; 20];
    for (out, word) in digest.chunks_exact_mut(4).zip(state) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// The SHA-1 compression function over one 64-byte block.
fn sha1_block(state: &mut [u32; 5], block: &[u8]) {
    let mut w = [0u32; 80];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    for t in 16..80 {
        w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
    }
    let [mut a, mut b, mut c, mut d, mut e] = *state;
    for (t, word) in w.into_iter().enumerate() {
        let (f, k) = match t {
            0..20 => ((b & c) | (!b & d), 0x5A82_7999),
            20..40 => (b ^ c ^ d, 0x6ED9_EBA1),
            40..60 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
            _ => (b ^ c ^ d, 0xCA62_C1D6),
        };
        let temp = a
            .rotate_left(5)
            .wrapping_add(f)
            .wrapping_add(e)
            .wrapping_add(k)
            .wrapping_add(word);
        e = d;
        d = c;
        c = b.rotate_left(30);
        b = a;
        a = temp;
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e]) {
        *s = s.wrapping_add(v);
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha1_hex(data: &[u8]) -> String {
        hex(&sha1(data))
    }

    #[test]
    fn sha1_matches_the_fips_180_test_vectors() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            sha1_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(
            sha1_hex(&[b'a'; 1_000_000]),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
        assert_eq!(
            sha1_hex(
                b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno\
                  ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
            ),
            "a49b2446a02c645bf419f995b67091253a04a259"
        );
    }

    #[test]
    fn sha1_handles_every_padding_boundary() {
        // Lengths around 55/56/64 bytes take the one-block and two-block padding paths; the
        // expected digests come from `sha1sum`.
        let cases: &[(usize, &str)] = &[
            (55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"),
            (56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"),
            (63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"),
            (64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"),
            (65, "11655326c708d70319be2610e8a57d9a5b959d3b"),
        ];
        for &(len, want) in cases {
            assert_eq!(sha1_hex(&vec![b'a'; len]), want, "{len} bytes");
        }
    }

    #[test]
    fn script_names_itself_by_the_sha1_of_its_source() {
        let s = Script::new("return 1");
        assert_eq!(s.sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
        assert_eq!(s.code(), "return 1");
        let dbg = format!("{s:?}");
        assert!(dbg.contains(s.sha()) && !dbg.contains("return"), "{dbg}");
    }

    #[test]
    fn invocation_sends_keys_before_args_and_counts_keys() {
        let s = Script::new("return 1");
        let mut inv = s.arg("x");
        inv.key(["k1", "k2"]).arg(7);
        let mut out = Vec::new();
        let args = (s.sha(), inv.keys.arg_count(), &inv.keys, &inv.args);
        Request::new(&spec::EVALSHA, &args)
            .encode(&mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap_or_default();
        let want = format!(
            "*7\r\n$7\r\nEVALSHA\r\n$40\r\n{}\r\n$1\r\n2\r\n$2\r\nk1\r\n$2\r\nk2\r\n$1\r\nx\r\n$1\r\n7\r\n",
            s.sha()
        );
        assert_eq!(text, want);
        assert!(format!("{inv:?}").contains("keys: 2"));
    }
}
