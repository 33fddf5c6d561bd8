//! A real Sentinel deployment on loopback: one primary, two replicas, three sentinels
//! (`redis-server <conf> --sentinel`), short down-after and failover timeouts, every process
//! in its own temp dir on free ports, killed on drop.
//!
//! Like the rest of `support/`, it speaks raw RESP only, never the client under test.

use std::fs;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::ports::free_port;
use super::resp::RawConnection;
use super::server::RedisServer;
use super::wait::wait_until;

/// The service name every deployment monitors.
pub const SERVICE: &str = "mymaster";
/// Sentinels consider a silent primary down after this long.
pub const DOWN_AFTER_MS: u64 = 1000;
const FAILOVER_TIMEOUT_MS: u64 = 6000;
const RAW_TIMEOUT: Duration = Duration::from_secs(2);
const START_DEADLINE: Duration = Duration::from_secs(10);

/// One `redis-server --sentinel` process.
#[derive(Debug)]
pub struct SentinelNode {
    bin: PathBuf,
    port: u16,
    /// The sentinel's own `requirepass`.
    password: Option<String>,
    /// A TLS port beside the plain one (which the sentinels use among themselves).
    tls_port: Option<u16>,
    child: Option<Child>,
    dir: TempDir,
}

impl SentinelNode {
    /// Starts a sentinel monitoring `primary_port` on 127.0.0.1 (quorum 2).
    pub fn start(bin: &Path, primary_port: u16, auth: &Auth) -> SentinelNode {
        let dir = tempfile::Builder::new()
            .prefix("redisync-sentinel-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for a sentinel: {e}"));
        let mut node = SentinelNode {
            bin: bin.to_path_buf(),
            port: free_port(),
            password: auth.sentinel.clone(),
            // Sentinels that reach the data nodes over TLS announce their TLS port to each
            // other (and talk TLS among themselves), so they need one.
            tls_port: (auth.sentinel_tls || auth.data_tls).then(free_port),
            child: None,
            dir,
        };
        let mut config = vec![
            "# Written by tests/support/sentinel.rs; the sentinel rewrites it.".to_owned(),
            format!("port {}", node.port),
            "bind 127.0.0.1".to_owned(),
            "protected-mode no".to_owned(),
            "daemonize no".to_owned(),
            format!("dir {}", node.dir.path().display()),
            format!("logfile {}", node.log_path().display()),
            format!("sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 2"),
            format!("sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}"),
            format!("sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}"),
            format!("sentinel parallel-syncs {SERVICE} 2"),
        ];
        if let Some(pw) = &auth.data {
            config.push(format!("sentinel auth-pass {SERVICE} {pw}"));
        }
        if let Some(tls_port) = node.tls_port {
            let certs = super::tls::tls_certs();
            config.push(format!("tls-port {tls_port}"));
            config.push(format!("tls-cert-file {}", certs.server_cert.display()));
            config.push(format!("tls-key-file {}", certs.server_key.display()));
            config.push(format!("tls-ca-cert-file {}", certs.ca_cert.display()));
            config.push("tls-auth-clients no".to_owned());
            if auth.data_tls {
                // Outgoing links (to the data nodes and the other sentinels) go over TLS,
                // presenting the client certificate.
                config.push("tls-replication yes".to_owned());
                config.push(format!(
                    "tls-client-cert-file {}",
                    certs.client_cert.display()
                ));
                config.push(format!(
                    "tls-client-key-file {}",
                    certs.client_key.display()
                ));
            }
        }
        if let Some(pw) = &auth.sentinel {
            config.push(format!("requirepass {pw}"));
            config.push(format!("sentinel sentinel-pass {pw}"));
        }
        config.push(String::new());
        fs::write(node.config_path(), config.join("\n"))
            .unwrap_or_else(|e| panic!("cannot write a sentinel config: {e}"));
        node.launch();
        node
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("sentinel.conf")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("sentinel.log")
    }

    /// The sentinel's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn launch(&mut self) {
        let child = Command::new(&self.bin)
            .arg(self.config_path())
            .arg("--sentinel")
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {} --sentinel: {e}", self.bin.display()));
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if let Ok(reply) = self.try_raw(&["PING"]) {
                if reply == "+PONG\r\n" {
                    return;
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("sentinel exited at start ({status}):\n{}", self.log());
            }
            assert!(
                started.elapsed() < START_DEADLINE,
                "sentinel on port {} not ready after {START_DEADLINE:?}:\n{}",
                self.port,
                self.log()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The sentinel's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// `rediss://127.0.0.1:<tls port>`, for a deployment started with `sentinel_tls`.
    pub fn tls_url(&self) -> String {
        let port = self.tls_port.expect("this sentinel has no TLS port");
        format!("rediss://127.0.0.1:{port}")
    }

    /// Kills it (SIGKILL) and reaps it. Idempotent.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills it and starts it again on the same port with the config it rewrote.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + START_DEADLINE;
        // The port may linger for a moment.
        while TcpStream::connect_timeout(&self.addr(), Duration::from_millis(100)).is_ok() {
            assert!(Instant::now() < deadline, "the sentinel port stays taken");
            thread::sleep(Duration::from_millis(20));
        }
        self.launch();
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// One command, its reply as raw RESP text.
    pub fn try_raw(&self, args: &[&str]) -> io::Result<String> {
        let stream = TcpStream::connect_timeout(&self.addr(), RAW_TIMEOUT)?;
        stream.set_read_timeout(Some(RAW_TIMEOUT))?;
        stream.set_write_timeout(Some(RAW_TIMEOUT))?;
        let mut conn = RawConnection::new(stream);
        if let Some(pw) = &self.password {
            let ok = conn.round_trip(&["AUTH", pw.as_str()])?;
            if ok != "+OK\r\n" {
                return Err(io::Error::other(format!("AUTH refused: {ok}")));
            }
        }
        conn.round_trip(args)
    }

    /// One command, its reply as raw RESP text; panics when the sentinel cannot answer.
    pub fn raw(&self, args: &[&str]) -> String {
        self.try_raw(args).unwrap_or_else(|e| {
            panic!(
                "sentinel {}: {args:?} failed: {e}\n{}",
                self.port,
                self.log()
            )
        })
    }

    /// The port of the primary this sentinel names now.
    pub fn primary_port(&self) -> Option<u16> {
        let reply = self
            .try_raw(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE])
            .ok()?;
        reply.lines().nth(4)?.trim().parse().ok()
    }

    /// A field of `SENTINEL MASTER <service>`.
    pub fn master_field(&self, field: &str) -> Option<String> {
        let reply = self.try_raw(&["SENTINEL", "MASTER", SERVICE]).ok()?;
        let lines: Vec<&str> = reply.lines().collect();
        // *N, then $len / value pairs: the values sit at odd positions after the header.
        let values: Vec<&str> = lines.iter().skip(2).step_by(2).copied().collect();
        let at = values.iter().position(|v| *v == field)?;
        values.get(at + 1).map(|v| (*v).to_string())
    }
}

impl Drop for SentinelNode {
    fn drop(&mut self) {
        if thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!(
                "--- sentinel {} log (last lines) ---\n{}",
                self.port,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        self.kill();
    }
}

/// Options of a deployment: the data nodes' password (`requirepass`, `masterauth`, and the
/// sentinels' `auth-pass`), the sentinels' own (`requirepass`, `sentinel-pass`), TLS on
/// the sentinels, and TLS-only data nodes.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    pub data: Option<String>,
    pub sentinel: Option<String>,
    /// The sentinels also listen for TLS (on a port of their own).
    pub sentinel_tls: bool,
    /// The data nodes listen on TLS only (`port 0`; raw commands go over a Unix socket),
    /// replicate over TLS, and the sentinels reach them (and each other) over TLS.
    pub data_tls: bool,
}

/// One primary, two replicas, three sentinels, all agreed on who is who.
pub struct Deployment {
    /// The data nodes; index 0 is the first primary.
    pub nodes: Vec<RedisServer>,
    /// The sentinels.
    pub sentinels: Vec<SentinelNode>,
    /// The data nodes are TLS-only: their port is the TLS one.
    data_tls: bool,
}

impl Deployment {
    /// Starts everything and waits until each sentinel knows both replicas and the other two
    /// sentinels (so a failover can be agreed on).
    pub fn start() -> Deployment {
        Deployment::start_with(&Auth::default())
    }

    /// [`Deployment::start`] with passwords.
    pub fn start_with(auth: &Auth) -> Deployment {
        let data = |b: super::server::RedisServerBuilder| {
            let b = match &auth.data {
                Some(pw) => b.requirepass(pw).config(&format!("masterauth {pw}")),
                None => b,
            };
            if !auth.data_tls {
                return b;
            }
            // Replication (a replica's link to its primary) presents the client certificate.
            let certs = super::tls::tls_certs();
            b.tls_only()
                .unix_socket()
                .config("tls-replication yes")
                .config(&format!(
                    "tls-client-cert-file {}",
                    certs.client_cert.display()
                ))
                .config(&format!(
                    "tls-client-key-file {}",
                    certs.client_key.display()
                ))
        };
        let port_of = |n: &RedisServer| data_port(n, auth.data_tls);
        let primary = data(RedisServer::builder()).start();
        let replicas: Vec<RedisServer> = (0..2)
            .map(|_| {
                data(RedisServer::builder())
                    .config(&format!("replicaof 127.0.0.1 {}", port_of(&primary)))
                    .start()
            })
            .collect();
        for r in &replicas {
            wait_until(Duration::from_secs(10), "a replica in sync", || {
                r.raw_command(&["INFO", "replication"])
                    .contains("master_link_status:up")
            });
        }
        let bin = primary.bin().to_path_buf();
        let sentinels: Vec<SentinelNode> = (0..3)
            .map(|_| SentinelNode::start(&bin, port_of(&primary), auth))
            .collect();
        let mut nodes = vec![primary];
        nodes.extend(replicas);
        let d = Deployment {
            nodes,
            sentinels,
            data_tls: auth.data_tls,
        };
        for s in &d.sentinels {
            wait_until(
                Duration::from_secs(20),
                "each sentinel knows 2 replicas and 2 other sentinels",
                || {
                    s.master_field("num-slaves").as_deref() == Some("2")
                        && s.master_field("num-other-sentinels").as_deref() == Some("2")
                },
            );
        }
        d
    }

    /// The sentinels' URLs.
    pub fn sentinel_urls(&self) -> Vec<String> {
        self.sentinels.iter().map(SentinelNode::url).collect()
    }

    /// The port the sentinels know a data node by: its TLS port on a `data_tls` deployment.
    pub fn port_of(&self, node: &RedisServer) -> u16 {
        data_port(node, self.data_tls)
    }

    /// The data node listening on `port`.
    pub fn node(&self, port: u16) -> &RedisServer {
        self.nodes
            .iter()
            .find(|n| self.port_of(n) == port)
            .unwrap_or_else(|| panic!("no data node on port {port}"))
    }

    /// The data node listening on `port`, to kill it.
    pub fn node_mut(&mut self, port: u16) -> &mut RedisServer {
        let data_tls = self.data_tls;
        self.nodes
            .iter_mut()
            .find(|n| data_port(n, data_tls) == port)
            .unwrap_or_else(|| panic!("no data node on port {port}"))
    }

    /// The primary's port as the first sentinel says.
    pub fn primary_port(&self) -> u16 {
        self.sentinels[0]
            .primary_port()
            .unwrap_or_else(|| panic!("the sentinel names no primary"))
    }
}

fn data_port(node: &RedisServer, tls: bool) -> u16 {
    if tls { node.tls_port() } else { node.port() }
}
