//! Finding a command's keys from its key specifications, as the server does
//! (`getKeysUsingKeySpecs` in Redis's `db.c`), for routing and caching.

use super::{BeginSearch, CommandSpec, FindKeys};

/// The positions of a command's keys in its arguments (index 0 is the command name), in the
/// order the key specifications list them, and whether that is all of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keys {
    pub(crate) positions: Vec<usize>,
    pub(crate) complete: bool,
}

impl Keys {
    /// The argument indexes of the keys.
    pub fn positions(&self) -> &[usize] {
        &self.positions
    }
    /// False when a specification could not be followed (an unknown search, or arguments that
    /// do not match it), so there may be keys this list misses.
    pub fn is_complete(&self) -> bool {
        self.complete
    }
}

impl CommandSpec {
    /// Where the keys are in `args` (the command's whole argument list, its name at index 0,
    /// a subcommand's container and subcommand at 0 and 1).
    pub fn keys_in(&self, args: &[&[u8]]) -> Keys {
        let mut keys = Keys {
            positions: Vec::new(),
            complete: true,
        };
        let argc = args.len() as i64;
        for spec in self.key_specs {
            let first = match spec.begin {
                BeginSearch::Index(i) => i64::from(i),
                BeginSearch::Keyword {
                    keyword,
                    start_from,
                } => {
                    let found = if start_from >= 0 {
                        (i64::from(start_from)..argc).find(|&i| is_word(args, i, keyword))
                    } else {
                        let from = argc + i64::from(start_from);
                        (1..=from).rev().find(|&i| is_word(args, i, keyword))
                    };
                    match found {
                        Some(i) => i + 1,
                        None => continue,
                    }
                }
                BeginSearch::Unknown => {
                    keys.complete = false;
                    continue;
                }
            };
            let (first, last, step) = match spec.find {
                FindKeys::Range {
                    last_key,
                    step,
                    limit,
                } => {
                    let last = if last_key >= 0 {
                        first + i64::from(last_key)
                    } else if limit == 0 {
                        argc + i64::from(last_key)
                    } else {
                        first + ((argc - first) / i64::from(limit) + i64::from(last_key))
                    };
                    (first, last, i64::from(step))
                }
                FindKeys::KeyNum {
                    key_num_index,
                    first_key,
                    step,
                } => {
                    let at = first + i64::from(key_num_index);
                    let n = usize::try_from(at)
                        .ok()
                        .and_then(|at| args.get(at))
                        .and_then(|a| std::str::from_utf8(a).ok())
                        .and_then(|s| s.parse::<i64>().ok())
                        .filter(|n| *n >= 0);
                    let Some(n) = n else {
                        keys.complete = false;
                        continue;
                    };
                    let first = first + i64::from(first_key);
                    (first, first + n - 1, i64::from(step))
                }
                FindKeys::Unknown => {
                    keys.complete = false;
                    continue;
                }
            };
            if step <= 0 {
                keys.complete = false;
                continue;
            }
            let mut j = first;
            while j <= last {
                if j < 1 || j >= argc {
                    keys.complete = false;
                    break;
                }
                keys.positions.push(j as usize);
                j += step;
            }
        }
        keys
    }
}

fn is_word(args: &[&[u8]], i: i64, word: &str) -> bool {
    usize::try_from(i)
        .ok()
        .and_then(|i| args.get(i))
        .is_some_and(|a| a.eq_ignore_ascii_case(word.as_bytes()))
}
