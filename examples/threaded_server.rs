//! A threaded HTTP/1.0 server whose worker threads share one [`redisync::Client`].
//!
//! A fixed pool of worker threads takes accepted connections from a channel; every worker
//! calls Redis through the same `Client` (a clone of it, which shares its connection pool), the
//! way a `std::net` or `tiny_http` service would:
//!
//! - `GET /hit` increments a counter (`INCR`) and returns its new value;
//! - `GET /user/<id>` is a cache-aside lookup: `GET user:<id>`; on a miss the value is computed,
//!   stored with `SET ... EX 60`, and returned. The `X-Cache` header says `hit` or `miss`.
//!
//! Redis failures are answered by kind (`503` with `Retry-After` for timeouts and unreachable
//! servers, `500` otherwise), never by a panic; a failed cache fill still serves the value.
//!
//! ```text
//! cargo run --example threaded_server -- --url redis://127.0.0.1:6379 --port 7878
//! curl -i http://127.0.0.1:7878/user/42
//!
//! # self-test (what CI runs): serve on a free port, send 200 requests to itself, check the
//! # counter, the cache hits and misses and the pool, clean up, exit 0
//! cargo run --example threaded_server -- --url redis://127.0.0.1:6379 --requests 200
//! ```
//!
//! The URL defaults to `REDIS_URL`, then `redis://127.0.0.1:6379`. Without `--requests` the
//! server runs until killed.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{Client, ErrorKind, SetOptions};

/// Worker threads serving requests; also the pool's `max_connections`, since each worker holds
/// at most one connection at a time.
const WORKERS: usize = 4;
/// Threads sending requests in the self-test.
const CLIENT_THREADS: usize = 4;
/// Distinct user ids the self-test asks for.
const USER_IDS: usize = 10;
/// Time to live of a cached user, in seconds.
const CACHE_TTL: u64 = 60;
/// Deadline for reading a request and writing a response.
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

const USAGE: &str = "\
usage: threaded_server [--url URL] [--port PORT] [--requests N]

  --url URL     Redis server (default: $REDIS_URL, else redis://127.0.0.1:6379)
  --port PORT   port to serve on, on 127.0.0.1 (default 7878; 0 picks a free one)
  --requests N  self-test: serve on a free port, send N requests to it, check, exit
";

struct Options {
    url: String,
    port: u16,
    requests: Option<usize>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        url: std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        port: 7878,
        requests: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--url" => o.url = value("--url")?,
            "--port" => {
                o.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?;
            }
            "--requests" => {
                let n: usize = value("--requests")?
                    .parse()
                    .map_err(|e| format!("--requests: {e}"))?;
                o.requests = Some(n);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // One client for the whole process; every worker uses a clone (same pool).
    let client = match Client::builder()
        .url(&opts.url)
        .client_name("threaded_server")
        .max_connections(WORKERS)
        .pool_timeout(Duration::from_secs(2))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error [{}]: {e}", kind_name(e.kind()));
            return ExitCode::FAILURE;
        }
    };
    let result = match opts.requests {
        Some(n) => self_test(client, n),
        None => serve_forever(client, opts.port),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The application: two endpoints over a shared client.

/// What every worker shares: the client, the key namespace, and cache statistics.
struct App {
    client: Client,
    /// Prepended to every key: empty when serving, a per-run namespace in the self-test, so a
    /// test never touches (or is disturbed by) real keys.
    prefix: String,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
}

impl App {
    fn new(client: Client, prefix: String) -> App {
        App {
            client,
            prefix,
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
        }
    }

    fn hits_key(&self) -> String {
        format!("{}hits", self.prefix)
    }

    fn user_key(&self, id: &str) -> String {
        format!("{}user:{id}", self.prefix)
    }

    fn route(&self, path: &str) -> Response {
        if path == "/hit" {
            return self.hit();
        }
        if let Some(id) = path.strip_prefix("/user/") {
            if !is_valid_id(id) {
                return Response::text(400, "a user id is 1 to 64 letters, digits, - or _\n");
            }
            return self.user(id);
        }
        Response::text(404, "try /hit or /user/<id>\n")
    }

    /// `INCR`: atomic on the server, so concurrent workers never lose a hit.
    fn hit(&self) -> Response {
        match self.client.incr(self.hits_key()) {
            Ok(n) => Response::text(200, format!("hits: {n}\n")),
            Err(e) => redis_failure("INCR hits", &e),
        }
    }

    /// Cache-aside: read the cache; on a miss compute, store with a TTL, and serve.
    fn user(&self, id: &str) -> Response {
        let key = self.user_key(id);
        match self.client.get::<String>(&key) {
            Ok(Some(cached)) => {
                self.cache_hits.fetch_add(1, Ordering::Relaxed);
                Response::text(200, format!("{cached}\n")).cache("hit")
            }
            Ok(None) => {
                let fresh = compute_user(id);
                let options = SetOptions::new().ex(Duration::from_secs(CACHE_TTL));
                match self.client.set_options(&key, &fresh, options) {
                    // `false` only with NX/XX, which this SET does not use.
                    Ok(_) => {}
                    // The value is still right: serve it, and let the next request retry the
                    // fill. Only the log hears about it.
                    Err(e) => {
                        eprintln!("cache fill of {key} failed [{}]: {e}", kind_name(e.kind()))
                    }
                }
                self.cache_misses.fetch_add(1, Ordering::Relaxed);
                Response::text(200, format!("{fresh}\n")).cache("miss")
            }
            // Something else wrote a non-string to our key: a bug worth a clear 500.
            Err(e) if e.kind() == ErrorKind::WrongType => {
                eprintln!("{key} holds another type: {e}");
                Response::text(500, "cache entry has the wrong type\n")
            }
            // A cached value that is not UTF-8 text: recompute instead of failing the user.
            Err(e) if e.kind() == ErrorKind::Conversion => {
                eprintln!("{key} is not text ({e}); recomputing");
                self.cache_misses.fetch_add(1, Ordering::Relaxed);
                Response::text(200, format!("{}\n", compute_user(id))).cache("miss")
            }
            Err(e) => redis_failure("GET user", &e),
        }
    }
}

fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The "expensive" computation the cache saves: here a short sleep and a JSON document.
fn compute_user(id: &str) -> String {
    thread::sleep(Duration::from_millis(2));
    format!(r#"{{"id":"{id}","name":"User {id}","plan":"free"}}"#)
}

/// The HTTP answer to a failed Redis call, chosen by the error's kind.
fn redis_failure(what: &str, e: &redisync::Error) -> Response {
    let (status, body, retry) = match e.kind() {
        // Transient: the client may try again shortly.
        ErrorKind::Timeout | ErrorKind::PoolTimeout => (503, "redis is slow to answer\n", true),
        ErrorKind::Connection => (503, "redis is unreachable\n", true),
        ErrorKind::BusyLoading => (503, "redis is loading its data\n", true),
        // Configuration problems: retrying will not help.
        ErrorKind::Authentication | ErrorKind::NoPermission => {
            (500, "redis refused this service's credentials\n", false)
        }
        ErrorKind::OutOfMemory => (507, "redis is out of memory\n", false),
        _ => (500, "redis error\n", false),
    };
    eprintln!("{what}: [{}] {e}", kind_name(e.kind()));
    let mut r = Response::text(status, body);
    r.retry_after = retry;
    r
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.0, just enough: one request per connection, GET only, the connection closed after.

struct Response {
    status: u16,
    body: String,
    cache: Option<&'static str>,
    retry_after: bool,
}

impl Response {
    fn text(status: u16, body: impl Into<String>) -> Response {
        Response {
            status,
            body: body.into(),
            cache: None,
            retry_after: false,
        }
    }

    fn cache(mut self, outcome: &'static str) -> Response {
        self.cache = Some(outcome);
        self
    }

    /// The whole response, so it goes out in one write.
    fn to_bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            503 => "Service Unavailable",
            507 => "Insufficient Storage",
            _ => "Internal Server Error",
        };
        let mut head = format!(
            "HTTP/1.0 {} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n",
            self.status,
            self.body.len()
        );
        if let Some(c) = self.cache {
            let _ = write!(head, "X-Cache: {c}\r\n");
        }
        if self.retry_after {
            head.push_str("Retry-After: 1\r\n");
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(self.body.as_bytes());
        out
    }
}

/// Reads the request line and the headers; returns the path of a `GET`.
fn read_request(stream: &TcpStream) -> Result<String, Response> {
    let bad = |msg: &str| Response::text(400, format!("{msg}\n"));
    // Bounded: a client cannot make a worker buffer more than 16 KiB.
    let mut reader = BufReader::new(stream.take(16 * 1024));
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) => return Err(bad("empty request")),
        Ok(_) => {}
        Err(e) => return Err(bad(&format!("unreadable request: {e}"))),
    }
    let mut parts = line.split_whitespace();
    let (method, path) = match (parts.next(), parts.next()) {
        (Some(m), Some(p)) => (m.to_string(), p.to_string()),
        _ => return Err(bad("malformed request line")),
    };
    // Skip the headers: nothing here needs them.
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) if line.trim_end().is_empty() => break,
            Ok(_) => {}
            Err(e) => return Err(bad(&format!("unreadable headers: {e}"))),
        }
    }
    if method != "GET" {
        return Err(Response::text(405, "only GET\n"));
    }
    Ok(path)
}

fn handle(app: &App, mut stream: TcpStream) {
    // A stalled client must not hold a worker forever.
    if let Err(e) = stream
        .set_read_timeout(Some(HTTP_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(HTTP_TIMEOUT)))
    {
        eprintln!("socket setup: {e}");
        return;
    }
    let response = match read_request(&stream) {
        Ok(path) => app.route(&path),
        Err(r) => r,
    };
    if let Err(e) = stream.write_all(&response.to_bytes()) {
        eprintln!("writing a response: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// The server: an acceptor thread feeding a fixed pool of workers through a channel.

struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: JoinHandle<()>,
    workers: Vec<JoinHandle<()>>,
}

impl Server {
    fn start(app: Arc<App>, listener: TcpListener) -> std::io::Result<Server> {
        let addr = listener.local_addr()?;
        let (tx, rx) = mpsc::channel::<TcpStream>();
        let rx = Arc::new(Mutex::new(rx));
        let mut workers = Vec::with_capacity(WORKERS);
        for i in 0..WORKERS {
            let (rx, app) = (Arc::clone(&rx), Arc::clone(&app));
            let worker = thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next connection.
                        let next = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        match next {
                            Ok(stream) => handle(&app, stream),
                            // The acceptor is gone: shut down.
                            Err(mpsc::RecvError) => break,
                        }
                    }
                })?;
            workers.push(worker);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name("acceptor".into())
                .spawn(move || {
                    for conn in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        match conn {
                            Ok(stream) => {
                                if tx.send(stream).is_err() {
                                    break;
                                }
                            }
                            Err(e) => {
                                // Out of file descriptors, say: back off instead of spinning.
                                eprintln!("accept: {e}");
                                thread::sleep(Duration::from_millis(50));
                            }
                        }
                    }
                    // Dropping `tx` here ends every worker's loop once the queue is drained.
                })?
        };
        Ok(Server {
            addr,
            stop,
            acceptor,
            workers,
        })
    }

    /// Stops accepting, lets the workers finish what is queued, and joins every thread.
    fn shutdown(self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor from accept() so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        for t in std::iter::once(self.acceptor).chain(self.workers) {
            if t.join().is_err() {
                eprintln!("a server thread panicked");
            }
        }
    }
}

fn serve_forever(client: Client, port: u16) -> Result<(), String> {
    // Fail at start, not on the first request, when Redis is not there.
    client.ping().map_err(|e| describe("PING", &e))?;
    let listener =
        TcpListener::bind(("127.0.0.1", port)).map_err(|e| format!("bind port {port}: {e}"))?;
    let app = Arc::new(App::new(client, String::new()));
    let server = Server::start(app, listener).map_err(|e| format!("start: {e}"))?;
    println!(
        "serving on http://{} with {WORKERS} workers; try /hit and /user/42 (Ctrl-C stops)",
        server.addr
    );
    server
        .acceptor
        .join()
        .map_err(|_| "the acceptor panicked".to_string())
}

/// An error for the user, with its kind and what to check.
fn describe(what: &str, e: &redisync::Error) -> String {
    let hint = match e.kind() {
        ErrorKind::Connection => " (is redis-server running at that address?)",
        ErrorKind::Timeout => " (the server did not answer in time)",
        ErrorKind::Authentication => " (check the user name and password in the URL)",
        _ => "",
    };
    format!("{what} failed [{}]: {e}{hint}", kind_name(e.kind()))
}

/// A kind as a short lower-case word: `connection`, `pool_timeout`.
fn kind_name(kind: ErrorKind) -> String {
    let mut out = String::new();
    for (i, c) in format!("{kind:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Self-test: the server, and a few client threads sending it requests.

/// What one client thread saw.
#[derive(Default)]
struct Seen {
    /// Counter values returned by `/hit`.
    counters: Vec<i64>,
    cache_hits: u64,
    cache_misses: u64,
    failures: Vec<String>,
}

impl Seen {
    /// Notes the outcome of one request.
    fn record(&mut self, path: &str, result: Result<(u16, Option<String>, String), String>) {
        let (cache, body) = match result {
            Ok((200, cache, body)) => (cache, body),
            Ok((status, _, body)) => {
                return self
                    .failures
                    .push(format!("{path}: {status} {}", body.trim()));
            }
            Err(e) => return self.failures.push(format!("{path}: {e}")),
        };
        if path == "/hit" {
            match body.trim().strip_prefix("hits: ").map(str::parse) {
                Some(Ok(n)) => self.counters.push(n),
                _ => self.failures.push(format!("/hit said {body:?}")),
            }
            return;
        }
        match cache.as_deref() {
            Some("hit") => self.cache_hits += 1,
            Some("miss") => self.cache_misses += 1,
            other => self.failures.push(format!("{path}: X-Cache {other:?}")),
        }
    }
}

/// A minimal HTTP/1.0 GET: the status, the `X-Cache` header, and the body.
fn http_get(addr: SocketAddr, path: &str) -> Result<(u16, Option<String>, String), String> {
    let mut s =
        TcpStream::connect_timeout(&addr, HTTP_TIMEOUT).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(HTTP_TIMEOUT * 2))
        .map_err(|e| e.to_string())?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").map_err(|e| format!("send: {e}"))?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)
        .map_err(|e| format!("read: {e}"))?;
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {raw:?}"))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line in {head:?}"))?;
    let cache = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("x-cache")
            .then(|| value.trim().to_string())
    });
    Ok((status, cache, body.to_string()))
}

/// Request `i` of the self-test: even ones hit the counter, odd ones look up a user.
fn path_of(i: usize) -> String {
    if i % 2 == 0 {
        "/hit".to_string()
    } else {
        format!("/user/selftest-{}", (i / 2) % USER_IDS)
    }
}

fn self_test(client: Client, requests: usize) -> Result<(), String> {
    let started = Instant::now();
    client.ping().map_err(|e| describe("PING", &e))?;
    let prefix = format!("threaded_server:selftest:{}:", std::process::id());
    let app = Arc::new(App::new(client.clone(), prefix));
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let server = Server::start(Arc::clone(&app), listener).map_err(|e| format!("start: {e}"))?;
    let addr = server.addr;
    println!(
        "self-test: {requests} requests from {CLIENT_THREADS} threads to http://{addr} \
         ({WORKERS} workers sharing one Client)"
    );

    let next = AtomicUsize::new(0);
    let seen: Vec<Seen> = thread::scope(|scope| {
        let threads: Vec<_> = (0..CLIENT_THREADS)
            .map(|_| {
                scope.spawn(|| {
                    let mut seen = Seen::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= requests {
                            break seen;
                        }
                        let path = path_of(i);
                        seen.record(&path, http_get(addr, &path));
                    }
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| {
                t.join().unwrap_or_else(|_| Seen {
                    failures: vec!["a client thread panicked".into()],
                    ..Seen::default()
                })
            })
            .collect()
    });
    server.shutdown();

    let result = check(&app, requests, &seen);
    // Remove the test's keys whatever the outcome.
    let mut keys = vec![app.hits_key()];
    keys.extend((0..USER_IDS).map(|i| app.user_key(&format!("selftest-{i}"))));
    if let Err(e) = client.del(&keys) {
        eprintln!("{}", describe("cleanup DEL", &e));
    }
    result?;
    println!(
        "self-test passed in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Compares what the clients saw with what Redis and the pool say.
fn check(app: &App, requests: usize, seen: &[Seen]) -> Result<(), String> {
    let failures: Vec<&String> = seen.iter().flat_map(|s| &s.failures).collect();
    if !failures.is_empty() {
        return Err(format!(
            "{} of {requests} requests failed; first: {}",
            failures.len(),
            failures[0]
        ));
    }
    let mut errors = Vec::new();

    // The counter: one increment per /hit, each value handed out exactly once.
    let hit_requests = requests.div_ceil(2);
    let counter: i64 = match app.client.get(app.hits_key()) {
        Ok(v) => v.unwrap_or(0),
        Err(e) => return Err(describe("GET hits", &e)),
    };
    let mut counters: Vec<i64> = seen
        .iter()
        .flat_map(|s| s.counters.iter().copied())
        .collect();
    counters.sort_unstable();
    let expected: Vec<i64> = (1..=hit_requests as i64).collect();
    let counter_ok = counter == hit_requests as i64 && counters == expected;
    println!(
        "  /hit:   {hit_requests} requests, counter = {counter}, values handed out: {} distinct \
         ({})",
        counters.len(),
        ok(counter_ok)
    );
    if !counter_ok {
        errors.push(format!(
            "counter is {counter} for {hit_requests} /hit requests (values seen: {counters:?})"
        ));
    }

    // The cache: every lookup a hit or a miss; at least one miss per id, and at most one per id
    // and client thread (concurrent first lookups of an id may all miss).
    let user_requests = (requests - hit_requests) as u64;
    let ids = (user_requests as usize).min(USER_IDS) as u64;
    let hits: u64 = seen.iter().map(|s| s.cache_hits).sum();
    let misses: u64 = seen.iter().map(|s| s.cache_misses).sum();
    let (server_hits, server_misses) = (
        app.cache_hits.load(Ordering::Relaxed),
        app.cache_misses.load(Ordering::Relaxed),
    );
    let cache_ok = hits + misses == user_requests
        && (hits, misses) == (server_hits, server_misses)
        && (ids..=ids * CLIENT_THREADS as u64).contains(&misses);
    println!(
        "  /user:  {user_requests} requests over {ids} ids: {hits} cache hits, {misses} misses \
         ({})",
        ok(cache_ok)
    );
    if !cache_ok {
        errors.push(format!(
            "cache: clients saw {hits} hits + {misses} misses for {user_requests} lookups, the \
             server counted {server_hits} + {server_misses}; expected {ids} to {} misses",
            ids * CLIENT_THREADS as u64
        ));
    }
    if ids > 0 {
        let key = app.user_key("selftest-0");
        match app.client.ttl(&key) {
            Ok(redisync::Ttl::Expires(left)) if left.as_secs() <= CACHE_TTL => {}
            Ok(ttl) => errors.push(format!(
                "TTL {key} is {ttl:?}, expected at most {CACHE_TTL} s"
            )),
            Err(e) => errors.push(describe("TTL", &e)),
        }
    }

    // The pool: everything returned, never more connections than workers, no checkout timed out.
    let pool = app.client.pool_state();
    let pool_ok = pool.in_use == 0
        && pool.total <= WORKERS
        && pool.timeouts == 0
        && pool.created <= WORKERS as u64;
    println!("  pool:   {pool:?} ({})", ok(pool_ok));
    if !pool_ok {
        errors.push(format!(
            "pool: expected nothing in use, at most {WORKERS} connections, no timeouts; got \
             {pool:?}"
        ));
    }

    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("self-test failed:\n  {}", errors.join("\n  ")))
    }
}

fn ok(good: bool) -> &'static str {
    if good { "ok" } else { "WRONG" }
}
