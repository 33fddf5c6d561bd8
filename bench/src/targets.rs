//! The scenarios behind issue 11's targets: large values against a bare socket (`raw100k`),
//! a 1000-GET pipeline against `redis-benchmark` (`redis_benchmark`), and a 100-key MGET's
//! allocations and rate against the `redis` crate (`mget100`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use redisync::prelude::*;

use crate::alloc::allocations;
use crate::measure::{Plan, Unit, alone, compare, figure, report, report_target};
use crate::scenarios::Clients;

const KEY_GET_100K: &str = "redisync-bench:t:get100k";
const KEY_SET_100K: &str = "redisync-bench:t:set100k";
const LARGE: usize = 100 * 1024;
/// The key `redis-benchmark -t get` reads when not told `-r`: the placeholder, verbatim.
const BENCHMARK_KEY: &str = "key:__rand_int__";
const VALUE_16: &[u8; 16] = b"0123456789abcdef";
const PIPELINE_GETS: usize = 1000;
const MGET_KEYS: usize = 100;

/// `n` printable bytes.
fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i % 26) as u8).collect()
}

/// `host:port` of a `redis://` URL without credentials, or why not.
fn host_port(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("redis://")
        .ok_or_else(|| format!("{url}: needs a redis:// URL"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    if authority.contains('@') {
        return Err(format!("{url}: needs a server without a password"));
    }
    Ok(if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:6379")
    })
}

/// A command as RESP bytes, the way any client sends it.
fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A bare socket that sends a request prepared once and reads a reply of known length into a
/// reused buffer: the floor any client is measured against.
struct Raw {
    socket: TcpStream,
    request: Vec<u8>,
    reply: Vec<u8>,
}

impl Raw {
    fn new(addr: &str, request: Vec<u8>, reply_len: usize) -> Result<Raw, String> {
        let socket = TcpStream::connect(addr).map_err(|e| format!("raw connect {addr}: {e}"))?;
        socket
            .set_nodelay(true)
            .map_err(|e| format!("TCP_NODELAY: {e}"))?;
        Ok(Raw {
            socket,
            request,
            reply: vec![0; reply_len],
        })
    }

    /// Writes the request, reads until the whole reply is in.
    fn round_trip(&mut self) {
        self.socket.write_all(&self.request).expect("raw write");
        let mut got = 0;
        while got < self.reply.len() {
            match self.socket.read(&mut self.reply[got..]) {
                Ok(0) => panic!("raw: server closed the connection"),
                Ok(n) => got += n,
                Err(e) => panic!("raw read: {e}"),
            }
        }
    }
}

/// `raw100k`: GET and SET of a 100 KiB value, redisync against the bare socket loop.
pub fn raw100k(plan: Plan, clients: &mut Clients, url: &str, pinned: bool) -> Result<(), String> {
    let addr = host_port(url)?;
    let value = pattern(LARGE);
    let ours = &mut clients.ours;
    ours.set(KEY_GET_100K, &value)
        .map_err(|e| format!("SET {KEY_GET_100K}: {e}"))?;

    let mut expected = format!("${LARGE}\r\n").into_bytes();
    expected.extend_from_slice(&value);
    expected.extend_from_slice(b"\r\n");
    let mut raw = Raw::new(
        &addr,
        encode(&[b"GET", KEY_GET_100K.as_bytes()]),
        expected.len(),
    )?;
    raw.round_trip();
    if raw.reply != expected {
        return Err("raw GET 100KB: unexpected reply".into());
    }
    let rates = compare(
        plan,
        &mut || {
            let v = ours.get::<Vec<u8>>(KEY_GET_100K).expect("redisync GET");
            assert_eq!(v.map(|v| v.len()), Some(LARGE));
        },
        &mut || raw.round_trip(),
    );
    report_target(
        "raw GET 100KB",
        ("redisync", "raw"),
        rates,
        Unit::Ops,
        "  (target >= 0.90, pinned)",
    );

    let mut raw = Raw::new(
        &addr,
        encode(&[b"SET", KEY_SET_100K.as_bytes(), &value]),
        b"+OK\r\n".len(),
    )?;
    raw.round_trip();
    if raw.reply != b"+OK\r\n" {
        return Err("raw SET 100KB: unexpected reply".into());
    }
    let rates = compare(
        plan,
        &mut || ours.set(KEY_SET_100K, &value).expect("redisync SET"),
        &mut || raw.round_trip(),
    );
    report_target(
        "raw SET 100KB",
        ("redisync", "raw"),
        rates,
        Unit::Ops,
        "  (target >= 0.95, pinned)",
    );
    if !pinned {
        println!("  (raw100k is meant for --pin: client and server on core 0)");
    }
    Ok(())
}

/// A 1000-GET pipeline of `key`.
fn get_pipeline(key: &str) -> Pipeline {
    let mut p = Pipeline::new();
    for _ in 0..PIPELINE_GETS {
        p.add(&cmd("GET").arg(key));
    }
    p
}

/// One 1000-GET pipeline through `conn`, checking its length.
fn run_pipeline(p: &Pipeline, conn: &mut Connection) {
    let v: Vec<Option<Vec<u8>>> = p.query(&mut *conn).expect("redisync pipeline");
    assert_eq!(v.len(), PIPELINE_GETS);
}

/// Runs `redis-benchmark -c 1 -P 1000 -t get -d 16 -n <requests>` against `host:port` and
/// returns its requests per second (from `--csv`).
fn redis_benchmark(host: &str, port: &str, requests: u64) -> Result<f64, String> {
    let out = Command::new("redis-benchmark")
        .args(["-h", host, "-p", port, "-c", "1", "-P", "1000", "-t", "get"])
        .args(["-d", "16", "-n", &requests.to_string(), "--csv"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run redis-benchmark (redis-tools): {e}"))?;
    if !out.status.success() {
        return Err(format!("redis-benchmark failed: {}", out.status));
    }
    parse_csv_rps(&String::from_utf8_lossy(&out.stdout))
}

/// The `rps` column of the `"GET"` row of `redis-benchmark --csv` output.
fn parse_csv_rps(text: &str) -> Result<f64, String> {
    let mut lines = text.lines().map(|l| {
        l.split(',')
            .map(|f| f.trim().trim_matches('"').to_string())
            .collect::<Vec<_>>()
    });
    let header = lines.next().ok_or("redis-benchmark printed nothing")?;
    let col = header
        .iter()
        .position(|h| h == "rps")
        .ok_or("redis-benchmark --csv: no rps column")?;
    let row = lines
        .find(|r| r.first().map(String::as_str) == Some("GET"))
        .ok_or("redis-benchmark --csv: no GET row")?;
    row.get(col)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("redis-benchmark --csv: bad rps in {row:?}"))
}

/// `redis_benchmark`: GETs/s of a 1000-GET pipeline (16 B values) through one Connection, with
/// the pipeline reused and built anew each time, against `redis-benchmark -c 1 -P 1000` on the
/// same server, in interleaved rounds.
pub fn redis_benchmark_pipeline(
    plan: Plan,
    clients: &mut Clients,
    url: &str,
) -> Result<(), String> {
    let addr = host_port(url)?;
    let (host, port) = addr.rsplit_once(':').ok_or("no port")?;
    let conn = &mut clients.ours;
    // redis-benchmark's GET reads this key; it holds a 16-byte value for both sides.
    conn.set(BENCHMARK_KEY, VALUE_16)
        .map_err(|e| format!("SET {BENCHMARK_KEY}: {e}"))?;
    let reused = get_pipeline(BENCHMARK_KEY);
    // Size redis-benchmark's runs to about one round each.
    let probe = redis_benchmark(host, port, 100_000)?;
    let requests = ((probe * plan.round.as_secs_f64()) as u64 / 1000 * 1000).max(200_000);
    let one = Plan {
        rounds: 1,
        round: plan.round,
    };
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..plan.rounds {
        a.push(alone(one, &mut || run_pipeline(&reused, conn)) * PIPELINE_GETS as f64);
        b.push(
            alone(one, &mut || {
                run_pipeline(&get_pipeline(BENCHMARK_KEY), conn);
            }) * PIPELINE_GETS as f64,
        );
        c.push(redis_benchmark(host, port, requests)?);
    }
    let (reused, fresh, theirs) = (median(a), median(b), median(c));
    let note = "  (target >= 0.95)";
    report_target(
        "1000-GET reused",
        ("redisync", "r-bench"),
        (reused, theirs),
        Unit::Ops,
        note,
    );
    report_target(
        "1000-GET new",
        ("redisync", "r-bench"),
        (fresh, theirs),
        Unit::Ops,
        note,
    );
    println!(
        "  (ops = GETs; redis-benchmark -c 1 -P 1000 -t get -d 16 -n {requests}, {} rounds, \
         sized by a first run at {})",
        plan.rounds,
        figure(probe, Unit::Ops)
    );
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `mget100`: MGET of 100 keys holding 16-byte values: allocations per MGET and MGETs/s, redisync
/// against the `redis` crate.
pub fn mget100(plan: Plan, clients: &mut Clients, quick: bool) -> Result<(), String> {
    let keys: Vec<String> = (0..MGET_KEYS)
        .map(|i| format!("redisync-bench:t:m{i:03}"))
        .collect();
    let Clients { ours, theirs, .. } = clients;
    for key in &keys {
        ours.set(key, VALUE_16)
            .map_err(|e| format!("SET {key}: {e}"))?;
    }
    let mut mget_ours = || {
        let v = ours.mget::<Vec<u8>>(&keys).expect("redisync MGET");
        assert_eq!(v.len(), MGET_KEYS);
        assert!(v.iter().all(|v| v.as_ref().map(Vec::len) == Some(16)));
    };
    let mut mget_theirs = || {
        use redis::Commands as _;
        let v: Vec<Option<Vec<u8>>> = theirs.mget(&keys).expect("redis-rs MGET");
        assert_eq!(v.len(), MGET_KEYS);
        assert!(v.iter().all(|v| v.as_ref().map(Vec::len) == Some(16)));
    };
    let n = if quick { 500 } else { 5_000 };
    let a = allocations_per(n, &mut mget_ours);
    let b = allocations_per(n, &mut mget_theirs);
    println!(
        "{:<18} | redisync {a:>20.2} | redis-rs {b:>20.2} | (target <= 101)",
        "allocs/MGET 100"
    );
    let rates = compare(plan, &mut mget_ours, &mut mget_theirs);
    report("MGET 100 keys", ("redisync", "redis-rs"), rates, Unit::Ops);
    Ok(())
}

/// Allocations per call of `op` over `n` calls, after a warm-up.
fn allocations_per(n: u64, op: &mut dyn FnMut()) -> f64 {
    for _ in 0..100 {
        op();
    }
    let before = allocations();
    for _ in 0..n {
        op();
    }
    (allocations() - before) as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rps_from_redis_benchmark_csv() {
        let out = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\"\n\
                   \"GET\",\"1226993.88\",\"0.431\",\"0.304\"\n";
        assert_eq!(parse_csv_rps(out), Ok(1226993.88));
        assert!(parse_csv_rps("").is_err());
        assert!(parse_csv_rps("\"test\",\"rps\"\n\"SET\",\"5\"\n").is_err());
        assert!(parse_csv_rps("\"test\",\"rps\"\n\"GET\",\"x\"\n").is_err());
    }

    #[test]
    fn raw_needs_a_plain_redis_url() {
        assert_eq!(
            host_port("redis://127.0.0.1:7000/0").unwrap(),
            "127.0.0.1:7000"
        );
        assert_eq!(host_port("redis://localhost").unwrap(), "localhost:6379");
        assert!(host_port("redis://:pw@127.0.0.1:7000").is_err());
        assert!(host_port("rediss://127.0.0.1:7000").is_err());
    }

    #[test]
    fn encodes_commands_as_resp_arrays() {
        assert_eq!(encode(&[b"GET", b"k"]), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    }
}
