//! The options and replies of the scripting commands: flush modes, `FUNCTION RESTORE`
//! policies, `FUNCTION LIST` options and libraries, `FUNCTION STATS`.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::commands::args::{ArgWriter, ToArgs};
use crate::commands::groups::streams::Fields;
use crate::commands::reply::FromValue;
use crate::error::Result;
use crate::resp::Value;

/// How `SCRIPT FLUSH` and `FUNCTION FLUSH` free the memory: `ASYNC` (in the background) or
/// `SYNC`. Without one, the server's `lazyfree-lazy-user-flush` setting decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptFlushMode {
    /// `ASYNC`: flush in a background thread.
    Async,
    /// `SYNC`: flush before replying.
    Sync,
}

impl ToArgs for ScriptFlushMode {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            ScriptFlushMode::Async => b"ASYNC",
            ScriptFlushMode::Sync => b"SYNC",
        })
    }
}

/// What `FUNCTION RESTORE` does with the libraries already loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FunctionRestorePolicy {
    /// `APPEND` (the server's default): add the dumped libraries; a name that exists is an
    /// error and nothing is restored.
    Append,
    /// `FLUSH`: delete every library first.
    Flush,
    /// `REPLACE`: add them, replacing libraries of the same name.
    Replace,
}

impl ToArgs for FunctionRestorePolicy {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            FunctionRestorePolicy::Append => b"APPEND",
            FunctionRestorePolicy::Flush => b"FLUSH",
            FunctionRestorePolicy::Replace => b"REPLACE",
        })
    }
}

/// Options for [`function_list`](super::ScriptingCommands::function_list): only libraries
/// whose names match a pattern (`LIBRARYNAME`), and with their source (`WITHCODE`).
///
/// ```
/// use redisync::FunctionListOptions;
/// let mine = FunctionListOptions::new().library_name("my*").with_code();
/// # let _ = mine;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionListOptions {
    library_name: Option<String>,
    with_code: bool,
}

impl FunctionListOptions {
    /// Every library, without its source.
    pub fn new() -> FunctionListOptions {
        FunctionListOptions::default()
    }

    /// `LIBRARYNAME pattern`: only libraries whose names match the glob-style pattern.
    pub fn library_name(mut self, pattern: impl Into<String>) -> FunctionListOptions {
        self.library_name = Some(pattern.into());
        self
    }

    /// `WITHCODE`: each library's source too ([`LibraryInfo::code`]).
    pub fn with_code(mut self) -> FunctionListOptions {
        self.with_code = true;
        self
    }
}

impl ToArgs for FunctionListOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if let Some(p) = &self.library_name {
            out.arg(b"LIBRARYNAME");
            out.arg(p.as_bytes());
        }
        if self.with_code {
            out.arg(b"WITHCODE");
        }
    }
}

/// One library of `FUNCTION LIST`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LibraryInfo {
    /// The library's name (`#!lua name=...`).
    pub name: String,
    /// Its engine (`LUA`).
    pub engine: String,
    /// The functions it registers, in the server's order.
    pub functions: Vec<FunctionInfo>,
    /// Its source, with [`FunctionListOptions::with_code`]; `None` otherwise.
    pub code: Option<String>,
}

impl FromValue for LibraryInfo {
    fn from_value(value: Value) -> Result<LibraryInfo> {
        let mut f = Fields::new("LibraryInfo", value)?;
        Ok(LibraryInfo {
            name: f.req("library_name")?,
            engine: f.req("engine")?,
            functions: f.req("functions")?,
            code: f.opt("library_code")?,
        })
    }
}

/// One function of a [`LibraryInfo`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionInfo {
    /// The function's name, as `FCALL` calls it.
    pub name: String,
    /// Its description, when it was registered with one.
    pub description: Option<String>,
    /// Its flags (`no-writes`, `allow-oom`, `allow-stale`, `no-cluster`,
    /// `allow-cross-slot-keys`), in the server's order.
    pub flags: Vec<String>,
}

impl FromValue for FunctionInfo {
    fn from_value(value: Value) -> Result<FunctionInfo> {
        let mut f = Fields::new("FunctionInfo", value)?;
        Ok(FunctionInfo {
            name: f.req("name")?,
            description: f.opt("description")?,
            flags: f.opt("flags")?.unwrap_or_default(),
        })
    }
}

/// `FUNCTION STATS`: the function running now, if any, and each engine's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionStats {
    /// The function running now; `None` when none is.
    pub running_script: Option<RunningFunction>,
    /// Each engine (`LUA`) with its library and function counts.
    pub engines: BTreeMap<String, FunctionEngineStats>,
}

impl FromValue for FunctionStats {
    fn from_value(value: Value) -> Result<FunctionStats> {
        let mut f = Fields::new("FunctionStats", value)?;
        Ok(FunctionStats {
            running_script: f.opt("running_script")?,
            engines: f.opt("engines")?.unwrap_or_default(),
        })
    }
}

/// The function a [`FunctionStats`] found running.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunningFunction {
    /// The function's name.
    pub name: String,
    /// The command that called it, with its arguments (as bytes: they are the caller's).
    pub command: Vec<Vec<u8>>,
    /// How long it has been running.
    pub duration: Duration,
}

impl FromValue for RunningFunction {
    fn from_value(value: Value) -> Result<RunningFunction> {
        let mut f = Fields::new("RunningFunction", value)?;
        Ok(RunningFunction {
            name: f.req("name")?,
            command: f.req("command")?,
            duration: f.millis("duration_ms")?,
        })
    }
}

/// One engine of a [`FunctionStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FunctionEngineStats {
    /// How many libraries it has loaded.
    pub libraries_count: u64,
    /// How many functions they register.
    pub functions_count: u64,
}

impl FromValue for FunctionEngineStats {
    fn from_value(value: Value) -> Result<FunctionEngineStats> {
        let mut f = Fields::new("FunctionEngineStats", value)?;
        Ok(FunctionEngineStats {
            libraries_count: f.req("libraries_count")?,
            functions_count: f.req("functions_count")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn function_replies_read_both_protocols() {
        let function = |flags: Value| {
            vec![
                bulk("name"),
                bulk("f"),
                bulk("description"),
                Value::Nil,
                bulk("flags"),
                flags,
            ]
        };
        let resp2 = Value::Array(function(Value::Array(vec![Value::SimpleString(
            b"no-writes".to_vec(),
        )])));
        let resp3 = Value::Map(
            function(Value::Set(vec![Value::SimpleString(b"no-writes".to_vec())]))
                .chunks(2)
                .map(|p| (p[0].clone(), p[1].clone()))
                .collect(),
        );
        for v in [resp2, resp3] {
            let f = FunctionInfo::from_value(v).unwrap();
            assert_eq!((f.name.as_str(), f.description), ("f", None));
            assert_eq!(f.flags, ["no-writes"]);
        }
        let stats = FunctionStats::from_value(Value::Map(vec![
            (
                bulk("running_script"),
                Value::Map(vec![
                    (bulk("name"), bulk("spin")),
                    (
                        bulk("command"),
                        Value::Array(vec![bulk("FCALL"), bulk("spin"), bulk("0")]),
                    ),
                    (bulk("duration_ms"), Value::Int(1500)),
                ]),
            ),
            (
                bulk("engines"),
                Value::Map(vec![(
                    bulk("LUA"),
                    Value::Map(vec![
                        (bulk("libraries_count"), Value::Int(1)),
                        (bulk("functions_count"), Value::Int(2)),
                    ]),
                )]),
            ),
        ]))
        .unwrap();
        let running = stats.running_script.unwrap();
        assert_eq!(running.duration, Duration::from_millis(1500));
        assert_eq!(running.command[0], b"FCALL");
        assert_eq!(stats.engines["LUA"].functions_count, 2);
    }
}
