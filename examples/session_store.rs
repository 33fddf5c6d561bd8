//! A web session store on hashes: one hash per session (`session:<id>`), its fields the
//! session's data, the whole session expiring after 30 minutes without a request (a sliding
//! key expiry), and a short-lived CSRF token that expires on its own: a per-field expiry
//! (`HPEXPIRE`, `HTTL`) where the server has it (Valkey 9, Redis 7.4+), else a key of its own
//! with a key expiry.
//!
//! `cargo run --example session_store -- redis://127.0.0.1:6379` (or set `REDIS_URL`). It
//! checks its own results and exits non-zero on a wrong one.

use std::collections::HashMap;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{FieldExpiry, SetOptions, Ttl};

/// How long a session lives without a request.
const SESSION_TTL: Duration = Duration::from_secs(30 * 60);
/// How long a CSRF token lives (short, so the example sees it go).
const TOKEN_TTL: Duration = Duration::from_millis(300);

/// A session store over one client (a pool: share it between request threads).
struct Sessions {
    client: Client,
    /// The server expires single hash fields (`HPEXPIRE`).
    field_expiry: bool,
}

impl Sessions {
    fn open(url: &str) -> redisync::Result<Sessions> {
        let client = Client::open(url)?;
        // Ask the server: a field expiry on a key that does not exist changes nothing, and a
        // server without the command says so.
        let field_expiry = match client.hpexpire("session:probe", TOKEN_TTL, None, ["x"]) {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::Response && e.to_string().contains("unknown") => false,
            Err(e) => return Err(e),
        };
        Ok(Sessions {
            client,
            field_expiry,
        })
    }

    fn key(id: &str) -> String {
        format!("session:{id}")
    }

    /// A new session for `user`; HSET returns how many fields it added.
    fn create(&self, id: &str, user: &str, role: &str) -> redisync::Result<u64> {
        let key = Sessions::key(id);
        let added = self
            .client
            .hset(&key, [("user", user), ("role", role), ("requests", "0")])?;
        self.client.expire(&key, SESSION_TTL)?;
        Ok(added)
    }

    /// A request on the session: counts it and slides the session's expiry. `None` when the
    /// session does not exist (expired, or logged out).
    fn touch(&self, id: &str) -> redisync::Result<Option<i64>> {
        let key = Sessions::key(id);
        if !self.client.hexists(&key, "user")? {
            return Ok(None);
        }
        let n = self.client.hincrby(&key, "requests", 1)?;
        self.client.expire(&key, SESSION_TTL)?;
        Ok(Some(n))
    }

    /// Issues a CSRF token that expires on its own after [`TOKEN_TTL`].
    fn issue_token(&self, id: &str, token: &str) -> Checked<()> {
        let key = Sessions::key(id);
        if self.field_expiry {
            self.client.hset(&key, [("csrf", token)])?;
            let set = self.client.hpexpire(&key, TOKEN_TTL, None, ["csrf"])?;
            if set != [FieldExpiry::Set] {
                return Err(format!("HPEXPIRE on csrf: {set:?}").into());
            }
        } else {
            // No field expiry: the token goes under a key of its own.
            self.client.set_options(
                format!("{key}:csrf"),
                token,
                SetOptions::new().px(TOKEN_TTL),
            )?;
        }
        Ok(())
    }

    /// The session's token, while it lives.
    fn token(&self, id: &str) -> redisync::Result<Option<String>> {
        let key = Sessions::key(id);
        if self.field_expiry {
            self.client.hget(&key, "csrf")
        } else {
            self.client.get(format!("{key}:csrf"))
        }
    }

    /// How long the token has left.
    fn token_ttl(&self, id: &str) -> redisync::Result<Ttl> {
        let key = Sessions::key(id);
        if self.field_expiry {
            let ttls = self.client.hpttl(&key, ["csrf"])?;
            Ok(ttls.first().copied().unwrap_or(Ttl::Missing))
        } else {
            self.client.ttl(format!("{key}:csrf"))
        }
    }

    /// Everything in the session (empty when there is none).
    fn load(&self, id: &str) -> redisync::Result<HashMap<String, String>> {
        self.client.hgetall(Sessions::key(id))
    }

    /// Logs out: the session and its token are gone.
    fn destroy(&self, id: &str) -> redisync::Result<u64> {
        let key = Sessions::key(id);
        self.client.del([key.clone(), format!("{key}:csrf")])
    }
}

/// A step's result: a client error, or a check that failed.
type Checked<T> = Result<T, Box<dyn std::error::Error>>;

/// Fails the example with `what` unless `ok`.
fn check(ok: bool, what: &str) -> Checked<()> {
    if ok {
        println!("ok: {what}");
        Ok(())
    } else {
        Err(format!("wrong: {what}").into())
    }
}

fn run(url: &str) -> Checked<()> {
    let store = Sessions::open(url)?;
    println!(
        "per-field expiry: {}",
        if store.field_expiry {
            "yes (HPEXPIRE, HPTTL)"
        } else {
            "no, the token gets a key of its own"
        }
    );
    let id = "c0ffee";
    store.destroy(id)?;

    check(
        store.create(id, "ada", "admin")? == 3,
        "HSET added 3 fields",
    )?;
    let ttl = store.client.ttl(Sessions::key(id))?;
    check(
        ttl.duration()
            .is_some_and(|d| d > SESSION_TTL - Duration::from_secs(5)),
        "the session expires in about 30 minutes",
    )?;
    check(store.touch(id)? == Some(1), "first request counted")?;
    check(store.touch(id)? == Some(2), "second request counted")?;

    store.issue_token(id, "t0k3n")?;
    check(
        store.token(id)?.as_deref() == Some("t0k3n"),
        "the token reads back",
    )?;
    let left = store.token_ttl(id)?;
    check(
        left.duration().is_some_and(|d| d <= TOKEN_TTL),
        "the token expires within 300 ms",
    )?;

    let session = store.load(id)?;
    check(
        session.get("user").map(String::as_str) == Some("ada")
            && session.get("role").map(String::as_str) == Some("admin")
            && session.get("requests").map(String::as_str) == Some("2"),
        "HGETALL has the session's fields",
    )?;

    // The token goes on its own; the session stays.
    let deadline = Instant::now() + Duration::from_secs(5);
    while store.token(id)?.is_some() {
        if Instant::now() > deadline {
            return Err("wrong: the token did not expire".into());
        }
        thread::sleep(Duration::from_millis(50));
    }
    check(store.token_ttl(id)? == Ttl::Missing, "the token is gone")?;
    check(
        store.touch(id)? == Some(3),
        "the session outlived its token",
    )?;
    if store.field_expiry {
        let fields: Vec<String> = store.client.hkeys(Sessions::key(id))?;
        check(
            !fields.iter().any(|f| f == "csrf"),
            "the hash lost only its csrf field",
        )?;
    }

    check(store.destroy(id)? >= 1, "logout deletes the session")?;
    check(store.load(id)?.is_empty(), "no session after logout")?;
    check(
        store.touch(id)?.is_none(),
        "a request after logout finds none",
    )?;
    Ok(())
}

fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("REDIS_URL").ok())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_string());
    match run(&url) {
        Ok(()) => {
            println!("session store: all checks passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("session store: {e}");
            ExitCode::FAILURE
        }
    }
}
