//! What it costs to start something and wait for it to finish (chapter 07):
//! a Rust thread (spawn + join), a forked process (fork + `_exit` + waitpid),
//! a new program (`std::process::Command`, which uses posix_spawn, + wait),
//! and, where `python3` exists, CPython's `threading.Thread` and
//! `multiprocessing` with its three start methods (crates/lab/python/spawn_cost.py).

use super::Args;
use crate::probes::{TRUE_PROGRAM, fork_exit_wait, spawn_true};
use crate::sample::{format_ratio, format_seconds, format_spread, median, sample, try_sample};
use crate::{Record, SeriesKind, fork, python};
use std::collections::BTreeMap;
use std::thread;
use std::time::Instant;

/// One bar: a way of starting something, its samples (s) and the key its
/// median is quoted under.
struct Bar {
    category: &'static str,
    key: &'static str,
    kind: SeriesKind,
    samples: Vec<f64>,
}

pub fn run(args: &Args) -> Result<Record, String> {
    let mut bars = vec![Bar {
        category: "Rust thread",
        key: "thread",
        kind: SeriesKind::Threads,
        samples: sample("thread spawn+join", args.samples(200), || {
            let start = Instant::now();
            thread::spawn(|| {})
                .join()
                .expect("an empty thread cannot panic");
            start.elapsed().as_secs_f64()
        }),
    }];
    // Forks only now that every thread above has been joined (the fork rule
    // in experiments/mod.rs).
    fork::ensure_single_threaded()?;
    bars.push(Bar {
        category: "Rust fork",
        key: "fork",
        kind: SeriesKind::Processes,
        samples: try_sample("fork+_exit+waitpid", args.samples(100), fork_exit_wait)?,
    });
    bars.push(Bar {
        category: "Rust Command",
        key: "posix_spawn",
        kind: SeriesKind::Spawn,
        samples: try_sample("Command /bin/true", args.samples(50), spawn_true)?,
    });

    let mut notes = vec![format!(
        "Command starts {TRUE_PROGRAM}, so its time includes loading that program."
    )];
    match cpython(args) {
        Ok(python) => {
            notes.push(format!("CPython {}.", python.version));
            bars.extend(python.bars);
            notes.extend(python.unavailable);
        }
        Err(why) => notes.push(format!("No CPython series: {why}.")),
    }

    let mut values = BTreeMap::new();
    for bar in &bars {
        values.insert(bar.key.to_string(), format_spread(&bar.samples)?);
        values.insert(
            format!("{}_median", bar.key),
            format_seconds(median(bar.key, &bar.samples)?),
        );
    }
    // The book quotes every key; where CPython could not run one, say so.
    for (_, _, key, _) in CPYTHON_BARS {
        for key in [key.to_string(), format!("{key}_median")] {
            values
                .entry(key)
                .or_insert_with(|| "not measured (see the chart's notes)".into());
        }
    }
    let thread_s = median("thread", &bars[0].samples)?;
    let fork_s = median("fork", &bars[1].samples)?;
    values.insert("fork_over_thread".into(), format_ratio(fork_s / thread_s));

    let title = format!(
        "A Rust thread starts in {}; fork takes {:.1}x as long",
        format_seconds(thread_s),
        fork_s / thread_s
    );
    let plot = crate::bars(
        "start + wait for exit, log scale (ms)",
        true,
        bars.into_iter().map(|bar| {
            let ms = bar.samples.iter().map(|s| s * 1e3).collect();
            (bar.category.to_string(), bar.kind, ms)
        }),
    );
    Ok(Record {
        values,
        notes,
        ..Record::new(title, plot)
    })
}

/// CPython's bars, and notes on start methods it lacks.
struct CPython {
    version: String,
    bars: Vec<Bar>,
    unavailable: Vec<String>,
}

/// Runs crates/lab/python/spawn_cost.py and reads its JSON.
fn cpython(args: &Args) -> Result<CPython, String> {
    let (threads, processes) = (args.samples(200), args.samples(10));
    parse_cpython(&python::run(
        "spawn_cost.py",
        &[threads.to_string(), processes.to_string()],
    )?)
}

/// The bars, in the order the chart shows them, and their JSON keys.
const CPYTHON_BARS: [(&str, &str, &str, SeriesKind); 4] = [
    (
        "thread",
        "Python thread",
        "cpython_thread",
        SeriesKind::CPythonThreads,
    ),
    (
        "mp_fork",
        "mp fork",
        "mp_fork",
        SeriesKind::CPythonProcesses,
    ),
    (
        "mp_forkserver",
        "mp forkserver",
        "mp_forkserver",
        SeriesKind::CPythonProcesses,
    ),
    (
        "mp_spawn",
        "mp spawn",
        "mp_spawn",
        SeriesKind::CPythonProcesses,
    ),
];

fn parse_cpython(value: &serde_json::Value) -> Result<CPython, String> {
    let version = python::version(value);
    let mut bars = Vec::new();
    let mut unavailable = Vec::new();
    for (field, category, key, kind) in CPYTHON_BARS {
        match value[field].as_array() {
            Some(samples) => bars.push(Bar {
                category,
                key,
                kind,
                samples: samples
                    .iter()
                    .map(|s| s.as_f64().ok_or(format!("{field}: {s} is not a number")))
                    .collect::<Result<_, _>>()?,
            }),
            None => unavailable.push(format!("multiprocessing has no {field} start method here.")),
        }
    }
    Ok(CPython {
        version,
        bars,
        unavailable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_python_script_output() {
        let json = r#"{"python": "3.11.7", "unavailable": ["forkserver"],
            "thread": [9e-5, 1e-4], "mp_fork": [0.0028], "mp_spawn": [0.076]}"#;
        let python = parse_cpython(&serde_json::from_str(json).unwrap()).unwrap();
        assert_eq!(python.version, "3.11.7");
        let names: Vec<_> = python.bars.iter().map(|b| b.category).collect();
        assert_eq!(names, ["Python thread", "mp fork", "mp spawn"]);
        assert_eq!(python.bars[0].samples, [9e-5, 1e-4]);
        assert_eq!(python.unavailable.len(), 1);
        assert!(python.unavailable[0].contains("mp_forkserver"));
    }

    #[test]
    fn rejects_samples_that_are_not_numbers() {
        let bad = serde_json::json!({"thread": ["slow"]});
        assert!(parse_cpython(&bad).is_err());
    }
}
