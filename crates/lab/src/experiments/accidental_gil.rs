//! The accidental GIL (chapter 26): the hand-made pool of
//! `examples/accidental_gil.rs`, whose workers hold the queue's lock while a
//! job runs (`wide_guard`) or let go of it first (`narrow_guard`), given as
//! many CPU-bound jobs as it has workers, 1 to 4; beside it, plain Rust
//! threads and model-GIL threads doing the same jobs.
//!
//! The pool is compiled from the example itself, so the chart measures the
//! code the chapter shows. Cargo rebuilds the lab when the example changes;
//! book.toml's `[preprocessor.notebook.reads]` puts the example in the lab's
//! keys (it belongs to the book's root package, which the lab's own key does
//! not follow).

use super::Args;
use crate::sample::{format_ratio, interleaved};
use crate::speedup::{at, over_workers};
use crate::ways::{GIL_THREADS, THREADS};
use crate::{Plot, Record, SeriesKind};
use std::collections::BTreeMap;

#[path = "../../../../examples/accidental_gil.rs"]
#[allow(dead_code)] // the example's `main` and constants
mod example;

/// Countdown steps per job: about 20 ms.
const STEPS: u64 = 80_000_000;
const MAX_WORKERS: usize = 4;

/// One line of the chart: a way of running n jobs on n workers.
struct Way {
    name: &'static str,
    key: &'static str,
    kind: SeriesKind,
    measure: fn(workers: usize) -> Result<f64, String>,
}

const WAYS: [Way; 4] = [
    Way {
        name: "pool, guard held while the job runs",
        key: "wide",
        kind: SeriesKind::GilThreads,
        measure: |n| Ok(example::run_jobs(n, example::wide_guard, STEPS, n).0),
    },
    Way {
        name: "pool, guard dropped before the job",
        key: "narrow",
        kind: SeriesKind::Threads,
        measure: |n| Ok(example::run_jobs(n, example::narrow_guard, STEPS, n).0),
    },
    Way {
        name: "threads, no pool",
        key: "threads",
        kind: SeriesKind::Sequential,
        measure: |n| (THREADS.measure)(n, STEPS),
    },
    Way {
        name: "model-GIL threads",
        key: "gil",
        kind: SeriesKind::Other,
        measure: |n| (GIL_THREADS.measure)(n, STEPS),
    },
];

pub fn run(args: &Args) -> Result<Record, String> {
    let rounds = args.samples(5);
    let labels: Vec<String> = WAYS
        .iter()
        .flat_map(|way| (1..=MAX_WORKERS).map(move |n| format!("{} x{n}", way.key)))
        .collect();
    let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    tasks::countdown(STEPS); // warm up
    let samples = interleaved(&label_refs, rounds, |i| {
        (WAYS[i / MAX_WORKERS].measure)(i % MAX_WORKERS + 1)
    })?;
    let mut series = Vec::new();
    let mut values = BTreeMap::new();
    for (way, times) in WAYS.iter().zip(samples.chunks(MAX_WORKERS)) {
        let line = over_workers(way.name, way.kind, times)?;
        values.insert(format!("{}_2", way.key), format_ratio(at(&line, 2.0)?));
        series.push(line);
    }
    let title = format!(
        "Speedup at 2 workers: pool with the wide guard {}, with the narrow guard {} \
             (plain threads {}, model-GIL threads {})",
        values["wide_2"], values["narrow_2"], values["threads_2"], values["gil_2"]
    );
    Ok(Record {
        values,
        notes: vec![format!(
            "Each job counts down from {STEPS}; n workers get n jobs; speedup = n x time \
             of 1 worker / time of n workers. The pool is started and stopped inside each \
             measurement."
        )],
        ..Record::new(
            title,
            Plot::Lines {
                x_label: "workers (one job each)".into(),
                y_label: "speedup over one worker (x)".into(),
                log_x: false,
                log_y: false,
                series,
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chart's pool is the example's: the wide guard lets one job run at
    /// a time, whatever the number of workers (an invariant, not a timing).
    #[test]
    fn the_wide_guard_runs_one_job_at_a_time() {
        let (_, most) = example::run_jobs(3, example::wide_guard, 1_000_000, 6);
        assert_eq!(most, 1);
    }
}
