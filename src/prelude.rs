//! Everything a program usually needs in one `use redisync::prelude::*;`: every typed command
//! trait (one per group of the Redis documentation), the core they stand on, and the names most
//! code calls.
//!
//! ```no_run
//! use redisync::prelude::*;
//!
//! let client = Client::open("redis://127.0.0.1")?;
//! client.set("k", "v")?;
//! let n: u64 = client.del("k")?;
//! # Ok::<(), redisync::Error>(())
//! ```

pub use crate::commands::{
    BitmapCommands, ClusterCommands, Commands, ConnectionCommands, GeoCommands, HashCommands,
    HyperLogLogCommands, KeyCommands, ListCommands, PubSubCommands, ScriptingCommands,
    ServerCommands, SetCommands, SortedSetCommands, StreamCommands, StringCommands,
    TransactionCommands,
};
pub use crate::{
    Client, Connection, ErrorKind, FromValue, Pipeline, ToArg, ToArgs, Value, cmd, pipe,
};
