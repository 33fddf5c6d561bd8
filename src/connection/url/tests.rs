//! Unit tests of the parent module.

use std::path::PathBuf;
use std::time::Duration;

use crate::connection::config::{
    Address, ConnectionConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEEPALIVE, DEFAULT_SOCKET_TIMEOUT,
    Protocol, TlsConfig,
};
use crate::error::{Error, ErrorKind};

/// A password that must never show up in any error or `Debug` output.
const PW: &str = "Hunter2Secret";

fn ok(url: &str) -> ConnectionConfig {
    match ConnectionConfig::from_url(url) {
        Ok(cfg) => cfg,
        Err(e) => panic!("{url}: {e}"),
    }
}

/// Parses a URL that must fail; returns the error's part and reason after checking that
/// neither the message nor `Debug` contains `PW`.
fn fail(url: &str) -> (String, String) {
    let e = match ConnectionConfig::from_url(url) {
        Ok(cfg) => panic!("{url} parsed: {cfg:?}"),
        Err(e) => e,
    };
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{url}: {e}");
    let display = e.to_string();
    let debug = format!("{e:?}");
    assert!(!display.contains(PW), "{url}: password in `{display}`");
    assert!(!debug.contains(PW), "{url}: password in `{debug}`");
    match e {
        Error::InvalidInput(i) => (i.part().to_string(), i.reason().to_string()),
        other => panic!("{url}: {other:?}"),
    }
}

fn tcp(host: &str, port: u16) -> Address {
    Address::Tcp {
        host: host.to_string(),
        port,
    }
}

fn pw(cfg: &ConnectionConfig) -> Option<&str> {
    cfg.password.as_ref().map(|p| p.expose())
}

#[test]
fn plain_host_takes_every_default() {
    let cfg = ok("redis://localhost");
    assert_eq!(cfg, ConnectionConfig::new("localhost", 6379));
    assert_eq!(&cfg.address, &tcp("localhost", 6379));
    assert_eq!(cfg.tls.as_ref(), None);
    assert_eq!(cfg.username.as_deref(), None);
    assert!(cfg.password.is_none());
    assert_eq!(cfg.db, 0);
    assert_eq!(cfg.client_name.as_deref(), None);
    assert_eq!(cfg.protocol, Protocol::Resp3);
    assert_eq!(cfg.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
    assert_eq!(cfg.read_timeout, DEFAULT_SOCKET_TIMEOUT);
    assert_eq!(cfg.write_timeout, DEFAULT_SOCKET_TIMEOUT);
    assert_eq!(cfg.keepalive, Some(DEFAULT_KEEPALIVE));
    assert_eq!(&ok("redis://127.0.0.1/").address, &tcp("127.0.0.1", 6379));
    assert_eq!(&ok("redis://redis_1?").address, &tcp("redis_1", 6379));
}

#[test]
fn host_and_port() {
    assert_eq!(
        &ok("redis://cache.example.com:6380").address,
        &tcp("cache.example.com", 6380)
    );
    assert_eq!(&ok("redis://h:1").address, &tcp("h", 1));
    assert_eq!(&ok("redis://h:65535/").address, &tcp("h", 65535));
    assert_eq!(&ok("redis://h:06380").address, &tcp("h", 6380));
    // An empty port is the default port (RFC 3986).
    assert_eq!(&ok("redis://h:").address, &tcp("h", 6379));
    assert_eq!(
        &ok("redis://10.0.0.7:7000/3").address,
        &tcp("10.0.0.7", 7000)
    );
}

#[test]
fn schemes_are_case_insensitive_and_have_aliases() {
    for url in [
        "redis://h",
        "REDIS://h",
        "Redis://h",
        "valkey://h",
        "VALKEY://h",
    ] {
        let cfg = ok(url);
        assert_eq!(&cfg.address, &tcp("h", 6379), "{url}");
        assert_eq!(cfg.tls.as_ref(), None, "{url}");
    }
    for url in ["rediss://h", "REDISS://h", "valkeys://h", "ValKeyS://h"] {
        let cfg = ok(url);
        assert_eq!(cfg.tls.as_ref(), Some(&TlsConfig::default()), "{url}");
        assert_eq!(&cfg.address, &tcp("h", 6379), "{url}");
    }
    for url in [
        "unix:///s",
        "UNIX:///s",
        "redis+unix:///s",
        "Redis+Unix:///s",
        "valkey+unix:///s",
    ] {
        assert_eq!(
            &ok(url).address,
            &Address::Unix(PathBuf::from("/s")),
            "{url}"
        );
    }
}

#[test]
fn rediss_turns_tls_on_with_everything_else() {
    let cfg = ok("rediss://u:p@secure.example.com:6380/5");
    assert_eq!(cfg.tls.as_ref(), Some(&TlsConfig::default()));
    assert_eq!(&cfg.address, &tcp("secure.example.com", 6380));
    assert_eq!(cfg.username.as_deref(), Some("u"));
    assert_eq!(pw(&cfg), Some("p"));
    assert_eq!(cfg.db, 5);
}

#[test]
fn user_and_password() {
    let cfg = ok("redis://alice:wonder@h:6380/1");
    assert_eq!(cfg.username.as_deref(), Some("alice"));
    assert_eq!(pw(&cfg), Some("wonder"));
    assert_eq!(&cfg.address, &tcp("h", 6380));
    assert_eq!(cfg.db, 1);

    // Password only: the `default` user.
    let cfg = ok("redis://:pw@h");
    assert_eq!(cfg.username.as_deref(), None);
    assert_eq!(pw(&cfg), Some("pw"));

    // User only, with or without the colon.
    for url in ["redis://bob@h", "redis://bob:@h"] {
        let cfg = ok(url);
        assert_eq!(cfg.username.as_deref(), Some("bob"), "{url}");
        assert!(cfg.password.is_none(), "{url}");
    }

    // Empty user info is no credentials.
    for url in ["redis://@h", "redis://:@h"] {
        let cfg = ok(url);
        assert_eq!(
            (cfg.username.as_deref(), cfg.password.is_some()),
            (None, false),
            "{url}"
        );
    }

    // Everything after the first colon is the password, up to the last `@`.
    let cfg = ok("redis://u:a:b@c@h");
    assert_eq!(cfg.username.as_deref(), Some("u"));
    assert_eq!(pw(&cfg), Some("a:b@c"));
    assert_eq!(&cfg.address, &tcp("h", 6379));
}

#[test]
fn percent_decoding_happens_once_in_every_part() {
    let cfg = ok("redis://us%65r%3Aname:p%40ss%2Fw%3Fo%23rd%25@%6C%6Fcal%2Dhost:6379");
    assert_eq!(cfg.username.as_deref(), Some("user:name"));
    assert_eq!(pw(&cfg), Some("p@ss/w?o#rd%"));
    assert_eq!(&cfg.address, &tcp("local-host", 6379));

    // Exactly once: `%2540` is `%40`, not `@`.
    let cfg = ok("redis://:%2540@h");
    assert_eq!(pw(&cfg), Some("%40"));

    // `+` is a plus, not a space.
    let cfg = ok("redis://:a+b@h?client_name=x+y");
    assert_eq!(pw(&cfg), Some("a+b"));
    assert_eq!(cfg.client_name.as_deref(), Some("x+y"));

    // Lower- and upper-case hex digits; UTF-8 sequences.
    let cfg = ok("redis://%c3%A9t%C3%a9:%E2%82%AC@h");
    assert_eq!(cfg.username.as_deref(), Some("été"));
    assert_eq!(pw(&cfg), Some("€"));

    // Path and query values.
    assert_eq!(ok("redis://h/%31%32").db, 12);
    let cfg = ok("redis://h?client_name=a%2Db&password=x%26y%3Dz&username=me%40corp");
    assert_eq!(cfg.client_name.as_deref(), Some("a-b"));
    assert_eq!(pw(&cfg), Some("x&y=z"));
    assert_eq!(cfg.username.as_deref(), Some("me@corp"));
    assert_eq!(
        &ok("unix:///tmp/my%20redis.sock").address,
        &Address::Unix(PathBuf::from("/tmp/my redis.sock"))
    );
    // Keys are decoded too.
    assert_eq!(ok("redis://h?d%62=4").db, 4);
}

#[test]
fn ipv6_literals() {
    let cfg = ok("redis://[::1]:6380");
    assert_eq!(&cfg.address, &tcp("::1", 6380));
    assert_eq!(&cfg.address.to_string(), "[::1]:6380");
    assert_eq!(&ok("redis://[::1]").address, &tcp("::1", 6379));
    assert_eq!(ok("redis://[::1]/2").db, 2);
    let cfg = ok("rediss://u:p@[2001:db8::7]:7000/3?db=4");
    assert_eq!(&cfg.address, &tcp("2001:db8::7", 7000));
    assert_eq!(cfg.db, 4);
    assert_eq!(cfg.username.as_deref(), Some("u"));
    assert_eq!(
        &ok("redis://[::ffff:10.0.0.1]").address,
        &tcp("::ffff:10.0.0.1", 6379)
    );
}

#[test]
fn db_from_path_and_query() {
    assert_eq!(ok("redis://h").db, 0);
    assert_eq!(ok("redis://h/").db, 0);
    assert_eq!(ok("redis://h/0").db, 0);
    assert_eq!(ok("redis://h/15").db, 15);
    assert_eq!(ok("redis://h:6380/007").db, 7);
    assert_eq!(ok("redis://h/4294967295").db, u32::MAX);
    assert_eq!(ok("redis://h?db=3").db, 3);
    assert_eq!(ok("redis://h/?db=3").db, 3);
    // The query wins over the path.
    assert_eq!(ok("redis://h/1?db=2").db, 2);
    assert_eq!(ok("redis://h/9?db=0").db, 0);
}

#[test]
fn unix_sockets() {
    let cfg = ok("unix:///tmp/redis.sock");
    assert_eq!(cfg, ConnectionConfig::unix("/tmp/redis.sock"));
    assert_eq!(cfg.db, 0);
    assert_eq!(cfg.tls.as_ref(), None);

    let cfg = ok("unix:///run/redis/redis.sock?db=2");
    assert_eq!(
        &cfg.address,
        &Address::Unix(PathBuf::from("/run/redis/redis.sock"))
    );
    assert_eq!(cfg.db, 2);

    let cfg = ok("redis+unix:///var/run/r.sock?db=1&password=pw&username=app&socket_timeout=2");
    assert_eq!(
        &cfg.address,
        &Address::Unix(PathBuf::from("/var/run/r.sock"))
    );
    assert_eq!(cfg.db, 1);
    assert_eq!(pw(&cfg), Some("pw"));
    assert_eq!(cfg.username.as_deref(), Some("app"));
    assert_eq!(cfg.read_timeout, Duration::from_secs(2));

    // Credentials before the path.
    let cfg = ok("unix://:pw@/tmp/r.sock");
    assert_eq!(&cfg.address, &Address::Unix(PathBuf::from("/tmp/r.sock")));
    assert_eq!((cfg.username.as_deref(), pw(&cfg)), (None, Some("pw")));
    let cfg = ok("unix://app:pw@/tmp/r.sock");
    assert_eq!(
        (cfg.username.as_deref(), pw(&cfg)),
        (Some("app"), Some("pw"))
    );
    let cfg = ok("unix://app@/tmp/r.sock");
    assert_eq!((cfg.username.as_deref(), pw(&cfg)), (Some("app"), None));

    // An `@` in the socket path is just a character.
    let cfg = ok("unix:///run/user@1000/redis.sock");
    assert_eq!(
        &cfg.address,
        &Address::Unix(PathBuf::from("/run/user@1000/redis.sock"))
    );

    // Relative-looking digits in the path are part of the path, not a database.
    let cfg = ok("unix:///tmp/3");
    assert_eq!(&cfg.address, &Address::Unix(PathBuf::from("/tmp/3")));
    assert_eq!(cfg.db, 0);
}

#[test]
fn query_timeouts() {
    let cfg = ok("redis://h?socket_timeout=5");
    assert_eq!(cfg.read_timeout, Duration::from_secs(5));
    assert_eq!(cfg.write_timeout, Duration::from_secs(5));
    assert_eq!(cfg.connect_timeout, DEFAULT_CONNECT_TIMEOUT);

    let cfg = ok("redis://h?socket_timeout=0.5");
    assert_eq!(cfg.read_timeout, Duration::from_millis(500));
    assert_eq!(cfg.write_timeout, Duration::from_millis(500));

    let cfg = ok("redis://h?socket_connect_timeout=2.25");
    assert_eq!(cfg.connect_timeout, Duration::from_millis(2250));
    assert_eq!(cfg.read_timeout, DEFAULT_SOCKET_TIMEOUT);

    let cfg = ok("redis://h?socket_connect_timeout=.1&socket_timeout=30");
    assert_eq!(cfg.connect_timeout, Duration::from_millis(100));
    assert_eq!(cfg.read_timeout, Duration::from_secs(30));

    assert_eq!(
        ok("redis://h?socket_timeout=1e-3").read_timeout,
        Duration::from_millis(1)
    );
}

#[test]
fn query_protocol() {
    for (value, protocol) in [
        ("2", Protocol::Resp2),
        ("3", Protocol::Resp3),
        ("resp2", Protocol::Resp2),
        ("RESP2", Protocol::Resp2),
        ("Resp3", Protocol::Resp3),
        ("resp3", Protocol::Resp3),
    ] {
        let cfg = ok(&format!("redis://h?protocol={value}"));
        assert_eq!(cfg.protocol, protocol, "{value}");
    }
}

#[test]
fn query_client_name() {
    assert_eq!(
        ok("redis://h?client_name=worker-1").client_name.as_deref(),
        Some("worker-1")
    );
    assert_eq!(
        ok("redis://h?client_name=a@b:c").client_name.as_deref(),
        Some("a@b:c")
    );
}

#[test]
fn query_username_and_password_override_userinfo() {
    let cfg = ok("redis://h?username=app&password=pw");
    assert_eq!(
        (cfg.username.as_deref(), pw(&cfg)),
        (Some("app"), Some("pw"))
    );
    let cfg = ok("redis://old:oldpw@h?username=new&password=newpw");
    assert_eq!(
        (cfg.username.as_deref(), pw(&cfg)),
        (Some("new"), Some("newpw"))
    );
    let cfg = ok("redis://old:oldpw@h?password=newpw");
    assert_eq!(
        (cfg.username.as_deref(), pw(&cfg)),
        (Some("old"), Some("newpw"))
    );
    let cfg = ok("redis://old:oldpw@h?username=new");
    assert_eq!(
        (cfg.username.as_deref(), pw(&cfg)),
        (Some("new"), Some("oldpw"))
    );
    // A query password may hold an unescaped `=`, `@`, `/`, `?`, `:`.
    let cfg = ok("redis://h?password=a=b@c/d?e:f");
    assert_eq!(pw(&cfg), Some("a=b@c/d?e:f"));
}

#[test]
fn query_keepalive() {
    assert_eq!(ok("redis://h?keepalive=0").keepalive, None);
    assert_eq!(
        ok("redis://h?keepalive=60").keepalive,
        Some(Duration::from_secs(60))
    );
    assert_eq!(
        ok("redis://h?keepalive=1").keepalive,
        Some(Duration::from_secs(1))
    );
}

#[test]
fn every_query_key_at_once() {
    let cfg = ok(
        "rediss://[::1]:7000/1?db=2&socket_timeout=1.5&socket_connect_timeout=3\
                  &protocol=resp2&client_name=svc&username=u&password=p&keepalive=0",
    );
    let expected = ConnectionConfig::new("::1", 7000)
        .tls(TlsConfig::default())
        .db(2)
        .socket_timeout(Duration::from_millis(1500))
        .connect_timeout(Duration::from_secs(3))
        .protocol(Protocol::Resp2)
        .client_name("svc")
        .username("u")
        .password("p")
        .keepalive(None);
    assert_eq!(cfg, expected);
}

#[test]
fn empty_query_pairs_are_skipped() {
    assert_eq!(ok("redis://h?").db, 0);
    assert_eq!(ok("redis://h?&&db=2&").db, 2);
}

#[test]
fn bad_scheme() {
    for url in [
        "http://h",
        "redis+tcp://h",
        "rediss+unix:///s",
        "://h",
        "tcp://h:6379",
    ] {
        let (part, reason) = fail(url);
        assert_eq!(part, "URL scheme", "{url}");
        assert!(
            reason.contains("expected redis://, rediss:// or unix://"),
            "{url}: {reason}"
        );
    }
    let (_, reason) = fail("http://h");
    assert!(reason.contains("`http://`"), "{reason}");
    // A strange "scheme" is not quoted: it might hold anything.
    let (_, reason) = fail(&format!("x:{PW}@h://y"));
    assert!(!reason.contains("`x:"), "{reason}");
}

#[test]
fn missing_scheme_separator() {
    for url in [
        "",
        "localhost",
        "localhost:6379",
        "redis:h",
        "redis:/h",
        "unix:/tmp/r.sock",
        &format!("redis:{PW}@h"),
        &format!("redis:/:{PW}@h"),
    ] {
        let (part, reason) = fail(url);
        assert_eq!(part, "URL scheme", "{url}");
        assert!(reason.contains("missing `://`"), "{url}: {reason}");
    }
}

#[test]
fn bad_port() {
    let (part, reason) = fail("redis://h:99999");
    assert_eq!(part, "URL port");
    assert_eq!(reason, "`99999` is not a port number (1-65535)");
    let (part, reason) = fail("redis://h:0");
    assert_eq!(
        (part.as_str(), reason.as_str()),
        ("URL port", "`0` is not a port number (1-65535)")
    );
    for url in [
        "redis://h:65536",
        "redis://h:-1",
        "redis://h:+80",
        "redis://h:abc",
        "redis://h:63%379",
        "redis://h:99999999999999999999999",
        "redis://[::1]:0",
        "redis://[::1]:x",
    ] {
        assert_eq!(fail(url).0, "URL port", "{url}");
    }
}

#[test]
fn bad_host() {
    for url in [
        "redis://",
        "redis:///",
        "redis:///2",
        "redis://:6379",
        "redis://u:p@",
        "redis://u:p@:6379/0",
        "rediss://?db=1",
    ] {
        let (part, reason) = fail(url);
        assert_eq!(part, "URL host", "{url}");
        assert!(reason.contains("is empty"), "{url}: {reason}");
    }
    for url in [
        "redis://::1",
        "redis://::1:6379",
        "redis://[::1",
        "redis://[::1]6379",
        "redis://[not-ipv6]:6379",
        "redis://[127.0.0.1]",
        "redis://h]",
        "redis://h[",
        "redis://my%20host",
        "redis://a%3Ab",
        "redis://h%2Fx",
        "redis://caf%C3%A9",
    ] {
        assert_eq!(fail(url).0, "URL host", "{url}");
    }
    let (_, reason) = fail("redis://::1");
    assert!(reason.contains("brackets"), "{reason}");
}

#[test]
fn bad_db_path() {
    for url in [
        "redis://h/x",
        "redis://h/-1",
        "redis://h/+1",
        "redis://h/1/",
        "redis://h/1/2",
        "redis://h//",
        "redis://h/1.5",
        "redis://h/4294967296",
    ] {
        let (part, reason) = fail(url);
        assert_eq!(part, "URL path", "{url}");
        assert!(
            reason.contains("is not a database number"),
            "{url}: {reason}"
        );
    }
    let (_, reason) = fail("redis://h/abc");
    assert!(
        reason.starts_with("`abc` is not a database number"),
        "{reason}"
    );
    // The path is checked even when `?db=` overrides it.
    assert_eq!(fail("redis://h/x?db=1").0, "URL path");
}

#[test]
fn bad_db_query() {
    for value in ["x", "-1", "1.0", "4294967296", "%201", "0x1"] {
        let (part, reason) = fail(&format!("redis://h?db={value}"));
        assert_eq!(part, "URL query key `db`", "{value}");
        assert!(
            reason.contains("is not a database number"),
            "{value}: {reason}"
        );
    }
}

#[test]
fn bad_unix() {
    for url in [
        "unix://",
        "unix://?db=1",
        "unix:///",
        "unix:///?db=1",
        "unix://u:p@",
    ] {
        let (part, reason) = fail(url);
        assert_eq!(part, "URL path", "{url}");
        assert!(
            reason.contains("needs the socket's path"),
            "{url}: {reason}"
        );
    }
    for url in [
        "unix://tmp/r.sock",
        "unix://localhost/tmp/r.sock",
        "unix://u:p@h/tmp/r.sock",
    ] {
        let (part, reason) = fail(url);
        assert_eq!(part, "URL host", "{url}");
        assert!(reason.contains("unix:///"), "{url}: {reason}");
    }
    assert_eq!(fail("unix:///tmp/r%zz.sock").0, "URL path");
    assert_eq!(fail("unix:///tmp/r.sock?db=x").0, "URL query key `db`");
}

#[test]
fn bad_percent_escapes_name_the_part() {
    for (url, part) in [
        ("redis://u%zz:p@h", "URL user name"),
        ("redis://u%4:p@h", "URL user name"),
        ("redis://u%:p@h", "URL user name"),
        ("redis://%zz", "URL host"),
        ("redis://[%zz]", "URL host"),
        ("redis://h/%zz", "URL path"),
        ("redis://h/%4", "URL path"),
        ("unix:///tmp/%", "URL path"),
        ("redis://h?client_name=a%zz", "URL query key `client_name`"),
        ("redis://h?username=%g0", "URL query key `username`"),
        ("redis://h?db%zz=1", "URL query key"),
    ] {
        let (got, reason) = fail(url);
        assert_eq!(got, part, "{url}");
        assert!(reason.contains("two hex digits"), "{url}: {reason}");
    }
    let (_, reason) = fail("redis://u%zz:p@h");
    assert!(
        reason.starts_with("`%zz` is not a percent escape"),
        "{reason}"
    );
    // Invalid UTF-8 after decoding.
    assert_eq!(fail("redis://u%FF@h").0, "URL user name");
    assert_eq!(
        fail("redis://h?client_name=%C3").0,
        "URL query key `client_name`"
    );
}

#[test]
fn bad_password_escapes_never_quote_the_password() {
    for url in [
        format!("redis://u:{PW}%zz@h"),
        format!("redis://u:%zz{PW}@h"),
        format!("redis://:{PW}%@h"),
        format!("redis://:{PW}%4@h"),
        format!("redis://:{PW}%FF@h"),
        format!("unix://:{PW}%G1@/tmp/r.sock"),
    ] {
        let (part, reason) = fail(&url);
        assert_eq!(part, "URL password", "{url}");
        assert!(
            !reason.contains('`') || !reason.contains("%zz"),
            "{url}: {reason}"
        );
    }
    for url in [
        format!("redis://h?password={PW}%zz"),
        format!("redis://h?password=%zz{PW}"),
        format!("redis://h?password={PW}%C3"),
    ] {
        let (part, reason) = fail(&url);
        assert_eq!(part, "URL query key `password`", "{url}");
        assert!(!reason.contains("%zz"), "{url}: {reason}");
    }
}

#[test]
fn unknown_query_key() {
    let (part, reason) = fail("redis://h?socket_timeotu=5");
    assert_eq!(part, "URL query key `socket_timeotu`");
    assert!(reason.contains("is not a known option"), "{reason}");
    assert!(reason.contains("socket_timeout"), "{reason}");
    // Keys are case-sensitive, and redis-py options this client lacks are not ignored.
    for key in [
        "DB",
        "Socket_Timeout",
        "health_check_interval",
        "ssl_cert_reqs",
        "timeout",
    ] {
        let (part, _) = fail(&format!("redis://h?{key}=1"));
        assert_eq!(part, format!("URL query key `{key}`"));
    }
    // Even without a value.
    assert_eq!(fail("redis://h?verbose").0, "URL query key `verbose`");
    // On unix too.
    assert_eq!(
        fail("unix:///s?sockettimeout=1").0,
        "URL query key `sockettimeout`"
    );
}

#[test]
fn duplicate_query_key() {
    for url in [
        "redis://h?db=1&db=2",
        "redis://h?db=1&db=1",
        "redis://h?db=1&d%62=2",
        "redis://h?socket_timeout=1&socket_timeout=2",
    ] {
        let (part, reason) = fail(url);
        assert!(part.starts_with("URL query key `"), "{url}: {part}");
        assert_eq!(reason, "is given more than once", "{url}");
    }
    let (part, _) = fail(&format!("redis://h?password={PW}&password={PW}"));
    assert_eq!(part, "URL query key `password`");
}

#[test]
fn query_key_without_value() {
    for key in [
        "db",
        "socket_timeout",
        "protocol",
        "client_name",
        "username",
        "password",
        "keepalive",
    ] {
        for url in [format!("redis://h?{key}"), format!("redis://h?{key}=")] {
            let (part, reason) = fail(&url);
            assert_eq!(part, format!("URL query key `{key}`"), "{url}");
            assert!(reason.contains("needs a value"), "{url}: {reason}");
        }
    }
}

#[test]
fn bad_timeouts() {
    for key in ["socket_timeout", "socket_connect_timeout"] {
        for value in [
            "0", "0.0", "-0", "-1", "-0.5", "NaN", "nan", "inf", "-inf", "infinity", "abc", "5s",
            "1,5", "1e400", "1e300", "1e-12", "0x10",
        ] {
            let (part, reason) = fail(&format!("redis://h?{key}={value}"));
            assert_eq!(part, format!("URL query key `{key}`"), "{value}");
            assert!(reason.contains("seconds"), "{key}={value}: {reason}");
        }
    }
    let (_, reason) = fail("redis://h?socket_timeout=-1");
    assert_eq!(reason, "`-1` is not a number of seconds greater than 0");
}

#[test]
fn bad_keepalive() {
    for value in ["-1", "0.5", "1.0", "x", "1e3", "18446744073709551616"] {
        let (part, reason) = fail(&format!("redis://h?keepalive={value}"));
        assert_eq!(part, "URL query key `keepalive`", "{value}");
        assert!(
            reason.contains("whole number of seconds"),
            "{value}: {reason}"
        );
    }
}

#[test]
fn bad_protocol() {
    for value in ["1", "4", "resp", "resp4", "RESP", "v3", "3.0"] {
        let (part, reason) = fail(&format!("redis://h?protocol={value}"));
        assert_eq!(part, "URL query key `protocol`", "{value}");
        assert!(reason.contains("is not a protocol"), "{value}: {reason}");
    }
}

#[test]
fn bad_client_name() {
    for value in ["a%20b", "a%0Ab", "%C3%A9t%C3%A9", "a%7Fb"] {
        let (part, reason) = fail(&format!("redis://h?client_name={value}"));
        assert_eq!(part, "URL query key `client_name`", "{value}");
        assert!(reason.contains("is not a client name"), "{value}: {reason}");
    }
}

#[test]
fn spaces_controls_and_fragments_are_refused() {
    for url in [
        "redis://h ",
        "redis://h:6379\n",
        " redis://h",
        "redis://h\t:6379",
        &format!("redis://:{PW} x@h"),
        &format!("redis://:{PW}\r@h"),
    ] {
        let (part, reason) = fail(url);
        assert_eq!(part, "URL", "{url:?}");
        assert!(
            reason.contains("space or control character"),
            "{url:?}: {reason}"
        );
    }
    for url in [
        "redis://h#frag",
        "redis://h/0#",
        &format!("redis://:{PW}#x@h"),
        &format!("redis://h?password={PW}#"),
    ] {
        let (part, reason) = fail(url);
        assert_eq!(part, "URL", "{url}");
        assert!(reason.contains("`%23`"), "{url}: {reason}");
    }
}

#[test]
fn debug_output_hides_the_password() {
    for url in [
        format!("redis://:{PW}@h"),
        format!("redis://user:{PW}@h:6380/2"),
        format!("rediss://u:{PW}@[::1]"),
        format!("redis://h?password={PW}"),
        format!("redis://u:x@h?password={PW}"),
        format!("unix://:{PW}@/tmp/r.sock"),
        format!("unix:///tmp/r.sock?password={PW}"),
        format!("redis://:{}@h", "Hunter2%53ecret"),
    ] {
        let cfg = ok(&url);
        assert_eq!(pw(&cfg), Some(PW), "{url}");
        let debug = format!("{cfg:?}");
        assert!(!debug.contains(PW), "{url}: {debug}");
        assert!(debug.contains("Secret(***)"), "{url}: {debug}");
        let pretty = format!("{cfg:#?}");
        assert!(!pretty.contains(PW), "{url}: {pretty}");
    }
}

#[test]
fn errors_never_quote_the_password() {
    // Errors in parts other than the password, with the password present in the URL.
    for url in [
        format!("redis://u:{PW}@h:99999"),
        format!("redis://u:{PW}@h:0"),
        format!("redis://u:{PW}@h/x"),
        format!("redis://u:{PW}@"),
        format!("redis://u:{PW}@h?nope=1"),
        format!("redis://u:{PW}@h?db=1&db=2"),
        format!("redis://u:{PW}@h?socket_timeout=NaN"),
        format!("redis://u:{PW}@h?protocol=9"),
        format!("redis://h?password={PW}&socket_timeout=-1"),
        format!("redis://h?password={PW}&db=x"),
        format!("redis://h?password={PW}&password=x"),
        format!("redis://h?socket_timeout=0&password={PW}"),
        format!("rediss://u:{PW}@[::1]:99999"),
        format!("unix://u:{PW}@h/tmp/s"),
        format!("unix://u:{PW}@/tmp/s?keepalive=-1"),
        format!("http://u:{PW}@h"),
        format!("redis//u:{PW}@h"),
        format!("u:{PW}@h://x"),
    ] {
        fail(&url);
    }
}

#[test]
fn passwords_with_unescaped_delimiters_do_not_leak() {
    // A password holding an unescaped `/`, `?` or `&` is cut in two by the grammar; the piece
    // after the cut lands in another part, and the error about that part must not quote it.
    for url in [
        // `/` in the password: the rest lands in the path.
        format!("redis://:abc/{PW}@h"),
        format!("redis://u:abc/{PW}@h:6379/0"),
        format!("redis://u:{PW}/x@h"),
        // `/` then digits: the host is `u`, the port is the first piece.
        format!("redis://u:{PW}/7@h"),
        format!("redis://u:1234/{PW}@h"),
        // `?` in the password: the rest lands in the query.
        format!("redis://:abc?{PW}@h"),
        format!("redis://u:abc?{PW}@h"),
        format!("redis://u:12?{PW}@h"),
        format!("redis://u:12?{PW}=1@h"),
        format!("redis://u:12?db=1&{PW}@h"),
        // `/` with unix: the first piece is taken for a host.
        format!("unix://:abc/{PW}@/tmp/r.sock"),
        format!("unix://:{PW}/x@/tmp/r.sock"),
        // `&` in a query password: the rest is taken for a key.
        format!("redis://h?password=abc&{PW}"),
        format!("redis://h?password=abc&{PW}=1"),
        format!("redis://h?password=abc&{PW}%zz"),
    ] {
        fail(&url);
    }
}
