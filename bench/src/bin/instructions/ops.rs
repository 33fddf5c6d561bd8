//! The measured program: a fixed number of one operation through redisync's public API, run
//! under callgrind by the driver (`instructions --worker OP N URL`).
//!
//! Everything the loop touches is made before it (keys, values, the pipeline), so the only
//! instructions that grow with N are redisync's, the reply's allocation and free, and a
//! `black_box` per iteration.

use std::hint::black_box;

use redisync::prelude::*;

/// The key the GET and pipeline operations read (a 16-byte value).
pub const KEY_GET: &str = "redisync-instr:get16";
/// The key the SET operation writes.
pub const KEY_SET: &str = "redisync-instr:set16";
/// How many keys one MGET reads.
pub const MGET_KEYS: usize = 100;
/// How many GETs one pipeline holds.
pub const PIPELINE_GETS: usize = 1000;
/// The 16-byte value every key holds.
pub const VALUE: &[u8; 16] = b"0123456789abcdef";

/// The keys one MGET reads.
pub fn mget_keys() -> Vec<String> {
    (0..MGET_KEYS)
        .map(|i| format!("redisync-instr:m{i:03}"))
        .collect()
}

/// One measured operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `GET` of a 16-byte value, one round trip each.
    Get16,
    /// `SET` of a 16-byte value, one round trip each.
    Set16,
    /// A reused pipeline of 1000 `GET`s of a 16-byte value; counted per GET.
    PipelineGet16,
    /// `MGET` of 100 keys holding 16-byte values; counted per key.
    Mget100,
}

impl Op {
    /// Every operation, in the order the table prints them.
    pub const ALL: [Op; 4] = [Op::Get16, Op::Set16, Op::PipelineGet16, Op::Mget100];

    /// The name used on the command line and in the figures file.
    pub fn name(self) -> &'static str {
        match self {
            Op::Get16 => "get16",
            Op::Set16 => "set16",
            Op::PipelineGet16 => "pipeline_get16",
            Op::Mget100 => "mget100_key",
        }
    }

    /// What one unit of the figure is, for the table.
    pub fn unit(self) -> &'static str {
        match self {
            Op::Get16 => "per GET 16 B",
            Op::Set16 => "per SET 16 B",
            Op::PipelineGet16 => "per GET in a 1000-GET pipeline",
            Op::Mget100 => "per key of a 100-key MGET",
        }
    }

    /// The operation named `name`.
    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Operations counted per iteration of the worker's loop.
    pub fn per_iteration(self) -> u64 {
        match self {
            Op::Get16 | Op::Set16 => 1,
            Op::PipelineGet16 => PIPELINE_GETS as u64,
            Op::Mget100 => MGET_KEYS as u64,
        }
    }

    /// Iterations of the smaller run (the larger runs three times as many): enough that the
    /// difference dwarfs any per-run jitter, few enough that callgrind takes a second or two.
    pub fn base_iterations(self) -> u64 {
        match self {
            Op::Get16 | Op::Set16 => 3000,
            Op::PipelineGet16 => 10,
            Op::Mget100 => 60,
        }
    }
}

/// Writes the values the operations read. Run once by the driver before measuring.
pub fn prepare(url: &str) -> Result<(), String> {
    let mut conn = Connection::open(url).map_err(|e| format!("connect {url}: {e}"))?;
    conn.set(KEY_GET, VALUE)
        .map_err(|e| format!("SET {KEY_GET}: {e}"))?;
    for key in mget_keys() {
        conn.set(&key, VALUE)
            .map_err(|e| format!("SET {key}: {e}"))?;
    }
    Ok(())
}

/// Runs `iterations` of `op` on one connection to `url`, then checks the last reply.
pub fn run(op: Op, iterations: u64, url: &str) -> Result<(), String> {
    let mut conn = Connection::open(url).map_err(|e| format!("connect {url}: {e}"))?;
    let wrong = |what: &str| Err(format!("{}: unexpected reply {what}", op.name()));
    match op {
        Op::Get16 => {
            let mut last = None;
            for _ in 0..iterations {
                last = black_box(conn.get::<Vec<u8>>(KEY_GET).map_err(|e| e.to_string())?);
            }
            if last.as_deref() != Some(&VALUE[..]) {
                return wrong(&format!("{last:?}"));
            }
        }
        Op::Set16 => {
            for _ in 0..iterations {
                black_box(conn.set(KEY_SET, VALUE).map_err(|e| e.to_string())?);
            }
            let stored = conn.get::<Vec<u8>>(KEY_SET).map_err(|e| e.to_string())?;
            if stored.as_deref() != Some(&VALUE[..]) {
                return wrong(&format!("{stored:?}"));
            }
        }
        Op::PipelineGet16 => {
            let mut pipeline = Pipeline::new();
            for _ in 0..PIPELINE_GETS {
                pipeline.add(&cmd("GET").arg(KEY_GET));
            }
            let mut last = Vec::new();
            for _ in 0..iterations {
                last = black_box(
                    pipeline
                        .query::<Vec<Option<Vec<u8>>>>(&mut conn)
                        .map_err(|e| e.to_string())?,
                );
            }
            if last.len() != PIPELINE_GETS || last.iter().any(|v| v.as_deref() != Some(&VALUE[..]))
            {
                return wrong(&format!("of {} values", last.len()));
            }
        }
        Op::Mget100 => {
            let keys = mget_keys();
            let mut last = Vec::new();
            for _ in 0..iterations {
                last = black_box(conn.mget::<Vec<u8>>(&keys).map_err(|e| e.to_string())?);
            }
            if last.len() != MGET_KEYS || last.iter().any(|v| v.as_deref() != Some(&VALUE[..])) {
                return wrong(&format!("of {} values", last.len()));
            }
        }
    }
    Ok(())
}
