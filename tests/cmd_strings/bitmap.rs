//! The bitmap group: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO.

use redisync::{BitField, BitOffset, BitOp, BitRange, BitType, Overflow};

use super::*;

#[test]
fn single_bits_are_set_read_and_counted() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del("bm").unwrap();
        assert!(!c.setbit("bm", 7, true).unwrap());
        assert!(c.setbit("bm", 7, true).unwrap(), "the old bit comes back");
        assert!(!c.setbit("bm", 8, true).unwrap());
        assert!(c.getbit("bm", 7).unwrap());
        assert!(!c.getbit("bm", 6).unwrap());
        assert!(!c.getbit("bm", 1_000_000).unwrap(), "past the end is clear");
        assert!(!c.getbit("missing", 0).unwrap());
        assert_eq!(c.get::<Vec<u8>>("bm").unwrap().unwrap(), [0x01, 0x80]);
        assert!(c.setbit("bm", 7, false).unwrap());
        c.setbit("bm", 7, true).unwrap();

        assert_eq!(c.bitcount("bm", None).unwrap(), 2);
        assert_eq!(c.bitcount("missing", None).unwrap(), 0);
        assert_eq!(c.bitcount("bm", Some(BitRange::Bytes(1, 1))).unwrap(), 1);
        assert_eq!(c.bitcount("bm", Some(BitRange::Bytes(0, -1))).unwrap(), 2);
        assert_eq!(c.bitcount("bm", Some(BitRange::Bytes(5, 9))).unwrap(), 0);
        let bits = c.bitcount("bm", Some(BitRange::Bits(0, 7)));
        if server.version() >= (7, 0, 0) {
            assert_eq!(bits.unwrap(), 1);
            assert_eq!(c.bitcount("bm", Some(BitRange::Bits(8, -1))).unwrap(), 1);
        } else {
            assert_syntax_error(&bits.unwrap_err());
        }
        let from = c.bitcount("bm", Some(BitRange::Start(1)));
        if is_valkey_at_least(&server, (8, 0, 0)) {
            assert_eq!(from.unwrap(), 1);
        } else {
            assert_eq!(from.unwrap_err().kind(), ErrorKind::Response);
        }

        assert_eq!(c.bitpos("bm", true, None).unwrap(), Some(7));
        assert_eq!(c.bitpos("bm", false, None).unwrap(), Some(0));
        assert_eq!(
            c.bitpos("bm", true, Some(BitRange::Start(1))).unwrap(),
            Some(8)
        );
        assert_eq!(
            c.bitpos("bm", true, Some(BitRange::Bytes(5, 9))).unwrap(),
            None
        );
        assert_eq!(c.bitpos("missing", true, None).unwrap(), None);
        assert_eq!(c.bitpos("missing", false, None).unwrap(), Some(0));
        // All ones: the first clear bit is past the end, unless the range has an end.
        c.set("ones", b"\xff".to_vec()).unwrap();
        assert_eq!(c.bitpos("ones", false, None).unwrap(), Some(8));
        assert_eq!(
            c.bitpos("ones", false, Some(BitRange::Bytes(0, -1)))
                .unwrap(),
            None
        );
        let bits = c.bitpos("bm", true, Some(BitRange::Bits(8, 15)));
        if server.version() >= (7, 0, 0) {
            assert_eq!(bits.unwrap(), Some(8));
        } else {
            assert_syntax_error(&bits.unwrap_err());
        }

        let e = c.setbit("bm", 1 << 32, true).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");
        c.set("s", "x").unwrap();
        cmd("RPUSH").arg("l").arg("x").exec(&mut c).unwrap();
        for e in [
            c.setbit("l", 0, true).unwrap_err(),
            c.getbit("l", 0).unwrap_err(),
            c.bitcount("l", None).unwrap_err(),
            c.bitpos("l", true, None).unwrap_err(),
        ] {
            assert_wrongtype(&e);
        }
        c.ping().unwrap();
        c.del(["bm", "ones", "s", "l"]).unwrap();
    }
}

#[test]
fn bitop_combines_strings() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.mset([("x", &[0b1100u8, 0xff][..]), ("y", &[0b1010u8][..])])
            .unwrap();
        let bytes = |c: &mut redisync::Connection| c.get::<Vec<u8>>("d").unwrap().unwrap();
        assert_eq!(c.bitop(BitOp::And, "d", ["x", "y"]).unwrap(), 2);
        assert_eq!(bytes(&mut c), [0b1000, 0]);
        assert_eq!(c.bitop(BitOp::Or, "d", ["x", "y"]).unwrap(), 2);
        assert_eq!(bytes(&mut c), [0b1110, 0xff]);
        assert_eq!(c.bitop(BitOp::Xor, "d", ("x", "y")).unwrap(), 2);
        assert_eq!(bytes(&mut c), [0b0110, 0xff]);
        assert_eq!(c.bitop(BitOp::Not, "d", "y").unwrap(), 1);
        assert_eq!(bytes(&mut c), [!0b1010u8]);
        // Every source missing: an empty result deletes the destination.
        assert_eq!(c.bitop(BitOp::Or, "d", ["nope1", "nope2"]).unwrap(), 0);
        assert_eq!(c.exists("d").unwrap(), 0);

        let before = server.command_seen("bitop");
        let e = c.bitop(BitOp::Not, "d", ["x", "y"]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = c.bitop(BitOp::And, "d", Vec::<&str>::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(server.command_seen("bitop"), before);

        cmd("RPUSH").arg("l").arg("x").exec(&mut c).unwrap();
        assert_wrongtype(&c.bitop(BitOp::And, "d", ["x", "l"]).unwrap_err());
        c.del(["x", "y", "l"]).unwrap();
    }
}

#[test]
fn bitfield_reads_writes_and_overflows() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del("bf").unwrap();
        let u8_ = BitType::Unsigned(8);
        let ops = BitField::new()
            .set(u8_, BitOffset::Field(0), 200)
            .set(u8_, BitOffset::Field(1), 255)
            .get(u8_, 0)
            .get(BitType::Signed(8), 0)
            .incrby(u8_, BitOffset::Field(0), 100);
        assert_eq!(
            c.bitfield("bf", ops).unwrap(),
            [Some(0), Some(0), Some(200), Some(-56), Some(44)]
        );
        assert_eq!(c.get::<Vec<u8>>("bf").unwrap().unwrap(), [44, 255]);
        // Overflow: WRAP is the default, SAT stops at the bounds, FAIL does nothing.
        let ops = BitField::new()
            .incrby(u8_, 8, 1)
            .overflow(Overflow::Sat)
            .incrby(u8_, 8, 300)
            .incrby(BitType::Signed(8), 8, -300)
            .overflow(Overflow::Fail)
            .incrby(u8_, 8, -200)
            .set(BitType::Unsigned(4), 8, 16)
            .overflow(Overflow::Wrap)
            .set(BitType::Unsigned(4), 8, 17);
        assert_eq!(
            c.bitfield("bf", ops).unwrap(),
            [Some(0), Some(255), Some(-128), None, None, Some(8)]
        );
        assert_eq!(c.get::<Vec<u8>>("bf").unwrap().unwrap(), [44, 0x10]);
        // The widest types, at any bit offset.
        let big = BitField::new()
            .set(BitType::Signed(64), 3, i64::MIN)
            .get(BitType::Signed(64), 3)
            .set(BitType::Unsigned(63), 100, i64::MAX)
            .get(BitType::Unsigned(63), 100);
        assert_eq!(
            c.bitfield("big", big).unwrap(),
            [Some(0), Some(i64::MIN), Some(0), Some(i64::MAX)]
        );
        assert_eq!(c.bitfield("bf", BitField::new()).unwrap(), []);
        assert_eq!(
            c.bitfield("missing", BitField::new().get(u8_, 0)).unwrap(),
            [Some(0)]
        );

        let ro = BitField::new()
            .get(u8_, BitOffset::Field(0))
            .get(u8_, 1_000);
        assert_eq!(c.bitfield_ro("bf", ro).unwrap(), [44, 0]);
        let ro = BitField::new().get(BitType::Signed(64), 3);
        assert_eq!(c.bitfield_ro("big", ro).unwrap(), [i64::MIN]);

        let before = (
            server.command_seen("bitfield"),
            server.command_seen("bitfield_ro"),
        );
        let e = c
            .bitfield("bf", BitField::new().get(BitType::Unsigned(64), 0))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = c
            .bitfield_ro("bf", BitField::new().incrby(u8_, 0, 1))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = c
            .bitfield_ro("bf", BitField::new().overflow(Overflow::Sat).get(u8_, 0))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            (
                server.command_seen("bitfield"),
                server.command_seen("bitfield_ro")
            ),
            before
        );

        cmd("RPUSH").arg("l").arg("x").exec(&mut c).unwrap();
        assert_wrongtype(&c.bitfield("l", BitField::new().get(u8_, 0)).unwrap_err());
        assert_wrongtype(&c.bitfield_ro("l", BitField::new().get(u8_, 0)).unwrap_err());
        c.del(["bf", "big", "l"]).unwrap();
    }
}
