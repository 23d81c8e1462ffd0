//! Who ran when (chapter 10b): four threads each count down the same amount,
//! under the model GIL (`gil_timeline`: each lane filled where its thread held
//! the GIL, from the GIL's event log) or as native threads
//! (`gil_timeline_native`: each lane filled from the thread's start to its end).
//!
//! Both run `n` times (5 by default); the chart shows the run with the median
//! total time, the values summarise all of them.

use super::Args;
use crate::sample::{format_seconds, median, sample};
use crate::{Lane, Plot, Record, SeriesKind};
use std::collections::BTreeMap;
use std::thread;
use std::time::Instant;

const THREADS: usize = 4;
/// Countdown steps per thread: a twentieth of `tasks::cpu_task` (about 50 ms),
/// so the chart has room to show the 5 ms turns.
const COUNT: u64 = tasks::CPU_TASK_COUNT / 20;

/// One run: each thread's spans, in seconds from the start, and the number
/// of GIL switches (0 for native threads).
struct Run {
    lanes: Vec<Vec<(f64, f64)>>,
    switches: u64,
}

impl Run {
    fn total(&self) -> f64 {
        self.lanes
            .iter()
            .flatten()
            .map(|&(_, to)| to)
            .fold(0.0, f64::max)
    }
}

pub fn run(args: &Args) -> Result<Record, String> {
    let runs = take_runs(args, "model-GIL threads", gil_run)?;
    let shown = median_run(&runs);
    let holds: Vec<f64> = runs
        .iter()
        .flat_map(|run| run.lanes.iter().flatten().map(|(from, to)| to - from))
        .collect();
    let switches: Vec<f64> = runs.iter().map(|run| run.switches as f64).collect();
    let mut values = common_values(&runs)?;
    values.insert(
        "switches".into(),
        format!("{:.0}", median("switches", &switches)?),
    );
    values.insert("hold".into(), format_seconds(median("holds", &holds)?));
    values.insert("shown_switches".into(), runs[shown].switches.to_string());
    Ok(record(
        format!(
            "Under a GIL, {THREADS} threads take turns: one runs, {} wait",
            THREADS - 1
        ),
        SeriesKind::GilThreads,
        &runs[shown],
        values,
        args,
    ))
}

pub fn run_native(args: &Args) -> Result<Record, String> {
    let runs = take_runs(args, "native threads", native_run)?;
    let shown = median_run(&runs);
    let values = common_values(&runs)?;
    let cores = crate::cores();
    let title = if cores >= THREADS {
        format!("Without a GIL, {THREADS} threads run at once")
    } else {
        format!("Without a GIL, {THREADS} threads run at once, sharing {cores} cores")
    };
    Ok(record(
        title,
        SeriesKind::Threads,
        &runs[shown],
        values,
        args,
    ))
}

fn take_runs(args: &Args, label: &str, once: fn() -> Run) -> Result<Vec<Run>, String> {
    let mut runs = Vec::new();
    sample(label, args.samples(5), || {
        runs.push(once());
        0.0
    });
    if runs.is_empty() {
        return Err("no runs".into());
    }
    Ok(runs)
}

/// Four threads under one model GIL, its event log on.
fn gil_run() -> Run {
    let gil = gil::Gil::new();
    gil.start_event_log();
    thread::scope(|s| {
        for i in 0..THREADS {
            thread::Builder::new()
                .name(format!("thread {}", i + 1))
                .spawn_scoped(s, || gil.attach(|py| gil::countdown(py, COUNT)))
                .expect("spawn a thread");
        }
    });
    let mut lanes = vec![Vec::new(); THREADS];
    for span in gil.event_log() {
        let lane = span
            .thread
            .strip_prefix("thread ")
            .and_then(|n| n.parse::<usize>().ok())
            .expect("the threads above are named `thread N`");
        lanes[lane - 1].push((span.from.as_secs_f64(), span.to.as_secs_f64()));
    }
    Run {
        lanes,
        switches: gil.switch_count(),
    }
}

/// Four native threads: each lane is the thread's run from start to end.
fn native_run() -> Run {
    let start = Instant::now();
    let lanes = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    let from = start.elapsed().as_secs_f64();
                    tasks::countdown(COUNT);
                    vec![(from, start.elapsed().as_secs_f64())]
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a countdown thread panicked"))
            .collect()
    });
    Run { lanes, switches: 0 }
}

/// The index of the run whose total time is the median.
fn median_run(runs: &[Run]) -> usize {
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| runs[a].total().total_cmp(&runs[b].total()));
    order[order.len() / 2]
}

fn common_values(runs: &[Run]) -> Result<BTreeMap<String, String>, String> {
    let totals: Vec<f64> = runs.iter().map(Run::total).collect();
    Ok(BTreeMap::from([
        ("total".into(), format_seconds(median("total", &totals)?)),
        ("threads".into(), THREADS.to_string()),
        ("runs".into(), runs.len().to_string()),
    ]))
}

fn record(
    title: String,
    kind: SeriesKind,
    shown: &Run,
    values: BTreeMap<String, String>,
    args: &Args,
) -> Record {
    Record {
        title,
        machine: None,
        plot: Plot::Timeline {
            x_label: "time (ms)".into(),
            lanes: shown
                .lanes
                .iter()
                .enumerate()
                .map(|(i, spans)| Lane {
                    name: format!("thread {}", i + 1),
                    group: Some(kind.legend().into()),
                    color: kind.color(),
                    spans: spans.iter().map(|&(a, b)| (a * 1e3, b * 1e3)).collect(),
                })
                .collect(),
        },
        values,
        notes: vec![format!(
            "{THREADS} threads each count down from {COUNT}; the run with the median \
             total time of {} is shown.",
            args.samples(5)
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gil_lanes_never_overlap_and_cover_every_thread() {
        let run = gil_run();
        assert!(run.lanes.iter().all(|spans| !spans.is_empty()));
        let mut spans: Vec<_> = run.lanes.iter().flatten().copied().collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0));
    }

    #[test]
    fn picks_the_median_run() {
        let run = |end| Run {
            lanes: vec![vec![(0.0, end)]],
            switches: 0,
        };
        assert_eq!(median_run(&[run(3.0), run(1.0), run(2.0)]), 2);
    }
}
