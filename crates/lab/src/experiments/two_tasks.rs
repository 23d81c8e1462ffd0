//! Two CPU-bound tasks three ways: one after another, in two threads, in two
//! forked processes (chapters 02 and 03). On two or more cores the threads and
//! the processes should both take about half the sequential time: Rust threads
//! have no GIL.

use super::Args;
use crate::sample::{format_ratio, format_seconds, interleaved, median, sample, seconds};
use crate::{Plot, Point, Record, Series, SeriesKind, fork};
use std::collections::BTreeMap;
use std::thread;
use std::time::Instant;
use tasks::{countdown, cpu_task};

/// The two counts at which the countdown's cost per step is measured (count,
/// value key suffix, count in words): equal costs show the loop really runs
/// every step (it is not folded away).
const STEP_COUNTS: [(u64, &str, &str); 2] = [
    (10_000_000, "1e7", "10,000,000"),
    (100_000_000, "1e8", "100,000,000"),
];

/// One way of running the two tasks: a bar of the chart.
struct Way {
    category: &'static str,
    kind: SeriesKind,
    /// Runs both tasks this way; returns the wall time in seconds.
    measure: fn() -> Result<f64, String>,
}

/// The ways compared, in the chart's order. The first three must stay first:
/// the values and the title are computed from them.
const WAYS: &[Way] = &[
    Way {
        category: "sequential",
        kind: SeriesKind::Sequential,
        measure: sequential,
    },
    Way {
        category: "2 threads",
        kind: SeriesKind::Threads,
        measure: two_threads,
    },
    Way {
        category: "2 processes",
        kind: SeriesKind::Processes,
        measure: two_processes,
    },
    Way {
        category: "2 model-GIL threads",
        kind: SeriesKind::GilThreads,
        measure: two_gil_threads,
    },
];

pub fn run(args: &Args) -> Result<Record, String> {
    let n = args.samples(7);
    let mut values = step_costs(n);

    let labels: Vec<&str> = WAYS.iter().map(|way| way.category).collect();
    let samples = interleaved(&labels, n, |i| (WAYS[i].measure)())?;

    let sequential_s = median("sequential", &samples[0])?;
    let threads_s = median("2 threads", &samples[1])?;
    let processes_s = median("2 processes", &samples[2])?;
    let threads_speedup = sequential_s / threads_s;
    let processes_speedup = sequential_s / processes_s;
    values.insert("sequential".into(), format_seconds(sequential_s));
    values.insert("threads".into(), format_seconds(threads_s));
    values.insert("processes".into(), format_seconds(processes_s));
    values.insert("threads_speedup".into(), format_ratio(threads_speedup));
    values.insert("processes_speedup".into(), format_ratio(processes_speedup));
    values.insert("cpu_task_steps".into(), tasks::CPU_TASK_COUNT.to_string());
    let gil_threads_s = median("2 model-GIL threads", &samples[3])?;
    values.insert("gil_threads".into(), format_seconds(gil_threads_s));
    values.insert(
        "gil_threads_speedup".into(),
        format_ratio(sequential_s / gil_threads_s),
    );

    let cores = crate::cores();
    let mut notes = vec![format!(
        "Each task counts down from {} one step at a time.",
        tasks::CPU_TASK_COUNT
    )];
    if cores < 2 {
        notes.push(format!(
            "This machine gives the lab {} core: two tasks cannot run at once here.",
            cores
        ));
    }
    Ok(Record {
        title: title(threads_speedup, processes_speedup),
        machine: None,
        plot: Plot::Bars {
            y_label: "wall time for two tasks (s)".into(),
            log_y: false,
            categories: labels.iter().map(|label| label.to_string()).collect(),
            series: WAYS
                .iter()
                .zip(samples)
                .enumerate()
                .map(|(i, (way, samples))| Series {
                    name: way.category.into(),
                    color: way.kind.color(),
                    points: vec![Point {
                        x: i as f64,
                        samples,
                    }],
                })
                .collect(),
        },
        values,
        notes,
    })
}

/// The countdown's cost per step at each of [`STEP_COUNTS`], from the fastest
/// of `n` runs: another program can only add time, and a count of 10^7 takes
/// a few milliseconds, short enough for one interruption to move a median.
fn step_costs(n: usize) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    let mut costs = Vec::new();
    for (count, key, words) in STEP_COUNTS {
        let samples = sample(&format!("countdown({key})"), n, || {
            seconds(|| countdown(count))
        });
        let fastest = samples.iter().copied().fold(f64::INFINITY, f64::min);
        let ns_per_step = format!("{:.2} ns", fastest * 1e9 / count as f64);
        costs.push(format!("{ns_per_step} per step at {words} steps"));
        values.insert(format!("countdown_ns_per_step_{key}"), ns_per_step);
    }
    let runs = if n == 1 {
        "1 run".into()
    } else {
        format!("fastest of {n} runs each")
    };
    values.insert(
        "countdown_ns_per_step".into(),
        format!("{} ({runs})", costs.join(", ")),
    );
    values
}

/// Both tasks, one after the other, in this thread.
fn sequential() -> Result<f64, String> {
    Ok(seconds(|| {
        cpu_task();
        cpu_task();
    }))
}

/// Both tasks at once, one per thread; done when both threads are joined.
fn two_threads() -> Result<f64, String> {
    let start = Instant::now();
    let workers: Vec<_> = (0..2).map(|_| thread::spawn(cpu_task)).collect();
    for worker in workers {
        worker.join().map_err(|_| "a task thread panicked")?;
    }
    Ok(start.elapsed().as_secs_f64())
}

/// Both tasks at once, one per forked child; done when both are reaped.
/// (The threads above are joined by now: see the fork rule in mod.rs.)
fn two_processes() -> Result<f64, String> {
    let start = Instant::now();
    fork::in_children(2, || {
        cpu_task();
    })?;
    Ok(start.elapsed().as_secs_f64())
}

/// Both tasks at once in two threads that share one model GIL (crates/gil),
/// as two CPython threads would.
fn two_gil_threads() -> Result<f64, String> {
    let gil = gil::Gil::new();
    let start = Instant::now();
    thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| s.spawn(|| gil.attach(|py| gil::countdown(py, tasks::CPU_TASK_COUNT))))
            .collect();
        workers
            .into_iter()
            .try_for_each(|worker| worker.join().map_err(|_| "a GIL task thread panicked"))
    })?;
    Ok(start.elapsed().as_secs_f64())
}

/// A title that states what the speedups show, in words that stay true for
/// whatever numbers were measured.
fn title(threads_speedup: f64, processes_speedup: f64) -> String {
    let threads = effect(threads_speedup);
    let processes = effect(processes_speedup);
    let sequentially = |effect: &str| match effect {
        "in about half the time" => String::new(),
        _ => " than one after the other".into(),
    };
    if threads == processes {
        let than = sequentially(&threads);
        format!("Two threads and two processes each finish two tasks {threads}{than}")
    } else {
        let than = sequentially(&threads);
        format!("Two threads finish two tasks {threads}{than}; two processes {processes}")
    }
}

/// How a speedup over running the tasks one after the other reads.
fn effect(speedup: f64) -> String {
    match speedup {
        s if s >= 1.8 => "in about half the time".into(),
        s if s >= 1.15 => format!("{s:.1}x faster"),
        s if s > 0.87 => "no faster".into(),
        s => format!("{:.1}x slower", 1.0 / s),
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
            "Two threads finish two tasks no faster than one after the other; \
             two processes in about half the time"
        );
        assert_eq!(
            title(1.9, 1.2),
            "Two threads finish two tasks in about half the time; two processes 1.2x faster"
        );
        assert_eq!(
            title(1.5, 1.48),
            "Two threads and two processes each finish two tasks 1.5x faster than one after the other"
        );
        assert_eq!(effect(0.5), "2.0x slower");
    }
}
