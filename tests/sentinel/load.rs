//! Load for the failover tests: threads of SET then GET with a unique key and value per
//! call, each acknowledged write recorded with its time, and a raw watcher of the sentinels'
//! `+switch-master` announcements.

use std::collections::HashSet;
use std::io::ErrorKind as IoKind;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use redisync::Client;
use redisync::prelude::*;

use crate::support::resp::RawConnection;

/// A write the client said was done.
pub struct Ack {
    pub key: String,
    pub value: String,
    pub at: Instant,
}

/// What one load thread saw.
#[derive(Default)]
pub struct Tally {
    pub acks: Vec<Ack>,
    /// A GET answered with another call's value: a reply handed to the wrong caller.
    pub wrong: u64,
    /// A GET right after its acknowledged SET found nothing (the SET went to a primary
    /// being replaced).
    pub missing: u64,
    pub errors: u64,
}

pub struct Load {
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<Tally>>,
}

impl Load {
    pub fn start(client: &Client, threads: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let handles = (0..threads)
            .map(|t| {
                let client = client.clone();
                let stop = Arc::clone(&stop);
                thread::spawn(move || {
                    let mut tally = Tally::default();
                    let run: u64 = rand::random();
                    let mut seq = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        seq += 1;
                        let key = format!("load:{t}:{seq}");
                        let value = format!("{run:x}:{t}:{seq}");
                        match client.set(key.as_str(), value.as_str()) {
                            Ok(()) => {
                                let at = Instant::now();
                                match client.get::<String>(key.as_str()) {
                                    Ok(Some(v)) if v == value => {}
                                    Ok(Some(_)) => tally.wrong += 1,
                                    Ok(None) => tally.missing += 1,
                                    Err(_) => tally.errors += 1,
                                }
                                tally.acks.push(Ack { key, value, at });
                            }
                            Err(_) => {
                                tally.errors += 1;
                                thread::sleep(Duration::from_millis(5));
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        Load { stop, handles }
    }

    pub fn stop(self) -> Tally {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Tally::default();
        for h in self.handles {
            let t = h.join().expect("a load thread panicked");
            all.acks.extend(t.acks);
            all.wrong += t.wrong;
            all.missing += t.missing;
            all.errors += t.errors;
        }
        all
    }
}

/// The keys of `acks` whose value is on the server at `port`, read back with MGET.
pub fn present(port: u16, acks: &[Ack]) -> HashSet<String> {
    let reader = Client::builder()
        .host("127.0.0.1", port)
        .build()
        .expect("a reader client");
    let mut found = HashSet::new();
    for chunk in acks.chunks(1000) {
        let keys: Vec<&str> = chunk.iter().map(|a| a.key.as_str()).collect();
        let values: Vec<Option<String>> = reader.mget(keys.as_slice()).expect("MGET");
        for (a, v) in chunk.iter().zip(values) {
            if v.as_deref() == Some(a.value.as_str()) {
                found.insert(a.key.clone());
            }
        }
    }
    found
}

/// Records when any of the sentinels on `ports` first publishes on `channel`
/// (`+switch-master`, `+promoted-slave`).
pub struct Announcements {
    first: Arc<Mutex<Option<Instant>>>,
}

impl Announcements {
    pub fn watch(ports: &[u16], channel: &str) -> Announcements {
        let first = Arc::new(Mutex::new(None));
        for &port in ports {
            let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to a sentinel");
            let mut conn = RawConnection::new(stream);
            let ok = conn.round_trip(&["SUBSCRIBE", channel]).expect("subscribe");
            assert!(ok.contains("subscribe"), "{ok}");
            conn.get_mut()
                .set_read_timeout(Some(Duration::from_millis(200)))
                .expect("timeout");
            let first = Arc::clone(&first);
            thread::spawn(move || {
                // Until the test is over (the sentinel goes away) or an announcement.
                loop {
                    match conn.read_reply() {
                        Ok(_) => {
                            let mut f = first.lock().unwrap();
                            f.get_or_insert_with(Instant::now);
                            return;
                        }
                        Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut) => {
                            if Arc::strong_count(&first) == 1 {
                                return;
                            }
                        }
                        Err(_) => return,
                    }
                }
            });
        }
        Announcements { first }
    }

    pub fn first(&self) -> Option<Instant> {
        *self.first.lock().unwrap()
    }
}
