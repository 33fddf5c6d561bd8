//! How long a blocking command lets the server hold its reply back, read from its arguments
//! by the rule the table gives ([`Blocking`]).

use std::time::Duration;

use super::{Blocking, CommandSpec, WaitArg, WaitUnit};

/// How long the server may wait before it replies to a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Wait {
    /// It answers at once.
    #[default]
    None,
    /// Up to this long.
    For(Duration),
    /// As long as it likes (a zero timeout, or one too long to represent).
    Forever,
}

impl Wait {
    /// Two waits one after the other (a pipeline holding two blocking commands).
    pub(crate) fn then(self, other: Wait) -> Wait {
        match (self, other) {
            (Wait::Forever, _) | (_, Wait::Forever) => Wait::Forever,
            (Wait::None, w) | (w, Wait::None) => w,
            (Wait::For(a), Wait::For(b)) => Wait::For(a.saturating_add(b)),
        }
    }

    /// A read budget of `base` extended by this wait; `None` when there is no limit.
    #[inline]
    pub(crate) fn extend(self, base: Duration) -> Option<Duration> {
        match self {
            Wait::None => Some(base),
            Wait::For(w) => Some(base.saturating_add(w)),
            Wait::Forever => None,
        }
    }
}

impl CommandSpec {
    /// The wait of this command with these arguments (`args[0]` is the name; a subcommand's
    /// container and subcommand come first).
    pub(crate) fn wait_in(&self, args: &[&[u8]]) -> Wait {
        match self.blocking {
            Some(b) => b.wait_in(args),
            None => Wait::None,
        }
    }
}

impl Blocking {
    fn wait_in(self, args: &[&[u8]]) -> Wait {
        let at = match self.arg {
            WaitArg::Last => args.len().checked_sub(1),
            WaitArg::First => Some(1),
            WaitArg::Option {
                keyword,
                from,
                before,
            } => args
                .iter()
                .enumerate()
                .skip(from)
                .take_while(|(_, a)| !a.eq_ignore_ascii_case(before.as_bytes()))
                .find(|(_, a)| a.eq_ignore_ascii_case(keyword.as_bytes()))
                .map(|(i, _)| i + 1),
        };
        // A command without its wait argument (`XREAD` without `BLOCK`) does not block; one
        // whose wait is not a number is refused by the server at once.
        let Some(text) = at.filter(|&i| i > 0).and_then(|i| args.get(i)) else {
            return Wait::None;
        };
        let Some(text) = std::str::from_utf8(text).ok() else {
            return Wait::None;
        };
        let seconds = match self.unit {
            WaitUnit::Seconds => text.parse::<f64>().ok(),
            WaitUnit::Milliseconds => text.parse::<u64>().ok().map(|ms| ms as f64 / 1000.0),
        };
        match seconds {
            Some(0.0) => Wait::Forever,
            Some(s) if s > 0.0 => match Duration::try_from_secs_f64(s) {
                Ok(d) => Wait::For(d),
                // Too long to represent (`1e20`): for this side, forever.
                Err(_) => Wait::Forever,
            },
            // Negative, NaN or not a number: the server refuses it without waiting.
            _ => Wait::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(arg: WaitArg, unit: WaitUnit, args: &[&str]) -> Wait {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        Blocking { arg, unit }.wait_in(&args)
    }

    #[test]
    fn waits_are_read_from_the_right_argument_in_the_right_unit() {
        use WaitArg::*;
        use WaitUnit::*;
        let s = |n: u64| Wait::For(Duration::from_secs(n));
        assert_eq!(wait(Last, Seconds, &["BLPOP", "a", "b", "30"]), s(30));
        assert_eq!(wait(Last, Seconds, &["BLPOP", "a", "0"]), Wait::Forever);
        assert_eq!(
            wait(Last, Seconds, &["BZPOPMIN", "z", "0.5"]),
            Wait::For(Duration::from_millis(500))
        );
        assert_eq!(
            wait(First, Seconds, &["BLMPOP", "7", "1", "l", "LEFT"]),
            s(7)
        );
        assert_eq!(
            wait(Last, Milliseconds, &["WAIT", "1", "1500"]),
            Wait::For(Duration::from_millis(1500))
        );
        let xread = Option {
            keyword: "BLOCK",
            from: 1,
            before: "STREAMS",
        };
        let xreadgroup = Option {
            keyword: "BLOCK",
            from: 4,
            before: "STREAMS",
        };
        let ms = |n: u64| Wait::For(Duration::from_millis(n));
        let cases: &[(WaitArg, &[&str], Wait)] = &[
            (
                xread,
                &["XREAD", "COUNT", "1", "block", "250", "STREAMS", "s", "$"],
                ms(250),
            ),
            (xread, &["XREAD", "STREAMS", "s", "0"], Wait::None),
            (
                xread,
                &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
                Wait::Forever,
            ),
            // A stream key named `block`: its id is not a wait.
            (xread, &["XREAD", "STREAMS", "block", "0"], Wait::None),
            (
                xread,
                &["XREAD", "BLOCK", "5", "STREAMS", "block", "0"],
                ms(5),
            ),
            // A group or consumer named `block` (or `streams`) is not the option.
            (
                xreadgroup,
                &[
                    "XREADGROUP",
                    "GROUP",
                    "block",
                    "c",
                    "BLOCK",
                    "900",
                    "STREAMS",
                    "s",
                    ">",
                ],
                ms(900),
            ),
            (
                xreadgroup,
                &["XREADGROUP", "GROUP", "g", "block", "STREAMS", "s", ">"],
                Wait::None,
            ),
            (
                xreadgroup,
                &[
                    "XREADGROUP",
                    "GROUP",
                    "streams",
                    "c",
                    "BLOCK",
                    "70",
                    "STREAMS",
                    "s",
                    ">",
                ],
                ms(70),
            ),
            (
                xreadgroup,
                &[
                    "XREADGROUP",
                    "GROUP",
                    "g",
                    "c",
                    "NOACK",
                    "BLOCK",
                    "0",
                    "STREAMS",
                    "block",
                    ">",
                ],
                Wait::Forever,
            ),
            (xreadgroup, &["XREADGROUP", "GROUP"], Wait::None),
        ];
        for (arg, args, expected) in cases {
            assert_eq!(wait(*arg, Milliseconds, args), *expected, "{args:?}");
        }
        for odd in ["1e20", "inf"] {
            assert_eq!(
                wait(Last, Seconds, &["BLPOP", "k", odd]),
                Wait::Forever,
                "{odd}"
            );
        }
        for bad in ["-1", "NaN", "soon", ""] {
            assert_eq!(
                wait(Last, Seconds, &["BLPOP", "k", bad]),
                Wait::None,
                "{bad}"
            );
        }
        assert_eq!(wait(Last, Seconds, &["BLPOP"]), Wait::None);
        assert_eq!(wait(First, Seconds, &["BLMPOP"]), Wait::None);
        assert_eq!(
            Wait::For(Duration::MAX).then(Wait::For(Duration::MAX)),
            Wait::For(Duration::MAX)
        );
        assert_eq!(Wait::None.extend(Duration::MAX), Some(Duration::MAX));
    }
}
