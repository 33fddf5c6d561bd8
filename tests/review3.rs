//! A third hostile review's cases, against a real cluster.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use redisync::cluster::{ClusterClient, slot};
use redisync::prelude::*;
use redisync::{Client, cmd};
use support::{Cluster, unique};

/// EXEC ran (the INCR with it): an error reply among its results that reads like a redirect
/// or a refusal (here a script's own error text) is the transaction's answer, never a reason
/// to run it again. It was taken for an ASK (waited out as TRYAGAIN), a MOVED (followed) or
/// a TRYAGAIN (retried), and the INCR ran again each time.
#[test]
fn a_watch_transaction_whose_exec_ran_is_not_run_again() {
    let cluster = Cluster::builder().replicas(0).start();
    let c = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(Client::builder().retry(redisync::Retry::new(
            redisync::ConstantBackoff::new(Duration::from_millis(5)),
            10,
        )))
        .build()
        .unwrap();
    let key = format!("{{{}}}:n", unique("txran"));
    let owner = cluster.primary_of_slot(slot(key.as_bytes()));
    let mut expected = 0;
    for text in [
        format!("ASK 1 127.0.0.1:{owner}"),
        format!("MOVED 1 127.0.0.1:{owner}"),
        "TRYAGAIN not really".to_string(),
    ] {
        let mut rounds = 0;
        let r = c.transaction::<(i64, i64), _>((key.as_str(),), |_conn, pipe| {
            rounds += 1;
            pipe.incr(key.as_str()).add(
                &cmd("EVAL")
                    .arg("return redis.error_reply(ARGV[1])")
                    .arg(0)
                    .arg(text.as_str()),
            );
            Ok(())
        });
        expected += 1;
        assert!(r.is_err(), "{text}: {r:?}");
        assert_eq!(rounds, 1, "{text}: {r:?}");
        let n: i64 = c.get::<i64>(key.as_str()).unwrap().unwrap();
        assert_eq!(n, expected, "{text}: EXEC ran again");
    }
}
