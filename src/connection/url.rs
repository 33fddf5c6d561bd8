//! Turning a `redis://`, `rediss://` or `unix://` URL into a [`ConnectionConfig`].
//!
//! The parser is written by hand (no `url` dependency) and is strict: anything it does not
//! understand is an error naming the part of the URL that is wrong, never silently ignored. No
//! error message ever contains the password, wherever in the URL it was given.

use std::net::Ipv6Addr;
use std::time::Duration;

use super::config::{ConnectionConfig, DEFAULT_PORT, Protocol, Secret, TlsConfig};
use crate::error::{Error, Result};

/// A query key [`ConnectionConfig::from_url`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Db,
    SocketTimeout,
    SocketConnectTimeout,
    Protocol,
    ClientName,
    Username,
    Password,
    Keepalive,
}

/// Every query key, by name.
const QUERY_KEYS: &[(&str, Key)] = &[
    ("db", Key::Db),
    ("socket_timeout", Key::SocketTimeout),
    ("socket_connect_timeout", Key::SocketConnectTimeout),
    ("protocol", Key::Protocol),
    ("client_name", Key::ClientName),
    ("username", Key::Username),
    ("password", Key::Password),
    ("keepalive", Key::Keepalive),
];

/// What the scheme asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// TCP, with or without TLS.
    Tcp { tls: bool },
    /// A Unix domain socket.
    Unix,
}

impl Transport {
    fn from_scheme(scheme: &str) -> Option<Transport> {
        match scheme.to_ascii_lowercase().as_str() {
            "redis" | "valkey" => Some(Transport::Tcp { tls: false }),
            "rediss" | "valkeys" => Some(Transport::Tcp { tls: true }),
            "unix" | "redis+unix" | "valkey+unix" => Some(Transport::Unix),
            _ => None,
        }
    }
}

impl ConnectionConfig {
    /// Builds a configuration from a URL.
    ///
    /// # Forms
    ///
    /// ```text
    /// redis://[[user][:password]@]host[:port][/db][?key=value&...]
    /// rediss://[[user][:password]@]host[:port][/db][?key=value&...]
    /// unix://[[user][:password]@]/path/to/socket[?key=value&...]
    /// ```
    ///
    /// - The scheme is matched without regard to case and must be followed by `://`.
    ///   `redis://` is plain TCP; `rediss://` is TCP with TLS, certificate and host name
    ///   verification on ([`TlsConfig::default`]). `valkey://` and `valkeys://` are aliases of
    ///   `redis://` and `rediss://`; `redis+unix://` and `valkey+unix://` are aliases of
    ///   `unix://`.
    /// - `host` is a host name (letters, digits, `-`, `.`, `_`), an IPv4 address, or an IPv6
    ///   address in brackets, `[::1]` (kept without the brackets). It is required for TCP and
    ///   must be empty for a Unix socket (hence the three slashes of `unix:///tmp/redis.sock`).
    /// - `port` is 1 to 65535; without one (or with an empty one, `host:`) it is 6379.
    /// - The path of a TCP URL is the database index: empty or `/` means 0, `/2` means 2. The
    ///   path of a Unix URL is the socket's path.
    /// - A user name alone (`user@`) authenticates as that ACL user with no password; a
    ///   password alone (`:password@`) authenticates the `default` user. Everything up to the
    ///   first `:` of the user info is the user name, and the user info ends at the last `@`
    ///   before the host, so only `/`, `?`, `#` and `%` must be escaped in a password.
    /// - The user name, password, host, path, and query keys and values are percent-decoded
    ///   exactly once (`%40` is `@`, `%2540` is `%40`). A `+` stays a `+`. A `%` not followed by
    ///   two hex digits is an error, as is a decoded text that is not UTF-8.
    /// - Spaces, control characters and `#` (fragments) are refused anywhere; escape them.
    ///
    /// # Query keys
    ///
    /// Keys are case-sensitive and follow redis-py's names. Each may be given once, with a
    /// non-empty value; an unknown key is an error, so a misspelt option is never ignored.
    ///
    /// | Key | Value | Effect |
    /// |---|---|---|
    /// | `db` | integer, 0 to 4294967295 | The database to `SELECT`; overrides the `/db` path. |
    /// | `socket_timeout` | seconds, > 0, may be fractional (`0.5`) | Both the read and the write timeout ([`ConnectionConfig::socket_timeout`]). |
    /// | `socket_connect_timeout` | seconds, > 0, may be fractional | The connect deadline ([`ConnectionConfig::connect_timeout`]). |
    /// | `protocol` | `2`, `3`, `resp2` or `resp3` (any case) | The protocol to ask for ([`Protocol`]). |
    /// | `client_name` | printable ASCII without spaces | The name `CLIENT SETNAME` gives the connection. |
    /// | `username` | text | The ACL user name; overrides the one before the `@`. |
    /// | `password` | text | The password; overrides the one before the `@`. |
    /// | `keepalive` | whole seconds, `0` to turn it off | TCP keepalive idle time before the first probe ([`ConnectionConfig::keepalive`]). |
    ///
    /// Settings the URL does not give keep the defaults of [`ConnectionConfig::new`].
    ///
    /// # Errors
    ///
    /// An error of kind [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) naming the
    /// wrong part (`URL scheme`, `URL port`, ``URL query key `db` ``, ...) and saying why. The
    /// password never appears in it. When a URL looks like a password held an unescaped `/`, `?`
    /// or `&` (an `@` after the host, or an unknown key right after `password=`), the error does
    /// not quote the URL's text at all, since that text may be part of the password.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use redisync::{Address, ConnectionConfig, Protocol};
    ///
    /// let cfg = ConnectionConfig::from_url(
    ///     "rediss://app:s3cr%40t@cache.example.com:6380/4?socket_timeout=0.5&protocol=resp2",
    /// )?;
    /// assert_eq!(
    ///     &cfg.address,
    ///     &Address::Tcp { host: "cache.example.com".into(), port: 6380 },
    /// );
    /// assert!(cfg.tls.as_ref().is_some());
    /// assert_eq!(cfg.username.as_deref(), Some("app"));
    /// assert!(cfg.password.is_some());
    /// assert_eq!(cfg.db, 4);
    /// assert_eq!(cfg.read_timeout, Duration::from_millis(500));
    /// assert_eq!(cfg.protocol, Protocol::Resp2);
    ///
    /// let cfg = ConnectionConfig::from_url("unix:///run/redis/redis.sock?db=1")?;
    /// assert_eq!(&cfg.address, &Address::Unix("/run/redis/redis.sock".into()));
    ///
    /// let err = ConnectionConfig::from_url("redis://localhost:99999").unwrap_err();
    /// assert_eq!(err.kind(), redisync::ErrorKind::InvalidInput);
    /// # Ok::<(), redisync::Error>(())
    /// ```
    pub fn from_url(url: &str) -> Result<ConnectionConfig> {
        parse(url)
    }
}

fn parse(url: &str) -> Result<ConnectionConfig> {
    // Checked before anything is split, and reported without quoting, so that a password holding
    // one of these characters cannot leak.
    if let Some(at) = url.bytes().position(|b| b == b' ' || b.is_ascii_control()) {
        return Err(Error::invalid(
            "URL",
            format!(
                "contains a space or control character at byte {at}; percent-encode it (a space is `%20`)"
            ),
        ));
    }
    if url.contains('#') {
        return Err(Error::invalid(
            "URL",
            "contains `#`: fragments are not supported, and a `#` in a password or value must be written `%23`",
        ));
    }

    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(Error::invalid(
            "URL scheme",
            "missing `://`: expected a URL like redis://localhost:6379 or unix:///path/to/socket",
        ));
    };
    let Some(transport) = Transport::from_scheme(scheme) else {
        let found = if !scheme.is_empty()
            && scheme.len() <= 32
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        {
            format!(", not `{scheme}://`")
        } else {
            String::new()
        };
        return Err(Error::invalid(
            "URL scheme",
            format!(
                "expected redis://, rediss:// or unix:// (or valkey://, valkeys://, redis+unix://, valkey+unix://){found}"
            ),
        ));
    };

    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let (authority, path) =
        before_query.split_at(before_query.find('/').unwrap_or(before_query.len()));

    // An `@` after a non-empty authority that has none of its own almost always means a password
    // with an unescaped `/` or `?` was cut in two; the pieces after the cut must not be quoted.
    let echo =
        authority.is_empty() || authority.contains('@') || !rest[authority.len()..].contains('@');
    let p = Parser { echo };

    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((userinfo, hostport)) => (Some(userinfo), hostport),
        None => (None, authority),
    };
    let (mut username, mut password) = match userinfo {
        Some(userinfo) => p.userinfo(userinfo)?,
        None => (None, None),
    };

    let mut cfg = match transport {
        Transport::Tcp { tls } => {
            let (host, port) = p.host_port(hostport)?;
            let db = p.db_path(path)?;
            let cfg = ConnectionConfig::new(host, port).db(db);
            if tls {
                cfg.tls(TlsConfig::default())
            } else {
                cfg
            }
        }
        Transport::Unix => {
            if !hostport.is_empty() {
                return Err(Error::invalid(
                    "URL host",
                    "a Unix socket URL takes no host: write unix:///path/to/socket (three slashes)",
                ));
            }
            let path = p.decode(path, "URL path", false)?;
            if path.is_empty() || path == "/" {
                return Err(Error::invalid(
                    "URL path",
                    "a Unix socket URL needs the socket's path, like unix:///run/redis.sock",
                ));
            }
            ConnectionConfig::unix(path)
        }
    };

    if let Some(query) = query {
        p.query(query, &mut cfg, &mut username, &mut password)?;
    }
    cfg.username = username;
    cfg.password = password.map(Secret::new);
    Ok(cfg)
}

/// Parses the pieces of one URL; `echo` says whether its text may be quoted in errors.
struct Parser {
    echo: bool,
}

impl Parser {
    /// `text` in backquotes for an error message, or a stand-in when quoting is unsafe.
    fn show(&self, text: &str) -> String {
        if self.echo {
            format!("`{text}`")
        } else {
            "the value (not shown, as it may hold part of a password with an unescaped `/`, `?` or `&`)"
                .to_string()
        }
    }

    /// Percent-decodes `raw` once. A `secret` is never quoted in the error.
    fn decode(&self, raw: &str, part: &str, secret: bool) -> Result<String> {
        let bytes = raw.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    let hi = (h[0] as char).to_digit(16)?;
                    let lo = (h[1] as char).to_digit(16)?;
                    Some((hi * 16 + lo) as u8)
                });
                let Some(byte) = hex else {
                    let reason = if secret || !self.echo {
                        "has a `%` not followed by two hex digits (write a literal `%` as `%25`)"
                            .to_string()
                    } else {
                        let bad = String::from_utf8_lossy(&bytes[i..bytes.len().min(i + 3)]);
                        format!(
                            "`{bad}` is not a percent escape: `%` must be followed by two hex digits (write a literal `%` as `%25`)"
                        )
                    };
                    return Err(Error::invalid(part, reason));
                };
                out.push(byte);
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out)
            .map_err(|_| Error::invalid(part, "is not valid UTF-8 once percent-decoded"))
    }

    /// `user[:password]`; empty pieces mean "not given".
    fn userinfo(&self, userinfo: &str) -> Result<(Option<String>, Option<String>)> {
        let (user, pass) = match userinfo.split_once(':') {
            Some((user, pass)) => (user, Some(pass)),
            None => (userinfo, None),
        };
        let user = self.decode(user, "URL user name", false)?;
        let pass = match pass {
            Some(pass) => self.decode(pass, "URL password", true)?,
            None => String::new(),
        };
        Ok((
            Some(user).filter(|u| !u.is_empty()),
            Some(pass).filter(|p| !p.is_empty()),
        ))
    }

    /// `host[:port]` or `[ipv6][:port]`.
    fn host_port(&self, hostport: &str) -> Result<(String, u16)> {
        let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
            let Some((inner, after)) = bracketed.split_once(']') else {
                return Err(Error::invalid(
                    "URL host",
                    "an IPv6 address opened with `[` has no closing `]`",
                ));
            };
            let port = match after {
                "" => None,
                _ => match after.strip_prefix(':') {
                    Some(port) => Some(port),
                    None => {
                        return Err(Error::invalid(
                            "URL host",
                            "expected `:port` or nothing after the `]` of an IPv6 address",
                        ));
                    }
                },
            };
            let host = self.decode(inner, "URL host", false)?;
            if host.parse::<Ipv6Addr>().is_err() {
                return Err(Error::invalid(
                    "URL host",
                    format!("{} in brackets is not an IPv6 address", self.show(&host)),
                ));
            }
            (host, port)
        } else {
            let (host, port) = match hostport.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (hostport, None),
            };
            if port.is_some_and(|p| p.contains(':')) {
                return Err(Error::invalid(
                    "URL host",
                    "an IPv6 address must be written in brackets, like redis://[::1]:6379",
                ));
            }
            let host = self.decode(host, "URL host", false)?;
            if host.is_empty() {
                return Err(Error::invalid(
                    "URL host",
                    "is empty: a TCP URL needs a host, like redis://localhost:6379",
                ));
            }
            if !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
            {
                let hint = if host.contains(':') {
                    " (an IPv6 address must be written in brackets, like redis://[::1]:6379)"
                } else {
                    " (only letters, digits, `-`, `.` and `_` are allowed)"
                };
                return Err(Error::invalid(
                    "URL host",
                    format!("{} is not a host name{hint}", self.show(&host)),
                ));
            }
            (host, port)
        };
        let port = match port {
            None | Some("") => DEFAULT_PORT,
            Some(text) => {
                let port = if text.bytes().all(|b| b.is_ascii_digit()) {
                    text.parse::<u16>().ok().filter(|&p| p != 0)
                } else {
                    None
                };
                port.ok_or_else(|| {
                    Error::invalid(
                        "URL port",
                        format!("{} is not a port number (1-65535)", self.show(text)),
                    )
                })?
            }
        };
        Ok((host, port))
    }

    /// The path of a TCP URL: empty, `/`, or `/` and a database index.
    fn db_path(&self, path: &str) -> Result<u32> {
        if path.is_empty() || path == "/" {
            return Ok(0);
        }
        let text = self.decode(&path[1..], "URL path", false)?;
        parse_digits(&text).ok_or_else(|| {
            Error::invalid(
                "URL path",
                format!(
                    "{} is not a database number (the path must be empty or `/` and a number from 0 to 4294967295, like `/2`)",
                    self.show(&text)
                ),
            )
        })
    }

    /// `key=value&...`, applied to `cfg` (user name and password go to the caller's slots, which
    /// override the user info).
    fn query(
        &self,
        query: &str,
        cfg: &mut ConnectionConfig,
        username: &mut Option<String>,
        password: &mut Option<String>,
    ) -> Result<()> {
        let mut seen: Vec<Key> = Vec::new();
        let mut after_password = false;
        for pair in query.split('&') {
            if pair.is_empty() {
                continue;
            }
            // An unknown key right after `password=` is likely the rest of a password that held an
            // unescaped `&`; do not quote it.
            let quote_key = self.echo && !after_password;
            let (raw_key, raw_value) = match pair.split_once('=') {
                Some((key, value)) => (key, Some(value)),
                None => (pair, None),
            };
            let name = self.decode(raw_key, "URL query key", !quote_key)?;
            let Some(&(name, key)) = QUERY_KEYS.iter().find(|(n, _)| *n == name) else {
                // A decoded key holding `=` (`password%3Dsecret`) may hold a password itself.
                if !quote_key || name.contains('=') {
                    return Err(Error::invalid(
                        "URL query",
                        "a key is not a known option (not shown, as it may be part of a password: write `&`, `?`, `/` and `#` in a password as `%26`, `%3F`, `%2F` and `%23`)",
                    ));
                }
                let known: Vec<&str> = QUERY_KEYS.iter().map(|(n, _)| *n).collect();
                return Err(Error::invalid(
                    format!("URL query key `{name}`"),
                    format!(
                        "is not a known option (expected one of {})",
                        known.join(", ")
                    ),
                ));
            };
            let part = format!("URL query key `{name}`");
            if seen.contains(&key) {
                return Err(Error::invalid(part, "is given more than once"));
            }
            seen.push(key);
            after_password = key == Key::Password;
            let value = match raw_value {
                Some(value) if !value.is_empty() => value,
                _ => return Err(Error::invalid(part, "needs a value, like `key=value`")),
            };
            let value = self.decode(value, &part, key == Key::Password)?;
            match key {
                Key::Db => {
                    cfg.db = parse_digits(&value).ok_or_else(|| {
                        Error::invalid(
                            &*part,
                            format!(
                                "{} is not a database number (0 to 4294967295)",
                                self.show(&value)
                            ),
                        )
                    })?;
                }
                Key::SocketTimeout => {
                    let timeout = self.seconds(&value, &part)?;
                    cfg.read_timeout = timeout;
                    cfg.write_timeout = timeout;
                }
                Key::SocketConnectTimeout => cfg.connect_timeout = self.seconds(&value, &part)?,
                Key::Protocol => {
                    cfg.protocol = match value.to_ascii_lowercase().as_str() {
                        "2" | "resp2" => Protocol::Resp2,
                        "3" | "resp3" => Protocol::Resp3,
                        _ => {
                            return Err(Error::invalid(
                                part,
                                format!(
                                    "{} is not a protocol (expected 2, 3, resp2 or resp3)",
                                    self.show(&value)
                                ),
                            ));
                        }
                    };
                }
                Key::ClientName => {
                    // The same rule the server applies to `CLIENT SETNAME`.
                    if !value.bytes().all(|b| (b'!'..=b'~').contains(&b)) {
                        return Err(Error::invalid(
                            part,
                            format!(
                                "{} is not a client name (printable ASCII without spaces)",
                                self.show(&value)
                            ),
                        ));
                    }
                    cfg.client_name = Some(value);
                }
                Key::Username => *username = Some(value),
                Key::Password => *password = Some(value),
                Key::Keepalive => {
                    let Some(secs) = parse_digits::<u64>(&value) else {
                        return Err(Error::invalid(
                            part,
                            format!(
                                "{} is not a whole number of seconds (0 turns keepalive off)",
                                self.show(&value)
                            ),
                        ));
                    };
                    cfg.keepalive = (secs > 0).then(|| Duration::from_secs(secs));
                }
            }
        }
        Ok(())
    }

    /// A positive, finite number of seconds, possibly fractional.
    fn seconds(&self, value: &str, part: &str) -> Result<Duration> {
        let secs: f64 = value.parse().map_err(|_| {
            Error::invalid(
                part,
                format!(
                    "{} is not a number of seconds (like `5` or `0.5`)",
                    self.show(value)
                ),
            )
        })?;
        if !secs.is_finite() || secs <= 0.0 {
            return Err(Error::invalid(
                part,
                format!(
                    "{} is not a number of seconds greater than 0",
                    self.show(value)
                ),
            ));
        }
        match Duration::try_from_secs_f64(secs) {
            Ok(d) if !d.is_zero() => Ok(d),
            Ok(_) => Err(Error::invalid(
                part,
                format!("{} seconds is shorter than a nanosecond", self.show(value)),
            )),
            Err(_) => Err(Error::invalid(
                part,
                format!("{} seconds is too long", self.show(value)),
            )),
        }
    }
}

/// Decimal digits only (no sign, no spaces) that fit the type.
fn parse_digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A URL for logs and `Debug`: the password (before the `@`, or in a `password=` query value)
/// replaced by `***`; a text that is no URL at all is hidden whole.
pub(crate) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_string();
    };
    // The user info ends at the last `@`: a password may hold an `@` of its own.
    let rest = match rest.rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or("");
            let shown = if rest[..at].contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            format!("{shown}@{}", &rest[at + 1..])
        }
        None => rest.to_string(),
    };
    let rest = match rest.split_once('?') {
        Some((before, query)) => {
            // Keys are percent-decoded by the parser (`pass%77ord` is `password`), and a
            // password with an unescaped `&` runs on into what looks like the next pairs: from
            // the first password key on, nothing of the query is shown.
            let mut shown = Vec::new();
            for pair in query.split('&') {
                let key = pair.split_once('=').map_or(pair, |(k, _)| k);
                if percent_decoded(key).eq_ignore_ascii_case("password") {
                    shown.push(format!("{key}=***"));
                    break;
                }
                shown.push(pair.to_string());
            }
            format!("{before}?{}", shown.join("&"))
        }
        None => rest,
    };
    format!("{scheme}://{rest}")
}

/// `text` percent-decoded, leniently (a `%` without two hex digits stays as it is), for
/// comparing a key the way the parser will read it.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests;
