//! The production checklist, step by step: timeouts, a retry policy with backoff, which errors
//! are retried, health checks, and handling errors by kind.
//!
//! `cargo run --example production -- redis://127.0.0.1:6379` (or set `REDIS_URL`);
//! `make demo` runs it against a throwaway server.

use std::time::Duration;

use redisync::prelude::*;
use redisync::{Client, ErrorKind, ExponentialWithJitterBackoff, Retry, SetOptions, cmd};

fn main() -> Result<(), redisync::Error> {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("REDIS_URL").ok())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_string());

    // 1. Retries: exponential backoff with jitter (10 ms doubling to a 1 s cap), three retries
    //    after the first attempt, and never more than 5 s for one call in all. Connection
    //    errors and timeouts are retried by default; LOADING (a server still reading its data
    //    after a restart) is added here. A command that may already have run (its reply was
    //    lost) is only re-sent if it is safe to repeat, such as a GET.
    let backoff =
        ExponentialWithJitterBackoff::new(Duration::from_millis(10), Duration::from_secs(1))?;
    let retry = Retry::new(backoff, 3)
        .retry_on_error([ErrorKind::BusyLoading])?
        .deadline(Duration::from_secs(5));

    let client = Client::builder()
        .url(&url)
        // 2. Timeouts: connect covers DNS, TCP, TLS and the handshake; read and write cover
        //    each reply and each request. 10 s each is the default; tighter here.
        .connect_timeout(Duration::from_secs(5))
        .socket_timeout(Duration::from_secs(2))
        .retry(retry)
        // 3. Health checks: a connection idle for more than 30 s is PINGed before it carries a
        //    command; busy connections pay nothing.
        .health_check_interval(Duration::from_secs(30))
        // 4. The pool: as many connections as threads that call Redis at once.
        .max_connections(16)
        .pool_timeout(Duration::from_secs(2))
        .client_name("production-example")
        .build()?;

    // 5. Commands, with errors handled by kind.
    client.set_options(
        "session:42",
        "alice",
        SetOptions::new().ex(Duration::from_secs(600)),
    )?;
    match client.get::<String>("session:42") {
        Ok(Some(user)) => println!("session 42 belongs to {user}"),
        Ok(None) => println!("session 42 expired"),
        Err(e) if e.is_timeout() => println!("Redis is slow; serve without the session: {e}"),
        Err(e) if e.is_connection_error() => println!("Redis is unreachable: {e}"),
        Err(e) => return Err(e),
    }
    match cmd("LPUSH")
        .arg("session:42")
        .arg("x")
        .query::<i64>(&client)
    {
        Err(e) if e.kind() == ErrorKind::WrongType => println!("refused, as expected: {e}"),
        other => println!("unexpected: {other:?}"),
    }

    // 6. A per-call timeout for one call that must be quick.
    let quick: Option<String> = client
        .with_timeout(Duration::from_millis(200))
        .get("session:42")?;
    println!("quick read: {quick:?}");

    // 7. Blocking commands wait their own timeout (here 1 s) on top of the read timeout, and
    //    are never re-sent: a BLPOP is not cut short by the 2 s socket timeout either.
    let popped: Option<(String, String)> = cmd("BLPOP").arg("jobs").arg(1).query(&client)?;
    println!("BLPOP after 1 s: {popped:?}");

    client.del("session:42")?;
    let stats = client.retry_stats();
    println!(
        "pool: {:?}; retries made: {}, calls given up: {}, health checks: {}",
        client.pool_state(),
        stats.retries,
        stats.gave_up,
        stats.health_checks
    );
    Ok(())
}
