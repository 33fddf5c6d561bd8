//! A key's serialized form: DUMP and RESTORE (every option, and FREQ under an LFU policy) on
//! one server, and MIGRATE between two.

use redisync::MigrateOptions;

use super::*;

#[test]
fn dump_and_restore_round_trip_with_every_option() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        let value: Vec<u8> = (0..=255u8).chain(*b"\r\n\r\n").collect();
        c.set("bin", &value).unwrap();
        assert_eq!(c.dump("missing").unwrap(), None);
        let payload = c.dump("bin").unwrap().unwrap();
        assert!(
            payload.len() > value.len(),
            "the payload carries a version and checksum"
        );
        // Without REPLACE over an existing key: BUSYKEY.
        let e = c
            .restore("bin", &payload, RestoreOptions::new())
            .unwrap_err();
        assert!(e.to_string().contains("BUSYKEY"), "{e}");
        still_answers(&mut c);
        c.restore("copy", &payload, RestoreOptions::new()).unwrap();
        assert_eq!(c.get::<Vec<u8>>("copy").unwrap(), Some(value.clone()));
        assert_eq!(c.ttl("copy").unwrap(), Ttl::Persistent);
        // A relative TTL, REPLACE.
        c.restore(
            "copy",
            &payload,
            RestoreOptions::new().replace().ttl(SEC * 100),
        )
        .unwrap();
        let ttl = c.pttl("copy").unwrap().duration().unwrap();
        assert!(ttl > SEC * 95 && ttl <= SEC * 100, "{ttl:?}");
        // An absolute one (ABSTTL).
        let at = SystemTime::now() + SEC * 500;
        c.restore(
            "copy",
            &payload,
            RestoreOptions::new().replace().expire_at(at),
        )
        .unwrap();
        let secs = c.ttl("copy").unwrap().duration().unwrap().as_secs();
        assert!((495..=500).contains(&secs), "{secs}");
        // A time in the past restores a key that is gone at once.
        c.restore(
            "past",
            &payload,
            RestoreOptions::new().expire_at(UNIX_EPOCH + SEC),
        )
        .unwrap();
        assert_eq!(c.exists("past").unwrap(), 0);
        // IDLETIME
        c.restore("idle", &payload, RestoreOptions::new().idletime(SEC * 1000))
            .unwrap();
        let idle = c.object_idletime("idle").unwrap().unwrap();
        assert!((1000..1010).contains(&idle), "{idle}");
        // Other types round trip too.
        rpush_raw(&mut c, "list", ["a", "b\r\n", "c"]);
        let payload = c.dump("list").unwrap().unwrap();
        c.restore("list2", &payload, RestoreOptions::new()).unwrap();
        let items: Vec<String> = cmd("LRANGE").arg(("list2", 0, -1)).query(&mut c).unwrap();
        assert_eq!(items, ["a", "b\r\n", "c"]);
        // A payload the server cannot read.
        let e = c
            .restore("bad", b"\x00\x01garbage", RestoreOptions::new())
            .unwrap_err();
        assert!(e.to_string().contains("payload"), "{e}");
        still_answers(&mut c);
        // Refused before sending.
        let calls = server.command_calls("restore");
        for options in [
            RestoreOptions::new().ttl(Duration::ZERO),
            RestoreOptions::new().idletime(SEC).freq(3),
            RestoreOptions::new().expire_at(UNIX_EPOCH - SEC),
        ] {
            let e = c.restore("x", &payload, options).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        }
        assert_eq!(server.command_calls("restore"), calls);
    }
}

#[test]
fn object_freq_and_restore_freq_under_an_lfu_policy() {
    let server = RedisServer::builder()
        .config("maxmemory-policy allkeys-lfu")
        .start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        c.set("k", "v").unwrap();
        let payload = c.dump("k").unwrap().unwrap();
        c.restore("hot", &payload, RestoreOptions::new().freq(200))
            .unwrap();
        let freq = c.object_freq("hot").unwrap().unwrap();
        assert!((190..=201).contains(&freq), "{freq}");
        assert!(c.object_freq("k").unwrap().unwrap() <= 255);
        assert_eq!(c.object_freq("missing").unwrap(), None);
        // IDLETIME is not tracked under LFU.
        let e = c.object_idletime("k").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");
        still_answers(&mut c);
    }
}

#[test]
fn migrate_moves_copies_and_replaces_keys_on_a_second_server() {
    let server = RedisServer::start();
    let target = RedisServer::builder().requirepass("t4rget").start();
    let port = target.port();
    let auth = || MigrateOptions::new().auth("t4rget");
    let on_target = |args: &[&str]| target.raw_command(args);
    // Wrong credentials, and none, on the first sockets to the target: the server keeps its
    // socket to a target for a while, and a later AUTH that fails on a socket an earlier one
    // authenticated still lets the key through.
    {
        let mut c = per_protocol(server.port()).remove(0);
        c.set("d", "D").unwrap();
        let e = c
            .migrate("127.0.0.1", port, "d", 0, SEC * 5, MigrateOptions::new())
            .unwrap_err();
        assert!(e.to_string().contains("NOAUTH"), "{e}");
        let e = c
            .migrate(
                "127.0.0.1",
                port,
                "d",
                0,
                SEC * 5,
                MigrateOptions::new().auth("wrong"),
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("WRONGPASS") || e.to_string().contains("invalid password"),
            "{e}"
        );
        still_answers(&mut c);
        assert_eq!(c.exists("d").unwrap(), 1);
        assert_eq!(on_target(&["DBSIZE"]), ":0\r\n");
    }
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        on_target(&["FLUSHALL"]);
        let key: &[u8] = b"mig\r\n\xff";
        c.set(key, "1").unwrap();
        c.mset([("a", "A"), ("b", "B"), ("c", "C")]).unwrap();
        // One key, moved into db 0.
        assert!(
            c.migrate("127.0.0.1", port, key, 0, SEC * 5, auth())
                .unwrap()
        );
        assert_eq!(c.exists(key).unwrap(), 0);
        assert_eq!(on_target(&["DBSIZE"]), ":1\r\n");
        // Nothing to migrate: NOKEY.
        assert!(
            !c.migrate("127.0.0.1", port, key, 0, SEC * 5, auth())
                .unwrap()
        );
        // COPY keeps the key here; into db 2.
        assert!(
            c.migrate("127.0.0.1", port, "a", 2, SEC * 5, auth().copy())
                .unwrap()
        );
        assert_eq!(c.exists("a").unwrap(), 1);
        // The same key again, without REPLACE: the target has it.
        let e = c
            .migrate("127.0.0.1", port, "a", 2, SEC * 5, auth().copy())
            .unwrap_err();
        assert!(e.to_string().contains("BUSYKEY"), "{e}");
        still_answers(&mut c);
        c.set("a", "A2").unwrap();
        assert!(
            c.migrate("127.0.0.1", port, "a", 2, SEC * 5, auth().copy().replace())
                .unwrap()
        );
        // Several keys: the KEYS form (one missing among them is fine).
        assert!(
            c.migrate(
                "127.0.0.1",
                port,
                ["a", "b", "c", "nope"],
                3,
                SEC * 5,
                auth().replace()
            )
            .unwrap()
        );
        assert_eq!(c.exists(["a", "b", "c"]).unwrap(), 0);
        // The target's side, in db 3.
        let cfg = redisync::ConnectionConfig::new("127.0.0.1", port)
            .password("t4rget")
            .db(3);
        let mut t = Connection::with_config(&cfg).unwrap();
        assert_eq!(t.exists(["a", "b", "c"]).unwrap(), 3);
        assert_eq!(t.get::<String>("a").unwrap().as_deref(), Some("A2"));
        c.set("d", "D").unwrap();
        // AUTH2 with the default user's password.
        assert!(
            c.migrate(
                "127.0.0.1",
                port,
                "d",
                0,
                SEC * 5,
                MigrateOptions::new().auth2("default", "t4rget")
            )
            .unwrap()
        );
        // Nowhere to go: IOERR.
        c.set("e", "E").unwrap();
        let nowhere = support::unused_port();
        let e = c
            .migrate("127.0.0.1", nowhere, "e", 0, SEC, MigrateOptions::new())
            .unwrap_err();
        assert!(e.to_string().contains("IOERR"), "{e}");
        assert_eq!(c.exists("e").unwrap(), 1);
        // Refused before sending: no key, a zero timeout.
        let calls = server.command_calls("migrate");
        let none: [&str; 0] = [];
        for e in [
            c.migrate("127.0.0.1", port, none, 0, SEC, MigrateOptions::new())
                .unwrap_err(),
            c.migrate(
                "127.0.0.1",
                port,
                "e",
                0,
                Duration::ZERO,
                MigrateOptions::new(),
            )
            .unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        }
        assert_eq!(server.command_calls("migrate"), calls);
    }
    // The password stays out of Debug.
    let dbg = format!("{:?}", auth().auth2("mover", "hunter2"));
    assert!(!dbg.contains("hunter2") && dbg.contains("mover"), "{dbg}");
}
