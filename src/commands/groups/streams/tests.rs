use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::commands::groups::check::{self, Call, Recorder};
use crate::error::ErrorKind;
use crate::resp::Value;

const MS: Duration = Duration::from_millis(1);

#[test]
fn every_method_sends_its_command() {
    let calls: &[Call] = &[
        ("xack", |r| {
            let _ = r.xack("s", "g", ["1-1", "2-1"]);
        }),
        ("xadd", |r| {
            let _ = r.xadd("s", [("f", "v")]);
        }),
        ("xadd_options", |r| {
            let _ = r.xadd_options("s", [("f", "v")], XAddOptions::new());
        }),
        ("xadd_nomkstream", |r| {
            let _ = r.xadd_nomkstream("s", [("f", "v")], XAddOptions::new());
        }),
        ("xautoclaim", |r| {
            let _ = r.xautoclaim::<Value>("s", "g", "c", MS, "0-0", None);
        }),
        ("xautoclaim_justid", |r| {
            let _ = r.xautoclaim_justid("s", "g", "c", MS, "0-0", None);
        }),
        ("xclaim", |r| {
            let _ = r.xclaim::<Value>("s", "g", "c", MS, "1-1", XClaimOptions::new());
        }),
        ("xclaim_justid", |r| {
            let _ = r.xclaim_justid("s", "g", "c", MS, "1-1", XClaimOptions::new());
        }),
        ("xdel", |r| {
            let _ = r.xdel("s", "1-1");
        }),
        ("xgroup_create", |r| {
            let _ = r.xgroup_create("s", "g", "$", XGroupCreateOptions::new());
        }),
        ("xgroup_createconsumer", |r| {
            let _ = r.xgroup_createconsumer("s", "g", "c");
        }),
        ("xgroup_delconsumer", |r| {
            let _ = r.xgroup_delconsumer("s", "g", "c");
        }),
        ("xgroup_destroy", |r| {
            let _ = r.xgroup_destroy("s", "g");
        }),
        ("xgroup_setid", |r| {
            let _ = r.xgroup_setid("s", "g", "0", None);
        }),
        ("xinfo_stream", |r| {
            let _ = r.xinfo_stream::<Value>("s");
        }),
        ("xinfo_stream_full", |r| {
            let _ = r.xinfo_stream_full::<Value>("s", None);
        }),
        ("xinfo_groups", |r| {
            let _ = r.xinfo_groups("s");
        }),
        ("xinfo_consumers", |r| {
            let _ = r.xinfo_consumers("s", "g");
        }),
        ("xlen", |r| {
            let _ = r.xlen("s");
        }),
        ("xpending", |r| {
            let _ = r.xpending("s", "g");
        }),
        ("xpending_range", |r| {
            let _ = r.xpending_range("s", "g", XPendingOptions::new("-", "+", 10));
        }),
        ("xrange", |r| {
            let _ = r.xrange::<Value>("s", "-", "+", None);
        }),
        ("xrevrange", |r| {
            let _ = r.xrevrange::<Value>("s", "+", "-", None);
        }),
        ("xread", |r| {
            let _ = r.xread::<Value>("s", "0", XReadOptions::new());
        }),
        ("xreadgroup", |r| {
            let _ = r.xreadgroup::<Value>("g", "c", "s", ">", XReadOptions::new());
        }),
        ("xsetid", |r| {
            let _ = r.xsetid("s", "5-1", XSetIdOptions::new());
        }),
        ("xtrim", |r| {
            let _ = r.xtrim("s", StreamTrim::maxlen(5));
        }),
    ];
    check::methods(METHODS, calls);
}

#[test]
fn options_write_their_words_in_the_servers_order() {
    let opts = XAddOptions::new()
        .id("5-*")
        .trim(StreamTrim::maxlen(100).approx().limit(10));
    assert_eq!(
        check::sent(|r| {
            let _ = r.xadd_nomkstream(
                "s",
                [("f", "v")],
                XAddOptions::new()
                    .id("5-*")
                    .trim(StreamTrim::maxlen(100).approx().limit(10)),
            );
        }),
        [
            "XADD",
            "s",
            "NOMKSTREAM",
            "MAXLEN",
            "~",
            "100",
            "LIMIT",
            "10",
            "5-*",
            "f",
            "v"
        ]
    );
    assert_eq!(opts.arg_count(), 6);
    assert_eq!(
        check::sent(|r| {
            let _ = r.xadd("s", (("a", 1), ("b", 2.5)));
        }),
        ["XADD", "s", "*", "a", "1", "b", "2.5"]
    );
    assert_eq!(
        check::sent(|r| {
            let _ = r.xtrim("s", StreamTrim::minid("7-0").exact());
        }),
        ["XTRIM", "s", "MINID", "=", "7-0"]
    );
    assert_eq!(
        check::sent(|r| {
            let opts = XReadOptions::new()
                .count(2)
                .block(Some(Duration::from_micros(1500)))
                .noack();
            let _ = r.xreadgroup::<Value>("g", "c", ["a", "b"], [">", ">"], opts);
        }),
        [
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "COUNT",
            "2",
            "BLOCK",
            "2",
            "NOACK",
            "STREAMS",
            "a",
            "b",
            ">",
            ">"
        ]
    );
    assert_eq!(
        check::sent(|r| {
            let _ = r.xread::<Value>("a", "$", XReadOptions::new().block(None));
        }),
        ["XREAD", "BLOCK", "0", "STREAMS", "a", "$"]
    );
    assert_eq!(
        check::sent(|r| {
            let opts = XClaimOptions::new()
                .idle(Duration::from_secs(1))
                .time(UNIX_EPOCH + Duration::from_millis(42))
                .retry_count(3)
                .force()
                .last_id("9-9");
            let _ = r.xclaim_justid("s", "g", "c", Duration::from_nanos(1), ["1-1", "2-1"], opts);
        }),
        [
            "XCLAIM",
            "s",
            "g",
            "c",
            "1",
            "1-1",
            "2-1",
            "TIME",
            "42",
            "RETRYCOUNT",
            "3",
            "FORCE",
            "LASTID",
            "9-9",
            "JUSTID"
        ]
    );
    assert_eq!(
        check::sent(|r| {
            let _ = r.xautoclaim_justid("s", "g", "c", Duration::ZERO, "0-0", Some(5));
        }),
        [
            "XAUTOCLAIM",
            "s",
            "g",
            "c",
            "0",
            "0-0",
            "COUNT",
            "5",
            "JUSTID"
        ]
    );
    assert_eq!(
        check::sent(|r| {
            let opts = XPendingOptions::new("(1-1", "+", 3)
                .idle(Duration::from_secs(2))
                .consumer("bob");
            let _ = r.xpending_range("s", "g", opts);
        }),
        [
            "XPENDING", "s", "g", "IDLE", "2000", "(1-1", "+", "3", "bob"
        ]
    );
    assert_eq!(
        check::sent(|r| {
            let opts = XGroupCreateOptions::new().mkstream().entries_read(4);
            let _ = r.xgroup_create("s", "g", "0", opts);
        }),
        [
            "XGROUP",
            "CREATE",
            "s",
            "g",
            "0",
            "MKSTREAM",
            "ENTRIESREAD",
            "4"
        ]
    );
    assert_eq!(
        check::sent(|r| {
            let _ = r.xgroup_setid("s", "g", "$", Some(0));
        }),
        ["XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "0"]
    );
    assert_eq!(
        check::sent(|r| {
            let opts = XSetIdOptions::new().entries_added(9).max_deleted_id("3-0");
            let _ = r.xsetid("s", "9-0", opts);
        }),
        [
            "XSETID",
            "s",
            "9-0",
            "ENTRIESADDED",
            "9",
            "MAXDELETEDID",
            "3-0"
        ]
    );
    assert_eq!(
        check::sent(|r| {
            let _ = r.xinfo_stream_full::<Value>("s", Some(0));
        }),
        ["XINFO", "STREAM", "s", "FULL", "COUNT", "0"]
    );
    assert_eq!(
        check::sent(|r| {
            let _ = r.xrevrange::<Value>("s", "+", "-", Some(1));
        }),
        ["XREVRANGE", "s", "+", "-", "COUNT", "1"]
    );
}

#[test]
fn conflicting_options_are_refused_before_sending() {
    let refused = |call: fn(&mut Recorder) -> Result<()>| {
        let mut r = Recorder::default();
        let e = call(&mut r).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(r.sent.is_empty());
        e.to_string()
    };
    let e = refused(|r| r.xtrim("s", StreamTrim::maxlen(1).limit(5)).map(drop));
    assert!(e.contains("LIMIT"), "{e}");
    refused(|r| {
        r.xtrim("s", StreamTrim::maxlen(1).exact().limit(5))
            .map(drop)
    });
    refused(|r| {
        let opts = XAddOptions::new().trim(StreamTrim::minid("1").limit(1));
        r.xadd_options("s", [("f", "v")], opts).map(drop)
    });
    let e = refused(|r| r.xadd("s", ["f"]).map(drop));
    assert!(e.contains("pairs"), "{e}");
    refused(|r| r.xadd("s", ()).map(drop));
    refused(|r| {
        let opts = XReadOptions::new().block(Some(Duration::ZERO));
        r.xread::<Value>("s", "0", opts).map(drop)
    });
    let e = refused(|r| {
        let opts = XReadOptions::new().noack();
        r.xread::<Value>("s", "0", opts).map(drop)
    });
    assert!(e.contains("NOACK"), "{e}");
    let e = refused(|r| {
        r.xread::<Value>(["a", "b"], "0", XReadOptions::new())
            .map(drop)
    });
    assert!(e.contains("2 keys and 1 IDs"), "{e}");
    refused(|r| r.xread::<Value>((), (), XReadOptions::new()).map(drop));
    refused(|r| {
        let opts = XReadOptions::new().block(Some(Duration::ZERO));
        r.xreadgroup::<Value>("g", "c", "s", ">", opts).map(drop)
    });
    refused(|r| {
        let opts = XClaimOptions::new().time(UNIX_EPOCH - Duration::from_secs(1));
        r.xclaim::<Value>("s", "g", "c", MS, "1-1", opts).map(drop)
    });
    // Accepted: LIMIT with `~`, NOACK on the group form.
    let mut r = Recorder::default();
    let _ = r.xtrim("s", StreamTrim::maxlen(1).approx().limit(0));
    let opts = XReadOptions::new().noack();
    let _ = r.xreadgroup::<Value>("g", "c", "s", ">", opts);
    assert_eq!(r.sent.len(), 2);
}
