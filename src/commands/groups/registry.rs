//! The registry of typed methods: every group's methods with the entry of the command each
//! sends, and the commands deliberately left without one.

use super::{
    bitmaps, cluster, connection, excluded, geo, hashes, hyperloglog, keys, lists, pubsub,
    scripting, server, sets, sorted_sets, streams, strings, transactions,
};
use crate::commands::table::CommandSpec;

/// A typed method's name and the entry of the command it sends.
pub(crate) type Method = (&'static str, &'static CommandSpec);

/// Every group's methods.
const GROUPS: &[&[Method]] = &[
    strings::METHODS,
    keys::METHODS,
    hashes::METHODS,
    lists::METHODS,
    sets::METHODS,
    sorted_sets::METHODS,
    streams::METHODS,
    geo::METHODS,
    hyperloglog::METHODS,
    bitmaps::METHODS,
    scripting::METHODS,
    pubsub::METHODS,
    server::METHODS,
    cluster::METHODS,
    connection::METHODS,
    transactions::METHODS,
];

/// Every typed method, with the entry of the command it sends (a few commands have more than
/// one method: `SET` has `set`, `set_options` and `set_get`). A method whose name ends in `()`
/// is a free function rather than a method (the `scan` iterators).
///
/// ```
/// let get = redisync::commands::methods().find(|(name, _)| *name == "get").unwrap();
/// assert_eq!(get.1.full_name(), "GET");
/// ```
pub fn methods() -> impl Iterator<Item = (&'static str, &'static CommandSpec)> {
    GROUPS.iter().flat_map(|g| g.iter().copied())
}

/// The typed methods that send `command` (`"GET"`, `"CLIENT KILL"`), in any case.
pub fn methods_of(command: &str) -> Vec<&'static str> {
    methods()
        .filter(|(_, spec)| spec.full_name().eq_ignore_ascii_case(command))
        .map(|(name, _)| name)
        .collect()
}

/// The commands of the covered groups that have no typed method on purpose, each with the
/// reason (admin and debug commands, commands another part of the API covers). A name without
/// a subcommand stands for the container and all its subcommands.
pub fn excluded() -> impl Iterator<Item = (&'static str, &'static str)> {
    excluded::EXCLUDED.iter().flat_map(|g| g.iter().copied())
}
