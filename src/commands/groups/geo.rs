//! The `geo` group of the Redis documentation: members with a longitude and latitude, searched by distance.

use super::Method;
use crate::commands::args::{One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

mod types;

pub use types::{Coordinates, GeoAddOptions, GeoMember, GeoSearch, GeoUnit};
use types::{RadiusArgs, SearchArgs, StoreArgs};

/// The `geo` commands: members with a longitude and latitude, searched by distance.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// A geo set is a sorted set whose scores are geohashes, so the sorted-set commands work on it
/// too (`zrem` removes a place). Searches take a [`GeoSearch`] and return [`GeoMember`]s,
/// with the distance, hash and coordinates each search asked for.
///
/// ```no_run
/// use redisync::prelude::*;
/// use redisync::{GeoMember, GeoSearch, GeoUnit};
///
/// let client = Client::open("redis://127.0.0.1")?;
/// client.geoadd("sicily", [(13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania")])?;
/// let km = client.geodist("sicily", "Palermo", "Catania", GeoUnit::Km)?;
/// let near: Vec<GeoMember<String>> = client.geosearch(
///     "sicily",
///     GeoSearch::from_lonlat(15.0, 37.0).by_radius(100.0, GeoUnit::Km).asc().with_dist(),
/// )?;
/// assert_eq!(near[0].member, "Catania");
/// # let _ = km;
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait GeoCommands: Commands {
    /// `GEOADD key longitude latitude member [...]`, from `(longitude, latitude, member)`
    /// triples: how many members were added (moved ones do not count).
    /// <https://redis.io/docs/latest/commands/geoadd/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type; an error for a position out of range
    /// (latitudes beyond about ±85.05 degrees).
    fn geoadd(self, key: impl ToArg, items: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::GEOADD, &(One(&key), &items)))
    }

    /// `GEOADD key [NX|XX] [CH] longitude latitude member [...]`: how many members were added,
    /// or changed (added or moved) with `CH`.
    /// <https://redis.io/docs/latest/commands/geoadd/>
    ///
    /// # Errors
    /// As [`geoadd`](Self::geoadd);
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending for `NX`
    /// with `XX`.
    fn geoadd_options(
        self,
        key: impl ToArg,
        items: impl ToArgs,
        options: GeoAddOptions,
    ) -> Self::Output<u64> {
        match options.check() {
            Ok(()) => self.run(&Request::new(&spec::GEOADD, &(One(&key), options, &items))),
            Err(e) => self.refuse(e),
        }
    }

    /// `GEODIST key member1 member2 unit`: the distance between two members in `unit`, or
    /// `None` when either is missing.
    /// <https://redis.io/docs/latest/commands/geodist/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn geodist(
        self,
        key: impl ToArg,
        member1: impl ToArg,
        member2: impl ToArg,
        unit: GeoUnit,
    ) -> Self::Output<Option<f64>> {
        let args = (One(&key), One(&member1), One(&member2), unit);
        self.run(&Request::new(&spec::GEODIST, &args))
    }

    /// `GEOHASH key member [member ...]`: each member's 11-character geohash, `None` where a
    /// member is missing.
    /// <https://redis.io/docs/latest/commands/geohash/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn geohash(self, key: impl ToArg, members: impl ToArgs) -> Self::Output<Vec<Option<String>>> {
        self.run(&Request::new(&spec::GEOHASH, &(One(&key), &members)))
    }

    /// `GEOPOS key member [member ...]`: each member's position, `None` where a member is
    /// missing.
    /// <https://redis.io/docs/latest/commands/geopos/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn geopos(
        self,
        key: impl ToArg,
        members: impl ToArgs,
    ) -> Self::Output<Vec<Option<Coordinates>>> {
        self.run(&Request::new(&spec::GEOPOS, &(One(&key), &members)))
    }

    /// `GEOSEARCH key FROMMEMBER|FROMLONLAT ... BYRADIUS|BYBOX ... [ASC|DESC] [COUNT n [ANY]]
    /// [WITHCOORD] [WITHDIST] [WITHHASH]`: the members within the search's shape, with what it
    /// asked for (empty for a missing key).
    /// <https://redis.io/docs/latest/commands/geosearch/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type; an error when the centre member is missing;
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending for a search
    /// without a shape or with [`GeoSearch::store_dist`].
    fn geosearch<M: FromValue>(
        self,
        key: impl ToArg,
        search: GeoSearch,
    ) -> Self::Output<Vec<GeoMember<M>>> {
        match search.check_search(false) {
            Ok(()) => self.run(&Request::new(
                &spec::GEOSEARCH,
                &(One(&key), SearchArgs(&search)),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `GEOSEARCHSTORE destination source ... [STOREDIST]`: stores the members the search finds
    /// in `destination` (replacing it), scored by geohash (a geo set) or, with
    /// [`GeoSearch::store_dist`], by distance; returns how many.
    /// <https://redis.io/docs/latest/commands/geosearchstore/>
    ///
    /// # Errors
    /// As [`geosearch`](Self::geosearch); refused before sending for the `with_*` options.
    fn geosearchstore(
        self,
        destination: impl ToArg,
        source: impl ToArg,
        search: GeoSearch,
    ) -> Self::Output<u64> {
        match search.check_search(true) {
            Ok(()) => self.run(&Request::new(
                &spec::GEOSEARCHSTORE,
                &(One(&destination), One(&source), SearchArgs(&search)),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `GEORADIUS key longitude latitude radius unit [WITH...] [COUNT n [ANY]] [ASC|DESC]`: the
    /// members within a radius of a point. Deprecated by Redis in favour of
    /// [`geosearch`](Self::geosearch); takes a search [`GeoSearch::from_lonlat`] with
    /// [`GeoSearch::by_radius`].
    /// <https://redis.io/docs/latest/commands/georadius/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type;
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending for a search
    /// from a member, by a box, or with `store_dist`.
    fn georadius<M: FromValue>(
        self,
        key: impl ToArg,
        search: GeoSearch,
    ) -> Self::Output<Vec<GeoMember<M>>> {
        match search.check_radius(false, false) {
            Ok(()) => self.run(&Request::new(
                &spec::GEORADIUS,
                &(One(&key), RadiusArgs(&search)),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `GEORADIUS ... STORE|STOREDIST destination`: stores what [`georadius`](Self::georadius)
    /// finds in `destination` (by distance with [`GeoSearch::store_dist`]) and returns how
    /// many. Deprecated by Redis in favour of [`geosearchstore`](Self::geosearchstore).
    /// <https://redis.io/docs/latest/commands/georadius/>
    ///
    /// # Errors
    /// As [`georadius`](Self::georadius); refused before sending for the `with_*` options.
    fn georadius_store(
        self,
        key: impl ToArg,
        search: GeoSearch,
        destination: impl ToArg,
    ) -> Self::Output<u64> {
        match search.check_radius(false, true) {
            Ok(()) => self.run(&Request::new(
                &spec::GEORADIUS,
                &(
                    One(&key),
                    RadiusArgs(&search),
                    StoreArgs(&search, &One(&destination)),
                ),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `GEORADIUS_RO key longitude latitude radius unit ...`: as
    /// [`georadius`](Self::georadius), read-only (so replicas take it). Deprecated by Redis in
    /// favour of [`geosearch`](Self::geosearch).
    /// <https://redis.io/docs/latest/commands/georadius_ro/>
    ///
    /// # Errors
    /// As [`georadius`](Self::georadius).
    fn georadius_ro<M: FromValue>(
        self,
        key: impl ToArg,
        search: GeoSearch,
    ) -> Self::Output<Vec<GeoMember<M>>> {
        match search.check_radius(false, false) {
            Ok(()) => self.run(&Request::new(
                &spec::GEORADIUS_RO,
                &(One(&key), RadiusArgs(&search)),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `GEORADIUSBYMEMBER key member radius unit [WITH...] [COUNT n [ANY]] [ASC|DESC]`: the
    /// members within a radius of a member (itself included). Deprecated by Redis in favour of
    /// [`geosearch`](Self::geosearch); takes a search [`GeoSearch::from_member`] with
    /// [`GeoSearch::by_radius`].
    /// <https://redis.io/docs/latest/commands/georadiusbymember/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type; an error when the member is missing;
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending for a search
    /// from coordinates, by a box, or with `store_dist`.
    fn georadiusbymember<M: FromValue>(
        self,
        key: impl ToArg,
        search: GeoSearch,
    ) -> Self::Output<Vec<GeoMember<M>>> {
        match search.check_radius(true, false) {
            Ok(()) => self.run(&Request::new(
                &spec::GEORADIUSBYMEMBER,
                &(One(&key), RadiusArgs(&search)),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `GEORADIUSBYMEMBER ... STORE|STOREDIST destination`: stores what
    /// [`georadiusbymember`](Self::georadiusbymember) finds in `destination` and returns how
    /// many. Deprecated by Redis in favour of [`geosearchstore`](Self::geosearchstore).
    /// <https://redis.io/docs/latest/commands/georadiusbymember/>
    ///
    /// # Errors
    /// As [`georadiusbymember`](Self::georadiusbymember); refused before sending for the
    /// `with_*` options.
    fn georadiusbymember_store(
        self,
        key: impl ToArg,
        search: GeoSearch,
        destination: impl ToArg,
    ) -> Self::Output<u64> {
        match search.check_radius(true, true) {
            Ok(()) => self.run(&Request::new(
                &spec::GEORADIUSBYMEMBER,
                &(
                    One(&key),
                    RadiusArgs(&search),
                    StoreArgs(&search, &One(&destination)),
                ),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `GEORADIUSBYMEMBER_RO key member radius unit ...`: as
    /// [`georadiusbymember`](Self::georadiusbymember), read-only. Deprecated by Redis in
    /// favour of [`geosearch`](Self::geosearch).
    /// <https://redis.io/docs/latest/commands/georadiusbymember_ro/>
    ///
    /// # Errors
    /// As [`georadiusbymember`](Self::georadiusbymember).
    fn georadiusbymember_ro<M: FromValue>(
        self,
        key: impl ToArg,
        search: GeoSearch,
    ) -> Self::Output<Vec<GeoMember<M>>> {
        match search.check_radius(true, false) {
            Ok(()) => self.run(&Request::new(
                &spec::GEORADIUSBYMEMBER_RO,
                &(One(&key), RadiusArgs(&search)),
            )),
            Err(e) => self.refuse(e),
        }
    }
}

impl<C: Commands> GeoCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("geoadd", &spec::GEOADD),
    ("geoadd_options", &spec::GEOADD),
    ("geodist", &spec::GEODIST),
    ("geohash", &spec::GEOHASH),
    ("geopos", &spec::GEOPOS),
    ("geosearch", &spec::GEOSEARCH),
    ("geosearchstore", &spec::GEOSEARCHSTORE),
    ("georadius", &spec::GEORADIUS),
    ("georadius_store", &spec::GEORADIUS),
    ("georadius_ro", &spec::GEORADIUS_RO),
    ("georadiusbymember", &spec::GEORADIUSBYMEMBER),
    ("georadiusbymember_store", &spec::GEORADIUSBYMEMBER),
    ("georadiusbymember_ro", &spec::GEORADIUSBYMEMBER_RO),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::commands::groups::check::{self, Call, Recorder};

    type S = String;

    fn radius() -> GeoSearch {
        GeoSearch::from_lonlat(15.0, 37.0).by_radius(200.0, GeoUnit::Km)
    }

    fn around() -> GeoSearch {
        GeoSearch::from_member("Palermo").by_radius(200.0, GeoUnit::Km)
    }

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("geoadd", |r| {
                let _ = r.geoadd("k", (1.0, 2.0, "m"));
            }),
            ("geoadd_options", |r| {
                let _ = r.geoadd_options("k", (1.0, 2.0, "m"), GeoAddOptions::new().nx());
            }),
            ("geodist", |r| {
                let _ = r.geodist("k", "a", "b", GeoUnit::M);
            }),
            ("geohash", |r| {
                let _ = r.geohash("k", ["a", "b"]);
            }),
            ("geopos", |r| {
                let _ = r.geopos("k", "a");
            }),
            ("geosearch", |r| {
                let _ = r.geosearch::<S>("k", radius());
            }),
            ("geosearchstore", |r| {
                let _ = r.geosearchstore("d", "k", radius());
            }),
            ("georadius", |r| {
                let _ = r.georadius::<S>("k", radius());
            }),
            ("georadius_store", |r| {
                let _ = r.georadius_store("k", radius(), "d");
            }),
            ("georadius_ro", |r| {
                let _ = r.georadius_ro::<S>("k", radius());
            }),
            ("georadiusbymember", |r| {
                let _ = r.georadiusbymember::<S>("k", around());
            }),
            ("georadiusbymember_store", |r| {
                let _ = r.georadiusbymember_store("k", around(), "d");
            }),
            ("georadiusbymember_ro", |r| {
                let _ = r.georadiusbymember_ro::<S>("k", around());
            }),
        ];
        check::methods(METHODS, calls);
    }

    fn line(call: fn(&mut Recorder)) -> String {
        check::sent(call).join(" ")
    }

    #[test]
    fn methods_with_options_send_the_arguments_redis_expects() {
        assert_eq!(
            line(|r| {
                let _ = r.geoadd_options(
                    "k",
                    [(13.5, 38.25, "a"), (-1.0, 2.0, "b")],
                    GeoAddOptions::new().xx().ch(),
                );
            }),
            "GEOADD k XX CH 13.5 38.25 a -1 2 b"
        );
        assert_eq!(
            line(|r| {
                let _ = r.geodist("k", "a", "b", GeoUnit::Mi);
            }),
            "GEODIST k a b mi"
        );
        assert_eq!(
            line(|r| {
                let _ = r.geosearch::<S>("k", around().asc().count(2).with_dist());
            }),
            "GEOSEARCH k FROMMEMBER Palermo BYRADIUS 200 km ASC COUNT 2 WITHDIST"
        );
        assert_eq!(
            line(|r| {
                let _ = r.geosearchstore("d", "k", radius().count_any(1).store_dist());
            }),
            "GEOSEARCHSTORE d k FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY STOREDIST"
        );
        assert_eq!(
            line(|r| {
                let _ = r.georadius::<S>("k", radius().with_coord().desc());
            }),
            "GEORADIUS k 15 37 200 km DESC WITHCOORD"
        );
        assert_eq!(
            line(|r| {
                let _ = r.georadius_store("k", radius().store_dist(), "d");
            }),
            "GEORADIUS k 15 37 200 km STOREDIST d"
        );
        assert_eq!(
            line(|r| {
                let _ = r.georadiusbymember_store("k", around().count(3), "d");
            }),
            "GEORADIUSBYMEMBER k Palermo 200 km COUNT 3 STORE d"
        );
        assert_eq!(
            line(|r| {
                let _ = r.georadiusbymember_ro::<S>("k", around().with_hash());
            }),
            "GEORADIUSBYMEMBER_RO k Palermo 200 km WITHHASH"
        );
    }

    #[test]
    fn conflicting_options_are_refused_before_sending() {
        let cases: &[fn(&mut Recorder) -> crate::Result<()>] = &[
            |r| {
                r.geoadd_options("k", (1.0, 2.0, "m"), GeoAddOptions::new().nx().xx())
                    .map(drop)
            },
            |r| r.geosearch::<S>("k", GeoSearch::from_member("m")).map(drop),
            |r| r.geosearchstore("d", "k", radius().with_dist()).map(drop),
            |r| r.georadius::<S>("k", around()).map(drop),
            |r| r.georadiusbymember::<S>("k", radius()).map(drop),
            |r| r.georadius_store("k", radius().with_hash(), "d").map(drop),
            |r| r.georadius_ro::<S>("k", radius().store_dist()).map(drop),
        ];
        for call in cases {
            let mut r = Recorder::default();
            let e = call(&mut r).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
            assert!(r.sent.is_empty());
        }
    }
}
