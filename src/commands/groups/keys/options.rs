//! The options of the `generic` commands: expiry conditions, `COPY`, `SORT`, `RESTORE` and
//! `MIGRATE`, each writing its words through the [`ArgWriter`] and checking its conflicts
//! before anything is sent.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::super::shared::{ExpireCondition, whole_millis};
use crate::Secret;
use crate::commands::args::{ArgWriter, ToArg, ToArgs};
use crate::error::{Error, Result};

/// The conditions of an `EXPIRE`-like command (`EXPIRE`, `PEXPIRE`, `EXPIREAT`, `PEXPIREAT`):
/// one [`ExpireCondition`], or the combinations Redis accepts (`XX` with `GT` or `LT`).
///
/// The `*_if` methods of [`KeyCommands`](crate::KeyCommands) take anything that converts into
/// it: one condition, an array or a slice of them. `NX` with any other, and `GT` with `LT`, are
/// refused before anything is sent, as the server would refuse them.
///
/// ```
/// use redisync::{ExpireCondition, ExpireConditions};
/// let later_if_set = ExpireConditions::from([ExpireCondition::Xx, ExpireCondition::Gt]);
/// assert!(later_if_set.contains(ExpireCondition::Gt));
/// let only_new: ExpireConditions = ExpireCondition::Nx.into();
/// assert!(!only_new.contains(ExpireCondition::Xx));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ExpireConditions {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl ExpireConditions {
    /// No condition: the expiry is set whatever it was.
    pub fn new() -> ExpireConditions {
        ExpireConditions::default()
    }

    /// These conditions and `condition` too.
    #[must_use]
    pub fn and(mut self, condition: ExpireCondition) -> ExpireConditions {
        match condition {
            ExpireCondition::Nx => self.nx = true,
            ExpireCondition::Xx => self.xx = true,
            ExpireCondition::Gt => self.gt = true,
            ExpireCondition::Lt => self.lt = true,
        }
        self
    }

    /// Whether `condition` is among these.
    pub fn contains(self, condition: ExpireCondition) -> bool {
        match condition {
            ExpireCondition::Nx => self.nx,
            ExpireCondition::Xx => self.xx,
            ExpireCondition::Gt => self.gt,
            ExpireCondition::Lt => self.lt,
        }
    }

    /// Refuses the combinations the server refuses: `NX` with `XX`, `GT` or `LT`; `GT` with
    /// `LT`.
    pub(crate) fn check(self, command: &str) -> Result<()> {
        let part = format!("{command} options");
        let with_nx = [(self.xx, "XX"), (self.gt, "GT"), (self.lt, "LT")];
        if let Some((_, other)) = with_nx.iter().find(|(set, _)| self.nx && *set) {
            return Err(Error::invalid(
                part,
                format!("NX and {other} exclude each other"),
            ));
        }
        if self.gt && self.lt {
            return Err(Error::invalid(part, "GT and LT exclude each other"));
        }
        Ok(())
    }
}

impl From<ExpireCondition> for ExpireConditions {
    fn from(condition: ExpireCondition) -> ExpireConditions {
        ExpireConditions::new().and(condition)
    }
}

impl From<&[ExpireCondition]> for ExpireConditions {
    fn from(conditions: &[ExpireCondition]) -> ExpireConditions {
        conditions
            .iter()
            .fold(ExpireConditions::new(), |all, c| all.and(*c))
    }
}

impl<const N: usize> From<[ExpireCondition; N]> for ExpireConditions {
    fn from(conditions: [ExpireCondition; N]) -> ExpireConditions {
        ExpireConditions::from(&conditions[..])
    }
}

impl ToArgs for ExpireConditions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        let words = [
            (self.nx, ExpireCondition::Nx),
            (self.xx, ExpireCondition::Xx),
            (self.gt, ExpireCondition::Gt),
            (self.lt, ExpireCondition::Lt),
        ];
        for (set, condition) in words {
            if set {
                condition.write_args(out);
            }
        }
    }
}

/// A Unix time as whole seconds or milliseconds (`per_second` of them in a second), rounded
/// up so that nothing expires earlier than asked; a time before 1970 is refused.
pub(crate) fn unix_time(what: &str, at: SystemTime, per_second: u64) -> Result<u64> {
    let since = at
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Error::invalid(what, "a time before the Unix epoch (1970)"))?;
    let nanos_per_unit = 1_000_000_000 / u128::from(per_second);
    let nanos = since.as_nanos();
    let units = nanos / nanos_per_unit + u128::from(nanos % nanos_per_unit > 0);
    Ok(u64::try_from(units).unwrap_or(u64::MAX))
}

/// Options for [`KeyCommands::copy`](crate::KeyCommands::copy): `DB` and `REPLACE`.
///
/// ```
/// use redisync::CopyOptions;
/// let into_db_2_overwriting = CopyOptions::new().db(2).replace();
/// # let _ = into_db_2_overwriting;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CopyOptions {
    db: Option<u32>,
    replace: bool,
}

impl CopyOptions {
    /// Into the same database, never over an existing key.
    pub fn new() -> CopyOptions {
        CopyOptions::default()
    }

    /// `DB destination-db`: copy into another database.
    #[must_use]
    pub fn db(mut self, db: u32) -> CopyOptions {
        self.db = Some(db);
        self
    }

    /// `REPLACE`: overwrite the destination key if it exists.
    #[must_use]
    pub fn replace(mut self) -> CopyOptions {
        self.replace = true;
        self
    }
}

impl ToArgs for CopyOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if let Some(db) = self.db {
            ("DB", db).write_args(out);
        }
        if self.replace {
            "REPLACE".write_args(out);
        }
    }
}

/// Options for [`KeyCommands::sort`](crate::KeyCommands::sort),
/// [`sort_ro`](crate::KeyCommands::sort_ro) and
/// [`sort_store`](crate::KeyCommands::sort_store): `BY`, `LIMIT`, `GET`, `ASC`/`DESC`,
/// `ALPHA`. (`STORE` is `sort_store`'s destination.)
///
/// Its `Debug` output shows how long each pattern is, not the pattern itself, as for
/// [`ScanOptions`](crate::ScanOptions).
///
/// ```
/// use redisync::SortOptions;
/// // The user ids in `ids`, ordered by each user's age, with each user's name.
/// let by_age = SortOptions::new().by("user:*->age").get("#").get("user:*->name").limit(0, 10);
/// # let _ = by_age;
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct SortOptions {
    by: Option<Vec<u8>>,
    limit: Option<(u64, u64)>,
    get: Vec<Vec<u8>>,
    desc: bool,
    alpha: bool,
}

impl SortOptions {
    /// Ascending, numerically, every element, the elements themselves.
    pub fn new() -> SortOptions {
        SortOptions::default()
    }

    /// `BY pattern`: sort by the values of the keys the pattern names, the first `*` replaced
    /// by each element (`weight_*`, or `object_*->field` for a hash field). A pattern without
    /// `*` (`nosort`) skips sorting, for `get` and `limit` alone.
    #[must_use]
    pub fn by(mut self, pattern: impl AsRef<[u8]>) -> SortOptions {
        self.by = Some(pattern.as_ref().to_vec());
        self
    }

    /// `LIMIT offset count`: only `count` elements, from `offset` on.
    #[must_use]
    pub fn limit(mut self, offset: u64, count: u64) -> SortOptions {
        self.limit = Some((offset, count));
        self
    }

    /// `GET pattern`: give the value of the key the pattern names instead of the element (`#`
    /// is the element itself). Repeat it for several values per element; a missing key gives
    /// nil (ask for `Option<T>`).
    #[must_use]
    pub fn get(mut self, pattern: impl AsRef<[u8]>) -> SortOptions {
        self.get.push(pattern.as_ref().to_vec());
        self
    }

    /// `ASC`: smallest first (the default).
    #[must_use]
    pub fn asc(mut self) -> SortOptions {
        self.desc = false;
        self
    }

    /// `DESC`: largest first.
    #[must_use]
    pub fn desc(mut self) -> SortOptions {
        self.desc = true;
        self
    }

    /// `ALPHA`: compare as strings (byte order, or the locale's collation on the server),
    /// not as numbers.
    #[must_use]
    pub fn alpha(mut self) -> SortOptions {
        self.alpha = true;
        self
    }
}

impl ToArgs for SortOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if let Some(by) = &self.by {
            out.arg(b"BY");
            out.arg(by);
        }
        if let Some((offset, count)) = self.limit {
            ("LIMIT", offset, count).write_args(out);
        }
        for pattern in &self.get {
            out.arg(b"GET");
            out.arg(pattern);
        }
        if self.desc {
            out.arg(b"DESC");
        }
        if self.alpha {
            out.arg(b"ALPHA");
        }
    }
}

impl fmt::Debug for SortOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let get: Vec<usize> = self.get.iter().map(Vec::len).collect();
        f.debug_struct("SortOptions")
            .field("by_len", &self.by.as_ref().map(Vec::len))
            .field("limit", &self.limit)
            .field("get_lens", &get)
            .field("desc", &self.desc)
            .field("alpha", &self.alpha)
            .finish()
    }
}

/// When a restored key expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum RestoreTtl {
    After(Duration),
    At(SystemTime),
}

/// Options for [`KeyCommands::restore`](crate::KeyCommands::restore): the time to live
/// (relative, or an absolute time with `ABSTTL`), `REPLACE`, `IDLETIME`, `FREQ`.
///
/// ```
/// use std::time::Duration;
/// use redisync::RestoreOptions;
/// let for_an_hour = RestoreOptions::new().ttl(Duration::from_secs(3600)).replace();
/// # let _ = for_an_hour;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RestoreOptions {
    ttl: Option<RestoreTtl>,
    replace: bool,
    idle: Option<Duration>,
    freq: Option<u8>,
}

impl RestoreOptions {
    /// No expiry, never over an existing key.
    pub fn new() -> RestoreOptions {
        RestoreOptions::default()
    }

    /// The key expires after `ttl` (sent in whole milliseconds, rounded up; zero is refused:
    /// leave the time to live out for none). Replaces an earlier [`expire_at`](Self::expire_at).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> RestoreOptions {
        self.ttl = Some(RestoreTtl::After(ttl));
        self
    }

    /// `ABSTTL`: the key expires at `at` (a time in the past restores nothing: the key is
    /// expired at once). Replaces an earlier [`ttl`](Self::ttl).
    #[must_use]
    pub fn expire_at(mut self, at: SystemTime) -> RestoreOptions {
        self.ttl = Some(RestoreTtl::At(at));
        self
    }

    /// `REPLACE`: overwrite the key if it exists (without it, `BUSYKEY`).
    #[must_use]
    pub fn replace(mut self) -> RestoreOptions {
        self.replace = true;
        self
    }

    /// `IDLETIME seconds`: the key's idle time (for an LRU eviction policy), in whole
    /// seconds, rounded down. Excludes [`freq`](Self::freq).
    #[must_use]
    pub fn idletime(mut self, idle: Duration) -> RestoreOptions {
        self.idle = Some(idle);
        self
    }

    /// `FREQ frequency`: the key's access frequency counter (for an LFU eviction policy).
    /// Excludes [`idletime`](Self::idletime).
    #[must_use]
    pub fn freq(mut self, frequency: u8) -> RestoreOptions {
        self.freq = Some(frequency);
        self
    }

    /// The `ttl` argument in milliseconds (`0`: no expiry), refusing what the server would
    /// misread and the options that exclude each other.
    pub(crate) fn ttl_arg(&self) -> Result<u64> {
        if self.idle.is_some() && self.freq.is_some() {
            return Err(Error::invalid(
                "RESTORE options",
                "IDLETIME and FREQ exclude each other",
            ));
        }
        match self.ttl {
            None => Ok(0),
            Some(RestoreTtl::After(d)) => whole_millis("RESTORE ttl", d),
            // 0 would mean "no expiry": the epoch itself is as past as a millisecond later.
            Some(RestoreTtl::At(at)) => Ok(unix_time("RESTORE ABSTTL", at, 1000)?.max(1)),
        }
    }
}

impl ToArgs for RestoreOptions {
    /// The words after the payload (the method writes the time to live before it).
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if self.replace {
            out.arg(b"REPLACE");
        }
        if matches!(self.ttl, Some(RestoreTtl::At(_))) {
            out.arg(b"ABSTTL");
        }
        if let Some(idle) = self.idle {
            ("IDLETIME", idle.as_secs()).write_args(out);
        }
        if let Some(freq) = self.freq {
            ("FREQ", u16::from(freq)).write_args(out);
        }
    }
}

/// Options for [`KeyCommands::migrate`](crate::KeyCommands::migrate): `COPY`, `REPLACE`, and
/// the credentials for the target server (`AUTH password` or `AUTH2 username password`).
///
/// Its `Debug` output never shows the password.
///
/// ```
/// use redisync::MigrateOptions;
/// let keep_and_overwrite = MigrateOptions::new().copy().replace().auth2("mover", "s3cret");
/// assert!(!format!("{keep_and_overwrite:?}").contains("s3cret"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrateOptions {
    copy: bool,
    replace: bool,
    auth: Option<(Option<String>, Secret)>,
}

impl MigrateOptions {
    /// Move the keys (deleted here), never over existing keys there, no credentials.
    pub fn new() -> MigrateOptions {
        MigrateOptions::default()
    }

    /// `COPY`: keep the keys on this server too.
    #[must_use]
    pub fn copy(mut self) -> MigrateOptions {
        self.copy = true;
        self
    }

    /// `REPLACE`: overwrite keys that exist on the target (without it, the target answers
    /// `BUSYKEY`).
    #[must_use]
    pub fn replace(mut self) -> MigrateOptions {
        self.replace = true;
        self
    }

    /// `AUTH password`: the target's `requirepass` (or the default user's password).
    #[must_use]
    pub fn auth(mut self, password: impl Into<Secret>) -> MigrateOptions {
        self.auth = Some((None, password.into()));
        self
    }

    /// `AUTH2 username password`: an ACL user of the target.
    #[must_use]
    pub fn auth2(mut self, username: &str, password: impl Into<Secret>) -> MigrateOptions {
        self.auth = Some((Some(username.to_string()), password.into()));
        self
    }
}

impl ToArgs for MigrateOptions {
    /// The words after the timeout, `KEYS` excepted (the method writes the keys).
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if self.copy {
            out.arg(b"COPY");
        }
        if self.replace {
            out.arg(b"REPLACE");
        }
        match &self.auth {
            Some((None, password)) => {
                out.arg(b"AUTH");
                out.arg(password.expose().as_bytes());
            }
            Some((Some(user), password)) => {
                out.arg(b"AUTH2");
                user.write_arg(out);
                out.arg(password.expose().as_bytes());
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(o: &dyn ToArgs) -> String {
        let mut out = Vec::new();
        let mut w = ArgWriter::new(&mut out);
        o.write_args(&mut w);
        let n = w.count();
        assert_eq!(n, o.arg_count());
        let text = String::from_utf8(out).unwrap();
        let words: Vec<&str> = text.split("\r\n").skip(1).step_by(2).collect();
        assert_eq!(words.len(), n, "{text:?}");
        words.join(" ")
    }

    #[test]
    fn expire_conditions_write_and_refuse_their_conflicts() {
        use ExpireCondition::*;
        assert_eq!(encode(&ExpireConditions::new()), "");
        assert_eq!(encode(&ExpireConditions::from(Gt)), "GT");
        assert_eq!(encode(&ExpireConditions::from([Gt, Xx, Gt])), "XX GT");
        assert!(ExpireConditions::from([Xx, Lt]).check("EXPIRE").is_ok());
        for bad in [[Nx, Xx], [Nx, Gt], [Lt, Nx], [Gt, Lt]] {
            let e = ExpireConditions::from(bad).check("EXPIRE").unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
            assert!(e.to_string().contains("exclude each other"), "{e}");
        }
    }

    #[test]
    fn unix_times_round_up_and_refuse_the_time_before_1970() {
        let t = UNIX_EPOCH + Duration::from_millis(1500);
        assert_eq!(unix_time("t", t, 1).unwrap(), 2);
        assert_eq!(unix_time("t", t, 1000).unwrap(), 1500);
        assert_eq!(
            unix_time("t", t + Duration::from_nanos(1), 1000).unwrap(),
            1501
        );
        assert_eq!(unix_time("t", UNIX_EPOCH, 1).unwrap(), 0);
        assert!(unix_time("t", UNIX_EPOCH - Duration::from_secs(1), 1).is_err());
    }

    #[test]
    fn options_write_their_words() {
        assert_eq!(encode(&CopyOptions::new()), "");
        assert_eq!(encode(&CopyOptions::new().replace().db(3)), "DB 3 REPLACE");
        let sort = SortOptions::new()
            .by("w_*")
            .limit(1, 2)
            .get("#")
            .get("o_*->f")
            .desc()
            .alpha();
        assert_eq!(
            encode(&sort),
            "BY w_* LIMIT 1 2 GET # GET o_*->f DESC ALPHA"
        );
        assert_eq!(encode(&SortOptions::new().desc().asc()), "");
        let dbg = format!("{sort:?}");
        assert!(
            !dbg.contains("w_*") && dbg.contains("by_len: Some(3)"),
            "{dbg}"
        );

        let r = RestoreOptions::new();
        assert_eq!((r.ttl_arg().unwrap(), encode(&r)), (0, String::new()));
        let r = RestoreOptions::new()
            .ttl(Duration::from_micros(1500))
            .replace()
            .freq(200);
        assert_eq!(
            (r.ttl_arg().unwrap(), encode(&r)),
            (2, "REPLACE FREQ 200".into())
        );
        let r = RestoreOptions::new()
            .expire_at(UNIX_EPOCH + Duration::from_secs(5))
            .idletime(Duration::from_millis(2500));
        assert_eq!(
            (r.ttl_arg().unwrap(), encode(&r)),
            (5000, "ABSTTL IDLETIME 2".into())
        );
        assert_eq!(
            RestoreOptions::new()
                .expire_at(UNIX_EPOCH)
                .ttl_arg()
                .unwrap(),
            1
        );
        for bad in [
            RestoreOptions::new().ttl(Duration::ZERO),
            RestoreOptions::new()
                .idletime(Duration::from_secs(1))
                .freq(1),
            RestoreOptions::new().expire_at(UNIX_EPOCH - Duration::from_secs(1)),
        ] {
            assert_eq!(
                bad.ttl_arg().unwrap_err().kind(),
                crate::ErrorKind::InvalidInput
            );
        }

        assert_eq!(encode(&MigrateOptions::new()), "");
        let m = MigrateOptions::new().copy().replace().auth("pw1");
        assert_eq!(encode(&m), "COPY REPLACE AUTH pw1");
        let m = MigrateOptions::new().auth("first").auth2("u", "pw2");
        assert_eq!(encode(&m), "AUTH2 u pw2");
        let dbg = format!("{m:?}");
        assert!(!dbg.contains("pw2") && !dbg.contains("first"), "{dbg}");
    }
}
