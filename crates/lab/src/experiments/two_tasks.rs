//! Two CPU-bound tasks three ways: one after another, in two threads, in two
//! forked processes (chapters 02 and 03). On two or more cores the threads and
//! the processes should both take about half the sequential time: Rust threads
//! have no GIL.

use super::Args;
use crate::sample::{format_ratio, format_seconds, median, sample, seconds, try_sample};
use crate::{Machine, Plot, Point, Record, Series, SeriesKind, fork};
use std::collections::BTreeMap;
use std::thread;
use tasks::{countdown, cpu_task};

/// The two counts at which the countdown's cost per step is measured: equal
/// costs show the loop really runs every step (it is not folded away).
const STEP_COUNTS: [(u64, &str); 2] = [(10_000_000, "1e7"), (100_000_000, "1e8")];

/// One bar of the chart: a way of running the two tasks and its samples (s).
struct Bar {
    category: &'static str,
    kind: SeriesKind,
    samples: Vec<f64>,
}

pub fn run(args: &Args) -> Result<Record, String> {
    let n = args.samples(5);
    let mut values = BTreeMap::new();
    for (count, label) in STEP_COUNTS {
        let samples = sample(&format!("countdown({label})"), n, || {
            seconds(|| countdown(count))
        });
        let ns_per_step = median("countdown", &samples)? * 1e9 / count as f64;
        values.insert(
            format!("countdown_ns_per_step_{label}"),
            format!("{ns_per_step:.2} ns"),
        );
    }

    let bars = vec![
        Bar {
            category: "sequential",
            kind: SeriesKind::Sequential,
            samples: sample("sequential", n, || seconds(sequential)),
        },
        Bar {
            category: "2 threads",
            kind: SeriesKind::Threads,
            samples: try_sample("2 threads", n, || {
                let start = std::time::Instant::now();
                two_threads()?;
                Ok(start.elapsed().as_secs_f64())
            })?,
        },
        // Forks last of all, once every thread above has been joined (see the
        // fork rule in experiments/mod.rs).
        Bar {
            category: "2 processes",
            kind: SeriesKind::Processes,
            samples: try_sample("2 processes", n, || {
                let start = std::time::Instant::now();
                fork::in_children(2, || {
                    cpu_task();
                })?;
                Ok(start.elapsed().as_secs_f64())
            })?,
        },
        // The model-GIL threads (crates/gil, helper E) join here as one more
        // `Bar { category: "2 GIL threads", kind: SeriesKind::GilThreads, .. }`,
        // measured before the fork above; the chart, values and title below
        // pick every bar up without further changes, except the title, which
        // should then also say what the GIL did.
    ];

    let sequential_s = median("sequential", &bars[0].samples)?;
    let threads_s = median("2 threads", &bars[1].samples)?;
    let processes_s = median("2 processes", &bars[2].samples)?;
    let threads_speedup = sequential_s / threads_s;
    let processes_speedup = sequential_s / processes_s;
    values.insert("sequential".into(), format_seconds(sequential_s));
    values.insert("threads".into(), format_seconds(threads_s));
    values.insert("processes".into(), format_seconds(processes_s));
    values.insert("threads_speedup".into(), format_ratio(threads_speedup));
    values.insert("processes_speedup".into(), format_ratio(processes_speedup));
    values.insert("cpu_task_steps".into(), tasks::CPU_TASK_COUNT.to_string());

    let machine = Machine::detect();
    let mut notes = vec![format!(
        "Each task counts down from {} one step at a time.",
        tasks::CPU_TASK_COUNT
    )];
    if machine.cores < 2 {
        notes.push(format!(
            "This machine gives the lab {} core: two tasks cannot run at once here.",
            machine.cores
        ));
    }
    Ok(Record {
        experiment: "two_tasks".into(),
        title: title(threads_speedup, processes_speedup),
        machine,
        plot: Plot::Bars {
            y_label: "wall time for two tasks (s)".into(),
            categories: bars.iter().map(|bar| bar.category.to_string()).collect(),
            series: bars
                .into_iter()
                .enumerate()
                .map(|(i, bar)| Series {
                    name: bar.category.into(),
                    kind: bar.kind,
                    points: vec![Point {
                        x: i as f64,
                        samples: bar.samples,
                    }],
                })
                .collect(),
        },
        values,
        notes,
    })
}

/// Both tasks, one after the other, in this thread.
fn sequential() {
    cpu_task();
    cpu_task();
}

/// Both tasks at once, one per thread; returns once both threads are joined.
fn two_threads() -> Result<(), String> {
    let workers: Vec<_> = (0..2).map(|_| thread::spawn(cpu_task)).collect();
    for worker in workers {
        worker.join().map_err(|_| "a task thread panicked")?;
    }
    Ok(())
}

/// A title that states what the speedups show, in words that stay true for
/// whatever numbers were measured.
fn title(threads_speedup: f64, processes_speedup: f64) -> String {
    let threads = effect(threads_speedup);
    let processes = effect(processes_speedup);
    if threads == processes {
        format!("Two threads and two processes each finish two tasks {threads}")
    } else {
        format!("Two threads finish two tasks {threads}; two processes {processes}")
    }
}

/// How a speedup over sequential reads in a sentence.
fn effect(speedup: f64) -> String {
    match speedup {
        s if s >= 1.8 => "in about half the time".into(),
        s if s >= 1.15 => format!("{s:.1}x faster than one after the other"),
        s if s > 0.87 => "in about the same time as one after the other".into(),
        s => format!("{:.1}x slower than one after the other", 1.0 / s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `run` forks, so no test calls it (the harness is multi-threaded); the
    // lab binary is run as a process instead.

    #[test]
    fn title_follows_the_numbers() {
        assert_eq!(
            title(1.97, 1.95),
            "Two threads and two processes each finish two tasks in about half the time"
        );
        assert_eq!(
            title(1.0, 1.9),
            "Two threads finish two tasks in about the same time as one after the other; \
             two processes in about half the time"
        );
        assert_eq!(effect(1.5), "1.5x faster than one after the other");
        assert_eq!(effect(0.5), "2.0x slower than one after the other");
    }
}
