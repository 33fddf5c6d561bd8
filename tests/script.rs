//! Lua scripts (`EVALSHA` with the `NOSCRIPT` fallback, `EVALSHA_RO`) and functions (`FCALL`),
//! against a real server on RESP2, RESP3 and through a `Client`, and against a scripted server
//! for the exact commands sent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::thread;
use std::time::Duration;

use redisync::prelude::*;
use redisync::{Client, Connection, ConnectionConfig, ErrorKind, Protocol, Script, Value, cmd};
use support::{FakeServer, RedisServer, Step, wait_for};

/// A connection for each protocol, plus a client (RESP3 by default) for the same server.
fn connections(server: &RedisServer) -> (Vec<Connection>, Client) {
    let conns = clients::per_protocol(server.port());
    (conns, Client::open(&server.url()).unwrap())
}

fn reset_scripts(server: &RedisServer) {
    assert_eq!(server.raw_command(&["SCRIPT", "FLUSH"]), "+OK\r\n");
    assert_eq!(server.raw_command(&["CONFIG", "RESETSTAT"]), "+OK\r\n");
}

/// How often the client sent `SCRIPT LOAD` since [`reset_scripts`]. Before 7.0 `INFO
/// commandstats` counts subcommands under their command, and only SCRIPT LOAD is sent after the
/// reset.
fn script_load_calls(server: &RedisServer) -> u64 {
    if server.version() >= (7, 0, 0) {
        server.command_calls("script|load")
    } else {
        server.command_calls("script")
    }
}

/// The error of a command the server does not have (`EVALSHA_RO` and `FUNCTION` came with 7.0).
#[track_caller]
fn assert_unknown_command(e: &redisync::Error, command: &str) {
    assert_eq!(e.kind(), ErrorKind::Response, "{e}");
    let text = e.to_string();
    assert!(
        text.contains("unknown command") && text.contains(command),
        "{e}"
    );
}

const ECHO: &str = "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], #KEYS, #ARGV}";
type Echoed = (String, String, String, String, String, i64, i64);

#[test]
fn sha1_agrees_with_the_server() {
    let server = RedisServer::start();
    for code in [
        "return 1",
        "",
        "return redis.call('GET', KEYS[1]) -- é, and long enough to need a second block of SHA-1",
        "local x = 1\nreturn x\n",
    ] {
        let want = format!("$40\r\n{}\r\n", Script::new(code).sha());
        assert_eq!(
            server.raw_command(&["SCRIPT", "LOAD", code]),
            want,
            "{code:?}"
        );
    }
}

#[test]
fn first_call_loads_after_noscript_then_evalsha_goes_alone() {
    let server = RedisServer::start();
    let (conns, client) = connections(&server);
    let script = Script::new(ECHO);
    let check = |run: &mut dyn FnMut() -> Echoed| {
        reset_scripts(&server);
        let want: Echoed = (
            "k1".into(),
            "k2".into(),
            "a".into(),
            "7".into(),
            "x y".into(),
            2,
            3,
        );
        assert_eq!(run(), want);
        // EVALSHA (NOSCRIPT), SCRIPT LOAD, EVALSHA; never EVAL.
        assert_eq!(server.command_calls("evalsha"), 2);
        assert_eq!(script_load_calls(&server), 1);
        assert_eq!(server.command_calls("eval"), 0);
        assert_eq!(run(), want);
        assert_eq!(server.command_calls("evalsha"), 3);
        assert_eq!(script_load_calls(&server), 1);
    };
    for mut c in conns {
        check(&mut || {
            script
                .invoke(&mut c, ("k1", "k2"), ("a", 7, "x y"))
                .unwrap()
        });
    }
    check(&mut || {
        script
            .key("k1")
            .key("k2")
            .arg("a")
            .arg([7])
            .arg("x y")
            .invoke(&client)
            .unwrap()
    });
}

#[test]
fn exact_commands_on_noscript_and_only_one_retry() {
    let script = Script::new("return 1");
    let sha = script.sha().to_string();
    let evalsha = ["EVALSHA", sha.as_str(), "1", "k", "a", "b"];
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&evalsha),
        Step::reply("-NOSCRIPT No matching script. Please use EVAL.\r\n"),
        Step::expect_args(&["SCRIPT", "LOAD", "return 1"]),
        Step::reply(format!("$40\r\n{sha}\r\n")),
        Step::expect_args(&evalsha),
        Step::reply(":1\r\n"),
        // Second call: EVALSHA alone.
        Step::expect_args(&evalsha),
        Step::reply(":2\r\n"),
        // Flushed between SCRIPT LOAD and the retry: the second NOSCRIPT is returned, not
        // retried again.
        Step::expect_args(&evalsha),
        Step::reply("-NOSCRIPT No matching script.\r\n"),
        Step::expect_args(&["SCRIPT", "LOAD", "return 1"]),
        Step::reply(format!("$40\r\n{sha}\r\n")),
        Step::expect_args(&evalsha),
        Step::reply("-NOSCRIPT No matching script.\r\n"),
        Step::expect_args(&["PING"]),
        Step::reply("+PONG\r\n"),
    ]);
    let cfg = ConnectionConfig::new("127.0.0.1", fake.port())
        .protocol(Protocol::Resp2)
        .lib_info(false);
    let mut conn = Connection::with_config(&cfg).unwrap();
    assert_eq!(script.invoke::<i64>(&mut conn, "k", ("a", "b")).unwrap(), 1);
    assert_eq!(script.invoke::<i64>(&mut conn, "k", ("a", "b")).unwrap(), 2);
    let e = script
        .invoke::<i64>(&mut conn, "k", ("a", "b"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoScript);
    cmd("PING").exec(&mut conn).unwrap();
    fake.check();
    assert_eq!(fake.commands().len(), 8);
}

#[test]
fn a_server_disagreeing_on_the_sha_is_an_error_not_a_loop() {
    let script = Script::new("return 1");
    let sha = script.sha().to_string();
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["EVALSHA", sha.as_str(), "0"]),
        Step::reply("-NOSCRIPT No matching script.\r\n"),
        Step::expect_args(&["SCRIPT", "LOAD", "return 1"]),
        Step::reply(format!("$40\r\n{}\r\n", "0".repeat(40))),
    ]);
    let cfg = ConnectionConfig::new("127.0.0.1", fake.port())
        .protocol(Protocol::Resp2)
        .lib_info(false);
    let mut conn = Connection::with_config(&cfg).unwrap();
    let e = script.invoke::<i64>(&mut conn, (), ()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(e.to_string().contains(&sha), "{e}");
    fake.check();
}

#[test]
fn keys_and_args_arrive_in_place_with_binary_payloads() {
    let server = RedisServer::start();
    let (conns, client) = connections(&server);
    let set = Script::new("redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])");
    let payload = vec![0u8, 255, b'\r', b'\n', 7];
    for mut c in conns {
        let back: Vec<u8> = set.invoke(&mut c, &b"bin\x00key"[..], &payload).unwrap();
        assert_eq!(back, payload);
        let none: Vec<Value> = Script::new("return {}").invoke(&mut c, (), ()).unwrap();
        assert!(none.is_empty());
    }
    let back: Vec<u8> = set.invoke(&client, "k", &payload).unwrap();
    assert_eq!(back, payload);
    assert_eq!(
        server.raw_command(&["STRLEN", "bin\x00key"]),
        ":5\r\n",
        "the key argument kept its NUL byte"
    );
}

#[test]
fn script_errors_come_back_as_server_errors_with_the_message() {
    let server = RedisServer::start();
    let (conns, client) = connections(&server);
    let broken = Script::new("return nosuch.field");
    let custom = Script::new("return redis.error_reply('MYCODE custom text')");
    let check = |r1: redisync::Result<Value>, r2: redisync::Result<Value>| {
        let e = r1.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response);
        let se = e.server_error().expect("a server error");
        assert_eq!(se.code(), "ERR");
        assert!(se.message().contains("user_script:1"), "{se}");
        assert!(se.message().contains("nosuch"), "{se}");
        let e = r2.unwrap_err();
        let se = e.server_error().expect("a server error");
        assert_eq!((se.code(), se.message()), ("MYCODE", "custom text"));
    };
    for mut c in conns {
        check(broken.invoke(&mut c, (), ()), custom.invoke(&mut c, (), ()));
        // The connection is fine afterwards.
        assert_eq!(cmd("PING").query::<String>(&mut c).unwrap(), "PONG");
    }
    check(
        broken.invoke(&client, (), ()),
        custom.invoke(&client, (), ()),
    );
}

#[test]
fn evalsha_ro_refuses_writes_and_runs_reads() {
    let server = RedisServer::start();
    let (conns, client) = connections(&server);
    let write = Script::new("return redis.call('SET', KEYS[1], ARGV[1])");
    let read = Script::new("return redis.call('GET', KEYS[1])");
    server.raw_command(&["SET", "ro:present", "here"]);
    if server.version() < (7, 0, 0) {
        // No EVALSHA_RO before 7.0: the server's error, for reads as for writes.
        let refused = |w: redisync::Result<Value>, r: redisync::Result<Value>| {
            assert_unknown_command(&w.unwrap_err(), "EVALSHA_RO");
            assert_unknown_command(&r.unwrap_err(), "EVALSHA_RO");
        };
        for mut c in conns {
            refused(
                write.invoke_ro(&mut c, "ro:written", "x"),
                read.invoke_ro(&mut c, "ro:present", ()),
            );
        }
        refused(
            write.key("ro:written").arg("x").invoke_ro(&client),
            read.key("ro:present").invoke_ro(&client),
        );
        assert_eq!(server.raw_command(&["EXISTS", "ro:written"]), ":0\r\n");
        return;
    }
    let check = |w: redisync::Result<Value>, r: &mut dyn FnMut() -> Option<String>| {
        let e = w.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response);
        assert!(
            e.to_string()
                .contains("Write commands are not allowed from read-only scripts"),
            "{e}"
        );
        assert_eq!(server.raw_command(&["EXISTS", "ro:written"]), ":0\r\n");
        // The read-only form loads a missing script too, and sends EVALSHA_RO each time.
        reset_scripts(&server);
        assert_eq!(r().as_deref(), Some("here"));
        assert_eq!(server.command_calls("evalsha_ro"), 2);
        assert_eq!(server.command_calls("script|load"), 1);
        assert_eq!(server.command_calls("evalsha"), 0);
    };
    for mut c in conns {
        let w = write.invoke_ro(&mut c, "ro:written", "x");
        check(w, &mut || read.invoke_ro(&mut c, "ro:present", ()).unwrap());
    }
    let w = write.key("ro:written").arg("x").invoke_ro(&client);
    check(w, &mut || {
        read.key("ro:present").invoke_ro(&client).unwrap()
    });
}

#[test]
fn a_script_running_too_long_makes_others_busy() {
    let server = RedisServer::builder()
        // 7.0 renamed it busy-reply-threshold; the old name works on 6.2, 7.x and Valkey.
        .config("lua-time-limit 100")
        .start();
    let cfg = ConnectionConfig::new("127.0.0.1", server.port());
    let mut runner = Connection::with_config(&cfg).unwrap();
    let mut other = Connection::with_config(&cfg).unwrap();
    let quick = Script::new("return 1");
    quick.load(&mut other).unwrap();
    let spin = thread::spawn(move || {
        Script::new("while true do end").invoke::<Value>(&mut runner, (), ())
    });
    let busy = wait_for(Duration::from_secs(10), "a BUSY reply", || {
        match quick.invoke::<i64>(&mut other, (), ()) {
            Ok(_) => None,
            Err(e) if e.kind() == ErrorKind::Busy => Some(e),
            Err(e) => panic!("unexpected error while waiting for BUSY: {e}"),
        }
    });
    assert_eq!(busy.server_error().unwrap().code(), "BUSY");
    cmd("SCRIPT").arg("KILL").exec(&mut other).unwrap();
    let killed = spin.join().unwrap().unwrap_err();
    assert_eq!(killed.kind(), ErrorKind::Response);
    assert!(
        killed.to_string().to_lowercase().contains("killed"),
        "{killed}"
    );
    assert_eq!(quick.invoke::<i64>(&mut other, (), ()).unwrap(), 1);
}

const LIBRARY: &str = "#!lua name=mylib
redis.register_function('setget', function(keys, args)
    redis.call('SET', keys[1], args[1])
    return redis.call('GET', keys[1])
end)
redis.register_function{
    function_name = 'shape',
    callback = function(keys, args) return #keys * 100 + #args end,
    flags = {'no-writes'},
}";

#[test]
fn fcall_runs_functions_of_a_loaded_library() {
    let server = RedisServer::start();
    let (mut conns, client) = connections(&server);
    if server.version() < (7, 0, 0) {
        // Functions came with 7.0: the server's error for each command.
        let e = conns[0].function_load(LIBRARY, false).unwrap_err();
        assert_unknown_command(&e, "FUNCTION");
        for c in &mut conns {
            let e = c.fcall::<String>("setget", "fn:k", "v1").unwrap_err();
            assert_unknown_command(&e, "FCALL");
            let e = c.fcall_ro::<i64>("shape", "a", ()).unwrap_err();
            assert_unknown_command(&e, "FCALL_RO");
        }
        let e = client.fcall::<String>("setget", "fn:c", "v3").unwrap_err();
        assert_unknown_command(&e, "FCALL");
        assert_eq!(server.raw_command(&["EXISTS", "fn:k"]), ":0\r\n");
        return;
    }
    assert_eq!(conns[0].function_load(LIBRARY, false).unwrap(), "mylib");
    let e = conns[0].function_load(LIBRARY, false).unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(client.function_load(LIBRARY, true).unwrap(), "mylib");
    assert_eq!(server.command_calls("function|load"), 3);

    for c in &mut conns {
        let v: String = c.fcall("setget", "fn:k", "v1").unwrap();
        assert_eq!(v, "v1");
        assert_eq!(
            c.fcall_ro::<i64>("shape", ["a", "b"], (1, 2, 3)).unwrap(),
            203
        );
        assert_eq!(c.fcall::<i64>("shape", (), ()).unwrap(), 0);
        let e = c.fcall_ro::<String>("setget", "fn:k", "v2").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response);
        assert!(e.to_string().contains("write flag"), "{e}");
        let e = c.fcall::<Value>("nosuch", (), ()).unwrap_err();
        assert!(e.to_string().contains("Function not found"), "{e}");
    }
    assert_eq!(
        client.fcall::<String>("setget", "fn:c", "v3").unwrap(),
        "v3"
    );
    assert_eq!(client.fcall_ro::<i64>("shape", "a", ()).unwrap(), 100);
    assert_eq!(server.raw_command(&["GET", "fn:k"]), "$2\r\nv1\r\n");
    assert_eq!(server.command_calls("fcall"), 7);
    assert_eq!(server.command_calls("fcall_ro"), 5);
}
