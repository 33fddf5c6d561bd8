//! The options of the `string` commands: [`SetOptions`] (`SET`, `MSETEX`) and [`GetExpiry`]
//! (`GETEX`), and the conversion of their times into the numbers Redis takes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::commands::Encoded;
use crate::commands::args::{ArgWriter, One, ToArg, ToArgs};
use crate::commands::groups::shared::{whole_millis, whole_seconds};
use crate::error::{Error, Result};

/// Options for [`set_options`](crate::StringCommands::set_options),
/// [`set_get`](crate::StringCommands::set_get) and [`msetex`](crate::StringCommands::msetex):
/// at most one condition (`NX`, `XX`, `IFEQ`) and at most one expiry (`EX`, `PX`, `EXAT`,
/// `PXAT`, `KEEPTTL`).
///
/// Times are a [`Duration`] (`EX` sends whole seconds, `PX` whole milliseconds, both rounded up
/// so that nothing expires earlier than asked) or a [`SystemTime`] (`EXAT`, `PXAT`, rounded up
/// the same way).
///
/// A second condition or a second expiry is not an override: the command is refused with
/// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent, as are
/// a zero duration and a time not after the Unix epoch (Redis would refuse them too, or read
/// them as "now").
///
/// ```
/// use std::time::Duration;
/// use redisync::SetOptions;
/// let only_new_for_a_minute = SetOptions::new().nx().ex(Duration::from_secs(60));
/// assert!(only_new_for_a_minute.check("SET").is_ok());
/// let both = SetOptions::new().nx().xx();
/// assert!(both.check("SET").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetOptions {
    condition: Option<Condition>,
    expiry: Option<Expiry>,
    /// The first conflict the builder met, said as the refusal will say it.
    conflict: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Condition {
    Nx,
    Xx,
    /// `IFEQ value`: the value, written once as one argument.
    IfEq(Encoded),
}

impl Condition {
    fn word(&self) -> &'static str {
        match self {
            Condition::Nx => "NX",
            Condition::Xx => "XX",
            Condition::IfEq(_) => "IFEQ",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expiry {
    Ex(Duration),
    Px(Duration),
    ExAt(SystemTime),
    PxAt(SystemTime),
    KeepTtl,
}

impl Expiry {
    fn word(self) -> &'static str {
        match self {
            Expiry::Ex(_) => "EX",
            Expiry::Px(_) => "PX",
            Expiry::ExAt(_) => "EXAT",
            Expiry::PxAt(_) => "PXAT",
            Expiry::KeepTtl => "KEEPTTL",
        }
    }

    /// The expiry as it goes on the wire, or why it cannot.
    fn wire(self, command: &str) -> Result<ExpiryArgs> {
        let n = match self {
            Expiry::Ex(d) => Some(whole_seconds(&format!("{command} EX"), d)?),
            Expiry::Px(d) => Some(whole_millis(&format!("{command} PX"), d)?),
            Expiry::ExAt(t) => Some(unix_seconds(&format!("{command} EXAT"), t)?),
            Expiry::PxAt(t) => Some(unix_millis(&format!("{command} PXAT"), t)?),
            Expiry::KeepTtl => None,
        };
        Ok(ExpiryArgs {
            word: self.word(),
            n,
        })
    }
}

/// An expiry's word and its number (none for `KEEPTTL` and `PERSIST`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExpiryArgs {
    word: &'static str,
    n: Option<u64>,
}

impl ToArgs for ExpiryArgs {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(self.word.as_bytes());
        if let Some(n) = self.n {
            out.arg_uint(n);
        }
    }
}

impl SetOptions {
    /// No condition, no expiry: a plain `SET`, which also clears any expiry the key had.
    pub fn new() -> SetOptions {
        SetOptions::default()
    }

    /// `NX`: only set a key that does not exist.
    pub fn nx(self) -> SetOptions {
        self.condition(Condition::Nx)
    }

    /// `XX`: only set a key that already exists.
    pub fn xx(self) -> SetOptions {
        self.condition(Condition::Xx)
    }

    /// `IFEQ value`: only set the key when its current value is `value` (Valkey 8.1+; Redis
    /// 7.0 answers a syntax error). Not with `NX` or `XX`, and not for `MSETEX`.
    pub fn ifeq(self, value: impl ToArg) -> SetOptions {
        let mut encoded = Encoded::default();
        match encoded.push(&One(&value)) {
            Ok(()) => self.condition(Condition::IfEq(encoded)),
            Err(e) => self.conflicting(format!("IFEQ: {e}")),
        }
    }

    /// `EX seconds`: expire after `ttl`, sent in whole seconds, rounded up.
    pub fn ex(self, ttl: Duration) -> SetOptions {
        self.expiry(Expiry::Ex(ttl))
    }

    /// `PX milliseconds`: expire after `ttl`, sent in whole milliseconds, rounded up.
    pub fn px(self, ttl: Duration) -> SetOptions {
        self.expiry(Expiry::Px(ttl))
    }

    /// `EXAT timestamp`: expire at `at`, sent as Unix time in whole seconds, rounded up.
    pub fn exat(self, at: SystemTime) -> SetOptions {
        self.expiry(Expiry::ExAt(at))
    }

    /// `PXAT timestamp`: expire at `at`, sent as Unix time in whole milliseconds, rounded up.
    pub fn pxat(self, at: SystemTime) -> SetOptions {
        self.expiry(Expiry::PxAt(at))
    }

    /// `KEEPTTL`: keep the key's current time to live.
    pub fn keep_ttl(self) -> SetOptions {
        self.expiry(Expiry::KeepTtl)
    }

    /// Whether `command` (`"SET"`, `"MSETEX"`, which names it in the error) can be sent with
    /// these options: `Ok` unless two conditions or two expiries were given, a duration is
    /// zero or a time is not after the Unix epoch. The typed methods call it before sending.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), naming the options.
    pub fn check(&self, command: &str) -> Result<()> {
        if let Some(conflict) = &self.conflict {
            return Err(Error::invalid(
                format!("{command} options"),
                conflict.clone(),
            ));
        }
        if let Some(expiry) = self.expiry {
            expiry.wire(command)?;
        }
        Ok(())
    }

    /// Whether the options hold `IFEQ`, which `MSETEX` does not take.
    pub(crate) fn has_ifeq(&self) -> bool {
        matches!(self.condition, Some(Condition::IfEq(_)))
    }

    fn condition(mut self, condition: Condition) -> SetOptions {
        match &self.condition {
            None => self.condition = Some(condition),
            Some(old) if *old == condition => {}
            Some(old) if old.word() == condition.word() => {
                let word = old.word();
                return self.conflicting(format!("{word} is given twice with different values"));
            }
            Some(old) => {
                let why = format!("{} and {} exclude each other", old.word(), condition.word());
                return self.conflicting(why);
            }
        }
        self
    }

    fn expiry(mut self, expiry: Expiry) -> SetOptions {
        match self.expiry {
            None => self.expiry = Some(expiry),
            Some(old) if old == expiry => {}
            Some(old) if old.word() == expiry.word() => {
                let word = old.word();
                return self.conflicting(format!(
                    "{word} is given twice with different times: one expiry at most"
                ));
            }
            Some(old) => {
                let why = format!(
                    "{} and {} exclude each other: one expiry at most",
                    old.word(),
                    expiry.word()
                );
                return self.conflicting(why);
            }
        }
        self
    }

    fn conflicting(mut self, why: String) -> SetOptions {
        self.conflict.get_or_insert(why);
        self
    }
}

/// The condition, then the expiry. Written through `cmd("SET").arg(options)` without the
/// typed methods' [`check`](SetOptions::check), only the first condition and expiry given are
/// written, and a zero duration or a time at the epoch goes out as `0`, which the server
/// refuses.
impl ToArgs for SetOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        match &self.condition {
            Some(Condition::IfEq(value)) => {
                out.arg(b"IFEQ");
                value.write_args(out);
            }
            Some(c) => out.arg(c.word().as_bytes()),
            None => {}
        }
        if let Some(expiry) = self.expiry {
            match expiry.wire("SET") {
                Ok(args) => args.write_args(out),
                Err(_) => {
                    out.arg(expiry.word().as_bytes());
                    out.arg(b"0");
                }
            }
        }
    }
}

/// The expiry [`getex`](crate::StringCommands::getex) gives the key: exactly one, so no two
/// can conflict. Times round up as in [`SetOptions`]; a zero duration or a time not after the
/// Unix epoch is refused before anything is sent.
///
/// ```
/// use std::time::Duration;
/// use redisync::GetExpiry;
/// let touch = GetExpiry::Ex(Duration::from_secs(300));
/// # let _ = (touch, GetExpiry::Persist);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GetExpiry {
    /// `EX seconds`: expire after this long, in whole seconds, rounded up.
    Ex(Duration),
    /// `PX milliseconds`: expire after this long, in whole milliseconds, rounded up.
    Px(Duration),
    /// `EXAT timestamp`: expire at this time, as Unix time in whole seconds, rounded up.
    ExAt(SystemTime),
    /// `PXAT timestamp`: expire at this time, as Unix time in whole milliseconds, rounded up.
    PxAt(SystemTime),
    /// `PERSIST`: remove the key's expiry.
    Persist,
}

impl GetExpiry {
    /// The expiry as it goes on the wire, or why it cannot.
    pub(crate) fn wire(self) -> Result<ExpiryArgs> {
        match self {
            GetExpiry::Ex(d) => Expiry::Ex(d).wire("GETEX"),
            GetExpiry::Px(d) => Expiry::Px(d).wire("GETEX"),
            GetExpiry::ExAt(t) => Expiry::ExAt(t).wire("GETEX"),
            GetExpiry::PxAt(t) => Expiry::PxAt(t).wire("GETEX"),
            GetExpiry::Persist => Ok(ExpiryArgs {
                word: "PERSIST",
                n: None,
            }),
        }
    }
}

/// A point in time as Unix time in whole seconds, rounded up; the epoch and earlier are
/// refused (Redis reads a non-positive time as invalid).
fn unix_seconds(what: &str, at: SystemTime) -> Result<u64> {
    match at.duration_since(UNIX_EPOCH) {
        Ok(d) if !d.is_zero() => Ok(d.as_secs() + u64::from(d.subsec_nanos() > 0)),
        _ => Err(Error::invalid(what, "must be after the Unix epoch")),
    }
}

/// A point in time as Unix time in whole milliseconds, rounded up; the epoch and earlier are
/// refused.
fn unix_millis(what: &str, at: SystemTime) -> Result<u64> {
    match at.duration_since(UNIX_EPOCH) {
        Ok(d) if !d.is_zero() => {
            let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 > 0);
            Ok(u64::try_from(ms).unwrap_or(u64::MAX))
        }
        _ => Err(Error::invalid(what, "must be after the Unix epoch")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn encode(o: &dyn ToArgs) -> String {
        let mut out = Vec::new();
        let mut w = ArgWriter::new(&mut out);
        o.write_args(&mut w);
        let n = w.count();
        assert_eq!(out.iter().filter(|b| **b == b'$').count(), n);
        assert_eq!(n, o.arg_count());
        String::from_utf8(out).unwrap().replace("\r\n", " ")
    }

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn set_options_write_their_words() {
        assert_eq!(encode(&SetOptions::new()), "");
        assert_eq!(
            encode(&SetOptions::new().nx().ex(S(5))),
            "$2 NX $2 EX $1 5 "
        );
        assert_eq!(
            encode(&SetOptions::new().xx().keep_ttl()),
            "$2 XX $7 KEEPTTL "
        );
        let at = UNIX_EPOCH + Duration::from_millis(1_500);
        assert_eq!(encode(&SetOptions::new().pxat(at)), "$4 PXAT $4 1500 ");
        assert_eq!(encode(&SetOptions::new().exat(at)), "$4 EXAT $1 2 ");
        assert_eq!(
            encode(&SetOptions::new().ifeq(b"a\r\nb".to_vec())),
            "$4 IFEQ $4 a b "
        );
    }

    #[test]
    fn times_round_up() {
        let o = SetOptions::new().ex(Duration::from_millis(1_001));
        assert_eq!(encode(&o), "$2 EX $1 2 ");
        let o = SetOptions::new().px(Duration::from_micros(1_001));
        assert_eq!(encode(&o), "$2 PX $1 2 ");
        let at = UNIX_EPOCH + Duration::from_nanos(1);
        assert_eq!(encode(&SetOptions::new().exat(at)), "$4 EXAT $1 1 ");
        assert_eq!(encode(&SetOptions::new().pxat(at)), "$4 PXAT $1 1 ");
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 1000 + 1);
        assert_eq!(unix_millis("t", far).unwrap(), u64::MAX);
    }

    fn refusal(o: &SetOptions) -> String {
        let e = o.check("SET").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        e.to_string()
    }

    #[test]
    fn conflicts_are_refused_not_overridden() {
        assert!(refusal(&SetOptions::new().nx().xx()).contains("NX and XX exclude each other"));
        assert!(refusal(&SetOptions::new().xx().ifeq("v")).contains("XX and IFEQ"));
        assert!(refusal(&SetOptions::new().ifeq("a").ifeq("b")).contains("IFEQ is given twice"));
        let two = SetOptions::new().ex(S(1)).px(S(2));
        assert!(
            refusal(&two).contains("EX and PX exclude each other"),
            "{}",
            refusal(&two)
        );
        assert!(refusal(&SetOptions::new().ex(S(1)).ex(S(2))).contains("EX is given twice"));
        assert!(refusal(&SetOptions::new().keep_ttl().pxat(SystemTime::now())).contains("KEEPTTL"));
        // The first conflict is the one reported.
        let o = SetOptions::new().nx().xx().ex(S(1)).keep_ttl();
        assert!(refusal(&o).contains("NX and XX"));
        // Saying the same thing twice is no conflict.
        assert!(
            SetOptions::new()
                .nx()
                .nx()
                .ex(S(3))
                .ex(S(3))
                .check("SET")
                .is_ok()
        );
        assert!(SetOptions::new().ifeq("a").ifeq("a").check("SET").is_ok());
        // Even written directly, only the first of each goes out.
        assert_eq!(encode(&SetOptions::new().ex(S(1)).px(S(2))), "$2 EX $1 1 ");
    }

    #[test]
    fn zero_and_epoch_times_are_refused() {
        assert!(refusal(&SetOptions::new().ex(Duration::ZERO)).contains("SET EX"));
        assert!(refusal(&SetOptions::new().px(Duration::ZERO)).contains("SET PX"));
        assert!(refusal(&SetOptions::new().exat(UNIX_EPOCH)).contains("Unix epoch"));
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert!(refusal(&SetOptions::new().pxat(before)).contains("SET PXAT"));
        // Written directly, the server gets a 0 it refuses.
        assert_eq!(encode(&SetOptions::new().ex(Duration::ZERO)), "$2 EX $1 0 ");
        assert!(GetExpiry::Ex(Duration::ZERO).wire().is_err());
        assert!(GetExpiry::PxAt(UNIX_EPOCH).wire().is_err());
    }

    #[test]
    fn get_expiries_write_their_words() {
        assert_eq!(encode(&GetExpiry::Persist.wire().unwrap()), "$7 PERSIST ");
        assert_eq!(
            encode(&GetExpiry::Px(Duration::from_millis(250)).wire().unwrap()),
            "$2 PX $3 250 "
        );
        let at = UNIX_EPOCH + S(7);
        assert_eq!(
            encode(&GetExpiry::ExAt(at).wire().unwrap()),
            "$4 EXAT $1 7 "
        );
    }
}
