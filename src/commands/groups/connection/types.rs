//! The connection group's reply types: `HELLO`, `CLIENT INFO`/`CLIENT LIST`, `CLIENT
//! TRACKINGINFO`.

use std::collections::BTreeMap;
use std::time::Duration;

use super::super::server::parse::{fields, missing, number, text};
use crate::commands::reply::FromValue;
use crate::error::Result;
use crate::resp::Value;

/// `HELLO`'s reply: who the server is and what the connection now speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Hello {
    /// `redis` or `valkey`.
    pub server: String,
    /// The server's version (Valkey's own, `9.1.2`).
    pub version: String,
    /// The protocol the connection speaks from now on: 2 or 3.
    pub proto: u8,
    /// The connection's client id (as `CLIENT ID`).
    pub id: u64,
    /// `standalone`, `cluster` or `sentinel`.
    pub mode: String,
    /// `master` or `replica`.
    pub role: String,
    /// The loaded modules (Valkey 9 lists its Lua engine as one).
    pub modules: Vec<ModuleInfo>,
}

/// A module as `HELLO` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModuleInfo {
    /// The module's name.
    pub name: String,
    /// Its version number.
    pub version: i64,
    /// The file it was loaded from (empty when not reported).
    pub path: String,
    /// The arguments it was loaded with.
    pub args: Vec<String>,
}

impl FromValue for ModuleInfo {
    /// A map (RESP3) or flat array (RESP2) of `name`, `ver`, `path`, `args`.
    fn from_value(value: Value) -> Result<ModuleInfo> {
        let mut m = ModuleInfo {
            name: String::new(),
            version: 0,
            path: String::new(),
            args: Vec::new(),
        };
        let mut named = false;
        for (field, value) in fields(value)? {
            match field.as_str() {
                "name" => {
                    m.name = text(value)?;
                    named = true;
                }
                "ver" => m.version = i64::from_value(value)?,
                "path" => m.path = text(value)?,
                "args" => m.args = Vec::from_value(value)?,
                _ => {}
            }
        }
        if !named {
            return Err(missing("ModuleInfo", "name"));
        }
        Ok(m)
    }
}

impl FromValue for Hello {
    /// A map (RESP3) or flat array (RESP2) of `server`, `version`, `proto`, `id`, `mode`,
    /// `role`, `modules`; `server`, `version`, `proto` and `id` must be there.
    fn from_value(value: Value) -> Result<Hello> {
        const WHAT: &str = "Hello";
        let (mut server, mut version, mut proto, mut id) = (None, None, None, None);
        let mut h = Hello {
            server: String::new(),
            version: String::new(),
            proto: 0,
            id: 0,
            mode: String::new(),
            role: String::new(),
            modules: Vec::new(),
        };
        for (field, value) in fields(value)? {
            match field.as_str() {
                "server" => server = Some(text(value)?),
                "version" => version = Some(text(value)?),
                "proto" => proto = Some(u8::from_value(value)?),
                "id" => id = Some(u64::from_value(value)?),
                "mode" => h.mode = text(value)?,
                "role" => h.role = text(value)?,
                "modules" => h.modules = Vec::from_value(value)?,
                _ => {}
            }
        }
        h.server = server.ok_or_else(|| missing(WHAT, "server"))?;
        h.version = version.ok_or_else(|| missing(WHAT, "version"))?;
        h.proto = proto.ok_or_else(|| missing(WHAT, "proto"))?;
        h.id = id.ok_or_else(|| missing(WHAT, "id"))?;
        Ok(h)
    }
}

/// One client connection as `CLIENT INFO` and `CLIENT LIST` describe it: a line of
/// `field=value` pairs. The fields every supported server sends are typed; [`ClientInfo::get`]
/// reads any of them as text (`qbuf`, `omem`, `tot-mem`, `events`, ...).
///
/// The same on RESP2 (a bulk string) and RESP3 (a verbatim string).
///
/// ```
/// use redisync::ClientInfo;
/// let c = ClientInfo::parse("id=7 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=8 name=worker \
///                            age=3 idle=0 flags=N db=2 cmd=client|info user=default resp=3")?;
/// assert_eq!((c.id, c.db, c.name.as_deref()), (7, 2, Some("worker")));
/// assert_eq!(c.get("fd"), Some("8"));
/// # Ok::<(), redisync::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientInfo {
    /// The client's unique id.
    pub id: u64,
    /// The client's address, `ip:port` (or `path:0` for a Unix socket).
    pub addr: String,
    /// The server-side address the client connected to (Redis 6.2+).
    pub laddr: Option<String>,
    /// The name the client set (`CLIENT SETNAME`), `None` when it has none.
    pub name: Option<String>,
    /// How long the connection has been open.
    pub age: Duration,
    /// How long it has been idle.
    pub idle: Duration,
    /// The client's flags, one letter each (`N`: none; `x`: in MULTI; `S`: a replica; `P`:
    /// pub/sub; `b`: blocked; `t`: tracking; ...).
    pub flags: String,
    /// The selected database.
    pub db: u32,
    /// The last command it ran (`client|info`; `NULL` before the first).
    pub cmd: String,
    /// The ACL user it is authenticated as (Redis 6.0+).
    pub user: Option<String>,
    /// The protocol it speaks, 2 or 3 (Redis 7.0+).
    pub resp: Option<u8>,
    /// The library name it declared with `CLIENT SETINFO` (Redis 7.2+, Valkey).
    pub lib_name: Option<String>,
    /// The library version it declared (Redis 7.2+, Valkey).
    pub lib_ver: Option<String>,
    fields: BTreeMap<String, String>,
}

impl ClientInfo {
    /// Parses one line of `CLIENT LIST` (or the whole of `CLIENT INFO`).
    ///
    /// # Errors
    /// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) for a line without `id` or
    /// `addr`, or a number field (`id`, `age`, `idle`, `db`, `resp`) that is not a number.
    pub fn parse(line: &str) -> Result<ClientInfo> {
        const WHAT: &str = "ClientInfo";
        let fields: BTreeMap<String, String> = line
            .split_ascii_whitespace()
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (pair.to_string(), String::new()),
            })
            .collect();
        let get = |k: &str| fields.get(k).map(String::as_str);
        let non_empty = |k: &str| get(k).filter(|v| !v.is_empty()).map(str::to_string);
        let num =
            |k: &str| -> Result<Option<u64>> { get(k).map(|v| number(WHAT, k, v)).transpose() };
        Ok(ClientInfo {
            id: num("id")?.ok_or_else(|| missing(WHAT, "id"))?,
            addr: get("addr")
                .ok_or_else(|| missing(WHAT, "addr"))?
                .to_string(),
            laddr: non_empty("laddr"),
            name: non_empty("name"),
            age: Duration::from_secs(num("age")?.unwrap_or(0)),
            idle: Duration::from_secs(num("idle")?.unwrap_or(0)),
            flags: get("flags").unwrap_or_default().to_string(),
            db: get("db")
                .map(|v| number(WHAT, "db", v))
                .transpose()?
                .unwrap_or(0),
            cmd: get("cmd").unwrap_or_default().to_string(),
            user: non_empty("user"),
            resp: get("resp").map(|v| number(WHAT, "resp", v)).transpose()?,
            lib_name: non_empty("lib-name"),
            lib_ver: non_empty("lib-ver"),
            fields,
        })
    }

    /// Any field's text, as the server wrote it (`get("tot-mem")`).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    /// Every field, by name.
    pub fn fields(&self) -> &BTreeMap<String, String> {
        &self.fields
    }

    /// Whether the client has this flag (`'x'`, `'P'`, `'t'`, ...).
    pub fn has_flag(&self, flag: char) -> bool {
        self.flags.contains(flag)
    }
}

impl FromValue for ClientInfo {
    /// One line of `field=value` pairs, as a bulk or verbatim string.
    fn from_value(value: Value) -> Result<ClientInfo> {
        ClientInfo::parse(text(value)?.trim())
    }
}

/// `CLIENT TRACKINGINFO`'s reply: the connection's client-side caching state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrackingInfo {
    /// `off`, or `on` with the modes (`bcast`, `optin`, `optout`, `caching-yes`,
    /// `caching-no`, `noloop`, `broken_redirect`).
    pub flags: Vec<String>,
    /// The client id invalidations go to: -1 when tracking is off, 0 when they come on this
    /// connection (RESP3).
    pub redirect: i64,
    /// The prefixes of broadcasting mode.
    pub prefixes: Vec<Vec<u8>>,
}

impl TrackingInfo {
    /// Whether tracking is on.
    pub fn is_on(&self) -> bool {
        self.flags.iter().any(|f| f == "on")
    }
}

impl FromValue for TrackingInfo {
    /// A map (RESP3) or flat array (RESP2) of `flags`, `redirect`, `prefixes`.
    fn from_value(value: Value) -> Result<TrackingInfo> {
        let mut t = TrackingInfo {
            flags: Vec::new(),
            redirect: -1,
            prefixes: Vec::new(),
        };
        let mut redirect = false;
        for (field, value) in fields(value)? {
            match field.as_str() {
                "flags" => t.flags = Vec::from_value(value)?,
                "redirect" => {
                    t.redirect = i64::from_value(value)?;
                    redirect = true;
                }
                "prefixes" => t.prefixes = Vec::from_value(value)?,
                _ => {}
            }
        }
        if !redirect {
            return Err(missing("TrackingInfo", "redirect"));
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn client_info_reads_every_server_line() {
        let r62 = "id=6 addr=127.0.0.1:34198 laddr=127.0.0.1:27101 fd=8 name= age=1 idle=1 \
                   flags=N db=0 sub=0 psub=0 multi=-1 qbuf=26 qbuf-free=32744 argv-mem=10 obl=0 \
                   oll=0 omem=0 tot-mem=49810 events=r cmd=client user=default redir=-1\n";
        let c = ClientInfo::from_value(bulk(r62)).unwrap();
        assert_eq!((c.id, c.name.as_deref(), c.resp), (6, None, None));
        assert_eq!(c.age, Duration::from_secs(1));
        assert_eq!(c.get("redir"), Some("-1"));
        assert_eq!(c.user.as_deref(), Some("default"));
        let vk = "id=9 addr=/tmp/r.sock:0 laddr=/tmp/r.sock fd=11 name=w flags=x capa= db=3 \
                  cmd=client|info user=default redir=-1 resp=3 lib-name=redisync lib-ver=0.1.0";
        let verbatim = Value::Verbatim {
            format: *b"txt",
            text: vk.as_bytes().to_vec(),
        };
        let c = ClientInfo::from_value(verbatim).unwrap();
        assert_eq!(
            (c.db, c.resp, c.lib_name.as_deref()),
            (3, Some(3), Some("redisync"))
        );
        assert!(c.has_flag('x'));
        assert_eq!(c.get("capa"), Some(""));
        for bad in ["addr=x", "id=x addr=y", "id=1", "id=1 addr=a db=z"] {
            let e = ClientInfo::parse(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{bad}");
        }
    }

    #[test]
    fn hello_reads_both_shapes() {
        let module = || {
            vec![
                (bulk("name"), bulk("lua")),
                (bulk("ver"), Value::Int(1)),
                (bulk("path"), bulk("lua")),
                (bulk("args"), Value::Array(vec![])),
            ]
        };
        let pairs = vec![
            (bulk("server"), bulk("valkey")),
            (bulk("version"), bulk("9.1.2")),
            (bulk("proto"), Value::Int(3)),
            (bulk("id"), Value::Int(5)),
            (bulk("mode"), bulk("standalone")),
            (bulk("role"), bulk("master")),
            (bulk("modules"), Value::Array(vec![Value::Map(module())])),
        ];
        let flat = |pairs: Vec<(Value, Value)>| {
            Value::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
        };
        let resp2 = flat(
            pairs
                .iter()
                .cloned()
                .map(|(k, v)| match v {
                    Value::Array(_) => (k, Value::Array(vec![flat(module())])),
                    v => (k, v),
                })
                .collect(),
        );
        let a = Hello::from_value(Value::Map(pairs)).unwrap();
        let b = Hello::from_value(resp2).unwrap();
        assert_eq!(a, b);
        assert_eq!((a.proto, a.id, a.modules[0].name.as_str()), (3, 5, "lua"));
        let e = Hello::from_value(Value::Map(vec![(bulk("server"), bulk("x"))])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion);
    }

    #[test]
    fn tracking_info_reads_both_shapes() {
        let resp3 = Value::Map(vec![
            (bulk("flags"), Value::Set(vec![bulk("on"), bulk("bcast")])),
            (bulk("redirect"), Value::Int(0)),
            (bulk("prefixes"), Value::Array(vec![bulk("user:")])),
        ]);
        let resp2 = Value::Array(vec![
            bulk("flags"),
            Value::Array(vec![bulk("on"), bulk("bcast")]),
            bulk("redirect"),
            Value::Int(0),
            bulk("prefixes"),
            Value::Array(vec![bulk("user:")]),
        ]);
        let a = TrackingInfo::from_value(resp3).unwrap();
        assert_eq!(a, TrackingInfo::from_value(resp2).unwrap());
        assert!(a.is_on());
        assert_eq!(a.prefixes, [b"user:".to_vec()]);
    }
}
