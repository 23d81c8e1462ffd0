//! "`count += 1` is not atomic", run on every CPython found (chapter 16): 4
//! threads × 1,000,000 increments of one global, on each interpreter under
//! pyenv (`$PYENV_ROOT` or `~/.pyenv`, `versions/*/bin/python3`, or
//! `python2` for 2.7) and the `python3` on PATH, by
//! crates/lab/python/lost_updates.py. Three ways: `count += 1`; a wide gap
//! with no call between the load and the store; a call in the gap. And where
//! each interpreter stops to look at its "eval breaker" (the flag a GIL drop
//! request and a pending signal both set): inside the gap, or not.
//!
//! An interpreter that is not installed is a note on the chart, never a
//! failure; only finding none at all fails.

use super::Args;
use crate::python::{self, Interpreter, samples_at};
use crate::{Plot, Point, Record, Series, SeriesKind};
use std::collections::BTreeMap;
use std::path::Path;

const SCRIPT: &str = "lost_updates.py";
/// Increments per thread for `count += 1` and for the call.
const INCREMENTS: u64 = 1_000_000;
/// Increments per thread with the wide gap, which costs microseconds each.
const WIDE_INCREMENTS: u64 = 20_000;
/// Loop turns of `count += 1` under the interval timer that finds the stops.
const PROBE_LOOPS: u64 = 1_000_000;
/// The versions a note names when they are missing: those this book's
/// machine has had, 2.7 and 3.6 to 3.13.
const EXPECTED: [(u32, u32); 9] = [
    (2, 7),
    (3, 6),
    (3, 7),
    (3, 8),
    (3, 9),
    (3, 10),
    (3, 11),
    (3, 12),
    (3, 13),
];

/// The three ways, in the script's keys: (key, legend, colour).
const WAYS: [(&str, &str, SeriesKind); 3] = [
    ("inline", "count += 1", SeriesKind::CPythonThreads),
    (
        "wide_gap",
        "count = count + (a big multiplication)",
        SeriesKind::Sequential,
    ),
    ("with_call", "count = plus_one(count)", SeriesKind::Other),
];

/// What one interpreter printed.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    version: (u32, u32, u32),
    /// Lost updates per sample, for each of [`WAYS`].
    lost: [Vec<f64>; 3],
    /// Increments in all (threads × per thread), for each of [`WAYS`].
    total: [f64; 3],
    gap_us: f64,
    /// Eval-breaker stops inside the gap, and in all; `None` where the
    /// script could not find the load and the store.
    stops: Option<(u64, u64)>,
}

pub fn run(args: &Args) -> Result<Record, String> {
    let samples = args.samples(1);
    let mut notes = vec![format!(
        "4 threads each add 1 to one global: {INCREMENTS} times with count += 1 and with \
         a call in the gap, {WIDE_INCREMENTS} times with a multiplication in the gap (it \
         costs microseconds). Bars: the share of the increments lost."
    )];
    let mut runs: Vec<Run> = Vec::new();
    // The version of `python3` on PATH: the one the book's Python cells run.
    let mut on_path = None;
    let mut pythons = python::interpreters();
    pythons.push(Interpreter::path_python3());
    for python in &pythons {
        match run_one(python, samples) {
            Ok(run) => {
                if python.path == Path::new("python3") {
                    on_path = Some(run.version);
                }
                if runs.iter().all(|r| r.version != run.version) {
                    runs.push(run);
                }
            }
            Err(why) => notes.push(format!("{}: {why}.", python.path.display())),
        }
    }
    if runs.is_empty() {
        return Err("no CPython interpreter found (pyenv or python3 on PATH)".into());
    }
    runs.sort_by_key(|r| r.version);
    let missing: Vec<String> = EXPECTED
        .iter()
        .filter(|&&(major, minor)| {
            !runs
                .iter()
                .any(|r| (r.version.0, r.version.1) == (major, minor))
        })
        .map(|(major, minor)| format!("{major}.{minor}"))
        .collect();
    if !missing.is_empty() {
        notes.push(format!("Not installed here: {}.", missing.join(", ")));
    }
    let (fastest, slowest) = runs.iter().fold((f64::MAX, 0.0f64), |(lo, hi), r| {
        (lo.min(r.gap_us), hi.max(r.gap_us))
    });
    notes.push(format!(
        "The multiplication in the wide gap took {fastest:.1}–{slowest:.1} µs."
    ));

    let series = WAYS
        .iter()
        .enumerate()
        .map(|(way, &(_, legend, kind))| Series {
            name: legend.into(),
            color: kind.color(),
            points: runs
                .iter()
                .enumerate()
                .map(|(i, run)| Point {
                    x: i as f64,
                    samples: run.lost[way]
                        .iter()
                        .map(|lost| 100.0 * lost / run.total[way])
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let mut values = values(&runs);
    if let Some(version) = on_path {
        values.insert("python3".into(), version_text(version));
    }
    let title = title(&runs);
    Ok(Record {
        values,
        notes,
        ..Record::new(
            title,
            Plot::Bars {
                y_label: "updates lost (%)".into(),
                log_y: false,
                categories: runs.iter().map(|r| version_text(r.version)).collect(),
                series,
            },
        )
    })
}

/// Runs the script with `python` and reads what it printed.
fn run_one(python: &Interpreter, samples: usize) -> Result<Run, String> {
    let args = [INCREMENTS, WIDE_INCREMENTS, PROBE_LOOPS, samples as u64].map(|n| n.to_string());
    parse(&python.run(SCRIPT, &args)?)
}

fn parse(json: &serde_json::Value) -> Result<Run, String> {
    let version = json["python"]
        .as_str()
        .and_then(parse_version)
        .ok_or("no version")?;
    let number = |key: &str| json[key].as_f64().ok_or(format!("no {key}"));
    let threads = number("threads")?;
    let per_thread = [
        number("increments")?,
        number("wide_increments")?,
        number("increments")?,
    ];
    let lost = WAYS
        .iter()
        .map(|(key, _, _)| samples_at(&json[key]).map_err(|e| format!("{key}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let stops = match (json["stops_in_gap"].as_u64(), json["stops"].as_u64()) {
        (Some(in_gap), Some(all)) => Some((in_gap, all)),
        _ => None,
    };
    Ok(Run {
        version,
        lost: lost.try_into().expect("one list per way"),
        total: per_thread.map(|k| k * threads),
        gap_us: number("gap_us")?,
        stops,
    })
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .ok()
    });
    Some((parts.next()??, parts.next()??, parts.next()?.unwrap_or(0)))
}

fn version_text((major, minor, patch): (u32, u32, u32)) -> String {
    format!("{major}.{minor}.{patch}")
}

/// From 3.10 on, CPython looks at its eval breaker only at backward jumps
/// and calls.
fn checks_only_at_jumps_and_calls(version: (u32, u32, u32)) -> bool {
    version >= (3, 10, 0)
}

/// Per version (`py311_inline`, `py311_stops`, …) and per group of versions,
/// before 3.10 and from 3.10 on (`inline_from_310`, …), the group values
/// naming the versions they cover.
fn values(runs: &[Run]) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for run in runs {
        let prefix = format!("py{}{}", run.version.0, run.version.1);
        for (way, (key, _, _)) in WAYS.iter().enumerate() {
            let lost = median_of(&run.lost[way]);
            values.insert(
                format!("{prefix}_{key}"),
                format!("{} of {}", thousands(lost), thousands(run.total[way])),
            );
        }
        if let Some((in_gap, all)) = run.stops {
            values.insert(format!("{prefix}_stops"), format!("{in_gap} of {all}"));
        }
    }
    for (suffix, newer) in [("before_310", false), ("from_310", true)] {
        let group: Vec<&Run> = runs
            .iter()
            .filter(|r| checks_only_at_jumps_and_calls(r.version) == newer)
            .collect();
        let names = group
            .iter()
            .map(|r| version_text(r.version))
            .collect::<Vec<_>>()
            .join(", ");
        for (way, (key, _, _)) in WAYS.iter().enumerate() {
            let text = match shares(&group, way) {
                None => "no interpreter found".to_string(),
                Some((_, 0.0)) => format!("none lost ({names})"),
                Some((lo, hi)) => format!("{} lost ({names})", percent_span(lo, hi)),
            };
            values.insert(format!("{key}_{suffix}"), text);
        }
        // The tutorial's claim, "count += 1 is not atomic: threads can
        // interleave", judged by whether this group lost any update with it.
        let lost_any = group.iter().any(|r| median_of(&r.lost[0]) > 0.0);
        let verdict = match (group.is_empty(), lost_any) {
            (true, _) => "not measured",
            (false, true) => "confirmed",
            (false, false) => "corrected",
        };
        values.insert(format!("verdict_{suffix}"), verdict.into());
        let stops: Vec<(u64, u64)> = group.iter().filter_map(|r| r.stops).collect();
        let in_gap: u64 = stops.iter().map(|s| s.0).sum();
        let all: u64 = stops.iter().map(|s| s.1).sum();
        values.insert(
            format!("stops_{suffix}"),
            format!("{in_gap} of {all} stops inside the gap ({names})"),
        );
    }
    values.insert(
        "interpreters".into(),
        runs.iter()
            .map(|r| version_text(r.version))
            .collect::<Vec<_>>()
            .join(", "),
    );
    values
}

/// The lowest and highest median share lost (percent) in `group` for `way`.
fn shares(group: &[&Run], way: usize) -> Option<(f64, f64)> {
    let shares: Vec<f64> = group
        .iter()
        .map(|r| 100.0 * median_of(&r.lost[way]) / r.total[way])
        .collect();
    let lo = shares.iter().copied().reduce(f64::min)?;
    let hi = shares.iter().copied().reduce(f64::max)?;
    Some((lo, hi))
}

/// "25–50%", or "40%" when both ends round alike.
fn percent_span(lo: f64, hi: f64) -> String {
    let (lo, hi) = (format!("{lo:.0}"), format!("{hi:.0}"));
    if lo == hi {
        format!("{lo}%")
    } else {
        format!("{lo}–{hi}%")
    }
}

fn median_of(samples: &[f64]) -> f64 {
    crate::Summary::of(samples).map_or(f64::NAN, |s| s.median)
}

/// 4000000 -> "4,000,000".
fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The finding, from the numbers: what `count += 1` lost before 3.10 and
/// from 3.10 on, and what a call in the gap lost from 3.10 on.
fn title(runs: &[Run]) -> String {
    let group = |newer: bool| -> Vec<&Run> {
        runs.iter()
            .filter(|r| checks_only_at_jumps_and_calls(r.version) == newer)
            .collect()
    };
    let span = |group: &[&Run], way: usize| match shares(group, way) {
        Some((_, 0.0)) => "nothing".to_string(),
        Some((lo, hi)) => percent_span(lo, hi),
        None => "—".to_string(),
    };
    let (older, newer) = (group(false), group(true));
    format!(
        "count += 1 in 4 threads lost {} of its updates before CPython 3.10 and {} from \
         3.10 on; a call between the load and the store lost {} from 3.10 on",
        span(&older, 0),
        span(&newer, 0),
        span(&newer, 2),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(version: (u32, u32, u32), inline: f64, call: f64, stops: (u64, u64)) -> Run {
        Run {
            version,
            lost: [vec![inline], vec![0.0], vec![call]],
            total: [4e6, 8e4, 4e6],
            gap_us: 1.0,
            stops: Some(stops),
        }
    }

    #[test]
    fn reads_what_the_script_prints() {
        let json: serde_json::Value = serde_json::from_str(
            r#"{"python": "3.13.0rc1", "threads": 4, "increments": 1000000,
                "wide_increments": 20000, "gap_us": 2.5, "inline": [0, 0],
                "wide_gap": [0, 0], "with_call": [1500000, 1200000],
                "stops_in_gap": 0, "stops": 95}"#,
        )
        .unwrap();
        let parsed = parse(&json).unwrap();
        assert_eq!(parsed.version, (3, 13, 0));
        assert_eq!(parsed.total, [4e6, 8e4, 4e6]);
        assert_eq!(parsed.lost[2], [1.5e6, 1.2e6]);
        assert_eq!(parsed.stops, Some((0, 95)));
        let mut no_stops = json.clone();
        no_stops["stops"] = serde_json::Value::Null;
        assert_eq!(parse(&no_stops).unwrap().stops, None);
        no_stops["inline"] = serde_json::json!([]);
        assert!(parse(&no_stops).unwrap_err().contains("inline"));
    }

    #[test]
    fn versions_parse_and_sort_numerically() {
        assert_eq!(parse_version("2.7.18"), Some((2, 7, 18)));
        assert_eq!(parse_version("3.14.0a1"), Some((3, 14, 0)));
        assert_eq!(parse_version("3"), None);
        assert!(parse_version("3.9.18") < parse_version("3.10.0"));
        assert!(!checks_only_at_jumps_and_calls((3, 9, 18)));
        assert!(checks_only_at_jumps_and_calls((3, 10, 0)));
    }

    #[test]
    fn values_and_title_group_versions_at_310() {
        let runs = [
            run((3, 9, 18), 2e6, 1e6, (50, 100)),
            run((3, 8, 18), 1e6, 1e6, (40, 90)),
            run((3, 11, 7), 0.0, 1.6e6, (0, 70)),
        ];
        let found = values(&runs);
        assert_eq!(found["py311_inline"], "0 of 4,000,000");
        assert_eq!(found["py39_inline"], "2,000,000 of 4,000,000");
        assert_eq!(found["py311_stops"], "0 of 70");
        assert_eq!(found["inline_from_310"], "none lost (3.11.7)");
        assert_eq!(found["inline_before_310"], "25–50% lost (3.9.18, 3.8.18)");
        assert_eq!(
            found["stops_before_310"],
            "90 of 190 stops inside the gap (3.9.18, 3.8.18)"
        );
        assert_eq!(found["interpreters"], "3.9.18, 3.8.18, 3.11.7");
        assert_eq!(found["verdict_before_310"], "confirmed");
        assert_eq!(found["verdict_from_310"], "corrected");
        assert_eq!(
            title(&runs),
            "count += 1 in 4 threads lost 25–50% of its updates before CPython 3.10 and \
             nothing from 3.10 on; a call between the load and the store lost 40% from 3.10 \
             on"
        );
        let only_new = values(&runs[2..]);
        assert_eq!(only_new["inline_before_310"], "no interpreter found");
        assert_eq!(only_new["verdict_before_310"], "not measured");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(4e6), "4,000,000");
        assert_eq!(thousands(1234567.0), "1,234,567");
    }
}
