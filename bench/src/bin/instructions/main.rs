//! `instructions`: redisync's instructions per operation, counted by callgrind, and the CI gate
//! on them (`make bench-instructions`).
//!
//! For each operation the driver runs this same executable as a worker under
//! `valgrind --tool=callgrind`, once with N iterations and once with 3N, against a
//! `redis-server` it started on a free loopback port. Instructions per operation are
//! `(I(3N) - I(N)) / (2N x operations per iteration)`: process start-up, connecting and exit
//! cost the same in both runs and cancel. Callgrind counts the instructions the client process
//! executes in user space (not the kernel's, not the server's), so the figure does not depend on
//! the machine's load.
//!
//! The figures are compared with bench/instructions.txt: the run fails when one rose more than
//! 10% above its committed figure, and says so when one dropped more than 10%. `--update`
//! rewrites the file with the figures just measured.

mod gate;
mod ops;
#[allow(dead_code)] // `pin_self` is the wall-clock bench's
#[path = "../../server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use ops::Op;

const FIGURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/instructions.txt");

const USAGE: &str = "\
usage: instructions [--update] [--figures PATH] [--op NAME]...
       instructions --worker OP ITERATIONS URL   (what callgrind runs)

  --update        write the measured figures to the figures file instead of failing on them
  --figures PATH  the committed figures (default bench/instructions.txt)
  --op NAME       measure only this operation (repeatable); no gate on a partial run
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("--worker") {
        worker(&args[1..])
    } else {
        driver(&args)
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("instructions: {e}");
            ExitCode::FAILURE
        }
    }
}

fn worker(args: &[String]) -> Result<ExitCode, String> {
    let [op, iterations, url] = args else {
        return Err(format!("--worker needs OP ITERATIONS URL\n{USAGE}"));
    };
    let op = Op::from_name(op).ok_or_else(|| format!("unknown op `{op}`"))?;
    let iterations = iterations
        .parse()
        .map_err(|_| format!("`{iterations}` is not a number of iterations"))?;
    ops::run(op, iterations, url)?;
    Ok(ExitCode::SUCCESS)
}

struct Options {
    update: bool,
    figures: PathBuf,
    only: Vec<Op>,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        update: false,
        figures: PathBuf::from(FIGURES),
        only: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--update" => o.update = true,
            "--figures" => o.figures = args.next().ok_or("--figures needs a path")?.into(),
            "--op" => {
                let name = args.next().ok_or("--op needs a name")?;
                o.only
                    .push(Op::from_name(name).ok_or_else(|| format!("unknown op `{name}`"))?);
            }
            "-h" | "--help" => {
                eprint!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(o)
}

fn driver(args: &[String]) -> Result<ExitCode, String> {
    let opts = parse_args(args)?;
    let valgrind = tool_version("valgrind", &["--version"])
        .map_err(|e| format!("{e} (scripts/deps.sh installs it)"))?;
    let ops: Vec<Op> = if opts.only.is_empty() {
        Op::ALL.to_vec()
    } else {
        opts.only.clone()
    };
    let server = server::Server::start(false)?;
    ops::prepare(&server.url)?;
    let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
    let scratch = tempdir()?;
    println!(
        "instructions per operation: callgrind ({valgrind}), client user space, \
         (I(3N) - I(N)) / 2N; server {}",
        server.url
    );
    let mut measured = Vec::new();
    for op in &ops {
        let n = op.base_iterations();
        let small = count(&exe, &scratch.0, *op, n, &server.url)?;
        let large = count(&exe, &scratch.0, *op, 3 * n, &server.url)?;
        let per_op = large.saturating_sub(small) as f64 / (2 * n * op.per_iteration()) as f64;
        println!(
            "  {:<16} {per_op:>8.1}  {} (N = {n}: {small} instructions, 3N: {large})",
            op.name(),
            op.unit()
        );
        measured.push((op.name().to_string(), per_op));
    }
    drop(server);

    if opts.update {
        let rustc = tool_version("rustc", &["--version"]).unwrap_or_else(|_| "rustc".into());
        let header = header(&valgrind, &rustc);
        std::fs::write(&opts.figures, gate::render(&header, &measured))
            .map_err(|e| format!("{}: {e}", opts.figures.display()))?;
        println!("wrote {}", opts.figures.display());
        return Ok(ExitCode::SUCCESS);
    }
    let text = std::fs::read_to_string(&opts.figures)
        .map_err(|e| format!("{}: {e}", opts.figures.display()))?;
    let committed = gate::parse(&text).map_err(|e| format!("{}: {e}", opts.figures.display()))?;
    let rows = gate::compare(&committed, &measured);
    print!("{}", gate::report(&rows));
    if !opts.only.is_empty() {
        println!("(a partial run: no gate)");
        return Ok(ExitCode::SUCCESS);
    }
    if gate::passes(&rows) {
        println!(
            "instruction gate: ok (no figure more than {}% above {})",
            gate::TOLERANCE_PERCENT,
            opts.figures.display()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("instruction gate: FAILED");
        Ok(ExitCode::FAILURE)
    }
}

/// The figures file's comment header: what the figures are and how they were made.
fn header(valgrind: &str, rustc: &str) -> Vec<String> {
    let mut lines = vec![
        "Instructions per operation executed by a redisync client process in user space,".into(),
        format!("counted by callgrind ({valgrind}) as (I(3N) - I(N)) / 2N against a local"),
        "redis-server (--save '' --appendonly no); start-up and connecting cancel out.".into(),
        format!("Build: cargo build --release (profile release: opt-level 3, debug = 1), {rustc}."),
        "Written by `make bench-instructions UPDATE=1`; `make bench-instructions` (and `make ci`)"
            .into(),
        "fails when a figure rises more than 10% above the one here. Measured on the machine"
            .into(),
        "that wrote this file: another CPU can make glibc pick other string routines (memcpy)"
            .into(),
        "and move the figures by a few percent; rewrite them there if so.".into(),
    ];
    for op in Op::ALL {
        lines.push(format!(
            "  {:<16} {} (N = {})",
            op.name(),
            op.unit(),
            op.base_iterations()
        ));
    }
    lines
}

/// Runs the worker for `iterations` of `op` under callgrind; its total instruction count.
fn count(exe: &Path, dir: &Path, op: Op, iterations: u64, url: &str) -> Result<u64, String> {
    let out = dir.join(format!("callgrind.{}.{iterations}", op.name()));
    let result = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .args(["--dump-line=no", "--compress-strings=no"])
        .arg(exe)
        .args(["--worker", op.name(), &iterations.to_string(), url])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    if !result.status.success() {
        return Err(format!(
            "{} x{iterations} under callgrind failed ({}):\n{}",
            op.name(),
            result.status,
            String::from_utf8_lossy(&result.stderr)
        ));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    gate::callgrind_total(&text).map_err(|e| format!("{}: {e}", out.display()))
}

/// The first line of `program args`' output.
fn tool_version(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().next().unwrap_or(program).trim().to_string())
}

/// A scratch directory for callgrind's output files, removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> Result<TempDir, String> {
    let dir = std::env::temp_dir().join(format!("redisync-instructions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(TempDir(dir))
}
