//! A small `redis-cli`: runs one command given as arguments, or one command per line of
//! standard input, through [`redisync::cmd`], and prints each reply the way `redis-cli` does.
//!
//! ```text
//! cargo run --example cli -- --url redis://127.0.0.1:6379 SET greeting "hello world"
//! cargo run --example cli -- -n 2 --resp2 HGETALL user:1
//! printf 'SET k 1\nINCR k\nGET k\n' | cargo run --example cli
//! ```
//!
//! Replies: strings quoted (`"hello"`), `(integer) 5`, `(nil)`, numbered array elements,
//! `1# "key" => value` for maps, nested replies indented, `(double) 1.5`, `(true)`, verbatim
//! strings as their text, and error replies as `(error) ERR ...`. Any other failure is printed
//! by kind, `error [connection]: ...`, on standard error.
//!
//! Lines of standard input are split on whitespace; `"double quotes"` group words and take the
//! escapes `\n \r \t \" \\ \xHH`, `'single quotes'` take everything literally. All lines share one
//! connection (so `SELECT` and `MULTI` carry over), which is reopened if it breaks.
//!
//! Flags: `--url URL` (default `$REDIS_URL`, else `redis://127.0.0.1:6379`), `-n DB`, `--resp2`.
//! The exit status is 0 when every command succeeded, 1 when any failed (error replies
//! included), 2 for bad usage.

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;

use redisync::{Connection, ConnectionConfig, ErrorKind, Protocol, Value};

const USAGE: &str = "\
usage: cli [--url URL] [-n DB] [--resp2] [COMMAND [ARG ...]]

  --url URL  server (default: $REDIS_URL, else redis://127.0.0.1:6379)
  -n DB      database number (overrides the URL's)
  --resp2    speak RESP2 instead of RESP3
  COMMAND    run this one command; without it, read commands from stdin, one per line
";

/// Commands that turn the connection into a stream of pushes: not for a request/reply tool.
const STREAMING: &[&str] = &[
    "SUBSCRIBE",
    "PSUBSCRIBE",
    "SSUBSCRIBE",
    "MONITOR",
    "SYNC",
    "PSYNC",
];

struct Options {
    url: String,
    db: Option<u32>,
    resp2: bool,
    command: Vec<Vec<u8>>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        url: std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        db: None,
        resp2: false,
        command: Vec::new(),
    };
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let Some(flag) = arg.to_str() else {
            // Not UTF-8: can only be the command (arguments are bytes).
            o.command.push(arg.into_encoded_bytes());
            break;
        };
        let mut value = |name: &str| {
            args.next()
                .and_then(|v| v.into_string().ok())
                .ok_or(format!("{name} needs a value"))
        };
        match flag {
            "--url" | "-u" => o.url = value(flag)?,
            "-n" => o.db = Some(value("-n")?.parse().map_err(|e| format!("-n: {e}"))?),
            "--resp2" | "-2" => o.resp2 = true,
            "-h" | "--help" => return Err(String::new()),
            "--" => break,
            f if f.starts_with('-') && f.len() > 1 => return Err(format!("unknown flag `{f}`")),
            _ => {
                o.command.push(arg.into_encoded_bytes());
                break;
            }
        }
    }
    // Everything after the command name is the command's, dashes included.
    o.command.extend(args.map(|a| a.into_encoded_bytes()));
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
    let config = match config(&opts) {
        Ok(c) => c,
        Err(e) => {
            report(&e);
            return ExitCode::FAILURE;
        }
    };
    let mut session = Session { config, conn: None };
    let ok = if opts.command.is_empty() {
        session.run_stdin()
    } else {
        session.run(&opts.command)
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn config(opts: &Options) -> redisync::Result<ConnectionConfig> {
    let mut config = ConnectionConfig::from_url(&opts.url)?.client_name("redisync-cli");
    if let Some(db) = opts.db {
        config = config.db(db);
    }
    if opts.resp2 {
        config = config.protocol(Protocol::Resp2);
    }
    Ok(config)
}

/// One connection, opened on first use and again after it broke.
struct Session {
    config: ConnectionConfig,
    conn: Option<Connection>,
}

impl Session {
    fn connection(&mut self) -> redisync::Result<&mut Connection> {
        if self.conn.as_ref().is_some_and(Connection::is_broken) {
            // A timeout or a dropped socket broke it; the next command gets a fresh one (with
            // the URL's database again: a SELECT made on the old one is lost).
            eprintln!("(reconnecting to {})", self.config.address);
            self.conn = None;
        }
        match &mut self.conn {
            Some(conn) => Ok(conn),
            slot => Ok(slot.insert(Connection::with_config(&self.config)?)),
        }
    }

    /// Runs one command and prints its reply or its error; false if it failed.
    fn run(&mut self, words: &[Vec<u8>]) -> bool {
        let Some((name, args)) = words.split_first() else {
            return true;
        };
        let name = String::from_utf8_lossy(name);
        if STREAMING.iter().any(|s| name.eq_ignore_ascii_case(s)) {
            eprintln!(
                "error [invalid_input]: {name} streams replies without end; this example only \
                 sends requests and reads their replies"
            );
            return false;
        }
        let mut cmd = redisync::cmd(&name);
        for a in args {
            cmd.push(a.as_slice());
        }
        let reply = self.connection().and_then(|conn| cmd.query::<Value>(conn));
        let mut out = io::stdout().lock();
        let (text, ok) = match reply {
            Ok(v) => (format_reply(&v, ""), true),
            // The server answered with an error reply: a reply, printed as redis-cli does.
            Err(e) if e.server_error().is_some() && e.kind() != ErrorKind::Authentication => {
                (format!("(error) {e}\n"), false)
            }
            Err(e) => {
                report(&e);
                return false;
            }
        };
        // A closed pipe (`| head`) is not worth a panic.
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
        ok
    }

    /// Runs every line of standard input; false if any command failed.
    fn run_stdin(&mut self) -> bool {
        let stdin = io::stdin();
        let interactive = stdin.is_terminal();
        let prompt = format!("{}> ", self.config.address);
        let mut all_ok = true;
        let mut line = String::new();
        loop {
            if interactive {
                print!("{prompt}");
                let _ = io::stdout().flush();
            }
            line.clear();
            match stdin.lock().read_line(&mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    eprintln!("error [input]: {e}");
                    return false;
                }
            }
            let words = match split_line(&line) {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("error [invalid_input]: {e}");
                    all_ok = false;
                    continue;
                }
            };
            match words.first().map(|w| w.to_ascii_lowercase()) {
                None => continue,
                Some(w) if w == b"quit" || w == b"exit" => break,
                Some(_) => all_ok &= self.run(&words),
            }
        }
        all_ok
    }
}

/// Prints an error that is not a server reply: its kind, the message, and a hint for the
/// kinds a user can fix.
fn report(e: &redisync::Error) {
    let hint = match e.kind() {
        ErrorKind::Connection => "\n  is redis-server running there? (--url redis://HOST:PORT)",
        ErrorKind::Timeout => "\n  the server did not answer in time",
        ErrorKind::Authentication => "\n  check the user and password: redis://USER:PASS@HOST",
        ErrorKind::InvalidInput => "\n  URLs look like redis://[USER:PASS@]HOST[:PORT][/DB]",
        ErrorKind::Tls => "\n  check the certificates, or use redis:// for a plain connection",
        _ => "",
    };
    eprintln!("error [{}]: {e}{hint}", kind_name(e.kind()));
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
// Input: a line into words.

/// Splits a line into words: whitespace separates, `"..."` groups with escapes, `'...'` groups
/// literally (`\'` for a quote).
fn split_line(line: &str) -> Result<Vec<Vec<u8>>, String> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == bytes.len() {
            return Ok(words);
        }
        let mut word = Vec::new();
        match bytes[i] {
            q @ (b'"' | b'\'') => {
                i += 1;
                loop {
                    let Some(&b) = bytes.get(i) else {
                        return Err(format!("unbalanced {} quote", q as char));
                    };
                    i += 1;
                    match b {
                        b'\\' if q == b'"' => {
                            let (byte, used) = unescape(&bytes[i..])
                                .ok_or("a backslash at the end of the line")?;
                            word.push(byte);
                            i += used;
                        }
                        b'\\' if bytes.get(i) == Some(&b'\'') => {
                            word.push(b'\'');
                            i += 1;
                        }
                        b if b == q => break,
                        b => word.push(b),
                    }
                }
                // `"a"b` is almost certainly a typo; redis-cli refuses it too.
                if bytes.get(i).is_some_and(|b| !b.is_ascii_whitespace()) {
                    return Err("a closing quote must be followed by a space".into());
                }
            }
            _ => {
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    word.push(bytes[i]);
                    i += 1;
                }
            }
        }
        words.push(word);
    }
}

/// The byte an escape after a backslash stands for, and how many bytes the escape used.
fn unescape(rest: &[u8]) -> Option<(u8, usize)> {
    let c = *rest.first()?;
    let hex = |b: u8| (b as char).to_digit(16);
    Some(match c {
        b'n' => (b'\n', 1),
        b'r' => (b'\r', 1),
        b't' => (b'\t', 1),
        b'b' => (0x08, 1),
        b'a' => (0x07, 1),
        b'x' => match (
            rest.get(1).and_then(|&b| hex(b)),
            rest.get(2).and_then(|&b| hex(b)),
        ) {
            (Some(h), Some(l)) => ((h * 16 + l) as u8, 3),
            _ => (b'x', 1),
        },
        other => (other, 1),
    })
}

// ---------------------------------------------------------------------------------------------
// Output: a reply as redis-cli prints it.

/// Formats a reply; `indent` is the indentation of the lines after the first (the first line
/// goes after whatever the caller already wrote, such as `2) `). Ends with a newline.
fn format_reply(v: &Value, indent: &str) -> String {
    match v {
        Value::Nil => "(nil)\n".into(),
        Value::Okay => "OK\n".into(),
        Value::SimpleString(s) => format!("{}\n", String::from_utf8_lossy(s)),
        Value::Error(e) | Value::BulkError(e) => format!("(error) {e}\n"),
        Value::Int(i) => format!("(integer) {i}\n"),
        Value::BulkString(s) => format!("{}\n", quoted(s)),
        Value::Boolean(b) => format!("({b})\n"),
        Value::Double(d) => format!("(double) {}\n", double(*d)),
        Value::BigNumber(n) => format!("(big number) {n}\n"),
        // Verbatim strings (INFO, LOLWUT, ...) are text meant to be read as is.
        Value::Verbatim { text, .. } => {
            let mut t = String::from_utf8_lossy(text).into_owned();
            if !t.ends_with('\n') {
                t.push('\n');
            }
            t
        }
        Value::Array(items) => format_list(items, ')', "(empty array)", indent),
        Value::Set(items) => format_list(items, '~', "(empty set)", indent),
        Value::Push(items) => format_list(items, ')', "(empty push)", indent),
        Value::Map(pairs) => format_pairs(pairs, '#', "(empty hash)", indent),
        Value::Attribute { attributes, value } => {
            let mut out = format_pairs(attributes, '|', "(empty attributes)", indent);
            out.push_str(indent);
            out.push_str(&format_reply(value, indent));
            out
        }
    }
}

/// Numbered elements, right-aligned numbers, nested replies indented under their number:
///
/// ```text
/// 1) "a"
/// 2) 1) (integer) 1
///    2) (integer) 2
/// ```
fn format_list(items: &[Value], mark: char, empty: &str, indent: &str) -> String {
    if items.is_empty() {
        return format!("{empty}\n");
    }
    let width = items.len().to_string().len();
    let inner = format!("{indent}{}", " ".repeat(width + 2));
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        // The first number goes on the caller's line, after its own number.
        let lead = if i == 0 { "" } else { indent };
        out.push_str(&format!("{lead}{:>width$}{mark} ", i + 1));
        out.push_str(&format_reply(item, &inner));
    }
    out
}

/// Numbered key/value pairs: `1# "field" => "value"`.
fn format_pairs(pairs: &[(Value, Value)], mark: char, empty: &str, indent: &str) -> String {
    if pairs.is_empty() {
        return format!("{empty}\n");
    }
    let width = pairs.len().to_string().len();
    let inner = format!("{indent}{}", " ".repeat(width + 2));
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        let lead = if i == 0 { "" } else { indent };
        out.push_str(&format!("{lead}{:>width$}{mark} ", i + 1));
        out.push_str(format_reply(key, &inner).trim_end_matches('\n'));
        out.push_str(" => ");
        out.push_str(&format_reply(value, &inner));
    }
    out
}

/// Bytes in double quotes, printable ASCII as is, everything else escaped (as redis-cli does).
fn quoted(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b' '..=b'~' => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

fn double(d: f64) -> String {
    if d.is_nan() {
        "nan".into()
    } else if d.is_infinite() {
        if d > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn nested_replies_indent_like_redis_cli() {
        let v = Value::Array(vec![
            Value::Array(vec![
                Value::Int(1),
                Value::Array(vec![Value::Int(2), Value::Int(3)]),
            ]),
            bulk("x"),
        ]);
        assert_eq!(
            format_reply(&v, ""),
            "1) 1) (integer) 1\n   2) 1) (integer) 2\n      2) (integer) 3\n2) \"x\"\n"
        );
        let m = Value::Map(vec![
            (bulk("proto"), Value::Int(3)),
            (bulk("modules"), Value::Array(vec![])),
        ]);
        assert_eq!(
            format_reply(&m, ""),
            "1# \"proto\" => (integer) 3\n2# \"modules\" => (empty array)\n"
        );
        let long = Value::Array((0..10).map(Value::Int).collect());
        assert!(format_reply(&long, "").starts_with(" 1) (integer) 0\n 2) "));
        assert!(format_reply(&long, "").ends_with("\n10) (integer) 9\n"));
    }

    #[test]
    fn scalars_and_quoting() {
        assert_eq!(format_reply(&Value::Nil, ""), "(nil)\n");
        assert_eq!(format_reply(&Value::Double(1.5), ""), "(double) 1.5\n");
        assert_eq!(format_reply(&Value::Boolean(true), ""), "(true)\n");
        assert_eq!(quoted(b"a \"b\"\n\xff"), r#""a \"b\"\n\xff""#);
    }

    #[test]
    fn lines_split_on_spaces_and_quotes() {
        let w = split_line("SET  \"hello world\" 'it\\'s' x\\y \"\\x41\\n\"\n").unwrap();
        assert_eq!(
            w,
            [&b"SET"[..], b"hello world", b"it's", b"x\\y", b"A\n"].map(<[u8]>::to_vec)
        );
        assert!(split_line("GET \"open").is_err());
        assert!(split_line("GET \"a\"b").is_err());
        assert!(split_line("   ").unwrap().is_empty());
    }
}
