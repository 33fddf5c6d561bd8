//! Unit tests of the conversions: RESP2 and RESP3 shapes, errors, edge values.

use super::*;
use crate::error::{ErrorKind, ServerError};

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

#[test]
fn resp2_and_resp3_shapes_convert_alike() {
    let resp2 = Value::Array(vec![bulk("f"), bulk("1.5")]);
    let resp3 = Value::Map(vec![(bulk("f"), Value::Double(1.5))]);
    let a: HashMap<String, f64> = FromValue::from_value(resp2).unwrap();
    let b: HashMap<String, f64> = FromValue::from_value(resp3).unwrap();
    assert_eq!(a, b);
    assert!(bool::from_value(Value::Int(1)).unwrap());
    assert!(bool::from_value(Value::Boolean(true)).unwrap());
    assert_eq!(i64::from_value(Value::Boolean(true)).unwrap(), 1);
    let set: BTreeSet<String> =
        FromValue::from_value(Value::Set(vec![bulk("b"), bulk("a")])).unwrap();
    assert_eq!(set.into_iter().collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn bytes_take_the_bulk_without_reinterpreting() {
    let v: Vec<u8> = FromValue::from_value(Value::BulkString(vec![0, 255])).unwrap();
    assert_eq!(v, [0, 255]);
    let nested: Vec<Vec<u8>> =
        FromValue::from_value(Value::Array(vec![bulk("x"), bulk("yz")])).unwrap();
    assert_eq!(nested, [b"x".to_vec(), b"yz".to_vec()]);
}

#[test]
fn mismatches_name_both_types() {
    let e = i64::from_value(bulk("abc")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    assert_eq!(e.to_string(), "cannot convert bulk string (3 bytes) to i64");
    let e = u8::from_value(Value::Int(300)).unwrap_err();
    assert!(e.to_string().contains("u8"), "{e}");
    let e = String::from_value(Value::BulkString(vec![0xff])).unwrap_err();
    assert!(e.to_string().contains("not UTF-8"), "{e}");
    let e = <(i64, i64)>::from_value(Value::Array(vec![Value::Int(1)])).unwrap_err();
    assert!(e.to_string().contains("tuple of 2"), "{e}");
    let e = HashMap::<String, String>::from_value(Value::Array(vec![bulk("odd")]));
    assert_eq!(e.unwrap_err().kind(), ErrorKind::Conversion);
}

#[test]
fn nested_errors_surface_as_server_errors() {
    let v = Value::Array(vec![
        Value::Int(1),
        Value::Error(Box::new(ServerError::parse(b"WRONGTYPE nope"))),
    ]);
    let e = Vec::<i64>::from_value(v).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongType);
}

#[test]
fn option_and_attributes() {
    assert_eq!(Option::<String>::from_value(Value::Nil).unwrap(), None);
    let attributed = Value::Attribute {
        attributes: Box::new([(bulk("ttl"), Value::Int(3))]),
        value: Box::new(bulk("v")),
    };
    assert_eq!(String::from_value(attributed.clone()).unwrap(), "v");
    assert_eq!(
        Option::<String>::from_value(attributed).unwrap().as_deref(),
        Some("v")
    );
}

fn arr(items: Vec<Value>) -> Value {
    Value::Array(items)
}

fn err(text: &str) -> Value {
    Value::Error(Box::new(ServerError::parse(text.as_bytes())))
}

fn attributed(v: Value) -> Value {
    Value::Attribute {
        attributes: Box::new([(bulk("a"), Value::Int(1))]),
        value: Box::new(v),
    }
}

/// `ZRANGE z 0 -1 WITHSCORES` as RESP2 sends it, as a RESP3 map would, and as RESP3 sends it.
fn three_shapes() -> [Value; 3] {
    [
        arr(vec![bulk("a"), bulk("1"), bulk("b"), bulk("inf")]),
        Value::Map(vec![
            (bulk("a"), Value::Double(1.0)),
            (bulk("b"), Value::Double(f64::INFINITY)),
        ]),
        arr(vec![
            arr(vec![bulk("a"), Value::Double(1.0)]),
            arr(vec![bulk("b"), Value::Double(f64::INFINITY)]),
        ]),
    ]
}

#[test]
fn lists_of_pairs_convert_alike_from_all_three_shapes() {
    let expected = vec![("a".to_string(), 1.0), ("b".to_string(), f64::INFINITY)];
    for v in three_shapes() {
        let list: Vec<(String, f64)> = FromValue::from_value(v.clone()).unwrap();
        assert_eq!(list, expected, "{v:?}");
        let map: HashMap<String, f64> = FromValue::from_value(v.clone()).unwrap();
        assert_eq!(map, expected.iter().cloned().collect(), "{v:?}");
        let tree: BTreeMap<String, f64> = FromValue::from_value(v.clone()).unwrap();
        assert_eq!(tree, expected.iter().cloned().collect(), "{v:?}");
        let some: Option<Vec<(String, f64)>> = FromValue::from_value(v.clone()).unwrap();
        assert_eq!(some.as_ref(), Some(&expected));
        let some: Option<HashMap<String, f64>> = FromValue::from_value(v).unwrap();
        assert_eq!(some.map(|m| m.len()), Some(2));
    }
}

#[test]
fn elements_of_an_array_of_pairs_may_be_any_two_element_aggregate() {
    // Sets, pushes and one-pair maps are pairs too, as the 2-tuple takes them; attributes
    // around the elements (or around the first one, which decides the shape) are looked
    // through.
    let v = arr(vec![
        attributed(arr(vec![bulk("a"), Value::Int(1)])),
        Value::Set(vec![bulk("b"), Value::Int(2)]),
        Value::Push(vec![bulk("c"), Value::Int(3)]),
        Value::Map(vec![(bulk("d"), Value::Int(4))]),
    ]);
    let list: Vec<(String, i64)> = FromValue::from_value(v).unwrap();
    assert_eq!(
        list,
        [
            ("a".to_string(), 1),
            ("b".to_string(), 2),
            ("c".to_string(), 3),
            ("d".to_string(), 4)
        ]
    );
    let flat = arr(vec![attributed(bulk("a")), Value::Int(1)]);
    let map: HashMap<String, i64> = FromValue::from_value(flat).unwrap();
    assert_eq!(map["a"], 1);
    let attributed_reply = attributed(arr(vec![bulk("a"), Value::Int(1)]));
    let list: Vec<(String, i64)> = FromValue::from_value(attributed_reply).unwrap();
    assert_eq!(list, [("a".to_string(), 1)]);
}

#[test]
fn nested_replies_of_pairs() {
    // XRANGE: [[id, [f, v, ...]], ...] on both protocols.
    let entries = || {
        arr(vec![
            arr(vec![
                bulk("1-1"),
                arr(vec![bulk("f"), bulk("v"), bulk("g"), bulk("w")]),
            ]),
            arr(vec![bulk("2-1"), arr(vec![bulk("f"), bulk("x")])]),
        ])
    };
    type Entries = Vec<(String, Vec<(String, String)>)>;
    let xrange: Entries = FromValue::from_value(entries()).unwrap();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    let expected: Entries = vec![
        ("1-1".into(), vec![pair("f", "v"), pair("g", "w")]),
        ("2-1".into(), vec![pair("f", "x")]),
    ];
    assert_eq!(xrange, expected);
    // The fields of an entry as a map, too.
    let as_maps: Vec<(String, HashMap<String, String>)> = FromValue::from_value(entries()).unwrap();
    assert_eq!(as_maps[0].1["g"], "w");
    // XREAD: [[stream, entries], ...] on RESP2, a map stream -> entries on RESP3.
    let resp2 = arr(vec![arr(vec![bulk("s"), entries()])]);
    let resp3 = Value::Map(vec![(bulk("s"), entries())]);
    for v in [resp2, resp3] {
        let list: Vec<(String, Entries)> = FromValue::from_value(v.clone()).unwrap();
        assert_eq!(list, [("s".to_string(), expected.clone())]);
        let map: HashMap<String, Entries> = FromValue::from_value(v).unwrap();
        assert_eq!(map["s"], expected);
    }
    // Flat, with aggregates as values: the keys decide, not the values.
    let flat = arr(vec![
        bulk("k1"),
        arr(vec![bulk("a"), bulk("b")]),
        bulk("k2"),
        arr(vec![]),
    ]);
    let list: Vec<(String, Vec<String>)> = FromValue::from_value(flat).unwrap();
    assert_eq!(
        list,
        [
            ("k1".to_string(), vec!["a".to_string(), "b".to_string()]),
            ("k2".to_string(), vec![])
        ]
    );
}

#[test]
fn other_conversions_of_aggregates_are_unchanged() {
    // Lists of non-pairs take the elements one by one, arrays of arrays included.
    let nested = arr(vec![arr(vec![bulk("a"), bulk("b")]), arr(vec![bulk("c")])]);
    let lists: Vec<Vec<String>> = FromValue::from_value(nested.clone()).unwrap();
    assert_eq!(lists, [vec!["a", "b"], vec!["c"]]);
    let bytes: Vec<Vec<u8>> = FromValue::from_value(arr(vec![bulk("a"), bulk("b")])).unwrap();
    assert_eq!(bytes, [b"a".to_vec(), b"b".to_vec()]);
    let values: Vec<Value> = FromValue::from_value(nested).unwrap();
    assert_eq!(values.len(), 2);
    // A map into a list of non-pairs is flattened, as before.
    let map = Value::Map(vec![(bulk("k"), bulk("v"))]);
    let flat: Vec<String> = FromValue::from_value(map.clone()).unwrap();
    assert_eq!(flat, ["k", "v"]);
    // Tuples are fixed-size aggregates: a 2-tuple is one pair, not a list of them.
    let one: (String, f64) = FromValue::from_value(arr(vec![bulk("m"), bulk("2")])).unwrap();
    assert_eq!(one, ("m".to_string(), 2.0));
    let one: (String, String) = FromValue::from_value(map).unwrap();
    assert_eq!(one, ("k".to_string(), "v".to_string()));
    let triples: Vec<(i64, i64, i64)> = FromValue::from_value(arr(vec![
        arr(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
        arr(vec![Value::Int(4), Value::Int(5), Value::Int(6)]),
    ]))
    .unwrap();
    assert_eq!(triples, [(1, 2, 3), (4, 5, 6)]);
    let e = <(i64, i64)>::from_value(arr(vec![])).unwrap_err();
    assert_eq!(e.to_string(), "cannot convert 0 elements to tuple of 2");
}

#[test]
fn empty_and_nil_are_no_pairs() {
    for v in [Value::Nil, arr(vec![]), Value::Map(vec![])] {
        assert!(
            Vec::<(String, f64)>::from_value(v.clone())
                .unwrap()
                .is_empty()
        );
        assert!(
            HashMap::<String, f64>::from_value(v.clone())
                .unwrap()
                .is_empty()
        );
        assert!(
            BTreeMap::<String, f64>::from_value(v.clone())
                .unwrap()
                .is_empty()
        );
        // No pair can come from an empty aggregate: ZPOPMIN on a missing key replies [].
        assert_eq!(
            Option::<(String, f64)>::from_value(v.clone()).unwrap(),
            None
        );
        assert_eq!(
            Option::<(String, f64)>::from_value(attributed(v)).unwrap(),
            None
        );
    }
    assert_eq!(
        Option::<Vec<(String, f64)>>::from_value(Value::Nil).unwrap(),
        None
    );
    assert_eq!(
        Option::<Vec<(String, f64)>>::from_value(arr(vec![])).unwrap(),
        Some(vec![])
    );
    let popped = arr(vec![bulk("m"), Value::Double(1.5)]);
    assert_eq!(
        Option::<(String, f64)>::from_value(popped).unwrap(),
        Some(("m".to_string(), 1.5))
    );
    // Only pairs read an empty aggregate as None.
    assert_eq!(
        Option::<Vec<String>>::from_value(arr(vec![])).unwrap(),
        Some(vec![])
    );
}

#[test]
fn odd_length_flat_arrays_are_conversion_errors() {
    let odd = || arr(vec![bulk("a"), bulk("1"), bulk("b")]);
    let errors = [
        Vec::<(String, String)>::from_value(odd()).unwrap_err(),
        HashMap::<String, String>::from_value(odd()).unwrap_err(),
        BTreeMap::<String, String>::from_value(odd()).unwrap_err(),
        Option::<Vec<(String, String)>>::from_value(odd()).unwrap_err(),
    ];
    for e in &errors {
        assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
        assert!(
            e.to_string().contains("array of 3 elements (odd length)"),
            "{e}"
        );
    }
    assert_eq!(
        errors[1].to_string(),
        "cannot convert array of 3 elements (odd length) to HashMap"
    );
    let e = Vec::<(String, String)>::from_value(arr(vec![bulk("a")])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    // The old message for a whole tuple stays.
    let e = <(String, String)>::from_value(odd()).unwrap_err();
    assert_eq!(e.to_string(), "cannot convert 3 elements to tuple of 2");
}

#[test]
fn mixed_shapes_are_conversion_errors() {
    let cases = [
        // Pairs first, then flat.
        arr(vec![arr(vec![bulk("a"), bulk("1")]), bulk("b"), bulk("2")]),
        // Flat first, then a pair: odd.
        arr(vec![bulk("a"), bulk("1"), arr(vec![bulk("b"), bulk("2")])]),
        // An element of the wrong size.
        arr(vec![
            arr(vec![bulk("a"), bulk("1")]),
            arr(vec![bulk("b"), bulk("2"), bulk("3")]),
        ]),
        arr(vec![arr(vec![bulk("a")])]),
        arr(vec![Value::Map(vec![
            (bulk("a"), bulk("1")),
            (bulk("b"), bulk("2")),
        ])]),
        // Flat with an aggregate where a key belongs.
        arr(vec![bulk("a"), bulk("1"), arr(vec![bulk("b")]), bulk("2")]),
    ];
    for v in cases {
        for e in [
            Vec::<(String, String)>::from_value(v.clone()).unwrap_err(),
            HashMap::<String, String>::from_value(v.clone()).unwrap_err(),
            BTreeMap::<String, String>::from_value(v.clone()).unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::Conversion, "{v:?}: {e}");
        }
    }
    let e =
        Vec::<(String, String)>::from_value(arr(vec![arr(vec![bulk("a"), bulk("1")]), bulk("b")]))
            .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot convert bulk string (1 bytes) to key-value pair (a 2-element array)"
    );
    let e = Vec::<(String, String)>::from_value(arr(vec![arr(vec![bulk("a")])])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot convert array of 1 elements to key-value pair (a 2-element array)"
    );
    let e = Vec::<(String, String)>::from_value(Value::Int(3)).unwrap_err();
    assert_eq!(e.to_string(), "cannot convert integer 3 to Vec of pairs");
}

#[test]
fn errors_nested_in_lists_of_pairs_are_server_errors() {
    let cases = [
        arr(vec![bulk("a"), err("WRONGTYPE flat value")]),
        arr(vec![err("WRONGTYPE flat key"), bulk("1")]),
        arr(vec![
            arr(vec![bulk("a"), bulk("1")]),
            err("WRONGTYPE element"),
        ]),
        arr(vec![arr(vec![bulk("a"), err("WRONGTYPE nested value")])]),
        Value::Map(vec![(bulk("a"), err("WRONGTYPE map value"))]),
        // Odd, but the error says more than the count.
        arr(vec![bulk("a"), bulk("1"), attributed(err("WRONGTYPE odd"))]),
        arr(vec![err("WRONGTYPE alone")]),
        arr(vec![attributed(Value::BulkError(Box::new(
            ServerError::parse(b"WRONGTYPE bulk"),
        )))]),
    ];
    for v in cases {
        for e in [
            Vec::<(String, i64)>::from_value(v.clone()).unwrap_err(),
            HashMap::<String, i64>::from_value(v.clone()).unwrap_err(),
            BTreeMap::<String, i64>::from_value(v.clone()).unwrap_err(),
            Option::<Vec<(String, i64)>>::from_value(v.clone()).unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::WrongType, "{v:?}: {e}");
            assert!(matches!(e, Error::Server(_)), "{e:?}");
        }
    }
    let e = Vec::<(String, i64)>::from_value(err("WRONGTYPE top")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongType);
}

#[test]
fn no_reply_shape_panics_a_conversion_of_pairs() {
    // Every array of up to three elements drawn from these atoms (and arrays of them) into
    // every pair conversion: errors are fine, panics are not.
    let atoms = [
        Value::Nil,
        bulk("k"),
        Value::Int(1),
        Value::Double(f64::NEG_INFINITY),
        err("ERR x"),
        arr(vec![]),
        arr(vec![bulk("k"), bulk("v")]),
        arr(vec![bulk("k"), arr(vec![bulk("f"), bulk("v")])]),
        Value::Map(vec![(bulk("k"), bulk("v"))]),
        attributed(arr(vec![bulk("k")])),
    ];
    let mut values = vec![arr(vec![])];
    for a in &atoms {
        values.push(a.clone());
        values.push(arr(vec![a.clone()]));
        for b in &atoms {
            values.push(arr(vec![a.clone(), b.clone()]));
            values.push(Value::Map(vec![(a.clone(), b.clone())]));
            for c in &atoms {
                values.push(arr(vec![a.clone(), b.clone(), c.clone()]));
            }
        }
    }
    for v in values {
        let _ = Vec::<(String, f64)>::from_value(v.clone());
        let _ = Vec::<(String, Vec<(String, String)>)>::from_value(v.clone());
        let _ = HashMap::<String, String>::from_value(v.clone());
        let _ = BTreeMap::<Vec<u8>, Value>::from_value(v.clone());
        let _ = Option::<(String, f64)>::from_value(v.clone());
        let _ = Option::<Vec<(Value, Value)>>::from_value(v);
    }
}

#[test]
fn conversion_errors_can_be_made_outside_the_crate() {
    let e = ConversionError::new("Point", &Value::Int(7));
    assert_eq!((e.expected(), e.got()), ("Point", "integer 7"));
    let owned = ConversionError::new(format!("Point in {}", "db 0"), &arr(vec![]));
    assert_eq!(owned.expected(), "Point in db 0");
    assert_eq!(owned.got(), "array of 0 elements");
    let custom = ConversionError::custom("User", "hash without an age field");
    assert_eq!(custom.got(), "hash without an age field");
    let e: Error = e.into();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    assert_eq!(e.to_string(), "cannot convert integer 7 to Point");
    match &e {
        Error::Conversion(c) => assert_eq!(c.expected(), "Point"),
        other => panic!("{other:?}"),
    }
    let source: &dyn std::error::Error = &custom;
    assert_eq!(
        source.to_string(),
        "cannot convert hash without an age field to User"
    );
    // The crate's own constructor still builds the same error.
    let internal = Error::conversion("i64", "bulk string (3 bytes)".to_string());
    assert_eq!(
        internal.to_string(),
        "cannot convert bulk string (3 bytes) to i64"
    );
}
