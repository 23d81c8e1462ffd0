//! How many threads? (chapter 25): 10 to 10,000 waiters blocked on one
//! pipe, as Rust threads and as tokio tasks (`examples/many_waiters.rs`,
//! compiled here with `#[path]`), and as CPython threads
//! (`python/many_threads.py`, 10 to 1,000; `--full` adds 10,000, which takes
//! CPython about ten seconds): how long until all wait, how long one write
//! takes to wake them all, the memory they add, and the context switches.
//!
//! Every measurement runs in a fresh process (this lab binary, or python3),
//! because a process that has run threads keeps their stacks and heap for
//! reuse, which would hide what the next waiters add. book.toml's
//! `[preprocessor.notebook.reads]` puts the example and the script in the
//! lab's keys (they belong to the book's root package, which the lab's own
//! key does not follow).

use super::Args;
use crate::sample::{format_seconds, median};
use crate::{Plot, Point, Record, Series, SeriesKind};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

#[path = "../../../../examples/many_waiters.rs"]
#[allow(dead_code)] // the example's `main` and printing
mod example;

/// Set in a process this experiment starts: measure one way and print it.
const CHILD: &str = "LAB_MANY_THREADS_WAY";
const COUNTS: [usize; 4] = [10, 100, 1_000, 10_000];
/// CPython takes seconds to start and wake 10,000 threads.
const CPYTHON_COUNTS: usize = 3;
const SCRIPT: &str = "python/many_threads.py";

/// (key in the values, legend, colour) of each way, in the chart's order.
const WAYS: [(&str, &str, SeriesKind); 3] = [
    ("threads", "Rust threads", SeriesKind::Threads),
    ("tasks", "tokio tasks (2 worker threads)", SeriesKind::Other),
    ("cpython", "CPython threads", SeriesKind::CPythonThreads),
];

pub fn run(args: &Args) -> Result<Record, String> {
    if let Ok(way) = std::env::var(CHILD) {
        return child(&way);
    }
    let rounds = args.samples(3);
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the lab binary: {e}"))?;
    let cpython_counts = if args.full {
        COUNTS.len()
    } else {
        CPYTHON_COUNTS
    };
    let mut cpython_failed = false;
    // measured[way][count]: one JSON object per round.
    let mut measured = vec![vec![Vec::new(); COUNTS.len()]; WAYS.len()];
    let mut notes = Vec::new();
    for round in 1..=rounds {
        for (c, &n) in COUNTS.iter().enumerate() {
            for (w, (way, _, _)) in WAYS.iter().enumerate() {
                if *way == "cpython" && (c >= cpython_counts || cpython_failed) {
                    continue;
                }
                eprintln!("  round {round}/{rounds}: {way} x{n}");
                match measure(&exe, way, n) {
                    Ok(cost) => measured[w][c].push(cost),
                    Err(why) if *way == "cpython" => {
                        notes.push(format!("No CPython threads: {why}."));
                        cpython_failed = true;
                    }
                    Err(why) => return Err(why),
                }
            }
        }
    }

    let mut series = Vec::new();
    let mut values = BTreeMap::new();
    for ((way, name, kind), per_count) in WAYS.iter().zip(&measured) {
        let mut points = Vec::new();
        for (&n, costs) in COUNTS.iter().zip(per_count) {
            if costs.is_empty() {
                continue;
            }
            let field =
                |key: &str| -> Vec<f64> { costs.iter().filter_map(|c| c[key].as_f64()).collect() };
            let total: Vec<f64> = costs
                .iter()
                .filter_map(|c| Some((c["start"].as_f64()? + c["wake"].as_f64()?) * 1e3))
                .collect();
            for (metric, samples) in [("start", field("start")), ("wake", field("wake"))] {
                values.insert(
                    format!("{way}_{n}_{metric}"),
                    format_seconds(median(metric, &samples)?),
                );
            }
            for metric in ["resident", "reserved"] {
                let samples = field(metric);
                let shown = match median(metric, &samples) {
                    Ok(bytes) => per_waiter(bytes, n),
                    Err(_) => "unknown".into(),
                };
                values.insert(format!("{way}_{n}_{metric}"), shown);
            }
            let switches = median("switches", &field("switches"))?;
            values.insert(format!("{way}_{n}_switches"), format!("{switches:.0}"));
            points.push(Point {
                x: n as f64,
                samples: total,
            });
        }
        if !points.is_empty() {
            series.push(Series {
                name: (*name).into(),
                color: kind.color(),
                points,
            });
        }
    }
    let largest = COUNTS[COUNTS.len() - 1];
    let cpython_largest = COUNTS[cpython_counts - 1];
    for (way, _, _) in WAYS {
        for n in COUNTS {
            for metric in ["start", "wake", "resident", "reserved", "switches"] {
                values
                    .entry(format!("{way}_{n}_{metric}"))
                    .or_insert_with(|| "not measured".into());
            }
        }
    }
    notes.insert(
        0,
        format!(
            "Each point: the time until all N wait, plus the time one write of N bytes takes \
             to wake them all; every measurement in a fresh process. CPython up to \
             {cpython_largest} threads (--full: {largest})."
        ),
    );
    let title = format!(
        "{largest} waiters on one pipe: Rust threads {} to start and {} to wake, tokio \
             tasks {} and {}",
        values[&format!("threads_{largest}_start")],
        values[&format!("threads_{largest}_wake")],
        values[&format!("tasks_{largest}_start")],
        values[&format!("tasks_{largest}_wake")],
    );
    Ok(Record {
        values,
        notes,
        ..Record::new(
            title,
            Plot::Lines {
                x_label: "waiters (log scale)".into(),
                y_label: "start all, then wake all (ms, log scale)".into(),
                log_x: true,
                log_y: true,
                series,
            },
        )
    })
}

/// "12.1 KiB each", from the growth of the whole process.
fn per_waiter(bytes: f64, n: usize) -> String {
    let each = bytes / n as f64 / 1024.0;
    if each.abs() >= 1024.0 {
        format!("{:.2} MiB each", each / 1024.0)
    } else {
        format!("{each:.1} KiB each")
    }
}

/// One measurement in a fresh process: this lab binary as a child for Rust
/// threads and tokio tasks, python3 for CPython; its JSON line.
fn measure(exe: &Path, way: &str, n: usize) -> Result<Value, String> {
    let mut command = if way == "cpython" {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(SCRIPT);
        let mut python = Command::new("python3");
        python.arg(script).args(["--json", &n.to_string()]);
        python
    } else {
        let mut lab = Command::new(exe);
        lab.arg("many_threads").env(CHILD, format!("{way} {n}"));
        lab
    };
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start a {way} measurement: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the {way} measurement of {n} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let value: Value = serde_json::from_str(line.trim())
        .map_err(|e| format!("the {way} measurement printed bad JSON: {e}"))?;
    if let Some(refused) = value["refused"].as_str() {
        return Err(format!(
            "it started {} of {n} threads, then: {refused}",
            value["started"]
        ));
    }
    Ok(value)
}

/// In a child: measures `way n` ("threads 1000"), prints it as one JSON line
/// and exits; the lab's `main` never prints a record for it.
fn child(way: &str) -> Result<Record, String> {
    let (name, n) = way
        .split_once(' ')
        .and_then(|(name, n)| Some((name, n.parse::<usize>().ok()?)))
        .ok_or_else(|| format!("{CHILD}={way:?}: expected `threads N` or `tasks N`"))?;
    let cost = match name {
        "threads" => example::threads(n),
        "tasks" => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_io()
            .build()
            .and_then(|runtime| example::tasks(&runtime, n)),
        _ => return Err(format!("{CHILD}: no way {name:?}")),
    }
    .map_err(|e| format!("{n} {name}: {e}"))?;
    println!(
        "{}",
        json!({
            "start": cost.start.as_secs_f64(),
            "wake": cost.wake.as_secs_f64(),
            "resident": cost.resident,
            "reserved": cost.reserved,
            "switches": cost.switches,
        })
    );
    std::process::exit(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_shown_per_waiter() {
        assert_eq!(per_waiter(10.0 * 1024.0 * 1000.0, 1000), "10.0 KiB each");
        assert_eq!(
            per_waiter(2.0 * 1024.0 * 1024.0 * 10.0, 10),
            "2.00 MiB each"
        );
    }

    #[test]
    fn a_child_rejects_a_bad_way() {
        assert!(child("fibres 10").unwrap_err().contains("fibres"));
        assert!(child("threads").unwrap_err().contains("expected"));
    }
}
