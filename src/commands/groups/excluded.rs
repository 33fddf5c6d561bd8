//! The commands of the covered groups that deliberately have no typed method, each with the
//! reason: the one exclusion list the coverage test (tests/command_coverage.rs) reads. A name
//! without a subcommand stands for the container and every subcommand of it. Each group has
//! its own list here, so the reasons stay next to the others of their kind.

/// Every group's exclusions.
pub(crate) const EXCLUDED: &[&[(&str, &str)]] = &[
    STRINGS,
    KEYS,
    HASHES,
    LISTS,
    SETS,
    SORTED_SETS,
    STREAMS,
    GEO,
    HYPERLOGLOG,
    BITMAPS,
    SCRIPTING,
    PUBSUB,
    SERVER,
    CLUSTER,
    CONNECTION,
    TRANSACTIONS,
];

const STRINGS: &[(&str, &str)] = &[];

const KEYS: &[(&str, &str)] = &[(
    "OBJECT HELP",
    "a HELP subcommand: the server's own help text, for people at a prompt",
)];

const HASHES: &[(&str, &str)] = &[];

const LISTS: &[(&str, &str)] = &[];

const SETS: &[(&str, &str)] = &[];

const SORTED_SETS: &[(&str, &str)] = &[];

const STREAMS: &[(&str, &str)] = &[
    (
        "XGROUP HELP",
        "help text for humans (redis-cli), not for programs",
    ),
    (
        "XINFO HELP",
        "help text for humans (redis-cli), not for programs",
    ),
];

const GEO: &[(&str, &str)] = &[];

const HYPERLOGLOG: &[(&str, &str)] = &[
    (
        "PFDEBUG",
        "a debug command (the HyperLogLog's internal registers and encoding), not for applications",
    ),
    (
        "PFSELFTEST",
        "a debug command: the server tests its own HyperLogLog implementation",
    ),
];

const BITMAPS: &[(&str, &str)] = &[];

const SCRIPTING: &[(&str, &str)] = &[
    (
        "SCRIPT DEBUG",
        "the Lua debugger is interactive (redis-cli --ldb) and turns the connection into a debugging session; the write path refuses it on ordinary connections",
    ),
    (
        "SCRIPT HELP",
        "help text for humans (redis-cli), not for programs",
    ),
    (
        "FUNCTION HELP",
        "help text for humans (redis-cli), not for programs",
    ),
];

const PUBSUB: &[(&str, &str)] = &[
    (
        "SUBSCRIBE",
        "turns the connection into a pub/sub connection: Client::subscriber() / pubsub::Subscriber (subscribe), which reconnects and resubscribes; the write path refuses it on ordinary connections",
    ),
    ("PSUBSCRIBE", "as SUBSCRIBE: Subscriber::psubscribe"),
    ("SSUBSCRIBE", "as SUBSCRIBE: Subscriber::ssubscribe"),
    ("UNSUBSCRIBE", "as SUBSCRIBE: Subscriber::unsubscribe"),
    ("PUNSUBSCRIBE", "as SUBSCRIBE: Subscriber::punsubscribe"),
    ("SUNSUBSCRIBE", "as SUBSCRIBE: Subscriber::sunsubscribe"),
    (
        "PUBSUB HELP",
        "help text for humans (redis-cli), not for programs",
    ),
];

const SERVER: &[(&str, &str)] = &[];

const CLUSTER: &[(&str, &str)] = &[];

const CONNECTION: &[(&str, &str)] = &[];

const TRANSACTIONS: &[(&str, &str)] = &[
    (
        "MULTI",
        "a transaction is an atomic pipeline (Pipeline::atomic) or transaction(): MULTI on a client could land on any pooled connection",
    ),
    (
        "EXEC",
        "sent by atomic pipelines and transaction(), as MULTI",
    ),
    (
        "DISCARD",
        "sent by the pool when a connection comes back inside MULTI, as MULTI",
    ),
];
