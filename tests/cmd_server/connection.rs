//! The connection group: HELLO, AUTH, SELECT and the CLIENT subcommands.

use super::*;

#[test]
fn hello_describes_the_connection_and_switches_protocols() {
    let server = RedisServer::start();
    let mut hellos = Vec::new();
    for mut c in per_protocol(server.port()) {
        let proto = match c.protocol() {
            Protocol::Resp2 => 2,
            _ => 3,
        };
        let h = c.hello(HelloOptions::new()).unwrap();
        assert_eq!(h.proto, proto);
        assert_eq!(h.id, c.client_id().unwrap());
        assert_eq!(
            h.server,
            if server.is_valkey() {
                "valkey"
            } else {
                "redis"
            }
        );
        let (major, minor, patch) = server.version();
        assert_eq!(h.version, format!("{major}.{minor}.{patch}"));
        assert_eq!((h.mode.as_str(), h.role.as_str()), ("standalone", "master"));
        if server.is_valkey() {
            assert!(h.modules.iter().any(|m| m.name == "lua"), "{:?}", h.modules);
        }
        // Switch to the other protocol, naming the connection in the same step.
        let other = if proto == 2 {
            Protocol::Resp3
        } else {
            Protocol::Resp2
        };
        let h2 = c
            .hello(HelloOptions::new().protocol(other).setname("hello-client"))
            .unwrap();
        assert_eq!(h2.proto, 5 - proto);
        assert_eq!(c.protocol(), other, "the connection follows HELLO's switch");
        assert_eq!(c.client_getname().unwrap().as_deref(), Some("hello-client"));
        let me = c.client_info().unwrap();
        if seven(&server) {
            assert_eq!(me.resp, Some(5 - proto));
        }
        c.set("after-hello", 1).unwrap();
        assert_eq!(c.get::<i64>("after-hello").unwrap(), Some(1));
        hellos.push(h);
    }
    // The same struct on both protocols, but for what differs by design.
    let (mut a, b) = (hellos[0].clone(), hellos[1].clone());
    a.proto = b.proto;
    a.id = b.id;
    assert_eq!(a, b);
    // AUTH without a protocol version is refused before anything is sent.
    let mut c = connect(&server, Protocol::Resp3);
    let before = server.command_calls("hello");
    let e = c
        .hello(HelloOptions::new().auth("default", "pw"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(server.command_calls("hello"), before);
}

#[test]
fn auth_as_the_default_user_and_an_acl_user() {
    let server = RedisServer::builder()
        .requirepass("default-pw")
        .acl_user("alice on >alice-pw ~* &* +@all")
        .start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let cfg = ConnectionConfig::new("127.0.0.1", server.port())
            .protocol(protocol)
            .password("default-pw");
        let mut c = Connection::with_config(&cfg).unwrap();
        c.auth(None, "default-pw").unwrap();
        c.auth(Some("alice"), "alice-pw").unwrap();
        assert_eq!(c.client_info().unwrap().user.as_deref(), Some("alice"));
        let whoami: String = cmd("ACL").arg("WHOAMI").query(&mut c).unwrap();
        assert_eq!(whoami, "alice");
        let e = c.auth(Some("alice"), "wrong-pw").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
        assert!(!format!("{e} {e:?}").contains("wrong-pw"));
        c.ping().unwrap();
        // HELLO can authenticate too.
        let h = c
            .hello(
                HelloOptions::new()
                    .protocol(protocol)
                    .auth("default", "default-pw"),
            )
            .unwrap();
        assert_eq!(c.client_info().unwrap().user.as_deref(), Some("default"));
        assert!(h.id > 0);
        let e = c
            .hello(HelloOptions::new().protocol(protocol).auth("alice", "nope"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    }
    // On a pooled connection AUTH makes the session dirty: the connection is closed on return.
    let client = Client::builder()
        .host("127.0.0.1", server.port())
        .password("default-pw")
        .build()
        .unwrap();
    client.ping().unwrap();
    let discarded = client.pool_state().discarded;
    client.auth(Some("alice"), "alice-pw").unwrap();
    assert_eq!(client.pool_state().discarded, discarded + 1);
    let whoami: String = cmd("ACL").arg("WHOAMI").query(&client).unwrap();
    assert_eq!(whoami, "default", "the next caller gets a fresh connection");
}

#[test]
fn auth_without_a_password_configured_is_an_error() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        assert_server_error(
            &c.auth(None, "pw").unwrap_err(),
            "without any password configured",
        );
        c.ping().unwrap();
    }
}

#[test]
fn select_switches_databases_and_closes_pooled_connections() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.select(3).unwrap();
        c.set("in-3", 1).unwrap();
        assert_eq!(c.client_info().unwrap().db, 3);
        c.select(0).unwrap();
        assert_eq!(c.get::<i64>("in-3").unwrap(), None);
        assert_server_error(&c.select(100_000).unwrap_err(), "out of range");
        assert_eq!(c.client_info().unwrap().db, 0);
    }
    let client = Client::open(&server.url()).unwrap();
    client.ping().unwrap();
    let discarded = client.pool_state().discarded;
    client.select(3).unwrap();
    assert_eq!(client.pool_state().discarded, discarded + 1);
    assert_eq!(
        client.get::<i64>("in-3").unwrap(),
        None,
        "back on database 0"
    );
    // On a held pooled connection the switch lasts until it is returned.
    let mut held = client.get_connection().unwrap();
    held.select(3).unwrap();
    assert_eq!(held.get::<i64>("in-3").unwrap(), Some(1));
}

#[test]
fn client_id_name_info_and_list() {
    let server = RedisServer::start();
    let mut conns = per_protocol(server.port());
    let mut seen = Vec::new();
    for c in &mut conns {
        let id = c.client_id().unwrap();
        assert_eq!(c.client_getname().unwrap(), None);
        c.client_setname(format!("conn-{id}")).unwrap();
        assert_eq!(c.client_getname().unwrap(), Some(format!("conn-{id}")));
        let me = c.client_info().unwrap();
        assert_eq!(me.id, id);
        assert_eq!(me.name, Some(format!("conn-{id}")));
        assert!(me.addr.starts_with("127.0.0.1:"));
        assert_eq!(me.laddr, Some(format!("127.0.0.1:{}", server.port())));
        assert_eq!(
            me.cmd,
            if seven(&server) {
                "client|info"
            } else {
                "client"
            }
        );
        assert_eq!(me.user.as_deref(), Some("default"));
        assert!(me.get("fd").is_some());
        assert_server_error(&c.client_setname("with space").unwrap_err(), "");
        c.client_setname("").unwrap();
        assert_eq!(c.client_getname().unwrap(), None);
        c.client_setname(format!("conn-{id}")).unwrap();
        seen.push(id);
    }
    // Each connection lists both; the entries describe the same clients.
    let lists: Vec<_> = conns
        .iter_mut()
        .map(|c| c.client_list(ClientListOptions::new()).unwrap())
        .collect();
    for list in &lists {
        for id in &seen {
            let entry = list.iter().find(|e| e.id == *id).unwrap();
            assert_eq!(entry.name, Some(format!("conn-{id}")));
        }
    }
    let stable = |l: &[redisync::ClientInfo], id: u64| {
        let e = l.iter().find(|e| e.id == id).unwrap();
        (
            e.addr.clone(),
            e.laddr.clone(),
            e.name.clone(),
            e.db,
            e.user.clone(),
        )
    };
    assert_eq!(stable(&lists[0], seen[1]), stable(&lists[1], seen[1]));
    let c = &mut conns[0];
    let normal = c
        .client_list(ClientListOptions::new().client_type(ClientType::Normal))
        .unwrap();
    assert!(seen.iter().all(|id| normal.iter().any(|e| e.id == *id)));
    assert!(
        c.client_list(ClientListOptions::new().client_type(ClientType::PubSub))
            .unwrap()
            .is_empty()
    );
    let one = c
        .client_list(ClientListOptions::new().ids([seen[1]]))
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].id, seen[1]);
    let both = c
        .client_list(ClientListOptions::new().ids(seen.clone()))
        .unwrap();
    assert_eq!(both.len(), 2);
    assert!(
        c.client_list(ClientListOptions::new().ids([999_999]))
            .unwrap()
            .is_empty()
    );
    // TYPE with ID: Valkey combines them, Redis takes one filter.
    let combined = c.client_list(
        ClientListOptions::new()
            .client_type(ClientType::Normal)
            .ids([seen[1]]),
    );
    if server.is_valkey() {
        assert_eq!(combined.unwrap().len(), 1);
    } else {
        assert_server_error(&combined.unwrap_err(), "syntax error");
    }
    c.ping().unwrap();
}

#[test]
fn client_kill_by_each_filter() {
    let server = RedisServer::start();
    let open = || connect(&server, Protocol::Resp3);
    // One connection at a time: the filters below close every other client.
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut c = connect(&server, protocol);
        let mut victim = open();
        let id = victim.client_id().unwrap();
        assert_eq!(c.client_kill(ClientKillOptions::new().id(id)).unwrap(), 1);
        assert_eq!(victim.ping().unwrap_err().kind(), ErrorKind::Connection);
        assert_eq!(c.client_kill(ClientKillOptions::new().id(id)).unwrap(), 0);

        let mut victim = open();
        let addr = victim.client_info().unwrap().addr;
        assert_eq!(
            c.client_kill(ClientKillOptions::new().addr(&addr)).unwrap(),
            1
        );
        assert!(victim.ping().is_err());

        // LADDR and USER match every client here, this one included unless skipped.
        let mut victims = [open(), open()];
        let laddr = format!("127.0.0.1:{}", server.port());
        let killed = c
            .client_kill(ClientKillOptions::new().laddr(&laddr).skipme(true))
            .unwrap();
        assert!(killed >= 2, "{killed}");
        assert!(victims.iter_mut().all(|v| v.ping().is_err()));
        c.ping().unwrap();
        let mut victim = open();
        let killed = c
            .client_kill(
                ClientKillOptions::new()
                    .user("default")
                    .client_type(ClientType::Normal),
            )
            .unwrap();
        assert!(killed >= 1);
        assert!(victim.ping().is_err());
        assert_eq!(
            c.client_kill(ClientKillOptions::new().client_type(ClientType::PubSub))
                .unwrap(),
            0
        );
        // MAXAGE: Valkey 8.0+ and Redis 7.4+.
        let mut old = open();
        thread::sleep(Duration::from_millis(2100));
        let by_age = c.client_kill(ClientKillOptions::new().maxage(Duration::from_secs(1)));
        if server.is_valkey() {
            assert!(by_age.unwrap() >= 1);
            assert!(old.ping().is_err());
        } else {
            assert_server_error(&by_age.unwrap_err(), "syntax error");
            old.ping().unwrap();
        }
        // Without a filter: refused before anything is sent.
        let before = calls(&server, "client", "kill");
        for o in [
            ClientKillOptions::new(),
            ClientKillOptions::new().skipme(false),
        ] {
            let e = c.client_kill(o).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
        }
        assert_eq!(calls(&server, "client", "kill"), before);
        c.ping().unwrap();
    }
}

#[test]
fn client_pause_holds_writes_until_unpaused() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let mut other = connect(&server, Protocol::Resp2);
        c.client_pause(Duration::from_secs(20), PauseMode::Write)
            .unwrap();
        let started = Instant::now();
        assert_eq!(other.get::<String>("paused").unwrap(), None, "reads go on");
        let writer = thread::spawn(move || {
            other.set("paused", "done").unwrap();
            Instant::now()
        });
        thread::sleep(Duration::from_millis(300));
        assert!(!writer.is_finished(), "the write waits");
        // UNPAUSE is not a write: it goes through a WRITE pause.
        c.client_unpause().unwrap();
        let done = writer.join().unwrap();
        assert!(done - started < Duration::from_secs(10));
        assert_eq!(c.get::<String>("paused").unwrap().as_deref(), Some("done"));
        // ALL holds everything, for the timeout.
        c.client_pause(Duration::from_millis(400), PauseMode::All)
            .unwrap();
        let started = Instant::now();
        let mut other = connect(&server, Protocol::Resp3);
        other.ping().unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "{:?}",
            started.elapsed()
        );
        c.del("paused").unwrap();
        let before = calls(&server, "client", "pause");
        let e = c.client_pause(Duration::ZERO, PauseMode::All).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(calls(&server, "client", "pause"), before);
    }
}

#[test]
fn client_unblock_ends_a_blocking_command() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        for mode in [UnblockMode::Timeout, UnblockMode::Error] {
            let mut blocked = connect(&server, Protocol::Resp3);
            let id = blocked.client_id().unwrap();
            let waiter = thread::spawn(move || {
                cmd("BLPOP")
                    .arg("never-pushed")
                    .arg(0)
                    .query::<Option<(String, String)>>(&mut blocked)
            });
            wait_until(Duration::from_secs(10), "the client to block", || {
                c.client_list(ClientListOptions::new().ids([id]))
                    .unwrap()
                    .first()
                    .is_some_and(|e| e.has_flag('b'))
            });
            assert!(c.client_unblock(id, mode).unwrap());
            match (mode, waiter.join().unwrap()) {
                (UnblockMode::Timeout, Ok(None)) => {}
                (UnblockMode::Error, Err(e)) => assert!(e.to_string().contains("UNBLOCKED"), "{e}"),
                (m, other) => panic!("{m:?}: {other:?}"),
            }
        }
        let me = c.client_id().unwrap();
        assert!(!c.client_unblock(me, UnblockMode::Timeout).unwrap());
        assert!(!c.client_unblock(999_999, UnblockMode::Error).unwrap());
    }
}

#[test]
fn client_no_evict_no_touch_and_setinfo_where_the_server_has_them() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let evict = c.client_no_evict(true);
        if seven(&server) {
            evict.unwrap();
            assert!(c.client_info().unwrap().has_flag('e'));
            c.client_no_evict(false).unwrap();
            assert!(!c.client_info().unwrap().has_flag('e'));
        } else {
            assert_server_error(&evict.unwrap_err(), "unknown subcommand");
        }
        let touch = c.client_no_touch(true);
        let setinfo = c.client_setinfo(ClientAttr::LibName, "my-app");
        if seven_two(&server) {
            touch.unwrap();
            assert!(c.client_info().unwrap().has_flag('T'));
            c.client_no_touch(false).unwrap();
            setinfo.unwrap();
            c.client_setinfo(ClientAttr::LibVer, "1.2.3").unwrap();
            let me = c.client_info().unwrap();
            assert_eq!(me.lib_name.as_deref(), Some("my-app"));
            assert_eq!(me.lib_ver.as_deref(), Some("1.2.3"));
            assert_server_error(
                &c.client_setinfo(ClientAttr::LibName, "with space")
                    .unwrap_err(),
                "",
            );
        } else {
            assert_server_error(&touch.unwrap_err(), "unknown subcommand");
            assert_server_error(&setinfo.unwrap_err(), "unknown subcommand");
        }
        c.ping().unwrap();
    }
}

#[test]
fn client_tracking_modes_and_info() {
    let server = RedisServer::start();
    let mut sink = connect(&server, Protocol::Resp3);
    let sink_id = sink.client_id().unwrap();
    let mut infos = Vec::new();
    for mut c in per_protocol(server.port()) {
        let off = c.client_trackinginfo().unwrap();
        assert!(!off.is_on());
        assert_eq!(
            (off.flags.as_slice(), off.redirect),
            (&["off".to_string()][..], -1)
        );
        assert_eq!(c.client_getredir().unwrap(), -1);
        let prefix = b"p\r\n\xff".to_vec();
        c.client_tracking(
            TrackingOptions::on()
                .redirect(sink_id)
                .bcast()
                .prefix(&prefix)
                .prefix("user:")
                .noloop(),
        )
        .unwrap();
        let info = c.client_trackinginfo().unwrap();
        assert!(info.is_on());
        assert!(
            info.flags.iter().any(|f| f == "bcast") && info.flags.iter().any(|f| f == "noloop")
        );
        assert_eq!(info.redirect, sink_id as i64);
        assert!(info.prefixes.contains(&prefix) && info.prefixes.contains(&b"user:".to_vec()));
        assert_eq!(c.client_getredir().unwrap(), sink_id as i64);
        assert!(c.client_info().unwrap().has_flag('t'));
        infos.push(info);
        c.client_tracking(TrackingOptions::off()).unwrap();
        // OPTIN with CACHING.
        c.client_tracking(TrackingOptions::on().redirect(sink_id).optin())
            .unwrap();
        c.client_caching(true).unwrap();
        c.get::<String>("tracked").unwrap();
        c.client_tracking(TrackingOptions::off()).unwrap();
        assert_server_error(&c.client_caching(true).unwrap_err(), "tracking");
        // Conflicts are refused before anything is sent.
        let before = calls(&server, "client", "tracking");
        for o in [
            TrackingOptions::on().optin().optout(),
            TrackingOptions::on().bcast().optout(),
            TrackingOptions::on().prefix("p"),
        ] {
            assert_eq!(
                c.client_tracking(o).unwrap_err().kind(),
                ErrorKind::InvalidInput
            );
        }
        assert_eq!(calls(&server, "client", "tracking"), before);
    }
    // RESP3 without a redirect: invalidations come on the connection itself.
    let mut c = connect(&server, Protocol::Resp3);
    c.client_tracking(TrackingOptions::on()).unwrap();
    assert_eq!(c.client_trackinginfo().unwrap().redirect, 0);
    assert_eq!(c.client_getredir().unwrap(), 0);
    // A redirect to a client that does not exist is the server's error.
    assert_server_error(
        &c.client_tracking(TrackingOptions::on().redirect(999_999))
            .unwrap_err(),
        "",
    );
    sink.ping().unwrap();
    // The same struct from both protocols.
    assert_eq!(infos[0].flags.len(), infos[1].flags.len());
    let sorted = |mut v: Vec<Vec<u8>>| {
        v.sort();
        v
    };
    assert_eq!(
        sorted(infos[0].prefixes.clone()),
        sorted(infos[1].prefixes.clone())
    );
    assert_eq!(infos[0].redirect, infos[1].redirect);
}

#[test]
fn session_commands_close_pooled_connections() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).unwrap();
    client.ping().unwrap();
    let discarded = client.pool_state().discarded;
    client.client_setname("pooled-name").unwrap();
    assert_eq!(client.pool_state().discarded, discarded + 1);
    assert_eq!(client.client_getname().unwrap(), None);
    client.hello(HelloOptions::new()).unwrap();
    assert_eq!(client.pool_state().discarded, discarded + 2);
    client.client_tracking(TrackingOptions::on()).unwrap();
    assert_eq!(client.pool_state().discarded, discarded + 3);
    // Commands that leave the session alone keep the connection.
    client.client_id().unwrap();
    client.client_info().unwrap();
    assert_eq!(client.pool_state().discarded, discarded + 3);
    // Waits for the server to see the closed connections gone.
    wait_for(Duration::from_secs(5), "closed connections to go", || {
        let n = client.client_list(ClientListOptions::new()).unwrap().len();
        (n <= 2).then_some(())
    });
}

/// RESET and a HELLO that `EXEC` runs change the protocol too, and the connection follows.
#[test]
fn the_connection_follows_every_protocol_change() {
    let server = RedisServer::start();
    let mut c = connect(&server, Protocol::Resp3);
    assert_eq!(c.protocol(), Protocol::Resp3);
    let reply: Value = cmd("RESET").query(&mut c).unwrap();
    assert_eq!(reply, Value::SimpleString(b"RESET".to_vec()));
    assert_eq!(c.protocol(), Protocol::Resp2);
    // The server agrees: a map comes back flat.
    let flat: Value = cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory")
        .query(&mut c)
        .unwrap();
    assert!(matches!(flat, Value::Array(_)), "{flat:?}");
    // A HELLO queued in a transaction switches when EXEC runs it.
    let mut p = Pipeline::new();
    p.atomic();
    p.add(&cmd("HELLO").arg(3));
    p.add(&cmd("SET").arg("after-exec").arg(1));
    let _: Value = p.query(&mut c).unwrap();
    assert_eq!(c.protocol(), Protocol::Resp3);
    let map: Value = cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory")
        .query(&mut c)
        .unwrap();
    assert!(matches!(map, Value::Map(_)), "{map:?}");
}

/// `CLIENT CACHING` changes how the server treats the next command only: followed by that
/// command in the same pipeline it leaves the pooled connection reusable; sent alone (the
/// next caller's command would be the one it changes) the connection is closed.
#[test]
fn client_caching_dirties_a_connection_only_when_nothing_follows_it() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .on_connect(|conn| {
            cmd("CLIENT")
                .arg("TRACKING")
                .arg("ON")
                .arg("OPTIN")
                .exec(conn)
        })
        .build()
        .unwrap();
    client.ping().unwrap();
    let discarded = client.pool_state().discarded;
    let mut p = Pipeline::new();
    p.add(&cmd("CLIENT").arg("CACHING").arg("YES"));
    p.add(&cmd("GET").arg("cc-key"));
    let _: Vec<Value> = p.query(&client).unwrap();
    assert_eq!(
        client.pool_state().discarded,
        discarded,
        "consumed in the pipeline"
    );
    client.client_caching(true).unwrap();
    assert_eq!(
        client.pool_state().discarded,
        discarded + 1,
        "alone: closed"
    );
}
