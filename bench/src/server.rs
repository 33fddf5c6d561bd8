//! A throw-away `redis-server` on a free local port, killed (and its directory removed) on drop.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server` this process started.
pub struct Server {
    child: Child,
    dir: PathBuf,
    /// `redis://127.0.0.1:<port>`.
    pub url: String,
}

/// The `redis-server` command for a throw-away server on `port` keeping its files in `dir`
/// (no persistence, no log file, no output), with `extra` arguments; under `taskset -c 0`
/// when `pin` is set.
pub fn redis_server(pin: bool, port: u16, dir: &std::path::Path, extra: &[&str]) -> Command {
    let mut command = if pin {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", "redis-server"]);
        c
    } else {
        Command::new("redis-server")
    };
    command
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .args(extra)
        .args(["--logfile", "", "--dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

impl Server {
    /// Starts `redis-server` with no persistence on a free 127.0.0.1 port; under
    /// `taskset -c 0` when `pin` is set. Waits until it answers `PING`.
    pub fn start(pin: bool) -> Result<Server, String> {
        let mut last_err = String::new();
        // A port found free can be taken before the server binds it: try a few.
        for attempt in 0..5 {
            let port = free_port().map_err(|e| format!("no free port: {e}"))?;
            let dir = std::env::temp_dir()
                .join(format!("redisync-bench-{}-{attempt}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let mut command = redis_server(pin, port, &dir, &[]);
            let child = command
                .spawn()
                .map_err(|e| format!("cannot start redis-server: {e}"))?;
            let mut server = Server {
                child,
                dir,
                url: format!("redis://127.0.0.1:{port}"),
            };
            match server.wait_ready(port) {
                Ok(()) => return Ok(server),
                Err(e) => last_err = e, // dropped: killed and cleaned up
            }
        }
        Err(format!("redis-server did not start: {last_err}"))
    }

    fn wait_ready(&mut self, port: u16) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}"));
            }
            if ping(port).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("no PONG within 10 s".into())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn ping(port: u16) -> std::io::Result<()> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_millis(500)))?;
    s.write_all(b"PING\r\n")?;
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf)?;
    if &buf == b"+PONG\r\n" {
        Ok(())
    } else {
        Err(std::io::Error::other("unexpected PING reply"))
    }
}

/// Pins every thread of this process to core 0 (`taskset -a -cp 0 <pid>`); processes started
/// afterwards inherit the affinity.
pub fn pin_self() -> Result<(), String> {
    let status = Command::new("taskset")
        .args(["-a", "-cp", "0", &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run taskset: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("taskset failed: {status}"))
    }
}
