//! The `scripting` group of the Redis documentation: Lua scripts (`EVAL`, `SCRIPT`) and Redis 7 functions (`FUNCTION`, `FCALL`).

use super::Method;
use crate::commands::args::{One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

mod types;

pub use types::{
    FunctionEngineStats, FunctionInfo, FunctionListOptions, FunctionRestorePolicy, FunctionStats,
    LibraryInfo, RunningFunction, ScriptFlushMode,
};

/// The `scripting` commands: Lua scripts (`EVAL`, `SCRIPT`) and Redis 7 functions (`FUNCTION`, `FCALL`).
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// These are the raw commands: `eval` sends the whole source every time. To run a script by
/// its SHA1 with the source sent only when the server lacks it, use [`Script`](crate::Script).
/// Keys and arguments are anything [`ToArgs`] (one value, a slice, a tuple, `()` for none);
/// the key count is worked out from `keys`. The reply type `T` is the caller's: what the
/// script or function returns. An error the script raises (`error()`,
/// `redis.error_reply`) is an [`Error::Server`](crate::Error::Server) with the script's code
/// and message.
///
/// ```no_run
/// use redisync::prelude::*;
///
/// let client = Client::open("redis://127.0.0.1")?;
/// let n: i64 = client.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", "hits", 5)?;
/// let lib = "#!lua name=counters\n\
///            redis.register_function('bump', function(keys, args) \
///                return redis.call('INCRBY', keys[1], args[1]) end)";
/// client.function_load(lib, true)?;
/// let m: i64 = client.fcall("bump", "hits", 2)?;
/// assert_eq!(m, n + 2);
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait ScriptingCommands: Commands {
    /// `EVAL script numkeys key... arg...`: runs a Lua script and converts what it returns.
    /// <https://redis.io/docs/latest/commands/eval/>
    ///
    /// # Errors
    /// The script's own error, a compile error (`ERR user_script:1: ...`), or
    /// [`ErrorKind::Busy`](crate::ErrorKind::Busy) while another script runs too long.
    fn eval<T: FromValue>(
        self,
        script: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Self::Output<T> {
        let request = (One(&script), keys.arg_count(), &keys, &args);
        self.run(&Request::new(&spec::EVAL, &request))
    }

    /// `EVALSHA sha1 numkeys key... arg...`: runs a script the server has cached (by
    /// `SCRIPT LOAD` or an earlier `EVAL`).
    /// <https://redis.io/docs/latest/commands/evalsha/>
    ///
    /// # Errors
    /// As [`eval`](ScriptingCommands::eval);
    /// [`ErrorKind::NoScript`](crate::ErrorKind::NoScript) when the server does not know the
    /// SHA1 ([`Script`](crate::Script) loads it then).
    fn evalsha<T: FromValue>(
        self,
        sha1: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Self::Output<T> {
        let request = (One(&sha1), keys.arg_count(), &keys, &args);
        self.run(&Request::new(&spec::EVALSHA, &request))
    }

    /// `EVAL_RO script numkeys key... arg...` (Redis 7.0+): as [`eval`](ScriptingCommands::eval)
    /// for a script that writes nothing; the server refuses any write it tries, and the call
    /// may go to a read-only replica.
    /// <https://redis.io/docs/latest/commands/eval_ro/>
    ///
    /// # Errors
    /// As [`eval`](ScriptingCommands::eval); `ERR Write commands are not allowed from read-only
    /// scripts` for a write.
    fn eval_ro<T: FromValue>(
        self,
        script: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Self::Output<T> {
        let request = (One(&script), keys.arg_count(), &keys, &args);
        self.run(&Request::new(&spec::EVAL_RO, &request))
    }

    /// `EVALSHA_RO sha1 numkeys key... arg...` (Redis 7.0+): the read-only
    /// [`evalsha`](ScriptingCommands::evalsha).
    /// <https://redis.io/docs/latest/commands/evalsha_ro/>
    ///
    /// # Errors
    /// As [`evalsha`](ScriptingCommands::evalsha) and [`eval_ro`](ScriptingCommands::eval_ro).
    fn evalsha_ro<T: FromValue>(
        self,
        sha1: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Self::Output<T> {
        let request = (One(&sha1), keys.arg_count(), &keys, &args);
        self.run(&Request::new(&spec::EVALSHA_RO, &request))
    }

    /// `FCALL function numkeys key... arg...` (Redis 7.0+): calls a function of a library
    /// loaded with [`function_load`](ScriptingCommands::function_load).
    /// <https://redis.io/docs/latest/commands/fcall/>
    ///
    /// # Errors
    /// `ERR Function not found`, the function's own error,
    /// [`ErrorKind::Busy`](crate::ErrorKind::Busy).
    fn fcall<T: FromValue>(
        self,
        function: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Self::Output<T> {
        let request = (One(&function), keys.arg_count(), &keys, &args);
        self.run(&Request::new(&spec::FCALL, &request))
    }

    /// `FCALL_RO function numkeys key... arg...` (Redis 7.0+): calls a function registered
    /// with the `no-writes` flag (the server refuses any other), so the call may go to a
    /// read-only replica.
    /// <https://redis.io/docs/latest/commands/fcall_ro/>
    ///
    /// # Errors
    /// As [`fcall`](ScriptingCommands::fcall); a function without `no-writes` is refused.
    fn fcall_ro<T: FromValue>(
        self,
        function: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Self::Output<T> {
        let request = (One(&function), keys.arg_count(), &keys, &args);
        self.run(&Request::new(&spec::FCALL_RO, &request))
    }

    /// `FUNCTION DELETE library` (Redis 7.0+): deletes a library and its functions.
    /// <https://redis.io/docs/latest/commands/function-delete/>
    ///
    /// # Errors
    /// `ERR Library not found`.
    fn function_delete(self, library: impl ToArg) -> Self::Output<()> {
        self.run(&Request::new(&spec::FUNCTION_DELETE, &One(&library)))
    }

    /// `FUNCTION DUMP` (Redis 7.0+): every library, serialized for
    /// [`function_restore`](ScriptingCommands::function_restore).
    /// <https://redis.io/docs/latest/commands/function-dump/>
    fn function_dump(self) -> Self::Output<Vec<u8>> {
        self.run(&Request::new(&spec::FUNCTION_DUMP, &()))
    }

    /// `FUNCTION FLUSH [ASYNC|SYNC]` (Redis 7.0+): deletes every library.
    /// <https://redis.io/docs/latest/commands/function-flush/>
    fn function_flush(self, mode: Option<ScriptFlushMode>) -> Self::Output<()> {
        self.run(&Request::new(&spec::FUNCTION_FLUSH, &mode))
    }

    /// `FUNCTION KILL` (Redis 7.0+): stops the function running now, if it has written
    /// nothing yet.
    /// <https://redis.io/docs/latest/commands/function-kill/>
    ///
    /// # Errors
    /// `NOTBUSY` when no function runs; `UNKILLABLE` when it has written.
    fn function_kill(self) -> Self::Output<()> {
        self.run(&Request::new(&spec::FUNCTION_KILL, &()))
    }

    /// `FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]` (Redis 7.0+): the loaded libraries,
    /// each with its functions ([`LibraryInfo`]).
    /// <https://redis.io/docs/latest/commands/function-list/>
    fn function_list(self, options: FunctionListOptions) -> Self::Output<Vec<LibraryInfo>> {
        self.run(&Request::new(&spec::FUNCTION_LIST, &options))
    }

    /// `FUNCTION LOAD [REPLACE] code` (Redis 7.0+): loads a library (its source starts with
    /// `#!lua name=<library>`) and returns its name. With `replace`, a library of the same
    /// name is replaced; without, loading it again is an error.
    /// <https://redis.io/docs/latest/commands/function-load/>
    ///
    /// # Errors
    /// A compile error; `ERR Library '...' already exists` without `replace`.
    fn function_load(self, code: impl ToArg, replace: bool) -> Self::Output<String> {
        let request = (replace.then_some("REPLACE"), One(&code));
        self.run(&Request::new(&spec::FUNCTION_LOAD, &request))
    }

    /// `FUNCTION RESTORE payload [APPEND|FLUSH|REPLACE]` (Redis 7.0+): loads the libraries
    /// of a [`function_dump`](ScriptingCommands::function_dump) (`None`: the server's default,
    /// `APPEND`).
    /// <https://redis.io/docs/latest/commands/function-restore/>
    ///
    /// # Errors
    /// `ERR DUMP payload version or checksum are wrong`; with `APPEND`, a library that exists.
    fn function_restore(
        self,
        payload: impl ToArg,
        policy: Option<FunctionRestorePolicy>,
    ) -> Self::Output<()> {
        self.run(&Request::new(
            &spec::FUNCTION_RESTORE,
            &(One(&payload), policy),
        ))
    }

    /// `FUNCTION STATS` (Redis 7.0+): the function running now and each engine's counts
    /// ([`FunctionStats`]).
    /// <https://redis.io/docs/latest/commands/function-stats/>
    fn function_stats(self) -> Self::Output<FunctionStats> {
        self.run(&Request::new(&spec::FUNCTION_STATS, &()))
    }

    /// `SCRIPT EXISTS sha1 [sha1 ...]`: for each SHA1, whether the script cache holds it.
    /// <https://redis.io/docs/latest/commands/script-exists/>
    fn script_exists(self, sha1s: impl ToArgs) -> Self::Output<Vec<bool>> {
        self.run(&Request::new(&spec::SCRIPT_EXISTS, &sha1s))
    }

    /// `SCRIPT FLUSH [ASYNC|SYNC]`: empties the script cache.
    /// <https://redis.io/docs/latest/commands/script-flush/>
    fn script_flush(self, mode: Option<ScriptFlushMode>) -> Self::Output<()> {
        self.run(&Request::new(&spec::SCRIPT_FLUSH, &mode))
    }

    /// `SCRIPT KILL`: stops the script running now, if it has written nothing yet.
    /// <https://redis.io/docs/latest/commands/script-kill/>
    ///
    /// # Errors
    /// `NOTBUSY` when no script runs; `UNKILLABLE` when it has written.
    fn script_kill(self) -> Self::Output<()> {
        self.run(&Request::new(&spec::SCRIPT_KILL, &()))
    }

    /// `SCRIPT LOAD script`: caches a script without running it and returns its SHA1 (40
    /// lowercase hex digits), for [`evalsha`](ScriptingCommands::evalsha).
    /// <https://redis.io/docs/latest/commands/script-load/>
    ///
    /// # Errors
    /// A compile error.
    fn script_load(self, script: impl ToArg) -> Self::Output<String> {
        self.run(&Request::new(&spec::SCRIPT_LOAD, &One(&script)))
    }

    /// `SCRIPT SHOW sha1` (Valkey 8.0+; Redis has no `SCRIPT SHOW`): the source of a cached
    /// script.
    /// <https://valkey.io/commands/script-show/>
    ///
    /// # Errors
    /// `NOSCRIPT` for a SHA1 the cache does not hold; on Redis, `ERR unknown subcommand`.
    fn script_show(self, sha1: impl ToArg) -> Self::Output<String> {
        self.run(&Request::new(&spec::SCRIPT_SHOW, &One(&sha1)))
    }
}

impl<C: Commands> ScriptingCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("eval", &spec::EVAL),
    ("evalsha", &spec::EVALSHA),
    ("eval_ro", &spec::EVAL_RO),
    ("evalsha_ro", &spec::EVALSHA_RO),
    ("fcall", &spec::FCALL),
    ("fcall_ro", &spec::FCALL_RO),
    ("function_delete", &spec::FUNCTION_DELETE),
    ("function_dump", &spec::FUNCTION_DUMP),
    ("function_flush", &spec::FUNCTION_FLUSH),
    ("function_kill", &spec::FUNCTION_KILL),
    ("function_list", &spec::FUNCTION_LIST),
    ("function_load", &spec::FUNCTION_LOAD),
    ("function_restore", &spec::FUNCTION_RESTORE),
    ("function_stats", &spec::FUNCTION_STATS),
    ("script_exists", &spec::SCRIPT_EXISTS),
    ("script_flush", &spec::SCRIPT_FLUSH),
    ("script_kill", &spec::SCRIPT_KILL),
    ("script_load", &spec::SCRIPT_LOAD),
    ("script_show", &spec::SCRIPT_SHOW),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::groups::check::{self, Call};
    use crate::resp::Value;

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("eval", |r| {
                let _ = r.eval::<Value>("return 1", (), ());
            }),
            ("evalsha", |r| {
                let _ = r.evalsha::<Value>("abc", (), ());
            }),
            ("eval_ro", |r| {
                let _ = r.eval_ro::<Value>("return 1", (), ());
            }),
            ("evalsha_ro", |r| {
                let _ = r.evalsha_ro::<Value>("abc", (), ());
            }),
            ("fcall", |r| {
                let _ = r.fcall::<Value>("f", (), ());
            }),
            ("fcall_ro", |r| {
                let _ = r.fcall_ro::<Value>("f", (), ());
            }),
            ("function_delete", |r| {
                let _ = r.function_delete("lib");
            }),
            ("function_dump", |r| {
                let _ = r.function_dump();
            }),
            ("function_flush", |r| {
                let _ = r.function_flush(None);
            }),
            ("function_kill", |r| {
                let _ = r.function_kill();
            }),
            ("function_list", |r| {
                let _ = r.function_list(FunctionListOptions::new());
            }),
            ("function_load", |r| {
                let _ = r.function_load("#!lua name=l", false);
            }),
            ("function_restore", |r| {
                let _ = r.function_restore(b"payload", None);
            }),
            ("function_stats", |r| {
                let _ = r.function_stats();
            }),
            ("script_exists", |r| {
                let _ = r.script_exists(["a", "b"]);
            }),
            ("script_flush", |r| {
                let _ = r.script_flush(None);
            }),
            ("script_kill", |r| {
                let _ = r.script_kill();
            }),
            ("script_load", |r| {
                let _ = r.script_load("return 1");
            }),
            ("script_show", |r| {
                let _ = r.script_show("abc");
            }),
        ];
        check::methods(METHODS, calls);
    }

    #[test]
    fn keys_are_counted_and_options_written() {
        assert_eq!(
            check::sent(|r| {
                let _ = r.eval::<Value>("return 1", ["k1", "k2"], (1, "x"));
            }),
            ["EVAL", "return 1", "2", "k1", "k2", "1", "x"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.fcall_ro::<Value>("f", (), "a");
            }),
            ["FCALL_RO", "f", "0", "a"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.function_load("code", true);
            }),
            ["FUNCTION", "LOAD", "REPLACE", "code"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.function_restore("p", Some(FunctionRestorePolicy::Replace));
            }),
            ["FUNCTION", "RESTORE", "p", "REPLACE"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.function_list(FunctionListOptions::new().library_name("m*").with_code());
            }),
            ["FUNCTION", "LIST", "LIBRARYNAME", "m*", "WITHCODE"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.script_flush(Some(ScriptFlushMode::Async));
            }),
            ["SCRIPT", "FLUSH", "ASYNC"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.function_flush(Some(ScriptFlushMode::Sync));
            }),
            ["FUNCTION", "FLUSH", "SYNC"]
        );
    }
}
