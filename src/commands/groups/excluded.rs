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

const SERVER: &[(&str, &str)] = &[
    (
        "ACL",
        "user and permission administration (users, rules, logs): for an admin tool or the config file, not application traffic",
    ),
    (
        "BGREWRITEAOF",
        "persistence administration: rewrites the append-only file in the background",
    ),
    (
        "BGSAVE",
        "persistence administration: forks a background save to disk",
    ),
    (
        "SAVE",
        "persistence administration: saves to disk in the foreground, blocking every client meanwhile",
    ),
    (
        "SHUTDOWN",
        "stops the server: administration, and the connection is gone with it",
    ),
    (
        "COMMAND",
        "command table introspection: the crate ships the table itself (redisync::commands::table), checked against live servers",
    ),
    (
        "COMMANDLOG",
        "Valkey 8.1+ operator log of slow and large requests and replies; SLOWLOG (typed) covers slow commands on every server",
    ),
    ("CONFIG HELP", "help text for people at a terminal"),
    (
        "CONFIG RESETSTAT",
        "administration: resets the server's statistics (INFO counters, slow log excepted) for everyone",
    ),
    (
        "CONFIG REWRITE",
        "administration: rewrites the server's config file on disk",
    ),
    (
        "DEBUG",
        "debugging the server itself (it can crash, freeze or corrupt it on purpose)",
    ),
    (
        "FAILOVER",
        "replication administration: hands the primary role to a replica",
    ),
    (
        "LATENCY",
        "operator diagnostics (latency monitor events, graphs, histograms, advice text)",
    ),
    ("LOLWUT", "prints ASCII art and the version"),
    (
        "MEMORY DOCTOR",
        "advice text for an operator; MEMORY USAGE and INFO memory are typed",
    ),
    ("MEMORY HELP", "help text for people at a terminal"),
    (
        "MEMORY MALLOC-STATS",
        "the allocator's internal statistics as free text, for debugging the server",
    ),
    (
        "MEMORY PURGE",
        "administration: asks the allocator to release memory to the system",
    ),
    (
        "MEMORY STATS",
        "operator diagnostics with a shape that changes across versions; INFO memory (typed through Info) holds the figures applications watch",
    ),
    (
        "MODULE",
        "module administration (load, unload, list): for the config file or an admin tool",
    ),
    (
        "MONITOR",
        "refused by the write path: it turns the connection into a stream of every command the server runs; use a dedicated connection outside the client",
    ),
    (
        "PSYNC",
        "the replication protocol, refused by the write path: it turns the connection into a replication stream",
    ),
    (
        "SYNC",
        "the replication protocol, refused by the write path: it turns the connection into a replication stream",
    ),
    (
        "REPLCONF",
        "the replication protocol between a replica and its primary, internal to replication",
    ),
    (
        "REPLICAOF",
        "replication administration: makes the server a replica of another (or a primary again)",
    ),
    (
        "SLAVEOF",
        "the old name of REPLICAOF: replication administration",
    ),
    (
        "RESTORE-ASKING",
        "internal to cluster slot migration: MIGRATE sends it to the target node",
    ),
    ("SLOWLOG HELP", "help text for people at a terminal"),
];

const CLUSTER: &[(&str, &str)] = &[
    (
        "ASKING",
        "the cluster client's: sent after an ASK redirect, right before the one command it lets through; meaningless on its own",
    ),
    (
        "READONLY",
        "the cluster client's: lets a connection to a replica serve reads, a routing choice of the cluster client (and it makes the session dirty)",
    ),
    (
        "READWRITE",
        "the cluster client's: undoes READONLY, a routing choice of the cluster client",
    ),
    (
        "CLUSTERSCAN",
        "Valkey 9.1+ cluster-wide SCAN whose cursor names the node to go on with: an iterator for the cluster client, not one node's command",
    ),
    (
        "CLUSTER ADDSLOTS",
        "cluster administration: assigns slots to this node",
    ),
    (
        "CLUSTER ADDSLOTSRANGE",
        "cluster administration: assigns ranges of slots to this node",
    ),
    (
        "CLUSTER BUMPEPOCH",
        "cluster administration: advances this node's configuration epoch",
    ),
    (
        "CLUSTER CANCELSLOTMIGRATIONS",
        "Valkey 9.0+ cluster administration: cancels atomic slot migrations",
    ),
    (
        "CLUSTER COUNT-FAILURE-REPORTS",
        "cluster debugging: how many nodes report a node as failing",
    ),
    (
        "CLUSTER DELSLOTS",
        "cluster administration: unassigns slots from this node",
    ),
    (
        "CLUSTER DELSLOTSRANGE",
        "cluster administration: unassigns ranges of slots from this node",
    ),
    (
        "CLUSTER FAILOVER",
        "cluster administration: promotes this replica to primary",
    ),
    (
        "CLUSTER FLUSHSLOT",
        "Valkey 9.0+ cluster administration: deletes every key of one slot",
    ),
    (
        "CLUSTER FLUSHSLOTS",
        "cluster administration: unassigns every slot of this node",
    ),
    (
        "CLUSTER FORGET",
        "cluster administration: removes a node from this node's table",
    ),
    (
        "CLUSTER GETSLOTMIGRATIONS",
        "Valkey 9.0+ cluster administration: the state of atomic slot migrations, for the tool running them",
    ),
    ("CLUSTER HELP", "help text for people at a terminal"),
    (
        "CLUSTER MEET",
        "cluster administration: joins another node to the cluster",
    ),
    (
        "CLUSTER MIGRATESLOTS",
        "Valkey 9.0+ cluster administration: starts atomic slot migrations",
    ),
    (
        "CLUSTER REPLICATE",
        "cluster administration: makes this node a replica of a primary",
    ),
    (
        "CLUSTER RESET",
        "cluster administration: forgets the cluster (and with HARD, this node's id)",
    ),
    (
        "CLUSTER SAVECONFIG",
        "cluster administration: writes nodes.conf to disk",
    ),
    (
        "CLUSTER SET-CONFIG-EPOCH",
        "cluster administration: sets a new node's configuration epoch",
    ),
    (
        "CLUSTER SETSLOT",
        "cluster administration: slot migration and assignment (IMPORTING, MIGRATING, NODE, STABLE)",
    ),
    (
        "CLUSTER SYNCSLOTS",
        "Valkey 9.0+ internal to atomic slot migration, between the nodes",
    ),
];

const CONNECTION: &[(&str, &str)] = &[
    ("CLIENT HELP", "help text for people at a terminal"),
    (
        "CLIENT REPLY",
        "refused by the write path: ON, OFF and SKIP change which commands get a reply, so replies would reach the wrong caller",
    ),
    (
        "CLIENT CAPA",
        "Valkey 8.0+: declares that the client follows -REDIRECT replies (a replica sending it to the primary); this crate does not follow them, so it must not claim the capability",
    ),
    (
        "CLIENT IMPORT-SOURCE",
        "Valkey 8.1+: marks the connection as a data import tool's (with import-mode on it sees and writes expired keys), for migration and sync tools",
    ),
    (
        "QUIT",
        "deprecated since Redis 7.2: the server closes the connection after replying; drop the Connection instead (the pool closes its own connections)",
    ),
    (
        "RESET",
        "undoes the handshake: back to RESP2, the default user, database 0, no name, no tracking, so the connection no longer matches the settings it was opened with; the pool closes a connection whose session changed rather than resetting it, and a session of your own ends by dropping its Connection",
    ),
];

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
