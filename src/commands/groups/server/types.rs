//! The server group's reply types (`INFO`, `SLOWLOG GET`, `ROLE`) and its small argument types.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use super::parse::{items, next, text};
use crate::commands::args::{ArgWriter, ToArgs};
use crate::commands::reply::FromValue;
use crate::error::{ConversionError, Result};
use crate::resp::Value;

/// `INFO`'s reply, parsed: each section (`server`, `clients`, `memory`, ... in lower case, as
/// the `# Server` heading names it) maps each field to its text.
///
/// The same on RESP2 (a bulk string) and RESP3 (a verbatim string). Fields whose value is a
/// list (`db0:keys=1,expires=0,avg_ttl=0`, `cmdstat_get:calls=...`) keep it as text;
/// [`Info::keyspace`] reads the `keyspace` section's.
///
/// ```
/// use redisync::Info;
/// let info = Info::parse("# Server\r\nredis_version:7.0.15\r\n\r\n# Memory\r\nused_memory:1024\r\n");
/// assert_eq!(info.redis_version(), Some("7.0.15"));
/// assert_eq!(info.used_memory(), Some(1024));
/// assert_eq!(info.get("Memory", "used_memory"), Some("1024"));
/// assert_eq!(info.get("memory", "nope"), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Info {
    sections: BTreeMap<String, BTreeMap<String, String>>,
}

impl Info {
    /// Parses `INFO`'s text: `# Section` headings, then `field:value` lines. Fields before any
    /// heading go into the section `""`; lines without a `:` are skipped.
    pub fn parse(text: &str) -> Info {
        let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut name = String::new();
        let mut fields = BTreeMap::new();
        let mut seen = false;
        for line in text.lines() {
            let line = line.trim();
            if let Some(heading) = line.strip_prefix('#') {
                if seen || !fields.is_empty() {
                    sections
                        .entry(std::mem::take(&mut name))
                        .or_default()
                        .append(&mut fields);
                }
                name = heading.trim().to_ascii_lowercase();
                seen = true;
            } else if let Some((field, value)) = line.split_once(':') {
                fields.insert(field.to_string(), value.to_string());
            }
        }
        if seen || !fields.is_empty() {
            sections.entry(name).or_default().append(&mut fields);
        }
        Info { sections }
    }

    /// A field's text: `get("memory", "used_memory")`. The section is matched in any case.
    pub fn get(&self, section: &str, field: &str) -> Option<&str> {
        self.section(section)?.get(field).map(String::as_str)
    }

    /// A field parsed as `T` (`None` when it is missing or does not parse).
    pub fn get_as<T: FromStr>(&self, section: &str, field: &str) -> Option<T> {
        self.get(section, field)?.parse().ok()
    }

    /// One section's fields, matched in any case; `None` when the reply has no such section.
    pub fn section(&self, section: &str) -> Option<&BTreeMap<String, String>> {
        match self.sections.get(section) {
            Some(s) => Some(s),
            None => self.sections.get(&section.to_ascii_lowercase()),
        }
    }

    /// Every section, by name (lower case), in name order.
    pub fn sections(&self) -> impl Iterator<Item = (&str, &BTreeMap<String, String>)> {
        self.sections.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// `server.redis_version`: the Redis version (Valkey reports the Redis version it is
    /// compatible with, `7.2.4`; see [`Info::valkey_version`]).
    pub fn redis_version(&self) -> Option<&str> {
        self.get("server", "redis_version")
    }

    /// `server.valkey_version`: Valkey's own version, `None` on Redis.
    pub fn valkey_version(&self) -> Option<&str> {
        self.get("server", "valkey_version")
    }

    /// `server.server_name`: `valkey` on Valkey; Redis 7.0 and 6.2 have no such field.
    pub fn server_name(&self) -> Option<&str> {
        self.get("server", "server_name")
    }

    /// `server.uptime_in_seconds`, as a duration.
    pub fn uptime(&self) -> Option<Duration> {
        self.get_as("server", "uptime_in_seconds")
            .map(Duration::from_secs)
    }

    /// `clients.connected_clients`: client connections, replicas excluded.
    pub fn connected_clients(&self) -> Option<u64> {
        self.get_as("clients", "connected_clients")
    }

    /// `memory.used_memory`: bytes the server allocated.
    pub fn used_memory(&self) -> Option<u64> {
        self.get_as("memory", "used_memory")
    }

    /// `memory.maxmemory`: the memory limit in bytes (0: none).
    pub fn maxmemory(&self) -> Option<u64> {
        self.get_as("memory", "maxmemory")
    }

    /// `replication.role`: `master` or `slave` (Valkey says the same).
    pub fn role(&self) -> Option<&str> {
        self.get("replication", "role")
    }

    /// `stats.total_commands_processed`.
    pub fn total_commands_processed(&self) -> Option<u64> {
        self.get_as("stats", "total_commands_processed")
    }

    /// The `keyspace` section: each database that holds keys, by index (`db0` is 0). Empty
    /// when the reply has no keyspace section or every database is empty.
    pub fn keyspace(&self) -> BTreeMap<u32, KeyspaceInfo> {
        let Some(section) = self.section("keyspace") else {
            return BTreeMap::new();
        };
        section
            .iter()
            .filter_map(|(db, stats)| {
                let index = db.strip_prefix("db")?.parse().ok()?;
                let mut info = KeyspaceInfo::default();
                for part in stats.split(',') {
                    let (k, v) = part.split_once('=')?;
                    let n: u64 = v.parse().ok()?;
                    match k {
                        "keys" => info.keys = n,
                        "expires" => info.expires = n,
                        "avg_ttl" => info.avg_ttl = Duration::from_millis(n),
                        _ => {}
                    }
                }
                Some((index, info))
            })
            .collect()
    }
}

/// `INFO`'s text, as a bulk string (RESP2) or a verbatim string (RESP3).
impl FromValue for Info {
    fn from_value(value: Value) -> Result<Info> {
        text(value).map(|t| Info::parse(&t))
    }
}

/// One database of `INFO keyspace`: `db0:keys=1,expires=0,avg_ttl=0`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct KeyspaceInfo {
    /// Keys in the database.
    pub keys: u64,
    /// Keys with an expiry.
    pub expires: u64,
    /// The average time to live of the keys with one (an estimate; zero when unknown).
    pub avg_ttl: Duration,
}

/// One entry of `SLOWLOG GET`: a command that took longer than `slowlog-log-slower-than`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SlowlogEntry {
    /// The entry's unique, increasing id.
    pub id: u64,
    /// When the command ran.
    pub time: SystemTime,
    /// How long it took to run (the server's own time, not the round trip).
    pub duration: Duration,
    /// The command and its arguments, as the server kept them: long arguments and long
    /// argument lists are cut short (the last argument then says how many more there were).
    pub arguments: Vec<Vec<u8>>,
    /// The client's address (`ip:port`); empty from servers before Redis 4.0.
    pub client_addr: String,
    /// The client's name, empty when it had none.
    pub client_name: String,
}

impl FromValue for SlowlogEntry {
    /// `[id, unix time, microseconds, [arguments], address, name]`, on both protocols.
    fn from_value(value: Value) -> Result<SlowlogEntry> {
        const WHAT: &str = "SlowlogEntry";
        let mut it = items(value)?.into_iter();
        let id = u64::from_value(next(&mut it, WHAT, "id")?)?;
        let time = SystemTime::from_value(next(&mut it, WHAT, "time")?)?;
        let micros = u64::from_value(next(&mut it, WHAT, "duration")?)?;
        let arguments = Vec::<Vec<u8>>::from_value(next(&mut it, WHAT, "arguments")?)?;
        let client_addr = it.next().map(text).transpose()?.unwrap_or_default();
        let client_name = it.next().map(text).transpose()?.unwrap_or_default();
        Ok(SlowlogEntry {
            id,
            time,
            duration: Duration::from_micros(micros),
            arguments,
            client_addr,
            client_name,
        })
    }
}

/// What `ROLE` says this server is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    /// A primary (`master`), with the replicas connected to it.
    Master {
        /// The replication offset.
        offset: u64,
        /// Each connected replica.
        replicas: Vec<ConnectedReplica>,
    },
    /// A replica (`slave`) of the named primary.
    Replica {
        /// The primary's host.
        master_host: String,
        /// The primary's port.
        master_port: u16,
        /// The link's state: `connect`, `connecting`, `handshake`, `sync` or `connected`.
        state: String,
        /// The replication offset received so far; -1 while the link is not established.
        offset: i64,
    },
    /// A Sentinel, with the primaries it monitors.
    Sentinel {
        /// The names of the monitored primaries.
        masters: Vec<String>,
    },
}

/// A replica as its primary's `ROLE` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ConnectedReplica {
    /// The replica's address.
    pub host: String,
    /// The replica's listening port.
    pub port: u16,
    /// The replication offset it acknowledged.
    pub offset: u64,
}

impl FromValue for ConnectedReplica {
    /// `[host, port, offset]`, the numbers as strings.
    fn from_value(value: Value) -> Result<ConnectedReplica> {
        const WHAT: &str = "ConnectedReplica";
        let mut it = items(value)?.into_iter();
        Ok(ConnectedReplica {
            host: text(next(&mut it, WHAT, "host")?)?,
            port: u16::from_value(next(&mut it, WHAT, "port")?)?,
            offset: u64::from_value(next(&mut it, WHAT, "offset")?)?,
        })
    }
}

impl FromValue for Role {
    /// `[master, offset, [[host, port, offset], ...]]`, `[slave, host, port, state, offset]`
    /// or `[sentinel, [name, ...]]`, on both protocols (`primary` and `replica` are read too).
    fn from_value(value: Value) -> Result<Role> {
        const WHAT: &str = "Role";
        let mut it = items(value)?.into_iter();
        let role = text(next(&mut it, WHAT, "role")?)?;
        match role.as_str() {
            "master" | "primary" => Ok(Role::Master {
                offset: u64::from_value(next(&mut it, WHAT, "offset")?)?,
                replicas: Vec::from_value(next(&mut it, WHAT, "replicas")?)?,
            }),
            "slave" | "replica" => Ok(Role::Replica {
                master_host: text(next(&mut it, WHAT, "master host")?)?,
                master_port: u16::from_value(next(&mut it, WHAT, "master port")?)?,
                state: text(next(&mut it, WHAT, "state")?)?,
                offset: i64::from_value(next(&mut it, WHAT, "offset")?)?,
            }),
            "sentinel" => Ok(Role::Sentinel {
                masters: Vec::from_value(next(&mut it, WHAT, "masters")?)?,
            }),
            _ => Err(ConversionError::custom(WHAT, "a reply naming an unknown role").into()),
        }
    }
}

/// How `FLUSHDB` and `FLUSHALL` free the memory: `SYNC` before replying, `ASYNC` in the
/// background (the keys are gone at once either way). Without one, the server's
/// `lazyfree-lazy-user-flush` setting decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlushMode {
    /// `SYNC`: free the memory before replying.
    Sync,
    /// `ASYNC`: free it in a background thread.
    Async,
}

impl ToArgs for FlushMode {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            FlushMode::Sync => b"SYNC".as_slice(),
            FlushMode::Async => b"ASYNC",
        })
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
    fn info_parses_sections_fields_and_the_keyspace() {
        let text = "# Server\r\nredis_version:7.0.15\r\nexecutable:/usr/bin/redis:x\r\n\r\n\
                    # Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=1500\r\ndb12:keys=1,expires=0,avg_ttl=0,x=1\r\n\
                    # Cluster Info\r\n";
        let info = Info::parse(text);
        assert_eq!(info.get("server", "executable"), Some("/usr/bin/redis:x"));
        assert_eq!(info.section("cluster info").map(|s| s.len()), Some(0));
        assert_eq!(info.section("Cluster Info").map(|s| s.len()), Some(0));
        let ks = info.keyspace();
        assert_eq!(ks.len(), 2);
        assert_eq!(ks[&0].keys, 3);
        assert_eq!(ks[&0].avg_ttl, Duration::from_millis(1500));
        assert_eq!(ks[&12].expires, 0);
        let names: Vec<&str> = info.sections().map(|(n, _)| n).collect();
        assert_eq!(names, ["cluster info", "keyspace", "server"]);
        let verbatim = Value::Verbatim {
            format: *b"txt",
            text: text.as_bytes().to_vec(),
        };
        assert_eq!(Info::from_value(verbatim).unwrap(), info);
        assert_eq!(Info::from_value(bulk(text)).unwrap(), info);
        // No heading: the fields go into "".
        assert_eq!(Info::parse("a:1\n").get("", "a"), Some("1"));
        assert_eq!(Info::parse(""), Info::default());
    }

    #[test]
    fn roles_read_every_kind() {
        let master = Value::Array(vec![
            bulk("master"),
            Value::Int(14),
            Value::Array(vec![Value::Array(vec![
                bulk("127.0.0.1"),
                bulk("6380"),
                bulk("14"),
            ])]),
        ]);
        assert_eq!(
            Role::from_value(master).unwrap(),
            Role::Master {
                offset: 14,
                replicas: vec![ConnectedReplica {
                    host: "127.0.0.1".into(),
                    port: 6380,
                    offset: 14
                }]
            }
        );
        let replica = Value::Array(vec![
            bulk("slave"),
            bulk("127.0.0.1"),
            Value::Int(6379),
            bulk("handshake"),
            Value::Int(-1),
        ]);
        assert!(matches!(
            Role::from_value(replica).unwrap(),
            Role::Replica {
                master_port: 6379,
                offset: -1,
                ..
            }
        ));
        let sentinel = Value::Array(vec![bulk("sentinel"), Value::Array(vec![bulk("mymaster")])]);
        assert_eq!(
            Role::from_value(sentinel).unwrap(),
            Role::Sentinel {
                masters: vec!["mymaster".into()]
            }
        );
        for bad in [
            Value::Array(vec![bulk("leader")]),
            Value::Array(vec![bulk("master")]),
            Value::Nil,
            Value::Int(1),
        ] {
            assert_eq!(
                Role::from_value(bad).unwrap_err().kind(),
                ErrorKind::Conversion
            );
        }
    }

    #[test]
    fn slowlog_entries_read_old_and_new_shapes() {
        let entry = Value::Array(vec![
            Value::Int(7),
            Value::Int(1_700_000_000),
            Value::Int(1500),
            Value::Array(vec![
                bulk("SET"),
                Value::BulkString(vec![0xff, b'\r', b'\n']),
            ]),
            bulk("127.0.0.1:5000"),
            bulk("worker"),
        ]);
        let e = SlowlogEntry::from_value(entry).unwrap();
        assert_eq!(e.id, 7);
        assert_eq!(e.duration, Duration::from_micros(1500));
        assert_eq!(
            e.time,
            std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
        );
        assert_eq!(e.arguments[1], [0xff, b'\r', b'\n']);
        assert_eq!(
            (e.client_addr.as_str(), e.client_name.as_str()),
            ("127.0.0.1:5000", "worker")
        );
        let old = Value::Array(vec![
            Value::Int(1),
            Value::Int(2),
            Value::Int(3),
            Value::Array(vec![]),
        ]);
        assert_eq!(SlowlogEntry::from_value(old).unwrap().client_addr, "");
        let short = Value::Array(vec![Value::Int(1)]);
        assert_eq!(
            SlowlogEntry::from_value(short).unwrap_err().kind(),
            ErrorKind::Conversion
        );
    }
}
