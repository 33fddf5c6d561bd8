//! The transactions group: WATCH and UNWATCH, through a pooled connection and a transaction.

use super::*;

#[test]
fn watch_and_unwatch_through_a_pooled_connection_and_a_transaction() {
    let server = RedisServer::start();
    for protocol in [redisync::Protocol::Resp2, redisync::Protocol::Resp3] {
        let client = Client::builder()
            .host("127.0.0.1", server.port())
            .protocol(protocol)
            .build()
            .unwrap();
        let mut other = per_protocol(server.port()).remove(0);
        client.set("stock", 5).unwrap();
        let mut conn = client.get_connection().unwrap();
        // WATCH, a write from elsewhere, EXEC: aborted.
        conn.watch("stock").unwrap();
        other.set("stock", 4).unwrap();
        let e = redisync::pipe()
            .atomic()
            .incr("stock")
            .query(&mut conn)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Watch, "{e}");
        // WATCH then UNWATCH: the write from elsewhere no longer matters.
        conn.watch(["stock", "other"]).unwrap();
        other.set("stock", 3).unwrap();
        conn.unwatch().unwrap();
        let (n,): (i64,) = redisync::pipe()
            .atomic()
            .incr("stock")
            .query(&mut conn)
            .unwrap();
        assert_eq!(n, 4);
        // A connection that goes back to the pool while watching comes out clean.
        conn.watch("stock").unwrap();
        drop(conn);
        other.set("stock", 10).unwrap();
        let mut conn = client.get_connection().unwrap();
        let (n,): (i64,) = redisync::pipe()
            .atomic()
            .incr("stock")
            .query(&mut conn)
            .unwrap();
        assert_eq!(n, 11);
        drop(conn);
        // Client::transaction: WATCH, read, queue, EXEC, with the keys unwatched after.
        let mut rounds = 0;
        let ((), doubled): ((), i64) = client
            .transaction("stock", |conn, pipe| {
                rounds += 1;
                let now: i64 = conn.get("stock")?.unwrap_or(0);
                if rounds == 1 {
                    // A write between the read and EXEC: this round runs again.
                    other.set("stock", now + 1)?;
                }
                pipe.set("stock", 0)
                    .incr_by("stock", 2 * conn.get::<i64>("stock")?.unwrap_or(0));
                Ok(())
            })
            .unwrap();
        assert_eq!(rounds, 2);
        assert_eq!(doubled, 24);
        // And the free function on a connection of our own.
        let ((), ttl): ((), Ttl) = redisync::transaction(&mut other, ["stock"], |conn, pipe| {
            let now: i64 = conn.get("stock")?.unwrap_or(0);
            pipe.set("stock", now + 1).ttl("stock");
            Ok(())
        })
        .unwrap();
        assert_eq!(ttl, Ttl::Persistent);
        assert_eq!(client.get::<i64>("stock").unwrap(), Some(25));
    }
}
