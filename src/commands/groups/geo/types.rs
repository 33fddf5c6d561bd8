//! The geo commands' options and replies: [`GeoUnit`], [`GeoAddOptions`], [`GeoSearch`],
//! [`Coordinates`] and [`GeoMember`].

use crate::commands::args::{ArgWriter, ToArgs};
use crate::commands::reply::FromValue;
use crate::error::{ConversionError, Error, Result};
use crate::resp::Value;

/// A unit of distance: `m`, `km`, `mi` (miles) or `ft` (feet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeoUnit {
    /// Metres.
    M,
    /// Kilometres.
    Km,
    /// Miles.
    Mi,
    /// Feet.
    Ft,
}

impl ToArgs for GeoUnit {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            GeoUnit::M => b"m",
            GeoUnit::Km => b"km",
            GeoUnit::Mi => b"mi",
            GeoUnit::Ft => b"ft",
        })
    }
}

/// Options for [`geoadd_options`](super::GeoCommands::geoadd_options): `NX`, `XX`, `CH`.
/// `NX` and `XX` exclude each other: both are refused with
/// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent.
///
/// ```
/// use redisync::GeoAddOptions;
/// let move_only = GeoAddOptions::new().xx().ch();
/// # let _ = move_only;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct GeoAddOptions {
    nx: bool,
    xx: bool,
    ch: bool,
}

impl GeoAddOptions {
    /// No condition: add new members, move existing ones.
    pub fn new() -> GeoAddOptions {
        GeoAddOptions::default()
    }
    /// `NX`: only add new members, never move existing ones.
    pub fn nx(mut self) -> GeoAddOptions {
        self.nx = true;
        self
    }
    /// `XX`: only move existing members, never add new ones.
    pub fn xx(mut self) -> GeoAddOptions {
        self.xx = true;
        self
    }
    /// `CH`: the reply counts the members changed (added or moved), not only those added.
    pub fn ch(mut self) -> GeoAddOptions {
        self.ch = true;
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.nx && self.xx {
            return Err(Error::invalid(
                "geoadd options",
                "NX and XX exclude each other",
            ));
        }
        Ok(())
    }
}

impl ToArgs for GeoAddOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        for (on, word) in [(self.nx, "NX"), (self.xx, "XX"), (self.ch, "CH")] {
            if on {
                out.arg(word.as_bytes());
            }
        }
    }
}

/// Where a [`GeoSearch`] starts from.
#[derive(Debug, Clone, PartialEq)]
enum Center {
    Member(Vec<u8>),
    LonLat(f64, f64),
}

/// The shape a [`GeoSearch`] covers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Radius(f64, GeoUnit),
    Box(f64, f64, GeoUnit),
}

/// A search of a geo set: a centre ([`GeoSearch::from_member`] or [`GeoSearch::from_lonlat`]),
/// a shape ([`GeoSearch::by_radius`] or [`GeoSearch::by_box`]: one is required), and what to
/// return: the order, a count, and the distance, geohash and coordinates of each result.
///
/// `GEOSEARCH` and `GEOSEARCHSTORE` take any of them; the deprecated `GEORADIUS` family takes a
/// radius only, from coordinates (`georadius`) or a member (`georadiusbymember`). What a
/// command cannot take is refused with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)
/// before anything is sent: no shape, a box for `GEORADIUS`, the `with_*` options when storing,
/// [`GeoSearch::store_dist`] when not storing.
///
/// ```
/// use redisync::{GeoSearch, GeoUnit};
/// let nearest_five = GeoSearch::from_lonlat(15.0, 37.0)
///     .by_radius(200.0, GeoUnit::Km)
///     .asc()
///     .count(5)
///     .with_dist();
/// # let _ = nearest_five;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GeoSearch {
    from: Center,
    shape: Option<Shape>,
    order: Option<&'static str>,
    count: Option<(u64, bool)>,
    with_coord: bool,
    with_dist: bool,
    with_hash: bool,
    store_dist: bool,
}

impl GeoSearch {
    /// `FROMMEMBER member`: around a member of the set.
    pub fn from_member(member: impl AsRef<[u8]>) -> GeoSearch {
        GeoSearch::new(Center::Member(member.as_ref().to_vec()))
    }
    /// `FROMLONLAT longitude latitude`: around a point.
    pub fn from_lonlat(longitude: f64, latitude: f64) -> GeoSearch {
        GeoSearch::new(Center::LonLat(longitude, latitude))
    }
    fn new(from: Center) -> GeoSearch {
        GeoSearch {
            from,
            shape: None,
            order: None,
            count: None,
            with_coord: false,
            with_dist: false,
            with_hash: false,
            store_dist: false,
        }
    }
    /// `BYRADIUS radius unit`: within a circle.
    pub fn by_radius(mut self, radius: f64, unit: GeoUnit) -> GeoSearch {
        self.shape = Some(Shape::Radius(radius, unit));
        self
    }
    /// `BYBOX width height unit`: within an axis-aligned rectangle centred on the centre.
    pub fn by_box(mut self, width: f64, height: f64, unit: GeoUnit) -> GeoSearch {
        self.shape = Some(Shape::Box(width, height, unit));
        self
    }
    /// `ASC`: nearest first. Without `ASC` or `DESC` the order is unspecified.
    pub fn asc(mut self) -> GeoSearch {
        self.order = Some("ASC");
        self
    }
    /// `DESC`: farthest first.
    pub fn desc(mut self) -> GeoSearch {
        self.order = Some("DESC");
        self
    }
    /// `COUNT count`: at most `count` results, the nearest ones (all matches are sorted first).
    pub fn count(mut self, count: u64) -> GeoSearch {
        self.count = Some((count, false));
        self
    }
    /// `COUNT count ANY`: at most `count` results, the first found rather than the nearest
    /// (faster on large sets).
    pub fn count_any(mut self, count: u64) -> GeoSearch {
        self.count = Some((count, true));
        self
    }
    /// `WITHCOORD`: each result's [`GeoMember::coordinates`].
    pub fn with_coord(mut self) -> GeoSearch {
        self.with_coord = true;
        self
    }
    /// `WITHDIST`: each result's [`GeoMember::distance`] from the centre, in the search's unit.
    pub fn with_dist(mut self) -> GeoSearch {
        self.with_dist = true;
        self
    }
    /// `WITHHASH`: each result's [`GeoMember::hash`], the raw 52-bit geohash score.
    pub fn with_hash(mut self) -> GeoSearch {
        self.with_hash = true;
        self
    }
    /// `STOREDIST`, for `geosearchstore` and the `_store` forms of `GEORADIUS`: store each
    /// member's distance from the centre as its score, instead of its geohash.
    pub fn store_dist(mut self) -> GeoSearch {
        self.store_dist = true;
        self
    }

    fn shape(&self, command: &str) -> Result<Shape> {
        self.shape.ok_or_else(|| {
            Error::invalid(
                format!("{command} options"),
                "a shape is required: by_radius or by_box",
            )
        })
    }

    fn with_any(&self) -> bool {
        self.with_coord || self.with_dist || self.with_hash
    }

    /// The check for `GEOSEARCH` (`store` false) or `GEOSEARCHSTORE` (`store` true).
    pub(crate) fn check_search(&self, store: bool) -> Result<()> {
        let command = if store { "geosearchstore" } else { "geosearch" };
        self.shape(command)?;
        self.check_store(command, store)
    }

    /// The check for the `GEORADIUS` family: a radius, from a member (`by_member`) or from
    /// coordinates, storing or not.
    pub(crate) fn check_radius(&self, by_member: bool, store: bool) -> Result<()> {
        let command = if by_member {
            "georadiusbymember"
        } else {
            "georadius"
        };
        let part = format!("{command} options");
        match (&self.from, by_member) {
            (Center::Member(_), false) => {
                return Err(Error::invalid(
                    part,
                    "GEORADIUS searches from coordinates: use from_lonlat (or georadiusbymember)",
                ));
            }
            (Center::LonLat(..), true) => {
                return Err(Error::invalid(
                    part,
                    "GEORADIUSBYMEMBER searches from a member: use from_member (or georadius)",
                ));
            }
            _ => {}
        }
        if let Shape::Box(..) = self.shape(command)? {
            return Err(Error::invalid(
                part,
                "the GEORADIUS commands search a radius only: use geosearch for a box",
            ));
        }
        self.check_store(command, store)
    }

    fn check_store(&self, command: &str, store: bool) -> Result<()> {
        if store && self.with_any() {
            return Err(Error::invalid(
                format!("{command} options"),
                "WITHCOORD, WITHDIST and WITHHASH do not go with storing the results",
            ));
        }
        if !store && self.store_dist {
            return Err(Error::invalid(
                format!("{command} options"),
                "STOREDIST is only for storing the results",
            ));
        }
        Ok(())
    }

    /// `COUNT n [ANY]`, `ASC|DESC` and the `WITH*` words, in `GEOSEARCH`'s order.
    fn write_tail(&self, out: &mut ArgWriter<'_>) {
        self.order.write_args(out);
        if let Some((count, any)) = self.count {
            ("COUNT", count).write_args(out);
            if any {
                out.arg(b"ANY");
            }
        }
        for (on, word) in [
            (self.with_coord, "WITHCOORD"),
            (self.with_dist, "WITHDIST"),
            (self.with_hash, "WITHHASH"),
        ] {
            if on {
                out.arg(word.as_bytes());
            }
        }
    }
}

/// The arguments of `GEOSEARCH` / `GEOSEARCHSTORE` after the key(s), checked already.
pub(crate) struct SearchArgs<'a>(pub(crate) &'a GeoSearch);

impl ToArgs for SearchArgs<'_> {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        let s = self.0;
        match &s.from {
            Center::Member(m) => {
                out.arg(b"FROMMEMBER");
                out.arg(m);
            }
            Center::LonLat(lon, lat) => ("FROMLONLAT", lon, lat).write_args(out),
        }
        match s.shape {
            Some(Shape::Radius(r, unit)) => ("BYRADIUS", r, unit).write_args(out),
            Some(Shape::Box(w, h, unit)) => ("BYBOX", w, h, unit).write_args(out),
            None => {}
        }
        s.write_tail(out);
        if s.store_dist {
            out.arg(b"STOREDIST");
        }
    }
}

/// The arguments of a `GEORADIUS`-family command after the key, checked already: the centre,
/// the radius and unit, then the options. `STORE`/`STOREDIST` come from the caller.
pub(crate) struct RadiusArgs<'a>(pub(crate) &'a GeoSearch);

impl ToArgs for RadiusArgs<'_> {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        let s = self.0;
        match &s.from {
            Center::Member(m) => out.arg(m),
            Center::LonLat(lon, lat) => (lon, lat).write_args(out),
        }
        if let Some(Shape::Radius(r, unit)) = s.shape {
            (r, unit).write_args(out);
        }
        s.write_tail(out);
    }
}

/// The `STORE key` or `STOREDIST key` of the `_store` forms of `GEORADIUS`.
pub(crate) struct StoreArgs<'a, K: ?Sized>(pub(crate) &'a GeoSearch, pub(crate) &'a K);

impl<K: ToArgs + ?Sized> ToArgs for StoreArgs<'_, K> {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(if self.0.store_dist {
            b"STOREDIST"
        } else {
            b"STORE"
        });
        self.1.write_args(out);
    }
}

/// A position on the globe, as `GEOPOS` and `WITHCOORD` give it: degrees of longitude (-180
/// to 180) and latitude (about -85.05 to 85.05).
///
/// Redis stores positions as 52-bit geohashes, so what comes back is within a fraction of a
/// metre of what was added, not the same `f64`s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    /// Degrees east (negative: west).
    pub longitude: f64,
    /// Degrees north (negative: south).
    pub latitude: f64,
}

impl FromValue for Coordinates {
    /// A pair `[longitude, latitude]`: bulk strings on RESP2, doubles on RESP3.
    fn from_value(value: Value) -> Result<Coordinates> {
        let (longitude, latitude) = <(f64, f64)>::from_value(value)?;
        Ok(Coordinates {
            longitude,
            latitude,
        })
    }
}

/// One result of `GEOSEARCH` or `GEORADIUS`: the member, and what the search asked for with
/// [`GeoSearch::with_dist`], [`GeoSearch::with_hash`] and [`GeoSearch::with_coord`] (`None`
/// when not asked).
#[derive(Debug, Clone, PartialEq)]
pub struct GeoMember<M> {
    /// The member's name.
    pub member: M,
    /// Its distance from the search's centre, in the search's unit (`WITHDIST`).
    pub distance: Option<f64>,
    /// Its raw geohash, the score Redis keeps it under (`WITHHASH`).
    pub hash: Option<u64>,
    /// Its position (`WITHCOORD`).
    pub coordinates: Option<Coordinates>,
}

impl<M: FromValue> FromValue for GeoMember<M> {
    /// A name alone (no `WITH*` option), or an array of the name followed by what was asked
    /// for, in Redis's order (distance, hash, coordinates), each told by its type: the hash
    /// is an integer, the coordinates an array, the distance a string (or a RESP3 double).
    fn from_value(value: Value) -> Result<GeoMember<M>> {
        let items = match value.into_unattributed() {
            Value::Array(items) => items,
            Value::Error(e) | Value::BulkError(e) => return Err(Error::Server(e)),
            other => {
                return Ok(GeoMember {
                    member: M::from_value(other)?,
                    distance: None,
                    hash: None,
                    coordinates: None,
                });
            }
        };
        if items.is_empty() || items.len() > 4 {
            return Err(ConversionError::new("GeoMember", &Value::Array(items)).into());
        }
        let mut items = items.into_iter();
        let mut result = GeoMember {
            member: M::from_value(items.next().unwrap_or(Value::Nil))?,
            distance: None,
            hash: None,
            coordinates: None,
        };
        for item in items {
            match item.into_unattributed() {
                v @ Value::Int(_) => result.hash = Some(u64::from_value(v)?),
                v @ Value::Array(_) => result.coordinates = Some(Coordinates::from_value(v)?),
                v => result.distance = Some(f64::from_value(v)?),
            }
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn encode(a: &dyn ToArgs) -> String {
        let mut out = Vec::new();
        let mut w = ArgWriter::new(&mut out);
        a.write_args(&mut w);
        let n = w.count();
        assert_eq!(n, a.arg_count());
        crate::resp::split_command(&[format!("*{n}\r\n").as_bytes(), &out].concat())
            .unwrap()
            .into_iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn searches_write_their_words() {
        let s = GeoSearch::from_member("Palermo")
            .by_box(400.0, 200.5, GeoUnit::Km)
            .desc()
            .count_any(3)
            .with_hash()
            .with_coord()
            .with_dist();
        assert_eq!(
            encode(&SearchArgs(&s)),
            "FROMMEMBER Palermo BYBOX 400 200.5 km DESC COUNT 3 ANY WITHCOORD WITHDIST WITHHASH"
        );
        let s = GeoSearch::from_lonlat(15.0, -37.5)
            .by_radius(10.0, GeoUnit::Mi)
            .store_dist();
        assert_eq!(
            encode(&SearchArgs(&s)),
            "FROMLONLAT 15 -37.5 BYRADIUS 10 mi STOREDIST"
        );
        let s = GeoSearch::from_lonlat(1.0, 2.0)
            .by_radius(5.0, GeoUnit::Ft)
            .asc()
            .count(2)
            .with_dist();
        assert_eq!(encode(&RadiusArgs(&s)), "1 2 5 ft ASC COUNT 2 WITHDIST");
        assert_eq!(encode(&StoreArgs(&s, "d")), "STORE d");
        let m = GeoSearch::from_member(b"\xff\r\n").by_radius(1.0, GeoUnit::M);
        assert_eq!(encode(&RadiusArgs(&m)), "\u{fffd}\r\n 1 m");
        assert_eq!(encode(&StoreArgs(&m.store_dist(), "d")), "STOREDIST d");
        assert_eq!(
            encode(&GeoAddOptions::new().xx().ch()),
            "XX CH",
            "geoadd options"
        );
    }

    #[test]
    fn what_a_command_cannot_take_is_refused() {
        let radius = GeoSearch::from_lonlat(0.0, 0.0).by_radius(1.0, GeoUnit::Km);
        let member = GeoSearch::from_member("m").by_radius(1.0, GeoUnit::Km);
        radius.check_search(false).unwrap();
        radius.check_search(true).unwrap();
        radius.check_radius(false, false).unwrap();
        member.check_radius(true, true).unwrap();
        radius
            .clone()
            .with_dist()
            .check_radius(false, false)
            .unwrap();
        let cases = [
            (
                GeoSearch::from_member("m").check_search(false),
                "shape is required",
            ),
            (
                radius.clone().with_dist().check_search(true),
                "do not go with storing",
            ),
            (
                radius.clone().store_dist().check_search(false),
                "STOREDIST is only",
            ),
            (member.check_radius(false, false), "from_lonlat"),
            (radius.check_radius(true, false), "from_member"),
            (
                GeoSearch::from_lonlat(0.0, 0.0)
                    .by_box(1.0, 1.0, GeoUnit::M)
                    .check_radius(false, false),
                "radius only",
            ),
            (
                radius.clone().with_coord().check_radius(false, true),
                "do not go with storing",
            ),
            (GeoAddOptions::new().nx().xx().check(), "NX and XX"),
        ];
        for (result, why) in cases {
            let e = result.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert!(e.to_string().contains(why), "{e}");
        }
    }

    #[test]
    fn members_read_both_protocols_and_every_combination() {
        let plain = GeoMember::<String>::from_value(bulk("Palermo")).unwrap();
        assert_eq!(plain.member, "Palermo");
        assert_eq!(
            (plain.distance, plain.hash, plain.coordinates),
            (None, None, None)
        );
        let resp2 = Value::Array(vec![
            bulk("Catania"),
            bulk("56.4413"),
            Value::Int(3479447370796909),
            Value::Array(vec![bulk("15.0872"), bulk("37.5026")]),
        ]);
        let resp3 = Value::Array(vec![
            bulk("Catania"),
            Value::Double(56.4413),
            Value::Int(3479447370796909),
            Value::Array(vec![Value::Double(15.0872), Value::Double(37.5026)]),
        ]);
        for v in [resp2, resp3] {
            let m = GeoMember::<String>::from_value(v).unwrap();
            assert_eq!(m.member, "Catania");
            assert_eq!(m.distance, Some(56.4413));
            assert_eq!(m.hash, Some(3479447370796909));
            assert_eq!(
                m.coordinates,
                Some(Coordinates {
                    longitude: 15.0872,
                    latitude: 37.5026
                })
            );
        }
        let only_coord = Value::Array(vec![bulk("x"), Value::Array(vec![bulk("1"), bulk("2")])]);
        let m = GeoMember::<String>::from_value(only_coord).unwrap();
        assert_eq!((m.distance, m.hash), (None, None));
        assert_eq!(m.coordinates.map(|c| c.latitude), Some(2.0));
        for bad in [
            Value::Array(vec![]),
            Value::Array(vec![bulk("x"), bulk("not a number")]),
            Value::Array(vec![bulk("x"), Value::Array(vec![bulk("1")])]),
        ] {
            let e = GeoMember::<String>::from_value(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
        }
        let e = Vec::<GeoMember<String>>::from_value(Value::Array(vec![Value::Error(Box::new(
            crate::error::ServerError::parse(b"WRONGTYPE x"),
        ))]))
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongType);
        assert!(
            Option::<Coordinates>::from_value(Value::Nil)
                .unwrap()
                .is_none()
        );
    }
}
