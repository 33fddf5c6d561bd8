"""Our own columns of the command table: what no server reports, decided here, with the reasons.

Names are upper case; a subcommand is written with a space (`CLIENT ID`). generate.py fails when a
name here is not a command or subcommand of any of the three servers, so a typo or a command a
server dropped cannot linger.
"""

# -- Redis 6.2's subcommands that its HELP does not list --------------------------------------
#
# generate.py reads 6.2's subcommands from `<CONTAINER> HELP`, which leaves out aliases. Each
# entry here is a subcommand 6.2 has all the same, with arguments that prove it on the throwaway
# server (6.2 answers "Unknown subcommand or wrong number of arguments" both for a name it does
# not know and for a known one with the wrong arguments, so only a well-formed call can tell).
# generate.py fails if the probe gets that answer.

R62_UNLISTED_SUBCOMMANDS = {
    # The old name of CLUSTER REPLICAS; "Unknown node" shows the subcommand ran.
    "CLUSTER SLAVES": ["CLUSTER", "SLAVES", "0" * 40],
}

# -- repeat -----------------------------------------------------------------------------------
#
# Repeat::Safe means: running the command twice has the same effect as running it once, whatever
# other clients did in between, because it changes no data and no server state. Every command the
# (canonical) server flags `readonly` is Safe. So is every `<CONTAINER> HELP`, which only returns
# text. The commands below are Safe too although the server does not flag them `readonly`
# (mostly because they touch no keys: `readonly` is about the keyspace). Everything else is
# Unsafe, including:
#   - a plain SET: re-sent after another client wrote the key, it overwrites the newer value;
#   - PUBLISH / SPUBLISH: a second run delivers the message twice;
#   - EVAL, EVALSHA, FCALL: not flagged readonly, so the script may write;
#   - ACL LOG: `ACL LOG RESET` clears the log (the table is per command, not per argument);
#   - FUNCTION LOAD: a second run fails with "library already exists" (without REPLACE) or
#     replaces a library another client loaded meanwhile;
#   - anything that changes the connection (SELECT, CLIENT SETNAME, ...): connection state is
#     state, and the pool's session handling needs to see it exactly once.
# generate.py fails if a name here is flagged `write` by a server.

HELP_IS_SAFE = True

REPEAT_SAFE = [
    # Liveness and server introspection: the reply describes, nothing changes.
    "PING",
    "ECHO",
    "TIME",
    "INFO",
    "LASTSAVE",
    "ROLE",
    # DBSIZE and LOLWUT: every server flags them readonly, so they need no entry here.
    # The command table itself.
    "COMMAND",
    "COMMAND COUNT",
    "COMMAND DOCS",
    "COMMAND GETKEYS",
    "COMMAND GETKEYSANDFLAGS",
    "COMMAND INFO",
    "COMMAND LIST",
    # Reading configuration.
    "CONFIG GET",
    # The connection's own attributes, read.
    "CLIENT ID",
    "CLIENT GETNAME",
    "CLIENT INFO",
    "CLIENT LIST",
    "CLIENT GETREDIR",
    "CLIENT TRACKINGINFO",
    # Script cache: EXISTS reads it; LOAD is idempotent (the same source gives the same SHA1 and
    # leaves the cache as one run would); SHOW (Valkey) returns a cached script's source.
    "SCRIPT EXISTS",
    "SCRIPT LOAD",
    "SCRIPT SHOW",
    # Functions, read.
    "FUNCTION LIST",
    "FUNCTION DUMP",
    "FUNCTION STATS",
    # Memory reports (MEMORY USAGE is flagged readonly already).
    "MEMORY STATS",
    "MEMORY DOCTOR",
    "MEMORY MALLOC-STATS",
    # Logs, read (RESET clears them: Unsafe).
    "SLOWLOG GET",
    "SLOWLOG LEN",
    "COMMANDLOG GET",
    "COMMANDLOG LEN",
    "LATENCY DOCTOR",
    "LATENCY GRAPH",
    "LATENCY HISTOGRAM",
    "LATENCY HISTORY",
    "LATENCY LATEST",
    # Pub/sub introspection (counts and names of channels; subscribing is elsewhere).
    "PUBSUB CHANNELS",
    "PUBSUB NUMPAT",
    "PUBSUB NUMSUB",
    "PUBSUB SHARDCHANNELS",
    "PUBSUB SHARDNUMSUB",
    # Cluster introspection: the node's view of the cluster, read.
    "CLUSTER INFO",
    "CLUSTER SLOTS",
    "CLUSTER SHARDS",
    "CLUSTER NODES",
    "CLUSTER KEYSLOT",
    "CLUSTER MYID",
    "CLUSTER MYSHARDID",
    "CLUSTER COUNTKEYSINSLOT",
    "CLUSTER GETKEYSINSLOT",
    "CLUSTER LINKS",
    "CLUSTER REPLICAS",
    "CLUSTER SLAVES",
    "CLUSTER COUNT-FAILURE-REPORTS",
    "CLUSTER GETSLOTMIGRATIONS",
    "CLUSTER SLOT-STATS",
    # Waiting for replication or the AOF changes nothing; a second wait is just another wait.
    "WAIT",
    "WAITAOF",
    # ACL, read (GENPASS returns random bytes and stores nothing).
    "ACL WHOAMI",
    "ACL LIST",
    "ACL USERS",
    "ACL GETUSER",
    "ACL CAT",
    "ACL DRYRUN",
    "ACL GENPASS",
    # Modules, read.
    "MODULE LIST",
]

# -- blocking ---------------------------------------------------------------------------------
#
# Where each blocking command keeps its wait, so the client can add it to the read timeout.
# generate.py fails, naming the command, when any server flags a command `blocking` that has no
# entry here (a new blocking command must never get the plain read timeout), and when an entry
# names a command no server has. Redis 6.2 flags none of them `blocking`; the entries apply there
# too. WaitArg "Option:X:N:Y" is WaitArg::Option { keyword: "X", from: N, before: "Y" }: the value
# of option X, searched from argument N and not past argument Y, as the key specs search for
# STREAMS (a consumer group named `block`, or a stream key named `block`, is not the option).

BLOCKING = {
    # The timeout is the last argument, in seconds (fractions allowed since 6.0).
    "BLPOP": ("Last", "Seconds"),
    "BRPOP": ("Last", "Seconds"),
    "BRPOPLPUSH": ("Last", "Seconds"),
    "BLMOVE": ("Last", "Seconds"),
    "BZPOPMIN": ("Last", "Seconds"),
    "BZPOPMAX": ("Last", "Seconds"),
    # `BLMPOP timeout numkeys key...`: the timeout comes first.
    "BLMPOP": ("First", "Seconds"),
    "BZMPOP": ("First", "Seconds"),
    # `WAIT numreplicas timeout`, `WAITAOF numlocal numreplicas timeout`: milliseconds, last.
    "WAIT": ("Last", "Milliseconds"),
    "WAITAOF": ("Last", "Milliseconds"),
    # Streams block only with `BLOCK ms`, an option before STREAMS; XREADGROUP's options start
    # after `GROUP group consumer`.
    "XREAD": ("Option:BLOCK:1:STREAMS", "Milliseconds"),
    "XREADGROUP": ("Option:BLOCK:4:STREAMS", "Milliseconds"),
}

# -- session ----------------------------------------------------------------------------------
#
# What a command does to its connection's session (applied when the reply confirms it). Not
# listed: SessionEffect::None. Every Valkey 9 command was read for effects on the connection's
# own state; besides the obvious ones, that found the Valkey-only CLIENT CAPA, CLIENT
# IMPORT-SOURCE and CLIENT NO-TOUCH (also in Redis 7.2, not in 7.0), SCRIPT DEBUG and CLUSTER
# SYNCSLOTS; Redis 6.2 adds HOST: and POST.

PUBSUB_REFUSED = "use Client::subscriber() for pub/sub"

SESSION = {
    # Transactions: the connection tracks these itself.
    "MULTI": ("Multi",),
    "EXEC": ("Exec",),
    "DISCARD": ("Discard",),
    "WATCH": ("Watch",),
    "UNWATCH": ("Unwatch",),
    # Changes no cheap command undoes for certain: the pool closes the connection instead of
    # reusing it.
    "SELECT": ("Dirty",),  # the database
    "AUTH": ("Dirty",),  # the user
    # These also change the protocol the connection speaks: HELLO's reply says to which, RESET
    # goes back to RESP2.
    "HELLO": ("Protocol",),  # protocol, user, name
    "RESET": ("Protocol",),  # everything, including what the pool set up on connect
    "QUIT": ("Dirty",),  # the server closes the connection
    "READONLY": ("Dirty",),  # cluster replica reads
    "READWRITE": ("Dirty",),
    # A one-shot flag for the next command (for a whole transaction when that is MULTI): the
    # cluster client sends it in the frame of the command it is for.
    "ASKING": ("NextCommand",),
    "REPLCONF": ("Dirty",),  # the connection claims to be a replica
    "CLIENT SETNAME": ("Dirty",),
    "CLIENT SETINFO": ("Dirty",),  # lib-name / lib-ver
    "CLIENT TRACKING": ("Dirty",),  # invalidation pushes start or stop
    # Applies to the next command only: harmless when that command follows in the same frame
    # (the cache's own reads), Dirty when it is the frame's last.
    "CLIENT CACHING": ("NextCommand",),
    "CLIENT NO-EVICT": ("Dirty",),
    "CLIENT NO-TOUCH": ("Dirty",),
    "CLIENT CAPA": ("Dirty",),  # Valkey: capabilities (e.g. `redirect`) change later replies
    "CLIENT IMPORT-SOURCE": ("Dirty",),  # Valkey: the connection becomes an import source
    # Change how many replies the server sends, or what they mean, so replies would reach the
    # wrong caller on a shared connection.
    "SUBSCRIBE": ("Refused", PUBSUB_REFUSED),
    "PSUBSCRIBE": ("Refused", PUBSUB_REFUSED),
    "SSUBSCRIBE": ("Refused", PUBSUB_REFUSED),
    "UNSUBSCRIBE": ("Refused", PUBSUB_REFUSED),
    "PUNSUBSCRIBE": ("Refused", PUBSUB_REFUSED),
    "SUNSUBSCRIBE": ("Refused", PUBSUB_REFUSED),
    "MONITOR": ("Refused",
                "MONITOR turns the connection into a stream of every command the server runs; "
                "use a dedicated connection outside the client"),
    "SYNC": ("Refused", "SYNC turns the connection into a replication stream"),
    "PSYNC": ("Refused", "PSYNC turns the connection into a replication stream"),
    "CLIENT REPLY": ("Refused",
                     "CLIENT REPLY changes which commands get a reply, so replies would reach "
                     "the wrong caller"),
    # Redis 6.2 only: not commands but the server's guard against HTTP requests sent to it; it
    # closes the connection without a reply.
    "HOST:": ("Refused", "HOST: is how the server recognises an HTTP request: it closes the "
                         "connection without a reply"),
    "POST": ("Refused", "POST is how the server recognises an HTTP request: it closes the "
                        "connection without a reply"),
    # Valkey 9: node-to-node slot migration (documented as a `syscmd`); like SYNC, the
    # connection then carries a migration stream, not replies.
    "CLUSTER SYNCSLOTS": ("Refused",
                          "CLUSTER SYNCSLOTS is slot-migration traffic between cluster nodes"),
    "SCRIPT DEBUG": ("Refused",
                     "SCRIPT DEBUG makes the next scripts run in the Lua debugger, whose replies "
                     "are a conversation of their own; use redis-cli --ldb"),
}

# -- cacheable --------------------------------------------------------------------------------
#
# A reply may be kept by a client-side cache when: the server flags the command readonly; it
# has keys (key specifications that are not `not_key`, or legacy first key > 0 for entries only
# Redis 6.2 has); its group is one of DATA_GROUPS; it has no `nondeterministic_output` tip; it is
# not blocking; and neither it nor its container is listed in NOT_CACHEABLE. The cache is
# invalidated per key, so the reply must depend on nothing but the contents of its keys.

DATA_GROUPS = {
    "string", "bitmap", "hash", "list", "set", "sorted-set", "geo", "hyperloglog", "stream",
    "generic",
}

NOT_CACHEABLE = {
    # Consumer-group state (pending entries, delivery counts, idle times) changes as other
    # clients read the stream; idle times change with the clock.
    "XREAD",
    "XREADGROUP",
    "XPENDING",
    "XINFO",  # and every subcommand
    # The remaining time shrinks with the clock, without any write to the key.
    "TTL",
    "PTTL",
    "HTTL",  # Valkey: per-field TTL
    "HPTTL",
    # Encoding, idle time, access frequency change without a write to the key.
    "OBJECT",  # and every subcommand
    # Cursor-based: the reply depends on the cursor and on the table's internal layout.
    "SCAN",
    "HSCAN",
    "SSCAN",
    "ZSCAN",
    # BY and GET read other keys, named by the sorted key's contents, that are not tracked.
    "SORT",
    "SORT_RO",
    # Its purpose is the side effect (updating the keys' last access time); a cached reply
    # would skip it.
    "TOUCH",
}

# -- user code --------------------------------------------------------------------------------
#
# Commands that run a script or a function: an error reply may come from code that already did
# part of its work.

USER_CODE = ["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"]
