//! What the `generic` methods send, checked on a recorder.

use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::commands::groups::check::{self, Call};
use crate::commands::{ScanOptions, scan};
use crate::resp::Value;
use crate::{ErrorKind, ExpireCondition};

const SEC: Duration = Duration::from_secs(1);

#[test]
fn every_method_sends_its_command() {
    let calls: &[Call] = &[
        ("copy", |r| {
            let _ = r.copy("a", "b", CopyOptions::new());
        }),
        ("del", |r| {
            let _ = r.del("k");
        }),
        ("dump", |r| {
            let _ = r.dump("k");
        }),
        ("exists", |r| {
            let _ = r.exists("k");
        }),
        ("expire", |r| {
            let _ = r.expire("k", SEC);
        }),
        ("expire_if", |r| {
            let _ = r.expire_if("k", SEC, ExpireCondition::Nx);
        }),
        ("expireat", |r| {
            let _ = r.expireat("k", UNIX_EPOCH + SEC);
        }),
        ("expireat_if", |r| {
            let _ = r.expireat_if("k", UNIX_EPOCH + SEC, ExpireCondition::Xx);
        }),
        ("expiretime", |r| {
            let _ = r.expiretime("k");
        }),
        ("keys", |r| {
            let _ = r.keys::<String>("*");
        }),
        ("migrate", |r| {
            let _ = r.migrate("h", 1, "k", 0, SEC, MigrateOptions::new());
        }),
        ("move_key", |r| {
            let _ = r.move_key("k", 1);
        }),
        ("object_encoding", |r| {
            let _ = r.object_encoding("k");
        }),
        ("object_freq", |r| {
            let _ = r.object_freq("k");
        }),
        ("object_idletime", |r| {
            let _ = r.object_idletime("k");
        }),
        ("object_refcount", |r| {
            let _ = r.object_refcount("k");
        }),
        ("persist", |r| {
            let _ = r.persist("k");
        }),
        ("pexpire", |r| {
            let _ = r.pexpire("k", SEC);
        }),
        ("pexpire_if", |r| {
            let _ = r.pexpire_if("k", SEC, ExpireCondition::Gt);
        }),
        ("pexpireat", |r| {
            let _ = r.pexpireat("k", UNIX_EPOCH + SEC);
        }),
        ("pexpireat_if", |r| {
            let _ = r.pexpireat_if("k", UNIX_EPOCH + SEC, ExpireCondition::Lt);
        }),
        ("pexpiretime", |r| {
            let _ = r.pexpiretime("k");
        }),
        ("pttl", |r| {
            let _ = r.pttl("k");
        }),
        ("randomkey", |r| {
            let _ = r.randomkey::<String>();
        }),
        ("rename", |r| {
            let _ = r.rename("a", "b");
        }),
        ("renamenx", |r| {
            let _ = r.renamenx("a", "b");
        }),
        ("restore", |r| {
            let _ = r.restore("k", b"payload", RestoreOptions::new());
        }),
        ("scan()", |r| {
            let _ = scan::<Value, _>(&mut *r, ScanOptions::new()).next();
        }),
        ("sort", |r| {
            let _ = r.sort::<String>("k", SortOptions::new());
        }),
        ("sort_store", |r| {
            let _ = r.sort_store("k", "d", SortOptions::new());
        }),
        ("sort_ro", |r| {
            let _ = r.sort_ro::<String>("k", SortOptions::new());
        }),
        ("touch", |r| {
            let _ = r.touch("k");
        }),
        ("ttl", |r| {
            let _ = r.ttl("k");
        }),
        ("key_type", |r| {
            let _ = r.key_type("k");
        }),
        ("unlink", |r| {
            let _ = r.unlink("k");
        }),
        ("wait", |r| {
            let _ = r.wait(0, Some(SEC));
        }),
        ("waitaof", |r| {
            let _ = r.waitaof(0, 0, None);
        }),
    ];
    check::methods(METHODS, calls);
}

#[test]
fn methods_with_options_send_their_arguments() {
    let sent = |call: fn(&mut check::Recorder)| check::sent(call).join(" ");
    assert_eq!(
        sent(|r| {
            let _ = r.copy("a", "b", CopyOptions::new().db(2).replace());
        }),
        "COPY a b DB 2 REPLACE"
    );
    assert_eq!(
        sent(|r| {
            let _ = r.expire_if("k", Duration::from_millis(1500), ExpireCondition::Nx);
        }),
        "EXPIRE k 2 NX"
    );
    assert_eq!(
        sent(|r| {
            let _ = r.pexpire_if(
                "k",
                Duration::from_micros(1),
                [ExpireCondition::Xx, ExpireCondition::Gt],
            );
        }),
        "PEXPIRE k 1 XX GT"
    );
    assert_eq!(
        sent(|r| {
            let _ = r.expireat("k", UNIX_EPOCH + Duration::from_millis(10_001));
        }),
        "EXPIREAT k 11"
    );
    assert_eq!(
        sent(|r| {
            let _ = r.pexpireat_if(
                "k",
                UNIX_EPOCH + Duration::from_millis(7),
                ExpireCondition::Lt,
            );
        }),
        "PEXPIREAT k 7 LT"
    );
    assert_eq!(
        sent(|r| {
            let _ = r.migrate("10.0.0.1", 6380, "k", 3, SEC, MigrateOptions::new().copy());
        }),
        "MIGRATE 10.0.0.1 6380 k 3 1000 COPY"
    );
    assert_eq!(
        sent(|r| {
            let options = MigrateOptions::new().replace().auth2("u", "pw");
            let _ = r.migrate("h", 1, ["a", "b"], 0, Duration::from_nanos(1), options);
        }),
        "MIGRATE h 1  0 1 REPLACE AUTH2 u pw KEYS a b"
    );
    assert_eq!(
        sent(|r| {
            let options = RestoreOptions::new().ttl(SEC).replace().idletime(SEC * 9);
            let _ = r.restore("k", b"\x00\r\n", options);
        }),
        "RESTORE k 1000 \0\r\n REPLACE IDLETIME 9"
    );
    assert_eq!(
        sent(|r| {
            let options = SortOptions::new().by("w_*").get("#").alpha().desc();
            let _ = r.sort_store("k", "dst", options);
        }),
        "SORT k BY w_* GET # DESC ALPHA STORE dst"
    );
    assert_eq!(
        sent(|r| {
            let _ = r.sort_ro::<String>("k", SortOptions::new().limit(0, 5));
        }),
        "SORT_RO k LIMIT 0 5"
    );
    assert_eq!(
        sent(|r| {
            let _ = r.wait(1, None);
        }),
        "WAIT 1 0"
    );
    assert_eq!(
        sent(|r| {
            let _ = r.waitaof(1, 2, Some(Duration::from_micros(1500)));
        }),
        "WAITAOF 1 2 2"
    );
}

#[test]
fn conflicts_and_bad_times_are_refused_before_sending() {
    use ExpireCondition::*;
    let mut r = check::Recorder::default();
    let refused = [
        r.expire_if("k", SEC, [Nx, Gt]).unwrap_err(),
        r.expire_if("k", Duration::ZERO, Gt).unwrap_err(),
        r.pexpire_if("k", SEC, [Gt, Lt]).unwrap_err(),
        r.expireat_if("k", UNIX_EPOCH, [Nx, Xx]).unwrap_err(),
        r.pexpireat("k", UNIX_EPOCH - SEC).unwrap_err(),
        r.pexpire("k", Duration::ZERO).unwrap_err(),
        r.restore("k", "p", RestoreOptions::new().freq(1).idletime(SEC))
            .unwrap_err(),
        r.migrate("h", 1, (), 0, SEC, MigrateOptions::new())
            .unwrap_err(),
        r.migrate("h", 1, "k", 0, Duration::ZERO, MigrateOptions::new())
            .unwrap_err(),
        r.wait(0, Some(Duration::ZERO)).unwrap_err(),
        r.waitaof(0, 0, Some(Duration::ZERO)).unwrap_err(),
    ];
    for e in refused {
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    }
    assert!(r.sent.is_empty(), "{} sent", r.sent.len());
}
