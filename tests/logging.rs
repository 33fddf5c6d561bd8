//! Secrets and logs (issue 7, part 6): no secret or argument bytes in any `Debug` output or log
//! line at any level, and one log line per edge of an outage rather than one per failed call.
//! A binary of its own: it installs a global logger that records every line at every level.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use log::{Level, LevelFilter, Log, Metadata, Record};
use redisync::prelude::*;
use redisync::{
    Batch, Client, ConnectionConfig, Execute, Pipeline, Request, Result, Script, Value, cmd, pipe,
};
use support::{RedisServer, wait_until};

static LINES: Mutex<Vec<(Level, String)>> = Mutex::new(Vec::new());

struct Capture;

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &Record<'_>) {
        let line = format!("{} {}", record.target(), record.args());
        LINES.lock().unwrap().push((record.level(), line));
    }
    fn flush(&self) {}
}

fn capture() {
    // Every test of this binary calls this; the first one installs the logger.
    let _ = log::set_logger(&Capture);
    log::set_max_level(LevelFilter::Trace);
}

fn lines() -> Vec<(Level, String)> {
    LINES.lock().unwrap().clone()
}

/// The one test that counts outage lines must not see another test's: they take turns.
static SERIAL: Mutex<()> = Mutex::new(());

const SECRET: &str = "hunter2-s3cret";

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} shows the secret: {text}");
    assert!(
        !text.contains("hunter2"),
        "{what} shows part of the secret: {text}"
    );
}

/// An `Execute` that only shows us the batch it was given.
struct Peek(String);

impl Execute for Peek {
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        self.0 = format!("{request:?}");
        Ok(Value::Okay)
    }
    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        self.0 = format!("{batch:?}");
        Ok(vec![Value::Okay; batch.len()])
    }
}

#[test]
fn no_public_type_built_from_a_secret_shows_it() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    capture();
    let server = RedisServer::builder().requirepass(SECRET).start();
    let url = format!("redis://:{SECRET}@127.0.0.1:{}/0", server.port());
    let builder = Client::builder().url(&url);
    assert_hidden("ClientBuilder", &format!("{builder:?}"));
    let query_url = format!("redis://127.0.0.1:{}/0?password={SECRET}", server.port());
    assert_hidden(
        "ClientBuilder (password in the query)",
        &format!("{:?}", Client::builder().url(&query_url)),
    );
    assert_hidden(
        "ClientBuilder (password() setting)",
        &format!("{:?}", Client::builder().password(SECRET)),
    );
    let client = builder.build().unwrap();
    assert_hidden("Client", &format!("{client:?}"));
    assert_hidden(
        "ConnectionConfig",
        &format!("{:?}", client.connection_config()),
    );
    client.set("k", "v").unwrap();
    let mut conn = client.get_connection().unwrap();
    assert_hidden("PooledConnection", &format!("{conn:?}"));
    let plain = ConnectionConfig::from_url(&url).unwrap();
    assert_hidden(
        "Connection",
        &format!("{:?}", redisync::Connection::with_config(&plain).unwrap()),
    );

    // Commands whose arguments are secrets, in every form a command can take.
    let secret_commands = [
        cmd("AUTH").arg("default").arg(SECRET).clone(),
        cmd("HELLO")
            .arg(3)
            .arg("AUTH")
            .arg("default")
            .arg(SECRET)
            .clone(),
        cmd("CONFIG")
            .arg("SET")
            .arg("requirepass")
            .arg(SECRET)
            .clone(),
        cmd("ACL")
            .arg("SETUSER")
            .arg("bob")
            .arg(format!(">{SECRET}"))
            .clone(),
        cmd("MIGRATE")
            .arg("127.0.0.1")
            .arg(1)
            .arg("k")
            .arg(0)
            .arg(10)
            .arg("AUTH")
            .arg(SECRET)
            .clone(),
    ];
    let mut p = Pipeline::new();
    for c in &secret_commands {
        assert_hidden("Cmd", &format!("{c:?}"));
        assert_hidden("Request", &format!("{:?}", Request::from(c)));
        let mut peek = Peek(String::new());
        c.exec(&mut peek).unwrap();
        assert_hidden("Request seen by Execute", &peek.0);
        p.add(c);
    }
    assert_hidden("Pipeline", &format!("{p:?}"));
    let mut peek = Peek(String::new());
    let _: Vec<Value> = p.query(&mut peek).unwrap();
    assert_hidden("Batch", &peek.0);
    let typed = pipe().set("k", SECRET).cmd::<()>(&secret_commands[2]);
    assert_hidden("Pipe", &format!("{typed:?}"));
    let script = Script::new(&format!("return '{SECRET}'"));
    assert_hidden("Script", &format!("{script:?}"));
    assert_hidden(
        "ScriptInvocation",
        &format!("{:?}", script.key(SECRET).arg(SECRET)),
    );

    // Errors from a refused password and from refused commands.
    let wrong = format!("redis://:{SECRET}-wrong@127.0.0.1:{}/0", server.port());
    let e = Client::open(&wrong).unwrap().ping().unwrap_err();
    assert_hidden("Error (wrong password)", &format!("{e} {e:?}"));
    let e = cmd("SET")
        .arg("k")
        .arg(SECRET)
        .arg("NOSUCHOPTION")
        .exec(&mut *conn)
        .unwrap_err();
    assert_hidden("Error (bad command)", &format!("{e} {e:?}"));
    let sub = client.subscriber().unwrap();
    assert_hidden("Subscriber", &format!("{sub:?}"));

    // And nothing logged at any level, by anything above, held it.
    for (level, line) in lines() {
        assert_hidden(&format!("a {level} log line"), &line);
    }
}

#[test]
fn an_outage_logs_one_warning_and_one_recovery_not_a_line_per_call() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    capture();
    let mut server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .connect_timeout(Duration::from_millis(200))
        .retry(redisync::Retry::new(
            redisync::ConstantBackoff::new(Duration::from_millis(5)),
            2,
        ))
        .build()
        .unwrap();
    client.set("k", "v").unwrap();
    let before = lines().len();
    server.kill();
    // Eight threads keep calling through the outage.
    let stop = Instant::now() + Duration::from_millis(800);
    let failures: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    let mut failed = 0;
                    while Instant::now() < stop {
                        if client.get::<String>("k").is_err() {
                            failed += 1;
                        }
                    }
                    failed
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert!(failures >= 16, "only {failures} failed calls");
    server.restart();
    wait_until(Duration::from_secs(5), "the server back", || {
        client.get::<String>("k").is_ok()
    });
    let during: Vec<(Level, String)> = lines()
        .into_iter()
        .skip(before)
        .filter(|(_, l)| l.starts_with("redisync"))
        .collect();
    let count = |level: Level, needle: &str| {
        during
            .iter()
            .filter(|(l, line)| *l == level && line.contains(needle))
            .count()
    };
    let warnings: Vec<&String> = during
        .iter()
        .filter(|(l, _)| *l <= Level::Warn)
        .map(|(_, line)| line)
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "{failures} failed calls logged: {warnings:#?}"
    );
    assert_eq!(count(Level::Warn, "unreachable"), 1);
    assert_eq!(count(Level::Info, "reachable again"), 1, "{during:#?}");
    // Each failed call is at debug level, for whoever wants them.
    assert!(count(Level::Debug, "failed") > 0);
}
