//! When does parallelism pay in CPython? (chapter 24): `break_even`'s two
//! tasks, from 10 µs to 100 ms each, in crates/lab/python/break_even.py:
//! two new threads, a `ThreadPoolExecutor`, a warm `multiprocessing` pool,
//! and a pool started for the job with each start method. Speedup = time of
//! the two in a row / time side by side, start and finish included.

use super::Args;
use crate::python::{samples_at, version};
use crate::sample::{format_seconds, median};
use crate::speedup::{against_length, against_length_plot, break_even, describe};
use crate::{Record, SeriesKind};
use std::collections::BTreeMap;

/// Task lengths, seconds: decades from 10 µs to 100 ms (fewer than the Rust
/// chart's: a new spawn pool costs tens of milliseconds per sample).
const SIZES: [f64; 5] = [10e-6, 100e-6, 1e-3, 10e-3, 100e-3];
const SCRIPT: &str = "break_even.py";

/// (JSON key, legend, colour) of each line, in the chart's order.
const WAYS: [(&str, &str, SeriesKind); 6] = [
    ("threads", "2 new threads", SeriesKind::CPythonThreads),
    ("thread_pool", "ThreadPoolExecutor", SeriesKind::Sequential),
    ("warm_fork_pool", "running Pool (fork)", SeriesKind::Other),
    ("pool_fork", "new Pool, fork", SeriesKind::CPythonProcesses),
    (
        "pool_forkserver",
        "new Pool, forkserver",
        SeriesKind::Processes,
    ),
    ("pool_spawn", "new Pool, spawn", SeriesKind::Spawn),
];

pub fn run(args: &Args) -> Result<Record, String> {
    let rounds = args.samples(3);
    let mut script_args = vec![rounds.to_string()];
    script_args.extend(SIZES.iter().map(|s| s.to_string()));
    let json = crate::python::run(SCRIPT, &script_args)?;
    let sizes = |key: &str| -> Result<Vec<Vec<f64>>, String> {
        (0..SIZES.len())
            .map(|i| samples_at(&json[key][i]))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{SCRIPT}: {key}: {e}"))
    };
    let in_a_row = sizes("in_a_row")?;
    let mut series = Vec::new();
    let mut values = BTreeMap::new();
    let mut notes = vec![format!(
        "CPython {}, one countdown step {}; speedup = time of both tasks in a row / time of \
         both side by side, start and finish included. A new Pool is started and stopped \
         for each pair of tasks.",
        version(&json),
        format_seconds(json["step"].as_f64().unwrap_or(0.0)),
    )];
    for (key, name, kind) in WAYS {
        if json[key].is_null() {
            notes.push(format!("No {name}: this platform lacks the start method."));
            values.insert(format!("{key}_break_even"), "not measured".into());
            continue;
        }
        let times = sizes(key)?;
        let speedups: Vec<Vec<f64>> = in_a_row
            .iter()
            .zip(&times)
            .map(|(row, side)| {
                let row = median(key, row)?;
                Ok(side.iter().map(|t| row / t).collect())
            })
            .collect::<Result<_, String>>()?;
        let line = against_length(name, kind, &SIZES, &speedups);
        values.insert(format!("{key}_break_even"), describe(break_even(&line)));
        series.push(line);
    }
    let title = format!(
        "In CPython two tasks side by side pay from about {} (new fork pool), {} \
             (forkserver), {} (spawn); threads: {}",
        values["pool_fork_break_even"],
        values["pool_forkserver_break_even"],
        values["pool_spawn_break_even"],
        values["threads_break_even"],
    );
    Ok(Record {
        values,
        notes,
        ..Record::new(title, against_length_plot(series))
    })
}
