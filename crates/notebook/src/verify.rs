//! `verify`: does a program still print what is stored?
//!
//! A cell compares exactly, or as its `varies=` allows: `numbers` masks
//! every run of digits (PIDs, times, addresses), `order` also compares the
//! lines as a sorted list (threads interleaving). The exit status always
//! compares exactly. A chart compares by shape: the same plot kind, series,
//! categories, x values and headline value keys; not the measured numbers.

use crate::directive::Varies;
use crate::store::Run;
use notebook_record::{Plot, Record};
use std::collections::BTreeSet;

/// Why `fresh` runs differ from `stored` ones, if they do.
pub fn cell(stored: &[Run], fresh: &[Run], varies: Varies) -> Result<(), String> {
    if stored.len() != fresh.len() {
        return Err(format!("{} runs stored, {} now", stored.len(), fresh.len()));
    }
    for (i, (was, now)) in stored.iter().zip(fresh).enumerate() {
        let run = if stored.len() > 1 {
            format!("run {}: ", i + 1)
        } else {
            String::new()
        };
        if (was.exit_code, was.signal) != (now.exit_code, now.signal) {
            return Err(format!(
                "{run}exit status {} stored, {} now",
                was.exit_code, now.exit_code
            ));
        }
        for (stream, was, now) in [
            ("stdout", &was.stdout, &now.stdout),
            ("stderr", &was.stderr, &now.stderr),
        ] {
            compare(was, now, varies).map_err(|e| format!("{run}{stream} {e}"))?;
        }
    }
    Ok(())
}

fn compare(was: &str, now: &str, varies: Varies) -> Result<(), String> {
    let (was, now) = match varies {
        Varies::No => (lines(was), lines(now)),
        Varies::Numbers => (masked(was), masked(now)),
        Varies::Order => {
            let (mut was, mut now) = (masked(was), masked(now));
            was.sort();
            now.sort();
            (was, now)
        }
    };
    if was == now {
        return Ok(());
    }
    let line = was
        .iter()
        .zip(&now)
        .position(|(a, b)| a != b)
        .unwrap_or(was.len().min(now.len()));
    let at = |lines: &[String]| {
        lines.get(line).map_or("(nothing)".to_string(), |l| {
            format!("`{}`", crate::text::visible(l))
        })
    };
    let how = match varies {
        Varies::No => "",
        Varies::Numbers => " (numbers masked as N)",
        Varies::Order => " (numbers masked as N, lines sorted)",
    };
    Err(format!(
        "differs at line {}{how}: stored {}, now {}",
        line + 1,
        at(&was),
        at(&now)
    ))
}

/// Lines split at `\n` only: a `\r` or a missing final newline is a
/// difference, as it is on the page.
fn lines(text: &str) -> Vec<String> {
    text.split('\n').map(String::from).collect()
}

/// Every line with each run of digits (and hex digits after `0x`) as `N`,
/// and each run of spaces as one: a number's width moves the columns after it.
fn masked(text: &str) -> Vec<String> {
    lines(text)
        .iter()
        .map(|line| {
            let mut out = String::with_capacity(line.len());
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                if c.is_ascii_digit() {
                    let hex = c == '0' && chars.peek() == Some(&'x');
                    if hex {
                        chars.next();
                    }
                    while chars
                        .peek()
                        .is_some_and(|n| n.is_ascii_digit() || (hex && n.is_ascii_hexdigit()))
                    {
                        chars.next();
                    }
                    out.push('N');
                } else if c == ' ' || c == '\t' {
                    if !out.ends_with(' ') {
                        out.push(' ');
                    }
                } else {
                    out.push(c);
                }
            }
            out
        })
        .collect()
}

/// Why a fresh record's shape differs from the stored one's, if it does.
pub fn chart(stored: &Record, fresh: &Record) -> Result<(), String> {
    let shape = |record: &Record| -> (String, Vec<String>) {
        let mut parts = Vec::new();
        let kind = match &record.plot {
            Plot::Bars {
                categories, series, ..
            } => {
                parts.push(format!("categories {categories:?}"));
                parts.extend(series_shape(series));
                "bars"
            }
            Plot::Lines { series, .. } => {
                parts.extend(series_shape(series));
                "lines"
            }
            Plot::Timeline { lanes, .. } => {
                let names: Vec<&str> = lanes.iter().map(|l| l.name.as_str()).collect();
                parts.push(format!("lanes {names:?}"));
                "timeline"
            }
        };
        let keys: BTreeSet<&String> = record.values.keys().collect();
        parts.push(format!("values {keys:?}"));
        (kind.to_string(), parts)
    };
    let (was_kind, was) = shape(stored);
    let (now_kind, now) = shape(fresh);
    if was_kind != now_kind {
        return Err(format!("a {was_kind} chart stored, a {now_kind} chart now"));
    }
    match was.iter().zip(&now).find(|(a, b)| a != b) {
        Some((a, b)) => Err(format!("stored {a}, now {b}")),
        None if was.len() != now.len() => Err(format!(
            "stored {} series, now {}",
            was.len().saturating_sub(2),
            now.len().saturating_sub(2)
        )),
        None => Ok(()),
    }
}

fn series_shape(series: &[notebook_record::Series]) -> Vec<String> {
    series
        .iter()
        .map(|s| {
            let xs: Vec<f64> = s.points.iter().map(|p| p.x).collect();
            format!("series {:?} at x {xs:?}", s.name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use notebook_record::{Point, Series};

    fn run(stdout: &str, exit_code: i32) -> Run {
        Run {
            stdout: stdout.into(),
            stderr: String::new(),
            exit_code,
            signal: None,
            duration_secs: 0.1,
        }
    }

    #[test]
    fn cells_compare_exactly_unless_they_vary() {
        let stored = [run("pid 1234 took 0.51 s\nA\nB\n", 0)];
        let same = [run("pid 1234 took 0.51 s\nA\nB\n", 0)];
        let numbers = [run("pid 98 took 1.2 s\nA\nB\n", 0)];
        let order = [run("B\npid 98 took 1.2 s\nA\n", 0)];
        assert_eq!(cell(&stored, &same, Varies::No), Ok(()));
        let err = cell(&stored, &numbers, Varies::No).unwrap_err();
        assert!(err.contains("stdout differs at line 1"), "{err}");
        assert_eq!(cell(&stored, &numbers, Varies::Numbers), Ok(()));
        assert!(cell(&stored, &order, Varies::Numbers).is_err());
        assert_eq!(cell(&stored, &order, Varies::Order), Ok(()));
        let words = [run("pid 98 took 1.2 s\nA\nC\n", 0)];
        let err = cell(&stored, &words, Varies::Order).unwrap_err();
        assert!(err.contains("`B`") && err.contains("`C`"), "{err}");
        let failed = [run("pid 1234 took 0.51 s\nA\nB\n", 1)];
        assert!(
            cell(&stored, &failed, Varies::Order)
                .unwrap_err()
                .contains("exit status")
        );
        assert!(cell(&stored, &[], Varies::No).is_err());
    }

    #[test]
    fn addresses_mask_whole() {
        assert_eq!(masked("at 0x7ffd3a2c, 12 items"), ["at N, N items"]);
    }

    #[test]
    fn columns_moved_by_a_number_s_width_still_match() {
        assert_eq!(masked("a  999  x"), masked("a 1000   x"));
        assert_ne!(masked("a 1 x"), masked("a 1 y"));
    }

    #[test]
    fn carriage_returns_and_final_newlines_count() {
        for varies in [Varies::No, Varies::Numbers, Varies::Order] {
            assert!(
                compare("a\nb\n", "a\r\nb\r\n", varies).is_err(),
                "{varies:?}"
            );
            assert!(compare("a\nb\n", "a\nb", varies).is_err(), "{varies:?}");
            assert!(compare("a\nb\n", "a\nb\n", varies).is_ok(), "{varies:?}");
        }
    }

    fn record(names: &[&str], xs: &[f64], keys: &[&str]) -> Record {
        let series = names
            .iter()
            .map(|n| {
                Series::new(
                    *n,
                    xs.iter().map(|x| Point::new(*x, vec![x * 3.0])).collect(),
                )
            })
            .collect();
        let mut record = Record::new(
            "title 1.9x",
            Plot::Lines {
                x_label: "workers".into(),
                y_label: "x".into(),
                log_x: false,
                log_y: false,
                series,
            },
        );
        for key in keys {
            record = record.with_value(*key, "1");
        }
        record
    }

    #[test]
    fn charts_compare_by_shape_not_numbers() {
        let stored = record(&["threads", "processes"], &[1.0, 2.0], &["speedup"]);
        let mut fresh = stored.clone();
        fresh.title = "title 1.2x".into();
        if let Plot::Lines { series, .. } = &mut fresh.plot {
            series[0].points[0].samples = vec![9.0, 8.0];
        }
        assert_eq!(chart(&stored, &fresh), Ok(()));
        for (other, why) in [
            (record(&["threads"], &[1.0, 2.0], &["speedup"]), "series"),
            (
                record(&["threads", "rayon"], &[1.0, 2.0], &["speedup"]),
                "rayon",
            ),
            (
                record(&["threads", "processes"], &[1.0, 4.0], &["speedup"]),
                "4.0",
            ),
            (
                record(&["threads", "processes"], &[1.0, 2.0], &[]),
                "values",
            ),
        ] {
            let err = chart(&stored, &other).unwrap_err();
            assert!(err.contains(why), "{err}");
        }
    }
}
