//! `redisync-bench`: redisync side by side with the `redis` crate's sync API.
//!
//! Starts its own `redis-server` (or uses `--url`), runs each scenario in interleaved rounds
//! (redisync, redis-rs, redisync, ...) and prints one line per scenario with the median of each
//! side and their ratio (above 1 means redisync is faster).

mod alloc;
mod cache;
mod cluster;
mod measure;
mod mux;
mod pool;
mod scenarios;
mod server;
mod targets;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use measure::Plan;
use scenarios::{Clients, Op};

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

const SCENARIOS: &[(&str, &str)] = &[
    (
        "decode",
        "decode mixed: decode a ~1 MB buffer of mixed replies (no I/O), MB/s",
    ),
    (
        "get16",
        "GET 16B: sequential GETs of a 16-byte value, ops/s",
    ),
    (
        "set16",
        "SET 16B: sequential SETs of a 16-byte value, ops/s",
    ),
    (
        "get100k",
        "GET 100KB: sequential GETs of a 100 KiB value, ops/s",
    ),
    (
        "set100k",
        "SET 100KB: sequential SETs of a 100 KiB value, ops/s",
    ),
    (
        "pipeline",
        "pipeline 1000 GET: one pipeline of 1000 GETs per iteration, pipelines/s",
    ),
    (
        "raw",
        "raw GET 16B: redisync GET against a bare TcpStream loop (run it with --pin)",
    ),
    (
        "raw100k",
        "raw 100KB: GET and SET of a 100 KiB value against a bare TcpStream loop (run it with --pin)",
    ),
    (
        "redis_benchmark",
        "1000-GET pipeline (16B) vs redis-benchmark -c 1 -P 1000 on the same server, GETs/s",
    ),
    (
        "mget100",
        "MGET 100 keys (16B values): allocations per MGET and MGETs/s, vs redis-rs",
    ),
    (
        "allocs",
        "allocs/op: allocations per GET 16B and SET 16B, steady state",
    ),
    (
        "pool8",
        "8 threads of GET 16B: one shared Client (max_connections 8) vs a Connection each, ops/s",
    ),
    (
        "r2d2",
        "8 threads of GET 16B: one shared Client vs r2d2 (defaults: PING on checkout) over redis-rs",
    ),
    (
        "checkout",
        "uncontended client.get_connection() + drop, no command: mean ns per checkout",
    ),
    (
        "pool_pipeline",
        "pipeline 1000 GET through the Client's pool vs on a bare Connection, pipelines/s",
    ),
    (
        "cache_hit",
        "client-side cache: a GET hit vs a loopback GET, ns per GET; allocations per hit",
    ),
    (
        "cache_threads",
        "client-side cache: GET hits on 8 threads vs 1 through one Client, ops/s",
    ),
    (
        "cache_stale",
        "client-side cache: another client's write acked -> our entry gone, idle and under load",
    ),
    (
        "mux",
        "multiplexed mode: 8/64/256 threads of GET 16B, mux vs pool vs redis-rs, ops/s and p50/p99",
    ),
    (
        "cache_memory",
        "client-side cache: 1,000,000 distinct keys through 10,000 entries: RSS and the byte budget",
    ),
    (
        "cluster",
        "Redis Cluster (3 primaries it starts): 8 threads of GET/SET 16B, ClusterClient vs a \
         Client per node vs redis-rs cluster, ops/s",
    ),
];

const USAGE: &str = "\
usage: redisync-bench [--quick] [--scenario NAME] [--url redis://HOST:PORT] [--pin]

  --quick          few short rounds (CI smoke test, well under 30 s)
  --scenario NAME  run one scenario (repeatable); NAME is one of the list below
  --url URL        use this server instead of starting a redis-server
                   (it writes the keys redisync-bench:* and k; raw needs no password);
                   the cluster scenario always starts its own 3-node cluster (redis-cli)
  --pin            pin this process to core 0 and start redis-server under taskset -c 0
";

struct Options {
    quick: bool,
    only: Vec<String>,
    url: Option<String>,
    pin: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        quick: false,
        only: Vec::new(),
        url: None,
        pin: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => o.quick = true,
            "--pin" => o.pin = true,
            "--scenario" => {
                let name = args.next().ok_or("--scenario needs a name")?;
                if !SCENARIOS.iter().any(|(n, _)| *n == name) {
                    return Err(format!("unknown scenario `{name}`"));
                }
                o.only.push(name);
            }
            "--url" => o.url = Some(args.next().ok_or("--url needs a URL")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

fn print_usage() {
    eprint!("{USAGE}\nscenarios:\n");
    for (name, what) in SCENARIOS {
        eprintln!("  {name:<13} {what}");
    }
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}\n");
            }
            print_usage();
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(opts: &Options) -> Result<(), String> {
    let started = Instant::now();
    if opts.pin {
        server::pin_self()?;
    }
    let wanted = |name: &str| opts.only.is_empty() || opts.only.iter().any(|n| n == name);
    let plan = if opts.quick {
        Plan {
            rounds: 3,
            round: Duration::from_millis(60),
        }
    } else {
        Plan {
            rounds: 7,
            round: Duration::from_millis(250),
        }
    };
    println!(
        "redisync-bench: {} rounds of {} ms per side, interleaved; median shown; \
         ratio = redisync / other (>1: redisync faster){}",
        plan.rounds,
        plan.round.as_millis(),
        if opts.pin { "; pinned to core 0" } else { "" }
    );

    if wanted("decode") {
        scenarios::decode_mixed(plan);
    }
    let needs_server = SCENARIOS
        .iter()
        .any(|(n, _)| !["decode", "cluster"].contains(n) && wanted(n));
    if !needs_server {
        if wanted("cluster") {
            cluster::run(plan, opts.pin)?;
        }
        println!("total {:.1} s", started.elapsed().as_secs_f64());
        return Ok(());
    }
    // Declared before the clients so it outlives them (dropped last: killed at the end).
    let server;
    let url = match &opts.url {
        Some(url) => url.clone(),
        None => {
            server = server::Server::start(opts.pin)?;
            server.url.clone()
        }
    };
    let mut clients = Clients::connect(&url)?;
    println!(
        "server {url}; redisync speaks {:?}, redis-rs its default (RESP2); \
         GET/SET replies are the same bytes in both",
        clients.ours.protocol()
    );
    for (name, op) in [
        ("get16", Op::Get16),
        ("set16", Op::Set16),
        ("get100k", Op::Get100k),
        ("set100k", Op::Set100k),
    ] {
        if wanted(name) {
            scenarios::single(plan, &mut clients, op);
        }
    }
    if wanted("pipeline") {
        scenarios::pipeline(plan, &mut clients);
    }
    if wanted("raw") {
        scenarios::raw(plan, &mut clients);
        if !opts.pin {
            println!("pin with: taskset -c 0 (client) and start the server with taskset -c 0");
            println!("  (or pass --pin, which does both)");
        }
    }
    if wanted("raw100k") {
        targets::raw100k(plan, &mut clients, &url, opts.pin)?;
    }
    if wanted("redis_benchmark") {
        targets::redis_benchmark_pipeline(plan, &mut clients, &url)?;
    }
    if wanted("mget100") {
        targets::mget100(plan, &mut clients, opts.quick)?;
    }
    if wanted("allocs") {
        scenarios::allocs(&mut clients, opts.quick);
    }
    if ["pool8", "r2d2", "checkout", "pool_pipeline"]
        .iter()
        .any(|n| wanted(n))
    {
        println!("{}", pool::mode(opts.pin));
    }
    if wanted("pool8") {
        pool::pool8(plan, &url)?;
    }
    if wanted("r2d2") {
        pool::r2d2(plan, &url)?;
    }
    if wanted("checkout") {
        pool::checkout(plan, &url)?;
    }
    if wanted("pool_pipeline") {
        pool::pool_pipeline(plan, &url)?;
    }
    if wanted("cache_hit") {
        cache::hit(plan, &url)?;
    }
    if wanted("cache_threads") {
        cache::hit_threads(plan, &url)?;
    }
    if wanted("cache_stale") {
        cache::staleness(opts.quick, &url)?;
    }
    if wanted("cache_memory") {
        cache::memory(opts.quick, &url)?;
    }
    if wanted("mux") {
        mux::run(plan, &url)?;
    }
    if wanted("cluster") {
        cluster::run(plan, opts.pin)?;
    }
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
