//! The geo commands against a real server, on RESP2 and RESP3 alike: positions, distances and
//! hashes read the same on both (RESP3 sends coordinates as doubles, distances still as
//! strings), searches with every combination of what they return, stores, the deprecated
//! GEORADIUS family, options refused before sending, missing keys and members, WRONGTYPE.
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test --all-features --test cmd_geo

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use clients::per_protocol;
use redisync::prelude::*;
use redisync::{
    Connection, Coordinates, ErrorKind, GeoAddOptions, GeoMember, GeoSearch, GeoUnit, ZRange,
};
use support::RedisServer;

const PALERMO: (f64, f64) = (13.361389, 38.115556);
const CATANIA: (f64, f64) = (15.087269, 37.502669);

/// Within `tolerance` of `expected`.
fn near(got: f64, expected: f64, tolerance: f64) {
    assert!(
        (got - expected).abs() <= tolerance,
        "{got} is not within {tolerance} of {expected}"
    );
}

fn near_point(got: Coordinates, (lon, lat): (f64, f64)) {
    near(got.longitude, lon, 1e-5);
    near(got.latitude, lat, 1e-5);
}

fn sicily(c: &mut Connection, key: &str) {
    c.del(key).unwrap();
    let added = c
        .geoadd(
            key,
            [
                (PALERMO.0, PALERMO.1, "Palermo"),
                (CATANIA.0, CATANIA.1, "Catania"),
            ],
        )
        .unwrap();
    assert_eq!(added, 2);
}

fn names(found: &[GeoMember<String>]) -> Vec<&str> {
    found.iter().map(|m| m.member.as_str()).collect()
}

#[test]
fn add_positions_distances_and_hashes() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        sicily(&mut c, "g");
        // NX adds only, XX moves only, CH counts moves too.
        let moved = GeoAddOptions::new().xx().ch();
        assert_eq!(
            c.geoadd_options("g", [(13.5, 38.0, "Palermo"), (1.0, 1.0, "Nowhere")], moved)
                .unwrap(),
            1
        );
        assert_eq!(c.geopos("g", "Nowhere").unwrap(), [None]);
        let nx = GeoAddOptions::new().nx();
        assert_eq!(
            c.geoadd_options(
                "g",
                [(PALERMO.0, PALERMO.1, "Palermo"), (12.5, 37.8, "Marsala")],
                nx
            )
            .unwrap(),
            1
        );
        near_point(c.geopos("g", "Palermo").unwrap()[0].unwrap(), (13.5, 38.0));
        assert_eq!(c.geoadd("g", (PALERMO.0, PALERMO.1, "Palermo")).unwrap(), 0);
        assert_eq!(
            c.geoadd_options(
                "g",
                (PALERMO.0, PALERMO.1, "Palermo"),
                GeoAddOptions::new().ch()
            )
            .unwrap(),
            0,
            "the same position is no change"
        );

        let pos = c.geopos("g", ["Palermo", "nope", "Catania"]).unwrap();
        assert_eq!(pos.len(), 3);
        near_point(pos[0].unwrap(), PALERMO);
        assert_eq!(pos[1], None);
        near_point(pos[2].unwrap(), CATANIA);
        assert_eq!(c.geopos("missing", "a").unwrap(), [None]);

        let km = c.geodist("g", "Palermo", "Catania", GeoUnit::Km).unwrap();
        near(km.unwrap(), 166.2742, 1e-3);
        let m = c.geodist("g", "Palermo", "Catania", GeoUnit::M).unwrap();
        near(m.unwrap(), 166_274.15, 0.5);
        let mi = c.geodist("g", "Palermo", "Catania", GeoUnit::Mi).unwrap();
        near(mi.unwrap(), 103.3182, 1e-3);
        let ft = c.geodist("g", "Palermo", "Catania", GeoUnit::Ft).unwrap();
        near(ft.unwrap(), 545_518.87, 1.0);
        assert_eq!(c.geodist("g", "Palermo", "nope", GeoUnit::M).unwrap(), None);
        assert_eq!(c.geodist("missing", "a", "b", GeoUnit::M).unwrap(), None);

        let hashes = c.geohash("g", ["Palermo", "nope", "Catania"]).unwrap();
        assert_eq!(
            hashes,
            [
                Some("sqc8b49rny0".to_string()),
                None,
                Some("sqdtr74hyu0".to_string())
            ]
        );

        // A geo set is a sorted set.
        assert_eq!(c.zcard("g").unwrap(), 3);
        assert_eq!(c.zrem("g", "Marsala").unwrap(), 1);

        // A position out of range is the server's error; the connection goes on.
        let e = c.geoadd("g", (0.0, 86.0, "North")).unwrap_err();
        assert!(e.server_error().is_some(), "{e:?}");
        assert!(e.to_string().contains("invalid"), "{e}");
        c.ping().unwrap();
    }
}

#[test]
fn searches_return_what_they_ask_for() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        sicily(&mut c, "g");
        let around = || GeoSearch::from_lonlat(15.0, 37.0).by_radius(200.0, GeoUnit::Km);

        let plain: Vec<GeoMember<String>> = c.geosearch("g", around().asc()).unwrap();
        assert_eq!(names(&plain), ["Catania", "Palermo"]);
        assert!(
            plain
                .iter()
                .all(|m| m.distance.is_none() && m.hash.is_none() && m.coordinates.is_none())
        );

        let all: Vec<GeoMember<String>> = c
            .geosearch("g", around().desc().with_dist().with_hash().with_coord())
            .unwrap();
        assert_eq!(names(&all), ["Palermo", "Catania"]);
        near(all[0].distance.unwrap(), 190.4424, 1e-3);
        near(all[1].distance.unwrap(), 56.4413, 1e-3);
        assert_eq!(all[0].hash, Some(3479099956230698));
        assert_eq!(all[1].hash, Some(3479447370796909));
        near_point(all[0].coordinates.unwrap(), PALERMO);
        near_point(all[1].coordinates.unwrap(), CATANIA);

        // Each option alone, and pairs of them.
        let dist: Vec<GeoMember<String>> = c.geosearch("g", around().asc().with_dist()).unwrap();
        near(dist[0].distance.unwrap(), 56.4413, 1e-3);
        assert_eq!((dist[0].hash, dist[0].coordinates), (None, None));
        let hash: Vec<GeoMember<String>> = c.geosearch("g", around().asc().with_hash()).unwrap();
        assert_eq!(hash[0].hash, Some(3479447370796909));
        assert_eq!(hash[0].distance, None);
        let coord: Vec<GeoMember<String>> = c.geosearch("g", around().asc().with_coord()).unwrap();
        near_point(coord[0].coordinates.unwrap(), CATANIA);
        assert_eq!(coord[0].distance, None);
        let pair: Vec<GeoMember<String>> = c
            .geosearch("g", around().asc().with_coord().with_hash())
            .unwrap();
        assert!(pair[1].hash.is_some() && pair[1].coordinates.is_some());
        assert_eq!(pair[1].distance, None);

        // COUNT, COUNT ANY, boxes, from a member.
        let nearest: Vec<GeoMember<String>> = c.geosearch("g", around().asc().count(1)).unwrap();
        assert_eq!(names(&nearest), ["Catania"]);
        let any: Vec<GeoMember<String>> = c.geosearch("g", around().count_any(1)).unwrap();
        assert_eq!(any.len(), 1);
        let boxed: Vec<GeoMember<String>> = c
            .geosearch(
                "g",
                GeoSearch::from_lonlat(15.0, 37.0)
                    .by_box(400.0, 400.0, GeoUnit::Km)
                    .asc()
                    .with_dist(),
            )
            .unwrap();
        assert_eq!(names(&boxed), ["Catania", "Palermo"]);
        let small: Vec<GeoMember<String>> = c
            .geosearch(
                "g",
                GeoSearch::from_lonlat(15.0, 37.0).by_box(150.0, 150.0, GeoUnit::Km),
            )
            .unwrap();
        assert_eq!(names(&small), ["Catania"]);
        let from_member: Vec<GeoMember<String>> = c
            .geosearch(
                "g",
                GeoSearch::from_member("Palermo")
                    .by_radius(100.0, GeoUnit::Mi)
                    .with_dist(),
            )
            .unwrap();
        assert_eq!(names(&from_member), ["Palermo"]);
        assert_eq!(from_member[0].distance, Some(0.0));

        // Nothing found, a missing key; a missing centre member is the server's error.
        let none: Vec<GeoMember<String>> = c
            .geosearch(
                "g",
                GeoSearch::from_lonlat(0.0, 0.0).by_radius(1.0, GeoUnit::M),
            )
            .unwrap();
        assert!(none.is_empty());
        let none: Vec<GeoMember<String>> = c.geosearch("missing", around().with_dist()).unwrap();
        assert!(none.is_empty());
        let e = c
            .geosearch::<String>(
                "g",
                GeoSearch::from_member("nope").by_radius(1.0, GeoUnit::M),
            )
            .unwrap_err();
        assert!(e.server_error().is_some(), "{e:?}");
        c.ping().unwrap();
    }
}

#[test]
fn stores_by_hash_or_by_distance() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        sicily(&mut c, "{g}src");
        let around = || GeoSearch::from_lonlat(15.0, 37.0).by_radius(200.0, GeoUnit::Km);
        assert_eq!(
            c.geosearchstore("{g}dst", "{g}src", around().asc().count(1))
                .unwrap(),
            1
        );
        near_point(c.geopos("{g}dst", "Catania").unwrap()[0].unwrap(), CATANIA);
        assert_eq!(
            c.geosearchstore("{g}dst", "{g}src", around().store_dist())
                .unwrap(),
            2
        );
        let by_distance: Vec<(String, f64)> = c
            .zrange_withscores("{g}dst", ZRange::by_rank(0, -1))
            .unwrap();
        assert_eq!(by_distance[0].0, "Catania");
        near(by_distance[0].1, 56.4413, 1e-3);
        near(by_distance[1].1, 190.4424, 1e-3);
        assert_eq!(
            c.geosearchstore("{g}dst", "{g}missing", around()).unwrap(),
            0
        );

        // The GEORADIUS forms with STORE and STOREDIST.
        assert_eq!(
            c.georadius_store("{g}src", around().asc().count(1), "{g}dst")
                .unwrap(),
            1
        );
        assert_eq!(
            c.geohash("{g}dst", "Catania").unwrap()[0].as_deref(),
            Some("sqdtr74hyu0")
        );
        assert_eq!(
            c.georadiusbymember_store(
                "{g}src",
                GeoSearch::from_member("Palermo")
                    .by_radius(200.0, GeoUnit::Km)
                    .store_dist(),
                "{g}dst"
            )
            .unwrap(),
            2
        );
        near(
            c.zscore("{g}dst", "Catania").unwrap().unwrap(),
            166.2742,
            1e-3,
        );
        assert_eq!(c.zscore("{g}dst", "Palermo").unwrap(), Some(0.0));
    }
}

#[test]
fn the_georadius_family_takes_the_same_search() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        sicily(&mut c, "g");
        let around = || GeoSearch::from_lonlat(15.0, 37.0).by_radius(200.0, GeoUnit::Km);
        let found: Vec<GeoMember<String>> = c
            .georadius("g", around().asc().with_dist().with_coord())
            .unwrap();
        assert_eq!(names(&found), ["Catania", "Palermo"]);
        near(found[0].distance.unwrap(), 56.4413, 1e-3);
        near_point(found[1].coordinates.unwrap(), PALERMO);
        let ro: Vec<GeoMember<String>> = c
            .georadius_ro("g", around().desc().count(1).with_hash())
            .unwrap();
        assert_eq!(names(&ro), ["Palermo"]);
        assert_eq!(ro[0].hash, Some(3479099956230698));
        let plain: Vec<GeoMember<String>> = c
            .georadius(
                "g",
                GeoSearch::from_lonlat(15.0, 37.0).by_radius(100.0, GeoUnit::Km),
            )
            .unwrap();
        assert_eq!(names(&plain), ["Catania"]);

        let by_member = || GeoSearch::from_member("Palermo").by_radius(200.0, GeoUnit::Km);
        let found: Vec<GeoMember<String>> = c
            .georadiusbymember("g", by_member().asc().with_dist())
            .unwrap();
        assert_eq!(names(&found), ["Palermo", "Catania"]);
        assert_eq!(found[0].distance, Some(0.0));
        near(found[1].distance.unwrap(), 166.2742, 1e-3);
        let ro: Vec<GeoMember<String>> = c
            .georadiusbymember_ro("g", by_member().desc().count_any(2))
            .unwrap();
        assert_eq!(ro.len(), 2);
        let missing: Vec<GeoMember<String>> = c.georadius("missing", around()).unwrap();
        assert!(missing.is_empty());
        let e = c
            .georadiusbymember::<String>(
                "g",
                GeoSearch::from_member("nope").by_radius(1.0, GeoUnit::Km),
            )
            .unwrap_err();
        assert!(e.server_error().is_some(), "{e:?}");
    }
}

#[test]
fn what_a_command_cannot_take_is_refused_before_sending() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let before: Vec<u64> = ["geoadd", "geosearch", "geosearchstore", "georadius"]
            .iter()
            .map(|n| server.command_calls(n))
            .collect();
        let radius = || GeoSearch::from_lonlat(15.0, 37.0).by_radius(1.0, GeoUnit::Km);
        let member = || GeoSearch::from_member("Palermo").by_radius(1.0, GeoUnit::Km);
        let refusals = [
            c.geoadd_options("g", (1.0, 2.0, "m"), GeoAddOptions::new().nx().xx())
                .unwrap_err(),
            c.geosearch::<String>("g", GeoSearch::from_member("m"))
                .unwrap_err(),
            c.geosearch::<String>("g", radius().store_dist())
                .unwrap_err(),
            c.geosearchstore("d", "g", radius().with_coord())
                .unwrap_err(),
            c.georadius::<String>("g", member()).unwrap_err(),
            c.georadius::<String>(
                "g",
                GeoSearch::from_lonlat(0.0, 0.0).by_box(1.0, 1.0, GeoUnit::M),
            )
            .unwrap_err(),
            c.georadius_store("g", radius().with_dist(), "d")
                .unwrap_err(),
            c.georadiusbymember::<String>("g", radius()).unwrap_err(),
        ];
        for e in &refusals {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        }
        let after: Vec<u64> = ["geoadd", "geosearch", "geosearchstore", "georadius"]
            .iter()
            .map(|n| server.command_calls(n))
            .collect();
        assert_eq!(before, after);
        let e = redisync::pipe()
            .geosearch::<String>("g", GeoSearch::from_member("m"))
            .query(&mut c)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(server.command_calls("geosearch"), after[1]);
    }
}

#[test]
fn wrongtype_binary_members_and_pipelines() {
    let server = RedisServer::start();
    let odd = b"caf\xe9\r\n".to_vec();
    for mut c in per_protocol(server.port()) {
        c.set("str", "v").unwrap();
        let around = GeoSearch::from_lonlat(15.0, 37.0).by_radius(200.0, GeoUnit::Km);
        let errors = [
            c.geoadd("str", (1.0, 2.0, "m")).unwrap_err(),
            c.geodist("str", "a", "b", GeoUnit::Km).unwrap_err(),
            c.geohash("str", "a").unwrap_err(),
            c.geopos("str", "a").unwrap_err(),
            c.geosearch::<String>("str", around.clone()).unwrap_err(),
            c.geosearchstore("d", "str", around.clone()).unwrap_err(),
            c.georadius::<String>("str", around.clone()).unwrap_err(),
        ];
        for e in &errors {
            assert_eq!(e.kind(), ErrorKind::WrongType, "{e}");
        }
        c.ping().unwrap();

        c.del("bin").unwrap();
        c.geoadd(
            "bin",
            [
                (CATANIA.0, CATANIA.1, &odd[..]),
                (PALERMO.0, PALERMO.1, &b"p"[..]),
            ],
        )
        .unwrap();
        let found: Vec<GeoMember<Vec<u8>>> = c
            .geosearch("bin", around.clone().asc().with_dist())
            .unwrap();
        assert_eq!(found[0].member, odd);
        near_point(c.geopos("bin", &odd).unwrap()[0].unwrap(), CATANIA);
        let from_odd: Vec<GeoMember<Vec<u8>>> = c
            .geosearch(
                "bin",
                GeoSearch::from_member(&odd).by_radius(1.0, GeoUnit::Km),
            )
            .unwrap();
        assert_eq!(from_odd.len(), 1);
        let e = c
            .geosearch::<String>("bin", around.clone().asc())
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "not UTF-8: {e}");

        let (added, dist, pos, found) = redisync::pipe()
            .geoadd("pipe", (PALERMO.0, PALERMO.1, "Palermo"))
            .geodist("pipe", "Palermo", "Palermo", GeoUnit::M)
            .geopos("pipe", "Palermo")
            .geosearch::<String>("pipe", around.clone().with_coord())
            .query(&mut c)
            .unwrap();
        assert!(added <= 1);
        assert_eq!(dist, Some(0.0));
        near_point(pos[0].unwrap(), PALERMO);
        near_point(found[0].coordinates.unwrap(), PALERMO);
    }
}
