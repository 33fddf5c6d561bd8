//! The hash group's reply types (per-field results of the field-expiry commands) and option
//! structs (`HGETEX`, `HSETEX`), with the argument blocks they share (`FIELDS numfields ...`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::commands::args::{ArgWriter, ToArgs};
use crate::commands::groups::shared::{whole_millis, whole_seconds};
use crate::commands::reply::FromValue;
use crate::error::{ConversionError, Error, Result};
use crate::resp::Value;

/// What `HEXPIRE`, `HPEXPIRE`, `HEXPIREAT` or `HPEXPIREAT` did to one field (Redis's codes
/// `-2`, `0`, `1`, `2`).
///
/// ```
/// use redisync::FieldExpiry;
/// let applied = [FieldExpiry::Set, FieldExpiry::NoField];
/// assert_eq!(applied.iter().filter(|r| **r == FieldExpiry::Set).count(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldExpiry {
    /// `-2`: the field (or the whole key) does not exist.
    NoField,
    /// `0`: the condition (`NX`, `XX`, `GT`, `LT`) was not met; nothing changed.
    ConditionNotMet,
    /// `1`: the expiry was set.
    Set,
    /// `2`: the field was deleted at once, as the time given was already past.
    Deleted,
}

impl FromValue for FieldExpiry {
    fn from_value(value: Value) -> Result<FieldExpiry> {
        match i64::from_value(value)? {
            -2 => Ok(FieldExpiry::NoField),
            0 => Ok(FieldExpiry::ConditionNotMet),
            1 => Ok(FieldExpiry::Set),
            2 => Ok(FieldExpiry::Deleted),
            other => Err(ConversionError::custom("FieldExpiry", format!("integer {other}")).into()),
        }
    }
}

/// What `HPERSIST` did to one field (Redis's codes `-2`, `-1`, `1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldPersist {
    /// `-2`: the field (or the whole key) does not exist.
    NoField,
    /// `-1`: the field exists and had no expiry.
    NoExpiry,
    /// `1`: the field's expiry was removed.
    Persisted,
}

impl FromValue for FieldPersist {
    fn from_value(value: Value) -> Result<FieldPersist> {
        match i64::from_value(value)? {
            -2 => Ok(FieldPersist::NoField),
            -1 => Ok(FieldPersist::NoExpiry),
            1 => Ok(FieldPersist::Persisted),
            other => {
                Err(ConversionError::custom("FieldPersist", format!("integer {other}")).into())
            }
        }
    }
}

/// `FIELDS numfields field [field ...]`: the block every field-expiry command ends with, its
/// count taken from the fields themselves.
pub(super) struct Fields<'a, F: ?Sized>(pub(super) &'a F);

impl<F: ToArgs + ?Sized> ToArgs for Fields<'_, F> {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(b"FIELDS");
        out.arg_uint(self.0.arg_count() as u64);
        self.0.write_args(out);
    }
}

/// `FIELDS numfields field value [field value ...]` (`HSETEX`): the count of pairs, checked to
/// be whole before anything is sent.
pub(super) struct FieldValues<'a, P: ?Sized>(&'a P, u64);

impl<'a, P: ToArgs + ?Sized> FieldValues<'a, P> {
    pub(super) fn new(pairs: &'a P) -> Result<FieldValues<'a, P>> {
        let n = pairs.arg_count();
        if n % 2 != 0 {
            return Err(Error::invalid(
                "hsetex fields",
                format!("{n} arguments are not field-value pairs"),
            ));
        }
        Ok(FieldValues(pairs, (n / 2) as u64))
    }
}

impl<P: ToArgs + ?Sized> ToArgs for FieldValues<'_, P> {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(b"FIELDS");
        out.arg_uint(self.1);
        self.0.write_args(out);
    }
}

/// A Unix time in whole seconds, rounded up (nothing expires earlier than asked); a time before
/// 1970 is refused.
pub(super) fn unix_seconds(what: &str, t: SystemTime) -> Result<u64> {
    let d = since_epoch(what, t)?;
    Ok(d.as_secs() + u64::from(d.subsec_nanos() > 0))
}

/// A Unix time in whole milliseconds, rounded up; a time before 1970 is refused.
pub(super) fn unix_millis(what: &str, t: SystemTime) -> Result<u64> {
    let d = since_epoch(what, t)?;
    let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 > 0);
    Ok(u64::try_from(ms).unwrap_or(u64::MAX))
}

fn since_epoch(what: &str, t: SystemTime) -> Result<Duration> {
    t.duration_since(UNIX_EPOCH)
        .map_err(|_| Error::invalid(what, "a time before the Unix epoch (1970)"))
}

/// One expiry option of `HGETEX` or `HSETEX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expiry {
    Ex(Duration),
    Px(Duration),
    ExAt(SystemTime),
    PxAt(SystemTime),
    Persist,
    KeepTtl,
}

impl Expiry {
    fn word(self) -> &'static str {
        match self {
            Expiry::Ex(_) => "EX",
            Expiry::Px(_) => "PX",
            Expiry::ExAt(_) => "EXAT",
            Expiry::PxAt(_) => "PXAT",
            Expiry::Persist => "PERSIST",
            Expiry::KeepTtl => "KEEPTTL",
        }
    }

    /// The word and its number, durations and times checked (zero durations and times before
    /// 1970 refused).
    fn resolve(self, command: &str) -> Result<ExpiryArgs> {
        let what = format!("{command} {}", self.word());
        let n = match self {
            Expiry::Ex(d) => Some(whole_seconds(&what, d)?),
            Expiry::Px(d) => Some(whole_millis(&what, d)?),
            Expiry::ExAt(t) => Some(unix_seconds(&what, t)?),
            Expiry::PxAt(t) => Some(unix_millis(&what, t)?),
            Expiry::Persist | Expiry::KeepTtl => None,
        };
        Ok(ExpiryArgs(Some((self.word(), n))))
    }
}

/// The expiry words of an options struct, checked: at most one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ExpiryChoice {
    chosen: Option<Expiry>,
    /// A second, different kind of expiry was asked for: its word.
    conflict: Option<&'static str>,
}

impl ExpiryChoice {
    fn choose(&mut self, e: Expiry) {
        match self.chosen {
            Some(prev) if prev.word() != e.word() => {
                self.conflict.get_or_insert(e.word());
            }
            _ => self.chosen = Some(e),
        }
    }

    fn resolve(&self, command: &str) -> Result<ExpiryArgs> {
        if let (Some(first), Some(second)) = (self.chosen, self.conflict) {
            return Err(Error::invalid(
                format!("{command} options"),
                format!("{} and {second} exclude each other", first.word()),
            ));
        }
        match self.chosen {
            Some(e) => e.resolve(command),
            None => Ok(ExpiryArgs(None)),
        }
    }
}

/// An expiry option as it goes on the wire: its word, then its number if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ExpiryArgs(Option<(&'static str, Option<u64>)>);

impl ToArgs for ExpiryArgs {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if let Some((word, n)) = self.0 {
            out.arg(word.as_bytes());
            if let Some(n) = n {
                out.arg_uint(n);
            }
        }
    }
}

/// Options for [`HashCommands::hgetex`](crate::HashCommands::hgetex): what to do to the
/// fields' expiry while reading them. At most one; two different ones are refused before
/// anything is sent.
///
/// ```
/// use std::time::Duration;
/// use redisync::HGetExOptions;
/// let touch = HGetExOptions::new().ex(Duration::from_secs(1800));
/// let keep_forever = HGetExOptions::new().persist();
/// # let _ = (touch, keep_forever);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HGetExOptions {
    expiry: ExpiryChoice,
}

impl HGetExOptions {
    /// No change to the expiry: `HGETEX` then reads as `HMGET` does.
    pub fn new() -> HGetExOptions {
        HGetExOptions::default()
    }
    /// `EX seconds`: the fields expire after this long (whole seconds, rounded up; zero is
    /// refused).
    pub fn ex(mut self, ttl: Duration) -> HGetExOptions {
        self.expiry.choose(Expiry::Ex(ttl));
        self
    }
    /// `PX milliseconds`: the fields expire after this long (whole milliseconds, rounded up;
    /// zero is refused).
    pub fn px(mut self, ttl: Duration) -> HGetExOptions {
        self.expiry.choose(Expiry::Px(ttl));
        self
    }
    /// `EXAT unix-time-seconds`: the fields expire at this time (a past time deletes them).
    pub fn exat(mut self, at: SystemTime) -> HGetExOptions {
        self.expiry.choose(Expiry::ExAt(at));
        self
    }
    /// `PXAT unix-time-milliseconds`: the fields expire at this time.
    pub fn pxat(mut self, at: SystemTime) -> HGetExOptions {
        self.expiry.choose(Expiry::PxAt(at));
        self
    }
    /// `PERSIST`: the fields' expiry is removed.
    pub fn persist(mut self) -> HGetExOptions {
        self.expiry.choose(Expiry::Persist);
        self
    }

    /// The arguments, or why these options cannot be sent.
    pub(super) fn check(&self) -> Result<ExpiryArgs> {
        self.expiry.resolve("hgetex")
    }
}

/// Options for [`HashCommands::hsetex`](crate::HashCommands::hsetex) (Valkey 9's syntax): a
/// condition on the key (`NX`, `XX`), one on the fields (`FNX`, `FXX`), and the fields' expiry
/// (`EX`, `PX`, `EXAT`, `PXAT`, `KEEPTTL`). Options that exclude each other (`NX` with `XX`,
/// `FNX` with `FXX`, two kinds of expiry) are refused before anything is sent.
///
/// ```
/// use std::time::Duration;
/// use redisync::HSetExOptions;
/// // Only fields not set yet, each living for half an hour.
/// let fresh = HSetExOptions::new().fnx().ex(Duration::from_secs(1800));
/// # let _ = fresh;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HSetExOptions {
    nx: bool,
    xx: bool,
    fnx: bool,
    fxx: bool,
    expiry: ExpiryChoice,
}

impl HSetExOptions {
    /// No condition; the fields set lose any expiry they had.
    pub fn new() -> HSetExOptions {
        HSetExOptions::default()
    }
    /// `NX`: only when the key does not exist.
    pub fn nx(mut self) -> HSetExOptions {
        self.nx = true;
        self
    }
    /// `XX`: only when the key exists.
    pub fn xx(mut self) -> HSetExOptions {
        self.xx = true;
        self
    }
    /// `FNX`: only when none of the fields exists.
    pub fn fnx(mut self) -> HSetExOptions {
        self.fnx = true;
        self
    }
    /// `FXX`: only when every one of the fields exists.
    pub fn fxx(mut self) -> HSetExOptions {
        self.fxx = true;
        self
    }
    /// `EX seconds`: the fields expire after this long (whole seconds, rounded up; zero is
    /// refused).
    pub fn ex(mut self, ttl: Duration) -> HSetExOptions {
        self.expiry.choose(Expiry::Ex(ttl));
        self
    }
    /// `PX milliseconds`: the fields expire after this long (whole milliseconds, rounded up;
    /// zero is refused).
    pub fn px(mut self, ttl: Duration) -> HSetExOptions {
        self.expiry.choose(Expiry::Px(ttl));
        self
    }
    /// `EXAT unix-time-seconds`: the fields expire at this time.
    pub fn exat(mut self, at: SystemTime) -> HSetExOptions {
        self.expiry.choose(Expiry::ExAt(at));
        self
    }
    /// `PXAT unix-time-milliseconds`: the fields expire at this time.
    pub fn pxat(mut self, at: SystemTime) -> HSetExOptions {
        self.expiry.choose(Expiry::PxAt(at));
        self
    }
    /// `KEEPTTL`: fields that exist keep their expiry.
    pub fn keep_ttl(mut self) -> HSetExOptions {
        self.expiry.choose(Expiry::KeepTtl);
        self
    }

    /// The arguments, or why these options cannot be sent.
    pub(super) fn check(&self) -> Result<HSetExArgs> {
        let invalid = |why: &str| Err(Error::invalid("hsetex options", why));
        if self.nx && self.xx {
            return invalid("NX and XX exclude each other");
        }
        if self.fnx && self.fxx {
            return invalid("FNX and FXX exclude each other");
        }
        Ok(HSetExArgs {
            key: (self.nx.then_some("NX")).or(self.xx.then_some("XX")),
            fields: (self.fnx.then_some("FNX")).or(self.fxx.then_some("FXX")),
            expiry: self.expiry.resolve("hsetex")?,
        })
    }
}

/// `HSETEX`'s options, checked, as they go on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HSetExArgs {
    key: Option<&'static str>,
    fields: Option<&'static str>,
    expiry: ExpiryArgs,
}

impl ToArgs for HSetExArgs {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        self.key.write_args(out);
        self.fields.write_args(out);
        self.expiry.write_args(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(args: &dyn ToArgs) -> String {
        let mut out = Vec::new();
        let mut w = ArgWriter::new(&mut out);
        args.write_args(&mut w);
        let n = w.count();
        let whole = [format!("*{n}\r\n").into_bytes(), out.clone()].concat();
        let parts = crate::resp::split_command(&whole).unwrap();
        parts
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn codes_read_into_their_variants() {
        let read = |n| FieldExpiry::from_value(Value::Int(n));
        assert_eq!(read(-2).unwrap(), FieldExpiry::NoField);
        assert_eq!(read(0).unwrap(), FieldExpiry::ConditionNotMet);
        assert_eq!(read(1).unwrap(), FieldExpiry::Set);
        assert_eq!(read(2).unwrap(), FieldExpiry::Deleted);
        assert!(read(3).is_err() && read(-1).is_err());
        let read = |n| FieldPersist::from_value(Value::Int(n));
        assert_eq!(read(-2).unwrap(), FieldPersist::NoField);
        assert_eq!(read(-1).unwrap(), FieldPersist::NoExpiry);
        assert_eq!(read(1).unwrap(), FieldPersist::Persisted);
        assert!(read(0).is_err());
    }

    #[test]
    fn options_write_their_words_and_refuse_conflicts() {
        let at = UNIX_EPOCH + Duration::from_millis(1_500);
        let o = HSetExOptions::new()
            .nx()
            .fxx()
            .px(Duration::from_micros(1500));
        assert_eq!(words(&o.check().unwrap()), "NX FXX PX 2");
        let o = HSetExOptions::new().xx().fnx().exat(at);
        assert_eq!(words(&o.check().unwrap()), "XX FNX EXAT 2");
        assert_eq!(
            words(&HSetExOptions::new().keep_ttl().check().unwrap()),
            "KEEPTTL"
        );
        assert_eq!(words(&HSetExOptions::new().check().unwrap()), "");
        // The same kind twice: the last one counts.
        let o = HSetExOptions::new()
            .ex(Duration::from_secs(1))
            .ex(Duration::from_secs(9));
        assert_eq!(words(&o.check().unwrap()), "EX 9");
        for bad in [
            HSetExOptions::new().nx().xx(),
            HSetExOptions::new().fnx().fxx(),
            HSetExOptions::new().ex(Duration::from_secs(1)).keep_ttl(),
            HSetExOptions::new().ex(Duration::ZERO),
            HSetExOptions::new().pxat(UNIX_EPOCH - Duration::from_secs(1)),
        ] {
            let e = bad.check().unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{bad:?}");
        }
        let e = HSetExOptions::new()
            .px(Duration::from_secs(1))
            .exat(at)
            .check();
        assert!(e.unwrap_err().to_string().contains("PX and EXAT"));
        assert_eq!(
            words(&HGetExOptions::new().pxat(at).check().unwrap()),
            "PXAT 1500"
        );
        assert_eq!(
            words(&HGetExOptions::new().persist().check().unwrap()),
            "PERSIST"
        );
        assert_eq!(words(&HGetExOptions::new().check().unwrap()), "");
        assert!(
            HGetExOptions::new()
                .persist()
                .ex(Duration::from_secs(1))
                .check()
                .is_err()
        );
        assert!(HGetExOptions::new().px(Duration::ZERO).check().is_err());
    }

    #[test]
    fn field_blocks_count_their_fields() {
        assert_eq!(words(&Fields(&["a", "b"])), "FIELDS 2 a b");
        assert_eq!(words(&Fields(&"a")), "FIELDS 1 a");
        let pairs = [("a", 1), ("b", 2)];
        assert_eq!(
            words(&FieldValues::new(&pairs).unwrap()),
            "FIELDS 2 a 1 b 2"
        );
        let odd = ("a", 1, "b");
        let e = FieldValues::new(&odd).err().unwrap();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        assert_eq!(unix_seconds("t", at(1_001)).unwrap(), 2);
        assert_eq!(
            unix_millis("t", UNIX_EPOCH + Duration::from_micros(1)).unwrap(),
            1
        );
        assert!(unix_seconds("t", UNIX_EPOCH - Duration::from_secs(1)).is_err());
    }

    fn at(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms)
    }
}
