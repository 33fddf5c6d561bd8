#!/usr/bin/env python3
"""Generates src/commands/table/data.rs, the crate's command table, from live servers.

    python3 scripts/command-table/generate.py        (or: make command-table)

It starts Redis 6.2, Redis 7.0 and Valkey 9 on free loopback ports, each in a temp dir with
persistence off (`--port N --save '' --appendonly no`), reads what they say about their commands,
stops them, merges that with our own columns (overlay.py) and writes data.rs, sorted, so that two
runs give the same bytes; then formats it with `rustfmt --edition 2024`. Standard library only.

The binaries come from REDIS62_BIN, REDIS70_BIN and VALKEY9_BIN (REDIS70_BIN defaults to the
`redis-server` on PATH; `make command-table` sets the other two from scripts/servers.sh). Each must be the
server it is named for: the script checks `INFO server` and fails otherwise, since the table
claims to describe exactly these three.

What is read from each server:

- Redis 7.0 and Valkey 9: `COMMAND INFO` with no names (every command, subcommands nested in
  their container's entry) and `COMMAND DOCS` (group, since; subcommands nested too).
- Redis 6.2: `COMMAND` (6.2's `COMMAND INFO` needs names; `COMMAND` is the same reply for all
  commands). 6.2 reports name, arity, flags and legacy first/last/step only: no subcommands, no
  key specifications, no tips, and it has no `COMMAND DOCS`.

  Which subcommands 6.2 has is read from `<CONTAINER> HELP`, for every container that 6.2 has
  and that 7.0 or Valkey lists subcommands for. Each help line that does not start with a space
  begins with a subcommand's name in upper case (`KILL <ip:port>`, `MALLOC-STATS    Return...`);
  the first line is the usage header and is skipped, as is anything that is not an upper-case
  word. A name counts only when 7.0 or Valkey knows that subcommand, since 6.2 gives us nothing
  else about it (and the script fails on a 6.2 subcommand no newer server has, rather than
  invent facts for it). `CLUSTER HELP` only answers in cluster mode, so it is asked of a second
  6.2 process started with `--cluster-enabled yes`. HELP leaves out aliases (CLUSTER SLAVES):
  overlay.R62_UNLISTED_SUBCOMMANDS lists those, each with a call that proves it on the
  throwaway server; every other subcommand a newer server has is sent there without arguments,
  and an answer other than "Unknown subcommand" stops the script (see unlisted_subcommands). A subcommand on 6.2 gets no facts of its
  own: 6.2 reports none, so its facts there are the canonical ones.

How the entries are merged:

- Canonical facts (arity, flags, tips, legacy keys, key specs, since, group) come from the
  newest server that has the command: Valkey 9, else Redis 7.0, else Redis 6.2.
- `servers` is every server that has it; `differs` holds, for each other group of servers whose
  facts differ from the canonical ones, those facts (servers with identical facts share one).
  For 6.2, only arity, flags and legacy keys are its own; key specs, tips, since and group are
  copied from the canonical facts, so it differs only when one of its own three does.
- Commands only 6.2 has get group Unknown and no `since`.
"""

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import overlay  # noqa: E402  (our own columns, with the reasons)
from resp import Connection, RespError  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "src", "commands", "table", "data.rs")

# (key, display name, env var, default binary, Servers constant, newest first). Redis 6.2 and
# Valkey 9 have no default: `make command-table` installs them (scripts/servers.sh) and sets them.
SERVERS = [
    ("valkey9", "Valkey 9", "VALKEY9_BIN", None, "VALKEY_9"),
    ("redis70", "Redis 7.0", "REDIS70_BIN", "redis-server", "REDIS_7_0"),
    ("redis62", "Redis 6.2", "REDIS62_BIN", None, "REDIS_6_2"),
]
SERVER_BITS = {"redis62": 1, "redis70": 2, "valkey9": 4}
SERVER_CONST = {k: c for k, _, _, _, c in SERVERS}

GROUPS = {
    "bitmap": "Bitmap",
    "cluster": "Cluster",
    "connection": "Connection",
    "generic": "Generic",
    "geo": "Geo",
    "hash": "Hash",
    "hyperloglog": "HyperLogLog",
    "list": "List",
    "pubsub": "PubSub",
    "scripting": "Scripting",
    "sentinel": "Sentinel",
    "server": "Server",
    "set": "Set",
    "sorted-set": "SortedSet",
    "stream": "Stream",
    "string": "String",
    "transactions": "Transactions",
}

# The longest name `lookup()` accepts (table/mod.rs, `find`).
MAX_NAME = 32


def fail(msg):
    sys.exit("generate.py: " + msg)


# -- running the servers ----------------------------------------------------------------------


def bindable(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(cluster=False):
    """A free loopback port; for a cluster node one whose bus port (+10000) is free too."""
    if not cluster:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    rng = random.Random()
    for _ in range(100):
        port = rng.randrange(20000, 55535)
        if bindable(port) and bindable(port + 10000):
            return port
    fail("no free port pair for a cluster node")


class Server:
    """One server process in its own temp dir, on a free loopback port; stopped by stop()."""

    def __init__(self, binary, extra=(), cluster=False):
        binary = shutil.which(binary) or binary
        if not os.access(binary, os.X_OK):
            fail("%s is not an executable server binary (see the env vars in this script)" % binary)
        self.dir = tempfile.mkdtemp(prefix="redisync-command-table-")
        self.proc = None
        last = ""
        for _ in range(5):
            self.port = free_port(cluster)
            args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--daemonize", "no", "--dir", self.dir,
                    "--logfile", os.path.join(self.dir, "server.log")]
            args += list(extra)
            self.proc = subprocess.Popen(args, cwd=self.dir, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with Connection(self.port, timeout=2) as c:
                        if c.call("PING") == "PONG":
                            return
                except (OSError, RespError):
                    time.sleep(0.05)
            last = self.log()
            self.kill()
            if "Address already in use" not in last:
                break
        shutil.rmtree(self.dir, ignore_errors=True)
        fail("%s did not start:\n%s" % (binary, last[-2000:]))

    def log(self):
        try:
            with open(os.path.join(self.dir, "server.log")) as f:
                return f.read()
        except OSError:
            return ""

    def kill(self):
        """Stops our own process (SIGTERM, then SIGKILL), by its handle: never by name."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def stop(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def info_fields(text):
    out = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v.strip()
    return out


def check_identity(key, conn):
    """Fails unless the server is the one `key` names."""
    info = info_fields(conn.call("INFO", "server"))
    if info.get("server_name") == "valkey":
        found = "valkey " + info.get("valkey_version", "?")
    else:
        found = "redis " + info.get("redis_version", "?")
    want = {"valkey9": "valkey 9.", "redis70": "redis 7.0.", "redis62": "redis 6.2."}[key]
    if not found.startswith(want):
        fail("the %s binary is %s, not %s*" % (key, found, want))
    return found


# -- reading the facts ------------------------------------------------------------------------


def parse_version(text):
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text or "")
    if not m:
        fail("cannot read the version %r" % text)
    return tuple(int(x) for x in m.groups())


def parse_key_spec(name, ks):
    bs, fk = ks["begin_search"], ks["find_keys"]
    if bs["type"] == "index":
        begin = ("index", bs["spec"]["index"])
    elif bs["type"] == "keyword":
        begin = ("keyword", bs["spec"]["keyword"], bs["spec"]["startfrom"])
    elif bs["type"] == "unknown":
        begin = ("unknown",)
    else:
        fail("%s: begin_search type %r is new to this script" % (name, bs["type"]))
    if fk["type"] == "range":
        s = fk["spec"]
        find = ("range", s["lastkey"], s["keystep"], s["limit"])
    elif fk["type"] == "keynum":
        s = fk["spec"]
        find = ("keynum", s["keynumidx"], s["firstkey"], s["keystep"])
    elif fk["type"] == "unknown":
        find = ("unknown",)
    else:
        fail("%s: find_keys type %r is new to this script" % (name, fk["type"]))
    return (begin, find, tuple(sorted(ks["flags"])))


def read_info_entry(e, docs):
    """Yields (full name, facts) for a COMMAND INFO entry and its subcommands (7.0+)."""
    name = e[0].upper()
    doc = docs.get(e[0]) or {}
    facts = {
        "arity": e[1],
        "flags": frozenset(e[2]),
        "legacy": (e[3], e[4], e[5]),
        "tips": frozenset(e[7]),
        "key_specs": tuple(parse_key_spec(name, ks) for ks in e[8]),
        "since": parse_version(doc.get("since")),
        "group": doc.get("group"),
    }
    if facts["group"] not in GROUPS:
        fail("%s: group %r is not in GROUPS (nor in the Group enum)" % (name, facts["group"]))
    yield name, facts
    subdocs = doc.get("subcommands") or {}
    for sub in e[9]:
        yield from read_info_entry(sub, subdocs)


def read_modern(key, conn):
    docs = conn.call("COMMAND", "DOCS")
    entries = {}
    for e in conn.call("COMMAND", "INFO"):
        for name, facts in read_info_entry(e, docs):
            if name in entries:
                fail("%s reports %s twice" % (key, name))
            entries[name] = facts
    return entries


def read_62(conn):
    entries = {}
    for e in conn.call("COMMAND"):
        entries[e[0].upper()] = {
            "arity": e[1],
            "flags": frozenset(e[2]),
            "legacy": (e[3], e[4], e[5]),
        }
    return entries


HELP_WORD = re.compile(r"[A-Z][A-Z0-9_-]*")


def help_subcommands(conn, container):
    """The subcommand names `<container> HELP` lists (see the docstring at the top)."""
    lines = conn.call(container, "HELP")
    names = set()
    for line in lines[1:]:
        if not line or line[0].isspace():
            continue
        word = line.split()[0]
        if HELP_WORD.fullmatch(word):
            names.add(word)
    return names


def unknown_subcommand(conn, args):
    """Whether 6.2 answers `args` with its "Unknown subcommand" error."""
    try:
        conn.call(*args)
    except RespError as e:
        return str(e).lower().startswith("err unknown subcommand")
    return False


def unlisted_subcommands(conn, container, candidates):
    """The subcommands of `container` that 6.2 has although its HELP does not list them: the
    ones in overlay.R62_UNLISTED_SUBCOMMANDS, each proved by its probe. Every other candidate
    (a subcommand a newer server has) is also sent without arguments to the throwaway server:
    an answer other than "Unknown subcommand" means 6.2 has it, and the script stops until it
    is added to that list."""
    found = set()
    for sub in sorted(candidates):
        probe = overlay.R62_UNLISTED_SUBCOMMANDS.get("%s %s" % (container, sub))
        if probe is not None:
            if unknown_subcommand(conn, probe):
                fail("Redis 6.2 does not know %s %s, which overlay.R62_UNLISTED_SUBCOMMANDS "
                     "lists" % (container, sub))
            found.add(sub)
        elif not unknown_subcommand(conn, [container, sub]):
            fail("Redis 6.2 answers %s %s although its HELP does not list it: add it to "
                 "overlay.R62_UNLISTED_SUBCOMMANDS" % (container, sub))
    return found


def collect():
    """Every server's entries: {server key: {full name: facts}}; full names are `GET`, `CLIENT|KILL`."""
    found = {}
    for key, label, env, default, _ in SERVERS:
        binary = os.environ.get(env, default)
        if not binary:
            sys.exit("%s is not set: run `make command-table`, which installs Redis 6.2 and "
                     "Valkey 9 (scripts/servers.sh) and passes their paths" % env)
        srv = Server(binary)
        try:
            with Connection(srv.port) as conn:
                conn.call("HELLO", "3")
                ident = check_identity(key, conn)
                found[key] = read_modern(key, conn) if key != "redis62" else read_62(conn)
        finally:
            srv.stop()
        print("%s: %s, %d entries" % (label, ident, len(found[key])), file=sys.stderr)

    # Redis 6.2's subcommands, from HELP (see the top of this file).
    r62 = found["redis62"]
    newer = {}
    for key in ("valkey9", "redis70"):
        for full in found[key]:
            if "|" in full:
                c, s = full.split("|", 1)
                newer.setdefault(c, set()).add(s)
    binary = os.environ["REDIS62_BIN"]
    plain = Server(binary)
    try:
        cluster = Server(binary, ["--cluster-enabled", "yes", "--cluster-config-file",
                                  "nodes.conf"], cluster=True)
    except SystemExit:
        plain.stop()
        raise
    try:
        for container in sorted(newer):
            if container not in r62:
                continue
            srv = cluster if container == "CLUSTER" else plain
            with Connection(srv.port) as conn:
                try:
                    names = help_subcommands(conn, container)
                except RespError as e:
                    fail("Redis 6.2: %s HELP failed: %s" % (container, e))
            unknown = names - newer[container]
            if unknown:
                fail("Redis 6.2 %s HELP lists %s, which no newer server has: the table would "
                     "have no facts for it" % (container, sorted(unknown)))
            with Connection(srv.port) as conn:
                names |= unlisted_subcommands(conn, container, newer[container] - names)
            for s in names:
                r62[container + "|" + s] = None  # present; facts are the canonical ones
    finally:
        plain.stop()
        cluster.stop()
    return found


# -- merging ----------------------------------------------------------------------------------


def merge(found):
    """One entry per full name: canonical facts, servers, differs."""
    names = set()
    for entries in found.values():
        names |= set(entries)
    table = {}
    order = [k for k, _, _, _, _ in SERVERS]  # newest first
    for name in sorted(names):
        have = [k for k in order if name in found[k]]
        canon_key = have[0]
        if canon_key == "redis62":
            f = found["redis62"][name]
            if f is None:
                fail("%s: only Redis 6.2's HELP lists it" % name)
            canon = dict(f, tips=frozenset(), key_specs=(), since=None, group=None)
        else:
            canon = found[canon_key][name]
        differs = []
        for k in have[1:]:
            f = found[k][name]
            if k == "redis62":
                if f is None:
                    continue  # a subcommand: 6.2 reports nothing of its own
                f = dict(canon, arity=f["arity"], flags=f["flags"], legacy=f["legacy"])
            if f == canon:
                continue
            for d in differs:
                if d[1] == f:
                    d[0].append(k)
                    break
            else:
                differs.append(([k], f))
        table[name] = {
            "name": name,
            "servers": have,
            "facts": canon,
            "differs": differs,
        }
    for name in table:
        short = name.split("|")[-1]
        if len(short) > MAX_NAME:
            fail("%s is longer than lookup() accepts (%d)" % (name, MAX_NAME))
    return table


# -- our columns ------------------------------------------------------------------------------


def overlay_name(name):
    """`CLIENT KILL` (as overlay.py writes it) -> `CLIENT|KILL`."""
    return "|".join(name.upper().split())


def apply_overlay(table, found):
    def known(name, what):
        full = overlay_name(name)
        if full not in table:
            fail("overlay.%s names %r, which no server has" % (what, name))
        return full

    safe = {known(n, "REPEAT_SAFE") for n in overlay.REPEAT_SAFE}
    for full in safe:
        if "write" in table[full]["facts"]["flags"]:
            fail("overlay.REPEAT_SAFE names %s, which the server flags `write`" % full)
    blocking = {known(n, "BLOCKING"): v for n, v in overlay.BLOCKING.items()}
    session = {known(n, "SESSION"): v for n, v in overlay.SESSION.items()}
    uncacheable = {known(n, "NOT_CACHEABLE") for n in overlay.NOT_CACHEABLE}
    user_code = {known(n, "USER_CODE") for n in overlay.USER_CODE}

    # A blocking command without a wait spec would get the plain read timeout: refuse.
    for key, entries in found.items():
        for full, f in entries.items():
            if f is not None and "blocking" in f["flags"] and full not in blocking:
                fail("%s flags %s `blocking`, but overlay.BLOCKING has no wait spec for it"
                     % (key, full.replace("|", " ")))

    for full, e in table.items():
        f = e["facts"]
        readonly = "readonly" in f["flags"]
        is_help = full.endswith("|HELP")
        e["repeat"] = "Safe" if (readonly or full in safe or (is_help and overlay.HELP_IS_SAFE)) \
            else "Unsafe"
        e["blocking"] = blocking.get(full)
        e["session"] = session.get(full, ("None",))
        e["user_code"] = full in user_code
        if f["key_specs"]:
            has_keys = any("not_key" not in ks[2] for ks in f["key_specs"])
        else:
            has_keys = e["servers"] == ["redis62"] and f["legacy"][0] > 0
        e["cacheable"] = (
            readonly
            and has_keys
            and f["group"] in overlay.DATA_GROUPS
            and "nondeterministic_output" not in f["tips"]
            and e["blocking"] is None
            and full not in uncacheable
            and full.split("|")[0] not in uncacheable
        )


# -- writing Rust -----------------------------------------------------------------------------


def ident(name):
    """`CLIENT|NO-EVICT` -> `CLIENT_NO_EVICT`; `HOST:` -> `HOST_`."""
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def bit_table(names):
    return {n: 1 << i for i, n in enumerate(sorted(names))}


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Writer:
    def __init__(self, table, found):
        self.table = table
        flags, tips, kflags = set(), set(), set()
        for entries in found.values():
            for f in entries.values():
                if f is None:
                    continue
                flags |= f["flags"]
                tips |= f.get("tips", frozenset())
                for ks in f.get("key_specs", ()):
                    kflags |= set(ks[2])
        self.flags = bit_table(flags)
        self.tips = bit_table(tips)
        self.kflags = bit_table(kflags)
        if len(self.flags) > 64 or len(self.tips) > 64 or len(self.kflags) > 32:
            fail("more flag names than bits: widen Flags/Tips/KeyFlags")
        for table_ in (self.flags, self.tips, self.kflags):
            idents = [ident(n) for n in table_]
            if len(set(idents)) != len(idents):
                fail("two flag names map to one constant: %s" % sorted(table_))

    def bits(self, module, table_, names, wrap):
        if not names:
            return "%s(0)" % wrap
        return "%s(%s)" % (wrap, " | ".join("%s::%s" % (module, ident(n))
                                           for n in sorted(names, key=lambda n: table_[n])))

    def servers(self, keys):
        bits = sum(SERVER_BITS[k] for k in keys)
        if bits == 7:
            return "Servers::ALL"
        consts = ["Servers::" + SERVER_CONST[k] for k in sorted(keys, key=SERVER_BITS.get)]
        out = consts[0]
        for c in consts[1:]:
            out += ".union(%s)" % c
        return out

    def key_spec(self, ks):
        begin, find, flags = ks
        if begin[0] == "index":
            b = "BeginSearch::Index(%d)" % begin[1]
        elif begin[0] == "keyword":
            b = "BeginSearch::Keyword { keyword: %s, start_from: %d }" % (rust_str(begin[1]),
                                                                         begin[2])
        else:
            b = "BeginSearch::Unknown"
        if find[0] == "range":
            fk = "FindKeys::Range { last_key: %d, step: %d, limit: %d }" % find[1:]
        elif find[0] == "keynum":
            fk = "FindKeys::KeyNum { key_num_index: %d, first_key: %d, step: %d }" % find[1:]
        else:
            fk = "FindKeys::Unknown"
        return "KeySpec { begin: %s, find: %s, flags: %s }" % (
            b, fk, self.bits("key_flag", self.kflags, flags, "KeyFlags"))

    def key_specs(self, specs):
        return "&[%s]" % ", ".join(self.key_spec(ks) for ks in specs)

    @staticmethod
    def version(v):
        return "Some(Version(%d, %d, %d))" % v if v else "None"

    @staticmethod
    def group(g):
        return "Group::" + GROUPS[g] if g else "Group::Unknown"

    def facts(self, name, keys, f, canon):
        ks = "ks::%s" % ident(name) if f["key_specs"] == canon["key_specs"] and canon["key_specs"] \
            else self.key_specs(f["key_specs"])
        return ("Facts { servers: %s, arity: %d, flags: %s, tips: %s, legacy: %s, "
                "key_specs: %s, since: %s, group: %s }") % (
            self.servers(keys), f["arity"],
            self.bits("flag", self.flags, f["flags"], "Flags"),
            self.bits("tip", self.tips, f["tips"], "Tips"),
            "legacy(%d, %d, %d)" % f["legacy"],
            ks, self.version(f["since"]), self.group(f["group"]))

    def entry(self, e):
        name = e["name"]
        f = e["facts"]
        parts = name.split("|")
        fields = ["name: %s" % rust_str(parts[-1])]
        if len(parts) > 1:
            fields.append("container: Some(%s)" % rust_str(parts[0]))
            fields.append("wire: Wire::new(Some(%s), %s)" % (rust_str(parts[0]), rust_str(parts[-1])))
        else:
            fields.append("wire: Wire::new(None, %s)" % rust_str(parts[-1]))
        subs = sorted(n for n in self.table if n.startswith(name + "|"))
        if subs:
            fields.append("subcommands: &[%s]" % ", ".join("&" + ident(s) for s in subs))
        fields += [
            "group: %s" % self.group(f["group"]),
            "since: %s" % self.version(f["since"]),
            "servers: %s" % self.servers(e["servers"]),
            "arity: %d" % f["arity"],
            "flags: %s" % self.bits("flag", self.flags, f["flags"], "Flags"),
        ]
        if f["tips"]:
            fields.append("tips: %s" % self.bits("tip", self.tips, f["tips"], "Tips"))
        if f["legacy"] != (0, 0, 0):
            fields.append("legacy: legacy(%d, %d, %d)" % f["legacy"])
        if f["key_specs"]:
            fields.append("key_specs: ks::%s" % ident(name))
        if e["differs"]:
            fields.append("differs: &[%s]" % ", ".join(
                self.facts(name, keys, df, f) for keys, df in e["differs"]))
        fields.append("repeat: Repeat::%s" % e["repeat"])
        if e["blocking"]:
            arg, unit = e["blocking"]
            if arg.startswith("Option:"):
                _, word, start, end = arg.split(":")
                arg = "WaitArg::Option { keyword: %s, from: %d, before: %s }" % (
                    rust_str(word), int(start), rust_str(end))
            else:
                arg = "WaitArg::" + arg
            fields.append("blocking: Some(Blocking { arg: %s, unit: WaitUnit::%s })" % (arg, unit))
        if e["session"][0] != "None":
            s = e["session"]
            fields.append("session: SessionEffect::%s" % (
                "Refused(%s)" % rust_str(s[1]) if s[0] == "Refused" else s[0]))
        if e["cacheable"]:
            fields.append("cacheable: true")
        if e["user_code"]:
            fields.append("user_code: true")
        return "pub(crate) static %s: CommandSpec = CommandSpec { %s, ..DEFAULT };" % (
            ident(name), ", ".join(fields))

    def names_table(self, rust_name, table_):
        rows = ", ".join("(%s, %s::%s)" % (rust_str(n), rust_name, ident(n)) for n in sorted(table_))
        return rows

    def consts(self, module, int_ty, table_, what):
        out = ["/// One constant per %s name, its bit in the table." % what,
               "pub(crate) mod %s {" % module]
        for n in sorted(table_):
            out.append("/// `%s`" % n)
            out.append("pub(crate) const %s: %s = 1 << %d;" % (ident(n), int_ty,
                                                           table_[n].bit_length() - 1))
        out.append("}")
        return "\n".join(out)

    def render(self, command):
        idents = {}
        for name in self.table:
            i = ident(name)
            if i in idents:
                fail("%s and %s would both be spec::%s" % (idents[i], name, i))
            idents[i] = name
        counts = {k: sum(1 for e in self.table.values() if k in e["servers"])
                  for k in SERVER_BITS}
        top = sorted(n for n in self.table if "|" not in n)
        out = []
        out.append("// @generated by `%s` (scripts/command-table/generate.py): do not edit." % command)
        out.append("// Read from %s;" % ", ".join(
            "%s (%d entries)" % (label, counts[k]) for k, label, _, _, _ in SERVERS))
        out.append("// our own columns from scripts/command-table/overlay.py.")
        out.append("//! The command table's data (see the parent module for what each field means).")
        out.append("")
        out.append("use super::*;")
        out.append("")
        out.append("/// Every flag name any server reports, with its bit, sorted by name.")
        out.append("pub(crate) const FLAG_NAMES: &[(&str, u64)] = &[%s];"
                   % self.names_table("flag", self.flags))
        out.append("/// Every tip name any server reports, with its bit, sorted by name.")
        out.append("pub(crate) const TIP_NAMES: &[(&str, u64)] = &[%s];"
                   % self.names_table("tip", self.tips))
        out.append("/// Every key-specification flag name any server reports, with its bit.")
        out.append("pub(crate) const KEY_FLAG_NAMES: &[(&str, u32)] = &[%s];"
                   % self.names_table("key_flag", self.kflags))
        out.append("")
        out.append(self.consts("flag", "u64", self.flags, "command flag"))
        out.append(self.consts("tip", "u64", self.tips, "command tip"))
        out.append(self.consts("key_flag", "u32", self.kflags, "key-specification flag"))
        out.append("")
        out.append("/// The bit of a flag name, if any server reports that flag.")
        out.append("pub(crate) fn flag_bit(name: &str) -> Option<u64> {")
        out.append("FLAG_NAMES.binary_search_by(|(n, _)| (*n).cmp(name)).ok().map(|i| FLAG_NAMES[i].1)")
        out.append("}")
        out.append("/// The bit of a tip name, if any server reports that tip.")
        out.append("pub(crate) fn tip_bit(name: &str) -> Option<u64> {")
        out.append("TIP_NAMES.binary_search_by(|(n, _)| (*n).cmp(name)).ok().map(|i| TIP_NAMES[i].1)")
        out.append("}")
        out.append("")
        out.append("/// Legacy key positions (first, last, step).")
        out.append("const fn legacy(first: i32, last: i32, step: i32) -> LegacyKeys {")
        out.append("LegacyKeys { first, last, step }")
        out.append("}")
        out.append("")
        out.append("/// The fields every entry leaves at their default.")
        out.append("pub(crate) const DEFAULT: CommandSpec = CommandSpec { name: \"\", container: None, "
                   "subcommands: &[], group: Group::Unknown, since: None, servers: Servers(0), "
                   "arity: 0, flags: Flags(0), tips: Tips(0), "
                   "legacy: LegacyKeys { first: 0, last: 0, step: 0 }, key_specs: &[], "
                   "differs: &[], wire: Wire::EMPTY, repeat: Repeat::Unsafe, blocking: None, "
                   "session: SessionEffect::None, cacheable: false, user_code: false };")
        out.append("")
        out.append("/// The canonical key specifications of each entry that has any.")
        out.append("mod ks {")
        out.append("use super::*;")
        for name in sorted(self.table):
            f = self.table[name]["facts"]
            if f["key_specs"]:
                out.append("pub(super) const %s: &[KeySpec] = %s;" % (ident(name),
                                                                    self.key_specs(f["key_specs"])))
        out.append("}")
        out.append("")
        out.append("/// One entry per command and subcommand (`CLIENT_KILL` for `CLIENT KILL`).")
        out.append("pub(crate) mod spec {")
        out.append("use super::*;")
        for name in sorted(self.table, key=ident):
            out.append(self.entry(self.table[name]))
        out.append("}")
        out.append("")
        out.append("/// Every top-level command, sorted by name.")
        out.append("pub(crate) static COMMANDS: &[&CommandSpec] = &[%s];"
                   % ", ".join("&spec::" + ident(n) for n in top))
        out.append("")
        return "\n".join(out)


def main():
    command = "make command-table"
    found = collect()
    table = merge(found)
    apply_overlay(table, found)
    text = Writer(table, found).render(command)
    # The table is sorted by byte order for binary search; check, since ident() could differ.
    top = sorted(n for n in table if "|" not in n)
    if top != sorted(top, key=lambda s: s.encode()):
        fail("names do not sort the same as bytes")
    with open(OUT, "w") as f:
        f.write(text)
    rustfmt = os.environ.get("RUSTFMT", "rustfmt")
    r = subprocess.run([rustfmt, "--edition", "2024", OUT])
    if r.returncode != 0:
        fail("rustfmt failed on %s" % OUT)
    subs = sum(1 for n in table if "|" in n)
    print("wrote %s: %d commands, %d subcommands" % (os.path.relpath(OUT, ROOT), len(top), subs),
          file=sys.stderr)


if __name__ == "__main__":
    main()
