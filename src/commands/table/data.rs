//! PLACEHOLDER: a hand-written subset, to be replaced by the generated table.
#![allow(dead_code)]

use super::*;

pub(crate) const FLAG_NAMES: &[(&str, u64)] = &[("write", 1), ("readonly", 2), ("blocking", 4)];
pub(crate) const TIP_NAMES: &[(&str, u64)] = &[("nondeterministic_output", 1)];
pub(crate) const KEY_FLAG_NAMES: &[(&str, u32)] = &[("RO", 1), ("RW", 2)];

pub(crate) fn flag_bit(name: &str) -> Option<u64> {
    FLAG_NAMES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}
pub(crate) fn tip_bit(name: &str) -> Option<u64> {
    TIP_NAMES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

const fn base(name: &'static str, group: Group, arity: i32) -> CommandSpec {
    CommandSpec {
        name,
        container: None,
        subcommands: &[],
        group,
        since: None,
        servers: Servers::ALL,
        arity,
        flags: Flags(0),
        tips: Tips(0),
        legacy: LegacyKeys {
            first: 0,
            last: 0,
            step: 0,
        },
        key_specs: &[],
        differs: &[],
        repeat: Repeat::Unsafe,
        blocking: None,
        session: SessionEffect::None,
        cacheable: false,
        user_code: false,
    }
}

const fn sub(container: &'static str, name: &'static str, group: Group, arity: i32) -> CommandSpec {
    let mut c = base(name, group, arity);
    c.container = Some(container);
    c
}

const K1: &[KeySpec] = &[KeySpec {
    begin: BeginSearch::Index(1),
    find: FindKeys::Range {
        last_key: 0,
        step: 1,
        limit: 0,
    },
    flags: KeyFlags(1),
}];
const KALL: &[KeySpec] = &[KeySpec {
    begin: BeginSearch::Index(1),
    find: FindKeys::Range {
        last_key: -1,
        step: 1,
        limit: 0,
    },
    flags: KeyFlags(1),
}];
const KPAIRS: &[KeySpec] = &[KeySpec {
    begin: BeginSearch::Index(1),
    find: FindKeys::Range {
        last_key: -1,
        step: 2,
        limit: 0,
    },
    flags: KeyFlags(2),
}];
const KBLPOP: &[KeySpec] = &[KeySpec {
    begin: BeginSearch::Index(1),
    find: FindKeys::Range {
        last_key: -2,
        step: 1,
        limit: 0,
    },
    flags: KeyFlags(2),
}];
const KNUM: &[KeySpec] = &[KeySpec {
    begin: BeginSearch::Index(2),
    find: FindKeys::KeyNum {
        key_num_index: 0,
        first_key: 1,
        step: 1,
    },
    flags: KeyFlags(2),
}];
const KSTREAMS: &[KeySpec] = &[KeySpec {
    begin: BeginSearch::Keyword {
        keyword: "STREAMS",
        start_from: 1,
    },
    find: FindKeys::Range {
        last_key: -1,
        step: 1,
        limit: 2,
    },
    flags: KeyFlags(1),
}];

const fn read(mut c: CommandSpec, keys: &'static [KeySpec]) -> CommandSpec {
    c.repeat = Repeat::Safe;
    c.flags = Flags(2);
    c.key_specs = keys;
    c.cacheable = !keys.is_empty();
    c
}
const fn write(mut c: CommandSpec, keys: &'static [KeySpec]) -> CommandSpec {
    c.flags = Flags(1);
    c.key_specs = keys;
    c
}
const fn safe(mut c: CommandSpec) -> CommandSpec {
    c.repeat = Repeat::Safe;
    c
}
const fn session(mut c: CommandSpec, s: SessionEffect) -> CommandSpec {
    c.session = s;
    c
}
const fn blocking(mut c: CommandSpec, arg: WaitArg, unit: WaitUnit) -> CommandSpec {
    c.blocking = Some(Blocking { arg, unit });
    c.flags = Flags(c.flags.0 | 4);
    c
}
const fn script(mut c: CommandSpec) -> CommandSpec {
    c.user_code = true;
    c.key_specs = KNUM;
    c
}

/// The entries, by name.
pub(crate) mod spec {
    use super::*;
    pub(crate) static AUTH: CommandSpec =
        session(base("AUTH", Group::Connection, -2), SessionEffect::Dirty);
    pub(crate) static BLPOP: CommandSpec = blocking(
        write(base("BLPOP", Group::List, -3), KBLPOP),
        WaitArg::Last,
        WaitUnit::Seconds,
    );
    pub(crate) static BLMPOP: CommandSpec = blocking(
        write(base("BLMPOP", Group::List, -5), KNUM),
        WaitArg::First,
        WaitUnit::Seconds,
    );
    pub(crate) static CLIENT: CommandSpec = CommandSpec {
        subcommands: &[
            &CLIENT_ID,
            &CLIENT_KILL,
            &CLIENT_REPLY,
            &CLIENT_SETINFO,
            &CLIENT_SETNAME,
            &CLIENT_TRACKING,
        ],
        ..base("CLIENT", Group::Connection, -2)
    };
    pub(crate) static CLIENT_ID: CommandSpec = safe(sub("CLIENT", "ID", Group::Connection, 2));
    pub(crate) static CLIENT_KILL: CommandSpec = sub("CLIENT", "KILL", Group::Connection, -3);
    pub(crate) static CLIENT_REPLY: CommandSpec = session(
        sub("CLIENT", "REPLY", Group::Connection, 3),
        SessionEffect::Refused("CLIENT REPLY changes which commands get a reply"),
    );
    pub(crate) static CLIENT_SETINFO: CommandSpec = session(
        sub("CLIENT", "SETINFO", Group::Connection, 4),
        SessionEffect::Dirty,
    );
    pub(crate) static CLIENT_SETNAME: CommandSpec = session(
        sub("CLIENT", "SETNAME", Group::Connection, 3),
        SessionEffect::Dirty,
    );
    pub(crate) static CLIENT_TRACKING: CommandSpec = session(
        sub("CLIENT", "TRACKING", Group::Connection, -3),
        SessionEffect::Dirty,
    );
    pub(crate) static CONFIG: CommandSpec = CommandSpec {
        subcommands: &[&CONFIG_GET, &CONFIG_SET],
        ..base("CONFIG", Group::Server, -2)
    };
    pub(crate) static CONFIG_GET: CommandSpec = safe(sub("CONFIG", "GET", Group::Server, -3));
    pub(crate) static CONFIG_SET: CommandSpec = sub("CONFIG", "SET", Group::Server, -4);
    pub(crate) static DEBUG: CommandSpec = base("DEBUG", Group::Server, -2);
    pub(crate) static DEL: CommandSpec = write(base("DEL", Group::Generic, -2), KALL);
    pub(crate) static DISCARD: CommandSpec = session(
        base("DISCARD", Group::Transactions, 1),
        SessionEffect::Discard,
    );
    pub(crate) static ECHO: CommandSpec = safe(base("ECHO", Group::Connection, 2));
    pub(crate) static EVAL: CommandSpec = script(base("EVAL", Group::Scripting, -3));
    pub(crate) static EVALSHA: CommandSpec = script(base("EVALSHA", Group::Scripting, -3));
    pub(crate) static EVALSHA_RO: CommandSpec =
        safe(script(base("EVALSHA_RO", Group::Scripting, -3)));
    pub(crate) static EXEC: CommandSpec =
        session(base("EXEC", Group::Transactions, 1), SessionEffect::Exec);
    pub(crate) static EXISTS: CommandSpec = read(base("EXISTS", Group::Generic, -2), KALL);
    pub(crate) static EXPIRE: CommandSpec = write(base("EXPIRE", Group::Generic, -3), K1);
    pub(crate) static FCALL: CommandSpec = script(base("FCALL", Group::Scripting, -3));
    pub(crate) static FCALL_RO: CommandSpec = safe(script(base("FCALL_RO", Group::Scripting, -3)));
    pub(crate) static FLUSHALL: CommandSpec = base("FLUSHALL", Group::Server, -1);
    pub(crate) static FUNCTION: CommandSpec = CommandSpec {
        subcommands: &[&FUNCTION_LOAD],
        ..base("FUNCTION", Group::Scripting, -2)
    };
    pub(crate) static FUNCTION_LOAD: CommandSpec = sub("FUNCTION", "LOAD", Group::Scripting, -3);
    pub(crate) static GET: CommandSpec = read(base("GET", Group::String, 2), K1);
    pub(crate) static HELLO: CommandSpec =
        session(base("HELLO", Group::Connection, -1), SessionEffect::Dirty);
    pub(crate) static HSCAN: CommandSpec = read(base("HSCAN", Group::Hash, -3), K1);
    pub(crate) static INCR: CommandSpec = write(base("INCR", Group::String, 2), K1);
    pub(crate) static INCRBY: CommandSpec = write(base("INCRBY", Group::String, 3), K1);
    pub(crate) static INFO: CommandSpec = safe(base("INFO", Group::Server, -1));
    pub(crate) static MGET: CommandSpec = read(base("MGET", Group::String, -2), KALL);
    pub(crate) static MONITOR: CommandSpec = session(
        base("MONITOR", Group::Server, 1),
        SessionEffect::Refused(
            "MONITOR turns the connection into a stream of every command the server runs",
        ),
    );
    pub(crate) static MSET: CommandSpec = write(base("MSET", Group::String, -3), KPAIRS);
    pub(crate) static MULTI: CommandSpec =
        session(base("MULTI", Group::Transactions, 1), SessionEffect::Multi);
    pub(crate) static PING: CommandSpec = safe(base("PING", Group::Connection, -1));
    pub(crate) static PSUBSCRIBE: CommandSpec = session(
        base("PSUBSCRIBE", Group::PubSub, -2),
        SessionEffect::Refused("use Client::subscriber() for pub/sub"),
    );
    pub(crate) static QUIT: CommandSpec =
        session(base("QUIT", Group::Connection, -1), SessionEffect::Dirty);
    pub(crate) static RESET: CommandSpec =
        session(base("RESET", Group::Connection, 1), SessionEffect::Dirty);
    pub(crate) static SCAN: CommandSpec = safe(base("SCAN", Group::Generic, -2));
    pub(crate) static SCRIPT: CommandSpec = CommandSpec {
        subcommands: &[&SCRIPT_LOAD],
        ..base("SCRIPT", Group::Scripting, -2)
    };
    pub(crate) static SCRIPT_LOAD: CommandSpec = safe(sub("SCRIPT", "LOAD", Group::Scripting, 3));
    pub(crate) static SELECT: CommandSpec =
        session(base("SELECT", Group::Connection, 2), SessionEffect::Dirty);
    pub(crate) static SET: CommandSpec = write(base("SET", Group::String, -3), K1);
    pub(crate) static SSCAN: CommandSpec = read(base("SSCAN", Group::Set, -3), K1);
    pub(crate) static SSUBSCRIBE: CommandSpec = session(
        base("SSUBSCRIBE", Group::PubSub, -2),
        SessionEffect::Refused("use Client::subscriber() for pub/sub"),
    );
    pub(crate) static SUBSCRIBE: CommandSpec = session(
        base("SUBSCRIBE", Group::PubSub, -2),
        SessionEffect::Refused("use Client::subscriber() for pub/sub"),
    );
    pub(crate) static TTL: CommandSpec = CommandSpec {
        cacheable: false,
        ..read(base("TTL", Group::Generic, 2), K1)
    };
    pub(crate) static UNWATCH: CommandSpec = session(
        base("UNWATCH", Group::Transactions, 1),
        SessionEffect::Unwatch,
    );
    pub(crate) static WAIT: CommandSpec = safe(blocking(
        base("WAIT", Group::Generic, 3),
        WaitArg::Last,
        WaitUnit::Milliseconds,
    ));
    pub(crate) static WATCH: CommandSpec =
        session(base("WATCH", Group::Transactions, -2), SessionEffect::Watch);
    pub(crate) static XREAD: CommandSpec = blocking(
        read(base("XREAD", Group::Stream, -4), KSTREAMS),
        WaitArg::AfterKeyword("BLOCK"),
        WaitUnit::Milliseconds,
    );
    pub(crate) static XREADGROUP: CommandSpec = blocking(
        write(base("XREADGROUP", Group::Stream, -7), KSTREAMS),
        WaitArg::AfterKeyword("BLOCK"),
        WaitUnit::Milliseconds,
    );
    pub(crate) static ZSCAN: CommandSpec = read(base("ZSCAN", Group::SortedSet, -3), K1);
}

pub(crate) static COMMANDS: &[&CommandSpec] = &[
    &spec::AUTH,
    &spec::BLMPOP,
    &spec::BLPOP,
    &spec::CLIENT,
    &spec::CONFIG,
    &spec::DEBUG,
    &spec::DEL,
    &spec::DISCARD,
    &spec::ECHO,
    &spec::EVAL,
    &spec::EVALSHA,
    &spec::EVALSHA_RO,
    &spec::EXEC,
    &spec::EXISTS,
    &spec::EXPIRE,
    &spec::FCALL,
    &spec::FCALL_RO,
    &spec::FLUSHALL,
    &spec::FUNCTION,
    &spec::GET,
    &spec::HELLO,
    &spec::HSCAN,
    &spec::INCR,
    &spec::INCRBY,
    &spec::INFO,
    &spec::MGET,
    &spec::MONITOR,
    &spec::MSET,
    &spec::MULTI,
    &spec::PING,
    &spec::PSUBSCRIBE,
    &spec::QUIT,
    &spec::RESET,
    &spec::SCAN,
    &spec::SCRIPT,
    &spec::SELECT,
    &spec::SET,
    &spec::SSCAN,
    &spec::SSUBSCRIBE,
    &spec::SUBSCRIBE,
    &spec::TTL,
    &spec::UNWATCH,
    &spec::WAIT,
    &spec::WATCH,
    &spec::XREAD,
    &spec::XREADGROUP,
    &spec::ZSCAN,
];
