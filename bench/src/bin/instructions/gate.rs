//! The committed figures (bench/instructions.txt) and the comparison that makes CI fail.

use std::fmt::Write as _;

/// How far a figure may rise above the committed one before the gate fails, and how far it may
/// drop before the gate suggests lowering the committed figure, in percent.
pub const TOLERANCE_PERCENT: u64 = 10;

/// The committed figures: `(name, instructions per operation)` in file order.
pub type Figures = Vec<(String, u64)>;

/// Reads a figures file: `#` comments and blank lines are skipped; every other line is
/// `<name> <instructions>`.
pub fn parse(text: &str) -> Result<Figures, String> {
    let mut figures = Figures::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(name), Some(value), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!("line {}: expected `<name> <instructions>`", i + 1));
        };
        let value: u64 = value
            .parse()
            .map_err(|_| format!("line {}: `{value}` is not a whole number", i + 1))?;
        if figures.iter().any(|(n, _)| n == name) {
            return Err(format!("line {}: `{name}` appears twice", i + 1));
        }
        figures.push((name.to_string(), value));
    }
    Ok(figures)
}

/// Writes a figures file: `header` (each line prefixed with `# `), then one line per figure.
pub fn render(header: &[String], measured: &[(String, f64)]) -> String {
    let mut out = String::new();
    for line in header {
        let _ = writeln!(out, "# {line}");
    }
    for (name, value) in measured {
        let _ = writeln!(out, "{name} {}", value.round() as u64);
    }
    out
}

/// One operation's verdict.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Within 10% of the committed figure.
    Ok,
    /// More than 10% above: the gate fails.
    Rose,
    /// More than 10% below: the committed figure should be lowered (not a failure).
    Dropped,
    /// No committed figure for this operation: the gate fails (the file must list every one).
    Missing,
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The operation's name.
    pub name: String,
    /// The committed figure, if the file has one.
    pub committed: Option<u64>,
    /// The measured figure.
    pub measured: f64,
    /// `measured / committed - 1`, if there is a committed figure.
    pub change: Option<f64>,
    /// What the gate makes of it.
    pub verdict: Verdict,
}

/// Compares each measured figure with its committed one.
pub fn compare(committed: &Figures, measured: &[(String, f64)]) -> Vec<Row> {
    measured
        .iter()
        .map(|(name, value)| {
            let committed = committed.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
            let change = committed.map(|c| *value / c.max(1) as f64 - 1.0);
            // Compared in whole percents of the committed figure, so exactly 10% is within.
            let scaled = *value * 100.0;
            let verdict = match committed.map(|c| c as f64) {
                None => Verdict::Missing,
                Some(c) if scaled > c * (100 + TOLERANCE_PERCENT) as f64 => Verdict::Rose,
                Some(c) if scaled < c * (100 - TOLERANCE_PERCENT) as f64 => Verdict::Dropped,
                Some(_) => Verdict::Ok,
            };
            Row {
                name: name.clone(),
                committed,
                measured: *value,
                change,
                verdict,
            }
        })
        .collect()
}

/// The table of every figure, then one message per row that is not within tolerance.
pub fn report(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:>10} {:>10} {:>8}  verdict",
        "op", "committed", "measured", "change"
    );
    for row in rows {
        let committed = row
            .committed
            .map_or_else(|| "-".to_string(), |c| c.to_string());
        let change = row
            .change
            .map_or_else(|| "-".to_string(), |c| format!("{:+.1}%", c * 100.0));
        let verdict = match row.verdict {
            Verdict::Ok => "ok",
            Verdict::Rose => "ROSE >10%",
            Verdict::Dropped => "dropped >10%",
            Verdict::Missing => "NO FIGURE",
        };
        let _ = writeln!(
            out,
            "{:<16} {committed:>10} {:>10.1} {change:>8}  {verdict}",
            row.name, row.measured
        );
    }
    for row in rows {
        let pct = row.change.map_or(0.0, |c| c * 100.0);
        let committed = row.committed.unwrap_or(0);
        match row.verdict {
            Verdict::Ok => {}
            Verdict::Rose => {
                let _ = writeln!(
                    out,
                    "FAIL: {} rose to {:.1} instructions per op, {pct:+.1}% over the committed \
                     {committed} (more than {TOLERANCE_PERCENT}% allowed)",
                    row.name, row.measured
                );
            }
            Verdict::Dropped => {
                let _ = writeln!(
                    out,
                    "note: {} dropped to {:.1} instructions per op, {pct:+.1}% under the \
                     committed {committed}: lower the committed figure \
                     (make bench-instructions UPDATE=1)",
                    row.name, row.measured
                );
            }
            Verdict::Missing => {
                let _ = writeln!(
                    out,
                    "FAIL: {} has no committed figure (measured {:.1}); \
                     add it with make bench-instructions UPDATE=1",
                    row.name, row.measured
                );
            }
        }
    }
    out
}

/// Whether the gate passes: no figure rose more than 10%, none is missing.
pub fn passes(rows: &[Row]) -> bool {
    rows.iter()
        .all(|r| matches!(r.verdict, Verdict::Ok | Verdict::Dropped))
}

/// The total instruction count in a callgrind output file (its `totals:` line, else its
/// `summary:` line; the first event is `Ir`, instructions executed).
pub fn callgrind_total(text: &str) -> Result<u64, String> {
    let find = |prefix: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_string)
    };
    let value = find("totals:")
        .or_else(|| find("summary:"))
        .ok_or("no totals: or summary: line in the callgrind output")?;
    value
        .parse()
        .map_err(|_| format!("callgrind total `{value}` is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
        pairs.iter().map(|(n, v)| (n.to_string(), *v)).collect()
    }

    #[test]
    fn parses_figures_and_skips_comments() {
        let f = parse("# header\n\nget16 1035\n  set16   885 \n").unwrap();
        assert_eq!(f, vec![("get16".into(), 1035), ("set16".into(), 885)]);
    }

    #[test]
    fn refuses_malformed_lines() {
        assert!(parse("get16\n").unwrap_err().contains("line 1"));
        assert!(parse("get16 12x\n").unwrap_err().contains("12x"));
        assert!(parse("get16 1 2\n").is_err());
        assert!(parse("get16 1\nget16 2\n").unwrap_err().contains("twice"));
    }

    #[test]
    fn a_rise_over_ten_percent_fails_and_names_the_op() {
        let committed = parse("get16 1000\nset16 800\n").unwrap();
        let rows = compare(
            &committed,
            &measured(&[("get16", 1101.0), ("set16", 880.0)]),
        );
        assert_eq!(rows[0].verdict, Verdict::Rose);
        assert_eq!(rows[1].verdict, Verdict::Ok);
        assert!(!passes(&rows));
        let text = report(&rows);
        assert!(text.contains("FAIL: get16 rose to 1101.0"), "{text}");
        assert!(text.contains("+10.1% over the committed 1000"), "{text}");
        assert!(!text.contains("FAIL: set16"), "{text}");
    }

    #[test]
    fn a_drop_over_ten_percent_passes_with_a_note() {
        let committed = parse("get16 1000\n").unwrap();
        let rows = compare(&committed, &measured(&[("get16", 850.0), ("get16", 900.0)]));
        assert_eq!(rows[0].verdict, Verdict::Dropped);
        assert_eq!(rows[1].verdict, Verdict::Ok);
        assert!(passes(&rows));
        assert!(report(&rows).contains("note: get16 dropped to 850.0"));
    }

    #[test]
    fn a_missing_figure_fails() {
        let rows = compare(&Figures::new(), &measured(&[("mget100_key", 700.0)]));
        assert_eq!(rows[0].verdict, Verdict::Missing);
        assert!(!passes(&rows));
    }

    #[test]
    fn rendered_figures_parse_back() {
        let m = measured(&[("get16", 1034.6), ("set16", 885.2)]);
        let text = render(&["made by a test".into()], &m);
        assert!(text.starts_with("# made by a test\n"));
        assert_eq!(
            parse(&text).unwrap(),
            vec![("get16".into(), 1035), ("set16".into(), 885)]
        );
    }

    #[test]
    fn reads_callgrind_totals() {
        let out = "events: Ir\nfn=main\n1 5\nsummary: 123456\ntotals: 123457\n";
        assert_eq!(callgrind_total(out).unwrap(), 123457);
        assert_eq!(callgrind_total("summary: 99\n").unwrap(), 99);
        assert!(callgrind_total("events: Ir\n").is_err());
    }
}
