use super::*;
use crate::ErrorKind;

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

fn flat(pairs: Vec<(Value, Value)>) -> Value {
    Value::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
}

#[test]
fn cluster_nodes_lines_parse_every_field() {
    let n =
        ClusterNode::parse("4392a3 :27110@37110 myself,master - 0 0 0 connected 0-16383").unwrap();
    assert_eq!((n.ip.as_str(), n.address.as_str()), ("", ":27110"));
    assert_eq!((n.port, n.cluster_port), (27110, 37110));
    assert!(n.is_myself() && n.is_master() && !n.is_replica() && !n.is_failing());
    assert_eq!(
        (n.master.clone(), n.slots.clone()),
        (None, vec![(0, 16383)])
    );
    assert!(n.connected);
    let v6 = ClusterNode::parse(
        "ab ::1:7000@17000,host-a,shard-id=xyz slave,fail? cd 10 20 3 disconnected [7-<-ef]",
    )
    .unwrap();
    assert_eq!((v6.ip.as_str(), v6.port), ("::1", 7000));
    assert_eq!(v6.hostname.as_deref(), Some("host-a"));
    assert!(v6.is_failing() && !v6.connected);
    assert_eq!(v6.importing, [(7, "ef".to_string())]);
    assert_eq!(
        (v6.ping_sent, v6.pong_received, v6.config_epoch),
        (10, 20, 3)
    );
    // No hostname, but an aux field.
    let aux = ClusterNode::parse("ab 1.2.3.4:1@2,,shard-id=x master - 0 0 1 connected").unwrap();
    assert_eq!(aux.hostname, None);
    for bad in [
        "",
        "id",
        "id addr flags - 0 0 0 connected",
        "id 1.2.3.4:x@1 master - 0 0 0 connected",
        "id 1.2.3.4:1@1 master - a 0 0 connected",
        "id 1.2.3.4:1@1 master - 0 0 0 connected 5-x",
        "id 1.2.3.4:1@1 master - 0 0 0 connected 70000",
    ] {
        let e = ClusterNode::parse(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{bad:?}");
    }
    let verbatim = Value::Verbatim {
        format: *b"txt",
        text: b"ab 1.2.3.4:1@2 master - 0 0 1 connected\n".to_vec(),
    };
    assert_eq!(ClusterNode::from_value(verbatim).unwrap().port, 1);
}

#[test]
fn cluster_slots_read_both_shapes_with_and_without_metadata() {
    let resp3 = Value::Array(vec![
        Value::Int(0),
        Value::Int(16383),
        Value::Array(vec![
            bulk("127.0.0.1"),
            Value::Int(7000),
            bulk("a"),
            Value::Map(vec![]),
        ]),
        Value::Array(vec![
            bulk("127.0.0.1"),
            Value::Int(7001),
            bulk("b"),
            Value::Map(vec![(bulk("hostname"), bulk("node-b"))]),
        ]),
    ]);
    let resp2 = Value::Array(vec![
        Value::Int(0),
        Value::Int(16383),
        Value::Array(vec![
            bulk("127.0.0.1"),
            Value::Int(7000),
            bulk("a"),
            Value::Array(vec![]),
        ]),
        Value::Array(vec![
            bulk("127.0.0.1"),
            Value::Int(7001),
            bulk("b"),
            Value::Array(vec![bulk("hostname"), bulk("node-b")]),
        ]),
    ]);
    let a = SlotRange::from_value(resp3).unwrap();
    assert_eq!(a, SlotRange::from_value(resp2).unwrap());
    assert_eq!((a.start, a.end, a.master.port), (0, 16383, 7000));
    assert_eq!(a.replicas[0].hostname(), Some("node-b"));
    // Redis 6.2: no metadata.
    let old = Value::Array(vec![
        Value::Int(0),
        Value::Int(5),
        Value::Array(vec![bulk(""), Value::Int(7000), bulk("a")]),
    ]);
    let old = SlotRange::from_value(old).unwrap();
    assert!(old.master.metadata.is_empty() && old.replicas.is_empty());
    let e = SlotRange::from_value(Value::Array(vec![Value::Int(0)])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
}

#[test]
fn shards_and_links_read_both_shapes() {
    let node = || {
        vec![
            (bulk("id"), bulk("a")),
            (bulk("port"), Value::Int(7000)),
            (bulk("ip"), bulk("127.0.0.1")),
            (bulk("endpoint"), bulk("127.0.0.1")),
            (bulk("hostname"), bulk("node-a")),
            (bulk("role"), bulk("master")),
            (bulk("replication-offset"), Value::Int(14)),
            (bulk("health"), bulk("online")),
        ]
    };
    let shard = |node: Value, nodes: fn(Vec<Value>) -> Value| {
        vec![
            (
                bulk("slots"),
                Value::Array(vec![
                    Value::Int(0),
                    Value::Int(5),
                    Value::Int(9),
                    Value::Int(9),
                ]),
            ),
            (bulk("nodes"), nodes(vec![node])),
            (bulk("id"), bulk("s1")),
        ]
    };
    let resp3 = Value::Map(shard(Value::Map(node()), Value::Array));
    let resp2 = flat(shard(flat(node()), Value::Array));
    let a = Shard::from_value(resp3).unwrap();
    assert_eq!(a, Shard::from_value(resp2).unwrap());
    assert_eq!(a.slots, [(0, 5), (9, 9)]);
    assert_eq!(a.id.as_deref(), Some("s1"));
    let n = &a.nodes[0];
    assert!(n.is_master());
    assert_eq!(
        (n.port, n.tls_port, n.health.clone()),
        (Some(7000), None, NodeHealth::Online)
    );
    let odd = Value::Map(vec![
        (bulk("slots"), Value::Array(vec![Value::Int(0)])),
        (bulk("nodes"), Value::Array(vec![])),
    ]);
    assert_eq!(
        Shard::from_value(odd).unwrap_err().kind(),
        ErrorKind::Conversion
    );

    let link = vec![
        (bulk("direction"), bulk("from")),
        (bulk("node"), bulk("b")),
        (bulk("create-time"), Value::Int(1_700_000_000_123)),
        (bulk("events"), bulk("r")),
        (bulk("send-buffer-allocated"), Value::Int(48)),
        (bulk("send-buffer-used"), Value::Int(0)),
    ];
    let a = ClusterLink::from_value(Value::Map(link.clone())).unwrap();
    assert_eq!(a, ClusterLink::from_value(flat(link)).unwrap());
    assert_eq!(a.direction, LinkDirection::From);
    assert_eq!(
        a.create_time,
        UNIX_EPOCH + Duration::from_millis(1_700_000_000_123)
    );
}

#[test]
fn slot_stats_read_both_shapes_and_queries_write_their_words() {
    let stats = vec![
        (bulk("key-count"), Value::Int(1)),
        (bulk("cpu-usec"), Value::Int(7)),
    ];
    let a = SlotStats::from_value(Value::Array(vec![
        Value::Int(12182),
        Value::Map(stats.clone()),
    ]))
    .unwrap();
    let b = SlotStats::from_value(Value::Array(vec![Value::Int(12182), flat(stats)])).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        (a.slot, a.key_count, a.cpu_usec, a.network_bytes_in),
        (12182, 1, Some(7), None)
    );
    let encode = |q: SlotStatsQuery| {
        let mut out = Vec::new();
        let mut w = ArgWriter::new(&mut out);
        q.write_args(&mut w);
        String::from_utf8(out).unwrap().replace("\r\n", " ")
    };
    assert_eq!(
        encode(SlotStatsQuery::range(1, 2)),
        "$10 SLOTSRANGE $1 1 $1 2 "
    );
    assert_eq!(
        encode(
            SlotStatsQuery::order_by(SlotMetric::CpuUsec)
                .limit(3)
                .ascending()
        ),
        "$7 ORDERBY $8 cpu-usec $5 LIMIT $1 3 $3 ASC "
    );
    assert_eq!(
        encode(SlotStatsQuery::range(1, 2).limit(5).ascending()),
        "$10 SLOTSRANGE $1 1 $1 2 "
    );
}

#[test]
fn cluster_info_parses_its_lines() {
    let info = ClusterInfo::from_value(bulk(
        "cluster_state:fail\r\ncluster_known_nodes:2\r\ncluster_size:1\r\n",
    ))
    .unwrap();
    assert!(!info.is_ok());
    assert_eq!(
        (info.known_nodes(), info.size(), info.slots_ok()),
        (Some(2), Some(1), None)
    );
}
