//! Quick start: connect, SET/GET, a typed reply, and an error handled by its kind.
//!
//! `cargo run --example quickstart -- redis://127.0.0.1:6379` (or set `REDIS_URL`);
//! `make demo` starts a throwaway server and runs this against it.

use std::time::Duration;

use redisync::prelude::*;
use redisync::{Connection, ConnectionConfig, ErrorKind, SetOptions, cmd};

fn main() -> Result<(), redisync::Error> {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("REDIS_URL").ok())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_string());

    // Every blocking step has a deadline; these are the defaults, spelled out.
    let config = ConnectionConfig::from_url(&url)?
        .connect_timeout(Duration::from_secs(10))
        .socket_timeout(Duration::from_secs(10))
        .client_name("quickstart");
    let mut conn = Connection::with_config(&config)?;
    println!("connected: {conn:?}");

    // set returns (), get returns Option<T> for the type you ask for.
    conn.set("greeting", "hello")?;
    let greeting: Option<String> = conn.get("greeting")?;
    println!("GET greeting -> {greeting:?}");

    // Typed replies: INCR is an i64, MGET a Vec<Option<T>>.
    let hits = conn.incr("quickstart:hits")?;
    conn.mset([("quickstart:a", 1), ("quickstart:b", 2)])?;
    let values: Vec<Option<i64>> =
        conn.mget(["quickstart:a", "quickstart:b", "quickstart:none"])?;
    println!("INCR -> {hits}, MGET -> {values:?}");

    // Options struct instead of a pile of arguments.
    let fresh = conn.set_options(
        "quickstart:lock",
        "me",
        SetOptions::new().nx().ex(Duration::from_secs(30)),
    )?;
    println!(
        "SET NX EX 30 -> {}",
        if fresh { "acquired" } else { "already held" }
    );

    // Errors carry a kind to match on. LPUSH on a string key is a WRONGTYPE error; the
    // connection stays usable afterwards.
    match cmd("LPUSH")
        .arg("greeting")
        .arg("x")
        .query::<i64>(&mut conn)
    {
        Err(e) if e.kind() == ErrorKind::WrongType => println!("handled by kind: {e}"),
        other => println!("unexpected: {other:?}"),
    }
    conn.ping()?;
    println!("PING after the error: ok");

    conn.del((
        "greeting",
        "quickstart:hits",
        "quickstart:a",
        "quickstart:b",
        "quickstart:lock",
    ))?;
    Ok(())
}
