//! The typed scripting commands against a real server, on RESP2 and RESP3: `EVAL` and its
//! forms, the script cache (`SCRIPT LOAD/EXISTS/FLUSH/SHOW/KILL`), script errors as typed
//! server errors, and Redis 7 functions (`FUNCTION *`, `FCALL*`; on Redis 6.2 the server's
//! unknown-command errors).
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test --all-features --test cmd_scripting

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::thread;
use std::time::Duration;

use clients::{assert_unknown_command, per_protocol};
use redisync::prelude::*;
use redisync::{
    Connection, ConnectionConfig, FunctionListOptions, FunctionRestorePolicy, Script,
    ScriptFlushMode,
};
use support::{RedisServer, wait_for};

#[test]
fn eval_runs_scripts_with_counted_keys_and_the_callers_reply_type() {
    let server = RedisServer::start();
    let seven = server.version() >= (7, 0, 0);
    for mut c in per_protocol(server.port()) {
        c.del(["k1", "k2"]).unwrap();
        let echoed: (String, String, String, i64, i64) = c
            .eval(
                "return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}",
                ["k1", "k2"],
                ("a", 2),
            )
            .unwrap();
        assert_eq!(echoed, ("k1".into(), "k2".into(), "a".into(), 2, 2));
        assert_eq!(
            c.eval::<i64>("return redis.call('INCRBY', KEYS[1], ARGV[1])", "k1", 5)
                .unwrap(),
            5
        );
        assert_eq!(
            c.eval::<Option<String>>("return nil", (), ()).unwrap(),
            None
        );
        assert!(c.eval::<bool>("return true", (), ()).unwrap());
        assert_eq!(
            c.eval::<Vec<i64>>("return {1, 2, 3}", (), ()).unwrap(),
            [1, 2, 3]
        );
        // Binary arguments come back unchanged.
        let bin = b"\r\n\xff\x00".to_vec();
        assert_eq!(c.eval::<Vec<u8>>("return ARGV[1]", (), &bin).unwrap(), bin);

        // The script cache.
        let code = "return ARGV[1] .. '!'";
        let sha = c.script_load(code).unwrap();
        assert_eq!(sha, Script::new(code).sha());
        let missing = "ffffffffffffffffffffffffffffffffffffffff";
        assert_eq!(
            c.script_exists([sha.as_str(), missing]).unwrap(),
            [true, false]
        );
        assert_eq!(c.evalsha::<String>(&sha, (), "hi").unwrap(), "hi!");
        let e = c.evalsha::<String>(missing, (), ()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NoScript, "{e}");
        if seven {
            assert_eq!(c.evalsha_ro::<String>(&sha, (), "ro").unwrap(), "ro!");
            assert_eq!(c.eval_ro::<i64>("return #KEYS", ["a", "b"], ()).unwrap(), 2);
            let e = c
                .eval_ro::<()>("return redis.call('SET', KEYS[1], 'x')", "k2", ())
                .unwrap_err();
            assert!(
                e.to_string().contains("Write commands are not allowed"),
                "{e}"
            );
            assert_eq!(c.exists("k2").unwrap(), 0);
        } else {
            assert_unknown_command(
                &c.eval_ro::<i64>("return 1", (), ()).unwrap_err(),
                "EVAL_RO",
            );
            assert_unknown_command(
                &c.evalsha_ro::<String>(&sha, (), ()).unwrap_err(),
                "EVALSHA_RO",
            );
        }
        for mode in [
            None,
            Some(ScriptFlushMode::Async),
            Some(ScriptFlushMode::Sync),
        ] {
            c.script_load(code).unwrap();
            c.script_flush(mode).unwrap();
            assert_eq!(c.script_exists(&sha).unwrap(), [false]);
        }
        // No SHA1 at all: 7.0 checks the arity, 6.2 answers an empty list.
        if seven {
            assert_eq!(c.script_exists(()).unwrap_err().kind(), ErrorKind::Response);
        } else {
            assert!(c.script_exists(()).unwrap().is_empty());
        }
    }
}

#[test]
fn script_errors_are_typed_server_errors() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.set("str", "x").unwrap();
        let e = c
            .eval::<()>("return redis.error_reply('MYERR custom failure')", (), ())
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response);
        let se = e.server_error().unwrap();
        assert_eq!((se.code(), se.message()), ("MYERR", "custom failure"));
        let e = c
            .eval::<()>("return {err='OTHER from a table'}", (), ())
            .unwrap_err();
        assert_eq!(e.server_error().unwrap().code(), "OTHER");
        let e = c.eval::<()>("error('boom')", (), ()).unwrap_err();
        assert_eq!(e.server_error().unwrap().code(), "ERR");
        assert!(e.to_string().contains("boom"), "{e}");
        // A compile error.
        let e = c.eval::<()>("return 'unfinished", (), ()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response);
        let e = c.script_load("return 'unfinished").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response);
        // A command error inside the script keeps its code (6.2 wraps it in ERR).
        let e = c
            .eval::<()>("return redis.call('LPUSH', KEYS[1], 'a')", "str", ())
            .unwrap_err();
        if server.version() >= (7, 0, 0) {
            assert_eq!(e.kind(), ErrorKind::WrongType, "{e}");
        } else {
            assert!(e.to_string().contains("WRONGTYPE"), "{e}");
        }
        // pcall hands the error to the script, which returns it.
        let e = c
            .eval::<()>("return redis.pcall('LPUSH', KEYS[1], 'a')", "str", ())
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongType, "{e}");
        // A reply of the wrong shape is a conversion error; the connection carries on.
        let e = c.eval::<i64>("return 'text'", (), ()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
        assert_eq!(c.get::<String>("str").unwrap().as_deref(), Some("x"));
        let e = c.script_kill().unwrap_err();
        assert_eq!(e.server_error().unwrap().code(), "NOTBUSY");
    }
}

#[test]
fn script_show_is_valkeys() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let sha = c.script_load("return 'shown'").unwrap();
        let missing = "ffffffffffffffffffffffffffffffffffffffff";
        if server.is_valkey() {
            assert_eq!(c.script_show(&sha).unwrap(), "return 'shown'");
            let e = c.script_show(missing).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::NoScript, "{e}");
        } else {
            let e = c.script_show(&sha).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Response, "{e}");
            assert!(e.to_string().contains("nknown subcommand"), "{e}");
        }
        c.ping().unwrap();
    }
}

#[test]
fn a_long_script_is_stopped_with_script_kill() {
    let server = RedisServer::builder().config("lua-time-limit 100").start();
    let cfg = ConnectionConfig::new("127.0.0.1", server.port());
    let mut runner = Connection::with_config(&cfg).unwrap();
    let mut other = Connection::with_config(&cfg).unwrap();
    let spin = thread::spawn(move || runner.eval::<()>("while true do end", (), ()));
    wait_for(Duration::from_secs(10), "a BUSY reply", || {
        match other.eval::<i64>("return 1", (), ()) {
            Ok(_) => None,
            Err(e) if e.kind() == ErrorKind::Busy => Some(()),
            Err(e) => panic!("unexpected error while waiting for BUSY: {e}"),
        }
    });
    other.script_kill().unwrap();
    let killed = spin.join().unwrap().unwrap_err();
    assert!(
        killed.to_string().to_lowercase().contains("killed"),
        "{killed}"
    );
    assert_eq!(other.eval::<i64>("return 1", (), ()).unwrap(), 1);
}

const LIBRARY: &str = "#!lua name=mylib
redis.register_function('setget', function(keys, args)
    redis.call('SET', keys[1], args[1])
    return redis.call('GET', keys[1])
end)
redis.register_function{
    function_name = 'shape',
    callback = function(keys, args) return #keys * 100 + #args end,
    flags = {'no-writes', 'allow-stale'},
    description = 'counts its keys and arguments',
}";

const OTHER: &str = "#!lua name=otherlib
redis.register_function('one', function() return 1 end)";

#[test]
fn functions_load_list_call_dump_restore_and_delete() {
    let server = RedisServer::start();
    if server.version() < (7, 0, 0) {
        for mut c in per_protocol(server.port()) {
            let unknown = [
                c.function_load(LIBRARY, false).unwrap_err(),
                c.function_list(FunctionListOptions::new()).unwrap_err(),
                c.function_dump().unwrap_err(),
                c.function_flush(None).unwrap_err(),
                c.function_delete("mylib").unwrap_err(),
                c.function_kill().unwrap_err(),
                c.function_restore(b"x", None).unwrap_err(),
                c.function_stats().unwrap_err(),
            ];
            for e in &unknown {
                assert_unknown_command(e, "FUNCTION");
            }
            assert_unknown_command(&c.fcall::<i64>("shape", (), ()).unwrap_err(), "FCALL");
            assert_unknown_command(&c.fcall_ro::<i64>("shape", (), ()).unwrap_err(), "FCALL_RO");
            c.ping().unwrap();
        }
        return;
    }
    for mut c in per_protocol(server.port()) {
        c.function_flush(Some(ScriptFlushMode::Sync)).unwrap();
        assert!(
            c.function_list(FunctionListOptions::new())
                .unwrap()
                .is_empty()
        );
        assert_eq!(c.function_load(LIBRARY, false).unwrap(), "mylib");
        let e = c.function_load(LIBRARY, false).unwrap_err();
        assert!(e.to_string().contains("already exists"), "{e}");
        assert_eq!(c.function_load(LIBRARY, true).unwrap(), "mylib");
        assert_eq!(c.function_load(OTHER, false).unwrap(), "otherlib");
        let e = c
            .function_load("#!lua name=bad\nreturn 'x", false)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");

        let mut libs = c.function_list(FunctionListOptions::new()).unwrap();
        libs.sort_by(|a, b| a.name.cmp(&b.name));
        let names: Vec<&str> = libs.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["mylib", "otherlib"]);
        let mylib = &libs[0];
        assert_eq!(
            (mylib.engine.as_str(), mylib.code.as_deref()),
            ("LUA", None)
        );
        let mut functions = mylib.functions.clone();
        functions.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(functions[0].name, "setget");
        assert_eq!(functions[0].description, None);
        assert!(functions[0].flags.is_empty());
        assert_eq!(functions[1].name, "shape");
        assert_eq!(
            functions[1].description.as_deref(),
            Some("counts its keys and arguments")
        );
        assert_eq!(functions[1].flags, ["no-writes", "allow-stale"]);
        let only = c
            .function_list(
                FunctionListOptions::new()
                    .library_name("other*")
                    .with_code(),
            )
            .unwrap();
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].code.as_deref(), Some(OTHER));
        assert!(
            c.function_list(FunctionListOptions::new().library_name("zz*"))
                .unwrap()
                .is_empty()
        );

        assert_eq!(c.fcall::<String>("setget", "fn:k", "v1").unwrap(), "v1");
        assert_eq!(
            c.fcall_ro::<i64>("shape", ["a", "b"], (1, 2, 3)).unwrap(),
            203
        );
        let e = c.fcall_ro::<String>("setget", "fn:k", "v2").unwrap_err();
        assert!(e.to_string().contains("write flag"), "{e}");
        let e = c.fcall::<i64>("nosuch", (), ()).unwrap_err();
        assert!(e.to_string().contains("Function not found"), "{e}");

        let stats = c.function_stats().unwrap();
        assert_eq!(stats.running_script, None);
        let lua = stats.engines["LUA"];
        assert_eq!((lua.libraries_count, lua.functions_count), (2, 3));

        // Dump, flush, restore under each policy.
        let dump = c.function_dump().unwrap();
        assert!(!dump.is_empty());
        c.function_flush(Some(ScriptFlushMode::Async)).unwrap();
        assert!(
            c.function_list(FunctionListOptions::new())
                .unwrap()
                .is_empty()
        );
        c.function_restore(&dump, None).unwrap();
        assert_eq!(
            c.function_list(FunctionListOptions::new()).unwrap().len(),
            2
        );
        let e = c
            .function_restore(&dump, Some(FunctionRestorePolicy::Append))
            .unwrap_err();
        assert!(e.to_string().contains("already exists"), "{e}");
        c.function_restore(&dump, Some(FunctionRestorePolicy::Replace))
            .unwrap();
        c.function_delete("otherlib").unwrap();
        c.function_restore(&dump, Some(FunctionRestorePolicy::Flush))
            .unwrap();
        assert_eq!(
            c.function_list(FunctionListOptions::new()).unwrap().len(),
            2
        );
        let e = c.function_restore(b"garbage", None).unwrap_err();
        assert!(e.to_string().contains("payload"), "{e}");

        c.function_delete("otherlib").unwrap();
        let e = c.function_delete("otherlib").unwrap_err();
        assert!(e.to_string().contains("Library not found"), "{e}");
        let e = c.function_kill().unwrap_err();
        assert_eq!(e.server_error().unwrap().code(), "NOTBUSY");
        // Through a pipeline.
        let (name, n): (String, i64) = redisync::pipe()
            .function_load(LIBRARY, true)
            .fcall("shape", (), "x")
            .query(&mut c)
            .unwrap();
        assert_eq!((name.as_str(), n), ("mylib", 1));
    }
}

#[test]
fn a_running_function_shows_in_function_stats_and_is_killed() {
    let server = RedisServer::builder().config("lua-time-limit 100").start();
    let cfg = ConnectionConfig::new("127.0.0.1", server.port());
    let mut other = Connection::with_config(&cfg).unwrap();
    if server.version() < (7, 0, 0) {
        assert_unknown_command(&other.function_stats().unwrap_err(), "FUNCTION");
        return;
    }
    other
        .function_load(
            "#!lua name=spinner\nredis.register_function('spin', function() while true do end end)",
            false,
        )
        .unwrap();
    let mut runner = Connection::with_config(&cfg).unwrap();
    let spin = thread::spawn(move || runner.fcall::<()>("spin", (), "arg\u{1}"));
    let running = wait_for(Duration::from_secs(10), "a running function", || {
        other.function_stats().unwrap().running_script
    });
    assert_eq!(running.name, "spin");
    assert_eq!(running.command, [&b"FCALL"[..], b"spin", b"0", b"arg\x01"]);
    other.function_kill().unwrap();
    let killed = spin.join().unwrap().unwrap_err();
    assert!(
        killed.to_string().to_lowercase().contains("killed"),
        "{killed}"
    );
    assert_eq!(other.function_stats().unwrap().running_script, None);
}

#[test]
fn scripting_through_a_client() {
    let server = RedisServer::start();
    let client = redisync::Client::open(&server.url()).unwrap();
    let sha = client.script_load("return 42").unwrap();
    let (a, b, exists): (i64, i64, Vec<bool>) = redisync::pipe()
        .evalsha(&sha, (), ())
        .eval("return #ARGV", (), (1, 2))
        .script_exists(&sha)
        .query(&client)
        .unwrap();
    assert_eq!((a, b, exists), (42, 2, vec![true]));
    client.script_flush(None).unwrap();
    let e = client.evalsha::<i64>(&sha, (), ()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoScript);
}
