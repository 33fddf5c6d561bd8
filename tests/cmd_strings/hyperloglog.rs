//! The hyperloglog group: PFADD, PFCOUNT and PFMERGE.

use super::*;

#[test]
fn hyperloglogs_count_distinct_elements() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del(["h1", "h2", "h3", "hm"]).unwrap();
        assert!(c.pfadd("h1", ["a", "b", "c"]).unwrap());
        assert!(!c.pfadd("h1", ["a", "b"]).unwrap(), "nothing new");
        assert!(c.pfadd("h2", ("c", "d", BINARY)).unwrap());
        // No elements: creates the key once.
        assert!(c.pfadd("h3", ()).unwrap());
        assert!(!c.pfadd("h3", ()).unwrap());
        assert_eq!(c.pfcount("h1").unwrap(), 3);
        assert_eq!(c.pfcount(["h1", "h2"]).unwrap(), 5);
        assert_eq!(c.pfcount("missing").unwrap(), 0);
        assert_eq!(c.pfcount("h3").unwrap(), 0);

        c.pfmerge("hm", ["h1", "h2", "missing"]).unwrap();
        assert_eq!(c.pfcount("hm").unwrap(), 5);
        c.pfmerge("hm", ()).unwrap();
        assert_eq!(c.pfcount("hm").unwrap(), 5);

        // Many elements: an estimate within the documented error.
        let many: Vec<String> = (0..10_000).map(|i| format!("e{i}")).collect();
        assert!(c.pfadd("big", &many).unwrap());
        let n = c.pfcount("big").unwrap();
        assert!((9_700..=10_300).contains(&n), "{n}");

        // A string that is not a HyperLogLog, and a key of another type.
        c.set("s", "not an hll").unwrap();
        cmd("RPUSH").arg("l").arg("x").exec(&mut c).unwrap();
        for e in [
            c.pfadd("s", "x").unwrap_err(),
            c.pfcount("s").unwrap_err(),
            c.pfmerge("hm", "s").unwrap_err(),
            c.pfadd("l", "x").unwrap_err(),
            c.pfcount(["h1", "l"]).unwrap_err(),
        ] {
            assert_wrongtype(&e);
        }
        let (added, count) = redisync::pipe()
            .pfadd("h1", "z")
            .pfcount("h1")
            .query(&mut c)
            .unwrap();
        assert_eq!((added, count), (true, 4));
        c.del(["h1", "h2", "h3", "hm", "big", "s", "l"]).unwrap();
    }
}
