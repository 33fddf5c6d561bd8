//! Peak resident memory of receiving one large bulk string, the way the connection did before
//! the decoder received large bulks in place, and the two ways it can now. Linux only: the peak
//! is VmHWM from /proc/self/status, and each way runs in a fresh child process so that none
//! inherits another's freed memory.
//!
//! The bulk is 64 MiB by default; `REDISYNC_MEM_MIB=512` measures the largest bulk the default
//! limits accept. Run with `--nocapture` to see the figures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use redisync::resp::{Decoder, Limits, Value};

/// Which way the child process receives the bulk.
const MODE_VAR: &str = "REDISYNC_MEM_MODE";
const SIZE_VAR: &str = "REDISYNC_MEM_MIB";
const MODES: [&str; 3] = ["before", "decode-only", "in-place"];

/// The period of the payload's byte pattern (prime, so it never lines up with read sizes).
const PERIOD: usize = 251;

/// A socket stand-in that produces `$len\r\n`, `len` patterned bytes and `\r\n` on the fly (so
/// the wire itself takes no memory), at most 64 KiB a read.
struct Source {
    header: Vec<u8>,
    len: usize,
    /// Bytes handed out so far, header included.
    at: usize,
    block: Vec<u8>,
}

impl Source {
    fn new(len: usize) -> Source {
        Source {
            header: format!("${len}\r\n").into_bytes(),
            len,
            at: 0,
            block: (0..PERIOD * 263).map(|i| (i % PERIOD) as u8).collect(),
        }
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let h = self.header.len();
        let want = buf.len().min(64 * 1024);
        let n = if self.at < h {
            let n = want.min(h - self.at);
            buf[..n].copy_from_slice(&self.header[self.at..self.at + n]);
            n
        } else if self.at < h + self.len {
            let i = self.at - h;
            let n = want.min(self.len - i);
            let off = i % PERIOD;
            buf[..n].copy_from_slice(&self.block[off..off + n]);
            n
        } else {
            let i = self.at - h - self.len;
            let n = want.min(2usize.saturating_sub(i));
            buf[..n].copy_from_slice(&b"\r\n"[i..i + n]);
            n
        };
        self.at += n;
        Ok(n)
    }
}

/// Receives one value from `socket` as the connection does: a read buffer that starts at
/// 16 KiB and, when one element does not fit, doubles (zero-filled, never past what the
/// decoder says it needs), `decode` over what it holds; and, when `in_place`, a large bulk's
/// payload read straight into the decoder's vector. Returns the value and the largest the read
/// buffer grew.
fn receive(decoder: &mut Decoder, socket: &mut Source, in_place: bool) -> (Value, usize) {
    let mut rbuf = vec![0u8; 16 * 1024];
    let (mut start, mut end) = (0, 0);
    let mut largest = rbuf.len();
    loop {
        if start < end {
            let (used, v) = decoder.decode(&rbuf[start..end]).unwrap();
            start += used;
            if let Some(v) = v {
                return (v, largest);
            }
        }
        let missing = decoder.bulk_remaining() as u64;
        if in_place && let Some(payload) = decoder.bulk_in_progress() {
            socket.by_ref().take(missing).read_to_end(payload).unwrap();
            continue;
        }
        if end == rbuf.len() {
            if start > 0 {
                rbuf.copy_within(start..end, 0);
                (start, end) = (0, end - start);
            }
            if end == rbuf.len() {
                let mut want = rbuf.len() * 2;
                let needed = decoder.bytes_needed();
                if needed > rbuf.len() {
                    want = want.min(needed);
                }
                rbuf.resize(want, 0);
                largest = largest.max(want);
            }
        } else if start == end {
            (start, end) = (0, 0);
        }
        let n = socket.read(&mut rbuf[end..]).unwrap();
        assert!(n > 0, "end of stream");
        end += n;
    }
}

/// A field of /proc/self/status, in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// In the child: receives the bulk one way and prints the peak resident memory it added.
fn child(mode: &str, len: usize) {
    // Start the peak from here (Linux 4.0 and later); where that is refused, the peak still
    // counts only what the harness took before, which is small.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base = status_kib("VmRSS:").unwrap();
    let mut decoder = match mode {
        "before" => Decoder::new(Limits::default()).with_large_bulk_threshold(usize::MAX),
        _ => Decoder::new(Limits::default()),
    };
    let mut socket = Source::new(len);
    let (value, rbuf) = receive(&mut decoder, &mut socket, mode == "in-place");
    let peak = status_kib("VmHWM:").unwrap();
    let Value::BulkString(bytes) = value else {
        panic!("not a bulk string");
    };
    assert_eq!(bytes.len(), len);
    for (i, chunk) in bytes.chunks(64 * 1024).enumerate() {
        let off = (i * 64 * 1024) % PERIOD;
        assert!(
            chunk == &socket.block[off..off + chunk.len()],
            "bytes differ"
        );
    }
    println!(
        "mode={mode} peak_kib={} rbuf={rbuf} capacity={}",
        peak.saturating_sub(base),
        bytes.capacity()
    );
}

#[test]
fn peak_memory_of_one_large_bulk() {
    let mib: usize = std::env::var(SIZE_VAR)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let len = mib * 1024 * 1024;
    if let Ok(mode) = std::env::var(MODE_VAR) {
        child(&mode, len);
        return;
    }
    if status_kib("VmHWM:").is_none() {
        eprintln!("no /proc/self/status: skipped");
        return;
    }
    let mut peaks = Vec::new();
    for mode in MODES {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "peak_memory_of_one_large_bulk", "--nocapture"])
            .env(MODE_VAR, mode)
            .env(SIZE_VAR, mib.to_string())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{mode}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find(|l| l.starts_with("mode="))
            .unwrap()
            .to_string();
        let field = |name: &str| -> usize {
            line.split(' ')
                .find_map(|f| f.strip_prefix(name))
                .and_then(|v| v.parse().ok())
                .unwrap()
        };
        let peak_mib = field("peak_kib=") as f64 / 1024.0;
        println!(
            "{mib} MiB bulk, {mode:>11}: peak {peak_mib:7.1} MiB ({:.2}x the payload), read \
             buffer up to {} KiB, value capacity {} MiB",
            peak_mib / mib as f64,
            field("rbuf=") / 1024,
            field("capacity=") / (1024 * 1024),
        );
        peaks.push((mode, peak_mib, field("rbuf="), field("capacity=")));
    }
    let slack = 8.0; // MiB: the harness, the source's pattern block, the allocator's rounding
    for &(mode, peak, rbuf, capacity) in &peaks[1..] {
        assert!(
            peak <= mib as f64 + slack,
            "{mode}: peak {peak:.1} MiB for a {mib} MiB bulk"
        );
        assert_eq!(rbuf, 16 * 1024, "{mode}: the read buffer grew");
        assert_eq!(capacity, len, "{mode}: the value was reallocated");
    }
    // Before: the read buffer grew to hold the whole bulk, then the value copied it.
    assert!(
        peaks[0].1 >= 1.9 * mib as f64,
        "before: {:.1} MiB",
        peaks[0].1
    );
}
