// How to write a method here (names, arguments, return types, options, docs, tests, the
// exclusion list): read CONVENTIONS.md in this directory first.
//! The typed commands: one trait per group of the Redis documentation, each in its own file,
//! all over the one core ([`Commands`](crate::Commands)) that sends a request.
//!
//! Every method names its command's entry in the [command table](crate::commands::table), so
//! what the crate knows about the command (safe to repeat? blocking? its keys?) cannot drift
//! from the method. [`methods`](crate::commands::methods) lists every method with the command
//! it sends, and [`excluded`](crate::commands::excluded) the commands of these groups that
//! deliberately have none, with the reason.

mod bitmaps;
mod cluster;
mod connection;
mod excluded;
mod geo;
mod hashes;
mod hyperloglog;
mod keys;
mod lists;
mod pubsub;
pub(in crate::commands) mod registry;
mod scripting;
mod server;
mod sets;
mod shared;
mod sorted_sets;
mod streams;
mod strings;
mod transactions;

pub use bitmaps::{BitField, BitOffset, BitOp, BitRange, BitType, BitmapCommands, Overflow};
pub use cluster::{
    ClusterCommands, ClusterInfo, ClusterLink, ClusterNode, LinkDirection, NodeHealth, Shard,
    ShardNode, SlotMetric, SlotNode, SlotRange, SlotStats, SlotStatsQuery,
};
pub use connection::{
    ClientAttr, ClientInfo, ClientKillOptions, ClientListOptions, ClientType, ConnectionCommands,
    Hello, HelloOptions, ModuleInfo, PauseMode, TrackingInfo, TrackingOptions, UnblockMode,
};
pub use geo::{Coordinates, GeoAddOptions, GeoCommands, GeoMember, GeoSearch, GeoUnit};
pub use hashes::{FieldExpiry, FieldPersist, HGetExOptions, HSetExOptions, HashCommands};
pub use hyperloglog::HyperLogLogCommands;
pub use keys::{
    CopyOptions, ExpireConditions, KeyCommands, KeyType, MigrateOptions, RestoreOptions,
    SortOptions,
};
pub use lists::{InsertPosition, ListCommands, LposOptions};
pub use pubsub::PubSubCommands;
pub use scripting::{
    FunctionEngineStats, FunctionInfo, FunctionListOptions, FunctionRestorePolicy, FunctionStats,
    LibraryInfo, RunningFunction, ScriptFlushMode, ScriptingCommands,
};
pub use server::{
    ConnectedReplica, FlushMode, Info, KeyspaceInfo, Role, ServerCommands, SlowlogEntry,
};
pub use sets::SetCommands;
pub use shared::{ExpireCondition, ExpireTime, Side, Ttl};
pub use sorted_sets::{
    LexBound, MinMax, ScoreBound, SortedSetCommands, ZAddOptions, ZAggregate, ZCombineOptions,
    ZRange,
};
pub use streams::{
    AutoClaim, PendingDelivery, PendingEntry, PendingSummary, StreamBatch, StreamCommands,
    StreamConsumerFull, StreamConsumerInfo, StreamEntry, StreamGroupFull, StreamGroupInfo,
    StreamInfo, StreamInfoFull, StreamTrim, XAddOptions, XClaimOptions, XGroupCreateOptions,
    XPendingOptions, XReadOptions, XSetIdOptions,
};
pub use strings::{GetExpiry, LcsMatch, LcsMatches, SetOptions, StringCommands};
pub use transactions::TransactionCommands;

pub(crate) use registry::Method;

#[cfg(test)]
pub(crate) mod check {
    //! Checks that each group's methods send the commands its `METHODS` says.

    use std::collections::BTreeSet;

    use super::Method;
    use crate::commands::table::CommandSpec;
    use crate::commands::{Batch, Execute, Request};
    use crate::error::Result;
    use crate::resp::{Value, split_command};

    /// An `Execute` that records what it is asked to send and answers nil.
    #[derive(Default)]
    pub(crate) struct Recorder {
        pub(crate) sent: Vec<(&'static CommandSpec, Vec<Vec<u8>>)>,
    }

    impl Execute for Recorder {
        fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
            let mut out = Vec::new();
            request.encode(&mut out)?;
            let args = split_command(&out)
                .unwrap_or_default()
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect();
            self.sent.push((request.spec(), args));
            Ok(Value::Nil)
        }

        fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
            Ok(vec![Value::Nil; batch.len()])
        }
    }

    /// A method called on a recorder.
    pub(crate) type Call = (&'static str, fn(&mut Recorder));

    /// What `call` sent, as text: `["SET", "k", "v"]` (for the groups' encoding tests).
    #[allow(dead_code)]
    pub(crate) fn sent(call: fn(&mut Recorder)) -> Vec<String> {
        let mut r = Recorder::default();
        call(&mut r);
        match r.sent.as_slice() {
            [(_, args)] => args
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect(),
            other => panic!("expected one command, got {}", other.len()),
        }
    }

    /// Every method of `group` is called once by `calls` and sends exactly the command its
    /// entry names; no call names a method the group does not list.
    pub(crate) fn methods(group: &[Method], calls: &[Call]) {
        let listed: BTreeSet<&str> = group.iter().map(|(n, _)| *n).collect();
        let called: BTreeSet<&str> = calls.iter().map(|(n, _)| *n).collect();
        assert_eq!(listed, called, "METHODS and the calls differ");
        for (name, call) in calls {
            let mut r = Recorder::default();
            call(&mut r);
            let want: Vec<&CommandSpec> = group
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, s)| *s)
                .collect();
            let got: Vec<&CommandSpec> = r.sent.iter().map(|(s, _)| *s).collect();
            assert_eq!(got, want, "{name} sent {got:?}");
            let (spec, args) = &r.sent[0];
            let first = String::from_utf8_lossy(&args[0]).into_owned();
            let expected = spec.container().unwrap_or(spec.name());
            assert_eq!(first, expected, "{name} wrote another name");
        }
    }
}
