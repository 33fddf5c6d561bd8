//! Consumer groups end to end: XGROUP, XREADGROUP, XPENDING, XCLAIM, XAUTOCLAIM and XACK, and
//! NOACK reads.

use std::thread;

use redisync::XPendingOptions;

use super::*;

#[test]
fn consumer_groups_end_to_end() {
    let server = RedisServer::start();
    let seven = server.version() >= (7, 0, 0);
    for mut c in per_protocol(server.port()) {
        c.del(["jobs", "nokey"]).unwrap();
        let e = c
            .xgroup_create("nokey", "g", "$", XGroupCreateOptions::new())
            .unwrap_err();
        assert!(e.to_string().contains("requires the key to exist"), "{e}");
        c.xgroup_create("jobs", "g", "$", XGroupCreateOptions::new().mkstream())
            .unwrap();
        let e = c
            .xgroup_create("jobs", "g", "$", XGroupCreateOptions::new())
            .unwrap_err();
        assert_eq!(e.server_error().unwrap().code(), "BUSYGROUP");
        assert!(c.xgroup_createconsumer("jobs", "g", "alice").unwrap());
        assert!(!c.xgroup_createconsumer("jobs", "g", "alice").unwrap());
        let e = c.xgroup_createconsumer("jobs", "nog", "x").unwrap_err();
        assert_eq!(e.server_error().unwrap().code(), "NOGROUP");

        for i in 1..=4 {
            c.xadd_options("jobs", [("n", i)], XAddOptions::new().id(format!("{i}-0")))
                .unwrap();
        }
        // alice takes three, bob one.
        let got: Vec<StreamBatch<i64>> = c
            .xreadgroup("g", "alice", "jobs", ">", XReadOptions::new().count(3))
            .unwrap();
        assert_eq!(ids(&got[0].entries), ["1-0", "2-0", "3-0"]);
        let got: Vec<StreamBatch<i64>> = c
            .xreadgroup("g", "bob", "jobs", ">", XReadOptions::new())
            .unwrap();
        assert_eq!(ids(&got[0].entries), ["4-0"]);
        // Nothing new for the group.
        let none: Vec<StreamBatch> = c
            .xreadgroup("g", "bob", "jobs", ">", XReadOptions::new())
            .unwrap();
        assert!(none.is_empty());

        let summary = c.xpending("jobs", "g").unwrap();
        assert_eq!(summary.count, 4);
        assert_eq!(summary.lowest.as_deref(), Some("1-0"));
        assert_eq!(summary.highest.as_deref(), Some("4-0"));
        assert_eq!(
            summary.consumers,
            [("alice".to_string(), 3), ("bob".to_string(), 1)]
        );
        let alice = c
            .xpending_range(
                "jobs",
                "g",
                XPendingOptions::new("-", "+", 10).consumer("alice"),
            )
            .unwrap();
        assert_eq!(alice.len(), 3);
        assert_eq!(
            (alice[0].id.as_str(), alice[0].consumer.as_str()),
            ("1-0", "alice")
        );
        assert_eq!(alice[0].deliveries, 1);
        let some = c
            .xpending_range("jobs", "g", XPendingOptions::new("(1-0", "+", 2))
            .unwrap();
        assert_eq!(
            some.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["2-0", "3-0"]
        );
        let none = c
            .xpending_range(
                "jobs",
                "g",
                XPendingOptions::new("-", "+", 10).idle(Duration::from_secs(3600)),
            )
            .unwrap();
        assert!(none.is_empty());

        // alice acknowledges one; 2-0 is then deleted from the stream while pending.
        assert_eq!(c.xack("jobs", "g", ["1-0", "1-0", "9-9"]).unwrap(), 1);
        assert_eq!(c.xdel("jobs", "2-0").unwrap(), 1);
        // Her history: the deleted entry comes back with no fields.
        let history: Vec<StreamBatch<i64>> = c
            .xreadgroup("g", "alice", "jobs", "0", XReadOptions::new())
            .unwrap();
        let h = &history[0].entries;
        assert_eq!(ids(h), ["2-0", "3-0"]);
        assert!(h[0].fields.is_empty());
        assert_eq!(h[1].get("n"), Some(&3));

        thread::sleep(Duration::from_millis(20));
        // bob claims alice's entries idle for 10 ms or more; the deleted one is left out.
        let claimed: Vec<StreamEntry<i64>> = c
            .xclaim(
                "jobs",
                "g",
                "bob",
                Duration::from_millis(10),
                ["2-0", "3-0"],
                XClaimOptions::new(),
            )
            .unwrap();
        assert_eq!(ids(&claimed), ["3-0"]);
        // Not idle long enough: nothing.
        let claimed: Vec<String> = c
            .xclaim_justid(
                "jobs",
                "g",
                "carol",
                Duration::from_secs(3600),
                "3-0",
                XClaimOptions::new(),
            )
            .unwrap();
        assert!(claimed.is_empty());
        // IDLE, RETRYCOUNT and FORCE (4-0 is bob's; 1-0 was acknowledged but is in the stream).
        let claimed = c
            .xclaim_justid(
                "jobs",
                "g",
                "carol",
                Duration::ZERO,
                ["4-0", "1-0"],
                XClaimOptions::new()
                    .idle(Duration::from_secs(7200))
                    .retry_count(7)
                    .force(),
            )
            .unwrap();
        assert_eq!(claimed, ["4-0", "1-0"]);
        let carol = c
            .xpending_range(
                "jobs",
                "g",
                XPendingOptions::new("-", "+", 10).consumer("carol"),
            )
            .unwrap();
        assert_eq!(carol.len(), 2);
        assert!(
            carol.iter().all(|p| p.idle >= Duration::from_secs(7199)),
            "{carol:?}"
        );
        assert_eq!(carol.iter().find(|p| p.id == "4-0").unwrap().deliveries, 7);
        let idle = c
            .xpending_range(
                "jobs",
                "g",
                XPendingOptions::new("-", "+", 10).idle(Duration::from_secs(3600)),
            )
            .unwrap();
        assert_eq!(idle.len(), 2);

        // dave recovers everything idle for an hour, one entry per call.
        let mut cursor = "0-0".to_string();
        let mut recovered = Vec::new();
        for _ in 0..10 {
            let AutoClaim {
                next,
                claimed,
                deleted,
                ..
            } = c
                .xautoclaim::<i64>(
                    "jobs",
                    "g",
                    "dave",
                    Duration::from_secs(3600),
                    &cursor,
                    Some(1),
                )
                .unwrap();
            assert!(deleted.is_empty(), "{deleted:?}");
            recovered.extend(claimed.into_iter().map(|e| e.id));
            cursor = next;
            if cursor == "0-0" {
                break;
            }
        }
        recovered.sort();
        assert_eq!(recovered, ["1-0", "4-0"]);
        // The JUSTID form, and the deleted entry still pending for alice... on 7.0+ XCLAIM
        // dropped it from the pending list already, so put a fresh one there.
        c.xadd_options("jobs", [("n", 5)], XAddOptions::new().id("5-0"))
            .unwrap();
        c.xreadgroup::<i64>("g", "erin", "jobs", ">", XReadOptions::new())
            .unwrap();
        c.xdel("jobs", "5-0").unwrap();
        let justid = c
            .xautoclaim_justid("jobs", "g", "frank", Duration::ZERO, "0-0", None)
            .unwrap();
        let full = c
            .xautoclaim::<i64>("jobs", "g", "frank", Duration::ZERO, "0-0", None)
            .unwrap();
        assert_eq!(full.next, "0-0");
        if seven {
            assert!(justid.deleted.contains(&"5-0".to_string()), "{justid:?}");
            assert!(!full.claimed.iter().any(|e| e.id == "5-0"));
        } else {
            // 6.2: no deleted list; the nil in its place is left out, and it stays pending.
            assert!(justid.deleted.is_empty());
            assert!(justid.claimed.contains(&"5-0".to_string()));
            assert!(!full.claimed.iter().any(|e| e.id == "5-0"));
            assert!(full.claimed.iter().all(|e| !e.fields.is_empty()));
        }

        // Reports.
        let groups = c.xinfo_groups("jobs").unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].name, "g");
        assert_eq!(groups[0].last_delivered_id, "5-0");
        assert_eq!(groups[0].pending, c.xpending("jobs", "g").unwrap().count);
        if seven {
            assert!(groups[0].entries_read.is_some());
        } else {
            assert_eq!((groups[0].entries_read, groups[0].lag), (None, None));
        }
        let consumers = c.xinfo_consumers("jobs", "g").unwrap();
        let names: Vec<&str> = consumers.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob", "carol", "dave", "erin", "frank"]);
        let frank = consumers.iter().find(|x| x.name == "frank").unwrap();
        assert!(
            frank.pending >= 2 && frank.idle < Duration::from_secs(60),
            "{frank:?}"
        );
        if server.is_valkey() {
            assert!(frank.inactive.is_some());
        } else {
            assert_eq!(frank.inactive, None);
        }
        let e = c.xinfo_consumers("jobs", "nog").unwrap_err();
        assert_eq!(e.server_error().unwrap().code(), "NOGROUP");

        // Setting the group back, removing consumers and the group.
        c.xgroup_setid("jobs", "g", "0", None).unwrap();
        assert_eq!(c.xinfo_groups("jobs").unwrap()[0].last_delivered_id, "0-0");
        if seven {
            c.xgroup_setid("jobs", "g", "$", Some(3)).unwrap();
            assert_eq!(c.xinfo_groups("jobs").unwrap()[0].entries_read, Some(3));
        } else {
            assert_syntax_error(&c.xgroup_setid("jobs", "g", "$", Some(3)).unwrap_err());
        }
        let held = c.xpending("jobs", "g").unwrap().consumers;
        let frank_held = held.iter().find(|(n, _)| n == "frank").map_or(0, |x| x.1);
        assert_eq!(
            c.xgroup_delconsumer("jobs", "g", "frank").unwrap(),
            frank_held
        );
        assert_eq!(c.xgroup_delconsumer("jobs", "g", "nobody").unwrap(), 0);
        assert!(c.xgroup_destroy("jobs", "g").unwrap());
        assert!(!c.xgroup_destroy("jobs", "g").unwrap());
        assert!(c.xinfo_groups("jobs").unwrap().is_empty());
        let e = c
            .xreadgroup::<String>("g", "a", "jobs", ">", XReadOptions::new())
            .unwrap_err();
        assert_eq!(e.server_error().unwrap().code(), "NOGROUP");
    }
}

#[test]
fn noack_reads_leave_nothing_pending_and_entries_read_is_taken() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del("na").unwrap();
        c.xadd_options("na", [("a", 1)], XAddOptions::new().id("1-0"))
            .unwrap();
        c.xadd_options("na", [("a", 2)], XAddOptions::new().id("2-0"))
            .unwrap();
        let opts = XGroupCreateOptions::new().entries_read(1);
        if server.version() >= (7, 0, 0) {
            c.xgroup_create("na", "g", "1-0", opts).unwrap();
            let g = &c.xinfo_groups("na").unwrap()[0];
            assert_eq!((g.entries_read, g.lag), (Some(1), Some(1)));
        } else {
            assert_syntax_error(&c.xgroup_create("na", "g", "1-0", opts).unwrap_err());
            c.xgroup_create("na", "g", "1-0", XGroupCreateOptions::new())
                .unwrap();
        }
        let got: Vec<StreamBatch<i64>> = c
            .xreadgroup("g", "c", "na", ">", XReadOptions::new().noack())
            .unwrap();
        assert_eq!(ids(&got[0].entries), ["2-0"]);
        assert_eq!(c.xpending("na", "g").unwrap().count, 0);
        let s = c.xpending("na", "g").unwrap();
        assert_eq!((s.lowest, s.highest, s.consumers.len()), (None, None, 0));
    }
}
