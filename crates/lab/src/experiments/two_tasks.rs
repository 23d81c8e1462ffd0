//! Two CPU-bound tasks three ways: one after another, in two threads, in two
//! forked processes (chapters 02 and 03). On two or more cores the threads and
//! the processes should both take about half the sequential time: Rust threads
//! have no GIL.

use super::Args;
use crate::sample::{format_ratio, format_seconds, interleaved_counts, median, sample, seconds};
use crate::ways::{GIL_THREADS, PROCESSES, SEQUENTIAL, THREADS, Way};
use crate::{Record, SeriesKind, bars};
use std::collections::BTreeMap;
use tasks::{CPU_TASK_COUNT, countdown};

/// The two counts at which the countdown's cost per step is measured (count,
/// value key suffix, count in words): equal costs show the loop really runs
/// every step (it is not folded away).
const STEP_COUNTS: [(u64, &str, &str); 2] = [
    (10_000_000, "1e7", "10,000,000"),
    (100_000_000, "1e8", "100,000,000"),
];

/// The bars, in the chart's order, with the key of each one's median time.
const BARS: [(Way, &str); 4] = [
    (SEQUENTIAL, "sequential"),
    (THREADS, "threads"),
    (PROCESSES, "processes"),
    (GIL_THREADS, "gil_threads"),
];

pub fn run(args: &Args) -> Result<Record, String> {
    let n = args.samples(3);
    let mut values = step_costs(n);

    let categories: Vec<String> = BARS.iter().map(|(way, _)| category(way)).collect();
    let labels: Vec<&str> = categories.iter().map(String::as_str).collect();
    // Each way runs the two tasks of the tutorial: two countdowns from
    // CPU_TASK_COUNT, which is what `tasks::cpu_task` runs.
    // A way that runs one task at a time keeps one core busy, and another
    // program that wakes up gets the other core: its samples spread by about
    // 1% where those of threads and processes, which need both cores, spread
    // by 3% (measured on the book's machine). It takes one sample fewer.
    let counts: Vec<usize> = BARS
        .iter()
        .map(|(way, _)| if way.at_once { n } else { (n - 1).max(1) })
        .collect();
    let samples = interleaved_counts(&labels, &counts, |i| (BARS[i].0.measure)(2, CPU_TASK_COUNT))?;

    let mut medians = BTreeMap::new();
    for ((_, key), samples) in BARS.iter().zip(&samples) {
        let secs = median(key, samples)?;
        medians.insert(*key, secs);
        values.insert(key.to_string(), format_seconds(secs));
    }
    let speedup = |key: &str| medians["sequential"] / medians[key];
    for key in ["threads", "processes", "gil_threads"] {
        values.insert(format!("{key}_speedup"), format_ratio(speedup(key)));
    }
    values.insert("cpu_task_steps".into(), CPU_TASK_COUNT.to_string());

    let cores = crate::cores();
    let mut notes = vec![format!(
        "Each task counts down from {CPU_TASK_COUNT} one step at a time."
    )];
    if cores < 2 {
        notes.push(format!(
            "This machine gives the lab {cores} core: two tasks cannot run at once here."
        ));
    }
    let plot = bars(
        "wall time for two tasks (s)",
        false,
        BARS.iter()
            .zip(categories)
            .zip(samples)
            .map(|(((way, _), category), samples)| (category, way.kind, samples)),
    );
    Ok(Record {
        values,
        notes,
        ..Record::new(title(speedup("threads"), speedup("processes")), plot)
    })
}

/// A bar's name: "sequential", or the two workers ("2 threads").
fn category(way: &Way) -> String {
    match way.kind {
        SeriesKind::Sequential => way.name().to_string(),
        _ => format!("2 {}", way.name()),
    }
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

    #[test]
    fn bars_keep_their_names() {
        let names: Vec<String> = BARS.iter().map(|(way, _)| category(way)).collect();
        assert_eq!(
            names,
            [
                "sequential",
                "2 threads",
                "2 processes",
                "2 model-GIL threads"
            ]
        );
    }
}
