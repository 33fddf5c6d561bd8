//! Redis Cluster: 8 threads of GET and SET 16 B (half each) against a 3-primary cluster this
//! scenario starts, three ways in interleaved rounds:
//!
//! - (a) one `redisync::cluster::ClusterClient` shared by every thread;
//! - (b) three single-node `redisync::Client`s on the same servers, each thread using the one
//!   of the node that owns its key: what routing costs, (a)/(b), target at least 0.9;
//! - (c) the `redis` crate's sync cluster connection, one per thread: (a)/(c), target at
//!   least 1.5.
//!
//! Each thread's key lives on one node, the threads spread over the nodes evenly (3, 3, 2), so
//! (a) and (b) send the same commands to the same servers. Besides ops/s (which a shared
//! 2-core machine moves a lot), the client's CPU time per operation (this process, all
//! threads) is shown: what each side costs, less disturbed by what else runs.

use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redisync::cluster::{ClusterClient, slot};
use redisync::prelude::*;

use crate::measure::{Plan, Unit, median, rate_threads, report_target};
use crate::mux::process_cpu;

/// Client threads.
const THREADS: usize = 8;
/// Primaries of the cluster (the fewest `redis-cli --cluster create` accepts).
const PRIMARIES: usize = 3;
/// The cluster bus listens this far above a node's port (fixed in Redis 6.2).
const BUS_OFFSET: u16 = 10000;
/// Client ports of the nodes: the bus port stays below Linux's ephemeral range (32768 and up)
/// too, where a port nothing listens on may still refuse a bind.
const PORTS: std::ops::Range<u16> = 20000..22768;
const VALUE: &[u8; 16] = b"0123456789abcdef";

/// The cluster's nodes, killed (and their directories removed) on drop.
struct Nodes {
    children: Vec<Child>,
    dirs: Vec<PathBuf>,
    ports: Vec<u16>,
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for d in &self.dirs {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// A port whose bus port is free too, not among `taken`.
fn node_port(taken: &[u16]) -> Result<u16, String> {
    use std::hash::BuildHasher;
    for attempt in 0..200u32 {
        let random = std::collections::hash_map::RandomState::new().hash_one(attempt);
        let span = u64::from(PORTS.end - PORTS.start);
        let port = PORTS.start + u16::try_from(random % span).unwrap_or(0);
        if taken.contains(&port) {
            continue;
        }
        let bindable = |p: u16| TcpListener::bind((Ipv4Addr::LOCALHOST, p)).is_ok();
        if bindable(port) && bindable(port + BUS_OFFSET) {
            return Ok(port);
        }
    }
    Err(format!(
        "no free port pair (port, port+{BUS_OFFSET}) in {PORTS:?}"
    ))
}

/// Waits for `ok` until `deadline`, polling every 20 ms.
fn wait_for(what: &str, deadline: Duration, mut ok: impl FnMut() -> bool) -> Result<(), String> {
    let until = Instant::now() + deadline;
    while Instant::now() < until {
        if ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("{what}: not within {deadline:?}"))
}

fn cluster_info(port: u16) -> Option<String> {
    let mut conn = redisync::Connection::open(&format!("redis://127.0.0.1:{port}")).ok()?;
    redisync::cmd("CLUSTER").arg("INFO").query(&mut conn).ok()
}

/// Starts `PRIMARIES` cluster nodes (no replicas, no persistence) and forms the cluster with
/// `redis-cli --cluster create`; returns once every node says `cluster_state:ok`.
fn start_cluster(pin: bool) -> Result<Nodes, String> {
    let mut nodes = Nodes {
        children: Vec::new(),
        dirs: Vec::new(),
        ports: Vec::new(),
    };
    for i in 0..PRIMARIES {
        let port = node_port(&nodes.ports)?;
        let dir =
            std::env::temp_dir().join(format!("redisync-bench-cluster-{}-{i}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut command = crate::server::redis_server(
            pin,
            port,
            &dir,
            &[
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "5000",
            ],
        );
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start redis-server: {e}"))?;
        nodes.children.push(child);
        nodes.dirs.push(dir);
        nodes.ports.push(port);
    }
    for &port in &nodes.ports {
        wait_for(
            &format!("cluster node {port} to answer"),
            Duration::from_secs(10),
            || cluster_info(port).is_some(),
        )?;
    }
    let out = Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(nodes.ports.iter().map(|p| format!("127.0.0.1:{p}")))
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run redis-cli: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "redis-cli --cluster create failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    for &port in &nodes.ports {
        wait_for(
            &format!("cluster node {port} to say cluster_state:ok"),
            Duration::from_secs(20),
            || cluster_info(port).is_some_and(|i| i.contains("cluster_state:ok")),
        )?;
    }
    Ok(nodes)
}

/// One thread's state: its key (on one node), the handle it calls through, and a counter that
/// alternates GET and SET.
struct Worker<H> {
    key: String,
    handle: H,
    n: u64,
}

fn check16(v: Option<Vec<u8>>, who: &str) {
    assert_eq!(
        v.as_deref(),
        Some(&VALUE[..]),
        "{who}: GET returned another value"
    );
}

/// One operation through the shared cluster client: GET on even counts, SET on odd.
fn step_cluster(w: &mut Worker<ClusterClient>) {
    w.n += 1;
    if w.n.is_multiple_of(2) {
        let v: Option<Vec<u8>> = w.handle.get(&w.key).expect("redisync cluster GET");
        check16(v, "redisync cluster");
    } else {
        w.handle
            .set(&w.key, &VALUE[..])
            .expect("redisync cluster SET");
    }
}

/// The same through the node's own client.
fn step_node(w: &mut Worker<redisync::Client>) {
    w.n += 1;
    if w.n.is_multiple_of(2) {
        let v: Option<Vec<u8>> = w.handle.get(&w.key).expect("redisync node GET");
        check16(v, "redisync node client");
    } else {
        w.handle.set(&w.key, &VALUE[..]).expect("redisync node SET");
    }
}

fn step_rs(w: &mut Worker<redis::cluster::ClusterConnection>) {
    w.n += 1;
    if w.n.is_multiple_of(2) {
        let v: Option<Vec<u8>> = redis::Commands::get(&mut w.handle, &w.key).expect("redis-rs GET");
        check16(v, "redis-rs");
    } else {
        let (): () = redis::Commands::set(&mut w.handle, &w.key, &VALUE[..]).expect("redis-rs SET");
    }
}

/// A key for each thread: thread `t` gets one on primary `t % PRIMARIES` (by the slot map),
/// hash-tagged so it names its thread.
fn keys(
    slot_map: &[(u16, u16, redisync::cluster::NodeAddr)],
    ports: &[u16],
) -> Result<Vec<String>, String> {
    let owner = |s: u16| {
        slot_map
            .iter()
            .find(|(a, b, _)| (*a..=*b).contains(&s))
            .map(|(_, _, n)| n.port)
    };
    (0..THREADS)
        .map(|t| {
            let want = ports[t % ports.len()];
            (0..100_000)
                .map(|n| format!("redisync-bench:cluster:{{t{t}-{n}}}"))
                .find(|k| owner(slot(k.as_bytes())) == Some(want))
                .ok_or_else(|| format!("no key found on the node {want}"))
        })
        .collect()
}

pub fn run(plan: Plan, pin: bool) -> Result<(), String> {
    let nodes = start_cluster(pin)?;
    let seeds: Vec<String> = nodes
        .ports
        .iter()
        .map(|p| format!("redis://127.0.0.1:{p}"))
        .collect();
    let ours = ClusterClient::builder()
        .seeds(&seeds)
        .node_settings(redisync::Client::builder().max_connections(THREADS))
        .build()
        .map_err(|e| format!("redisync cluster: {e}"))?;
    ours.refresh_slots(Duration::from_secs(10))
        .map_err(|e| format!("redisync cluster slot map: {e}"))?;
    let map = ours.slot_map();
    let primaries: Vec<u16> = {
        let mut p: Vec<u16> = map.iter().map(|(_, _, n)| n.port).collect();
        p.dedup();
        p.sort_unstable();
        p.dedup();
        p
    };
    if primaries.len() != PRIMARIES {
        return Err(format!(
            "the slot map names {primaries:?}, not {PRIMARIES} primaries"
        ));
    }
    let keys = keys(&map, &primaries)?;
    for k in &keys {
        ours.set(k, &VALUE[..])
            .map_err(|e| format!("SET {k}: {e}"))?;
    }

    // (b): a pool per node, each thread on the one owning its key.
    let singles: Vec<redisync::Client> = primaries
        .iter()
        .map(|p| {
            redisync::Client::builder()
                .url(&format!("redis://127.0.0.1:{p}"))
                .max_connections(THREADS)
                .build()
                .map_err(|e| format!("redisync client: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let mut a: Vec<Worker<ClusterClient>> = keys
        .iter()
        .map(|k| Worker {
            key: k.clone(),
            handle: ours.clone(),
            n: 0,
        })
        .collect();
    let mut b: Vec<Worker<redisync::Client>> = keys
        .iter()
        .enumerate()
        .map(|(t, k)| Worker {
            key: k.clone(),
            handle: singles[t % PRIMARIES].clone(),
            n: 0,
        })
        .collect();
    let theirs = redis::cluster::ClusterClientBuilder::new(seeds.clone())
        .tcp_settings(redis::io::tcp::TcpSettings::default().set_nodelay(true))
        .build()
        .map_err(|e| format!("redis-rs cluster: {e}"))?;
    let mut c: Vec<Worker<redis::cluster::ClusterConnection>> = keys
        .iter()
        .map(|k| {
            Ok(Worker {
                key: k.clone(),
                handle: theirs
                    .get_connection()
                    .map_err(|e| format!("redis-rs cluster connection: {e}"))?,
                n: 0,
            })
        })
        .collect::<Result<_, String>>()?;
    let (op_a, op_b) = (&step_cluster, &step_node);
    let warm = plan.round / 4;
    rate_threads(warm, &mut a, op_a);
    rate_threads(warm, &mut b, op_b);
    rate_threads(warm, &mut c, &step_rs);
    let (mut ra, mut rb, mut rc) = (Vec::new(), Vec::new(), Vec::new());
    // Client CPU seconds and operations of every round, per side.
    let mut cpu = [(0.0f64, 0.0f64); 3];
    let timed = |cpu: &mut (f64, f64), run: &mut dyn FnMut() -> f64| {
        let (t0, c0) = (Instant::now(), process_cpu());
        let rate = run();
        cpu.0 += process_cpu() - c0;
        cpu.1 += rate * t0.elapsed().as_secs_f64();
        rate
    };
    for _ in 0..plan.rounds {
        ra.push(timed(&mut cpu[0], &mut || {
            rate_threads(plan.round, &mut a, op_a)
        }));
        rb.push(timed(&mut cpu[1], &mut || {
            rate_threads(plan.round, &mut b, op_b)
        }));
        rc.push(timed(&mut cpu[2], &mut || {
            rate_threads(plan.round, &mut c, &step_rs)
        }));
    }
    let (ra, rb, rc) = (median(ra), median(rb), median(rc));
    let us = |(secs, ops): (f64, f64)| secs / ops.max(1.0) * 1e6;
    let mode = if pin {
        "client threads and the 3 nodes all on core 0 (--pin)".to_string()
    } else {
        format!(
            "unpinned, {} cores",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        )
    };
    println!(
        "cluster: {PRIMARIES} primaries on ports {:?}, {THREADS} threads of GET/SET 16B (half \
         each), {mode}",
        nodes.ports
    );
    report_target(
        &format!("cluster x{THREADS}"),
        ("cluster", "3 nodes"),
        (ra, rb),
        Unit::Ops,
        "  (ClusterClient vs a Client per node; target >= 0.9)",
    );
    report_target(
        &format!("cluster x{THREADS}"),
        ("redisync", "redis-rs"),
        (ra, rc),
        Unit::Ops,
        "  (ClusterClient vs redis-rs ClusterConnection each; target >= 1.5)",
    );
    println!(
        "  client CPU per op (all rounds): cluster {:.2} us, 3 nodes {:.2} us, redis-rs {:.2} us",
        us(cpu[0]),
        us(cpu[1]),
        us(cpu[2])
    );
    let s = ours.stats();
    if s.moved + s.ask + s.retries + s.gave_up > 0 {
        println!(
            "  note: the cluster client saw {} MOVED, {} ASK, {} retries, {} gave up",
            s.moved, s.ask, s.retries, s.gave_up
        );
    }
    drop((a, b, c, ours, singles));
    drop(nodes);
    Ok(())
}
