//! Who ran when (chapter 10b): four threads each count down as long as one
//! model thread takes alone (about 30 ms),
//! under the model GIL and under CPython's (`gil_timeline`: each lane filled
//! where its thread held the GIL), or as native threads
//! (`gil_timeline_native`: each lane filled from the thread's start to its end).
//!
//! Both kinds of lanes come from the threads themselves, measured alike:
//! each thread reads the clock every couple of microseconds of counting (the
//! CPython threads of crates/lab/python/gil_timeline.py every 100 steps), and
//! only the thread holding the GIL can. A log kept inside the model GIL would
//! be exact, but it is not free: a clock reading and a record per hand-over,
//! made under the GIL's own mutex, changed which thread won the next one
//! (hand-overs back to the previous holder: 29–47% with it, 54–64% without
//! it, in three sets of 20 runs each).
//!
//! Each runs `n` times (5 by default, 20 with `--full`); the chart shows the
//! run with the median total time, the values summarise all of them: how
//! long a turn lasts, and in what order the threads take their turns.

use super::Args;
use super::gil_cpython as cpython;
use crate::contention::Contention;
use crate::python::{self, Interpreter};
use crate::sample::{format_seconds, median, sample, seconds};
use crate::{Lane, Plot, Record, SeriesKind};
use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::Instant;

/// Countdown steps between two readings of the clock: about 2 µs of work, as
/// long as the script's 100 steps take.
const STEPS_PER_READING: u64 = 8 * gil::CHECK_EVERY;
/// A longer gap between two readings is a time the thread did not run (the
/// script's `GAP`).
const GAP: f64 = 50e-6;

const THREADS: usize = 4;
/// Countdown steps per thread: a twentieth of `tasks::cpu_task` (about 30 ms
/// on the book's machine), so the chart has room to show the 5 ms turns.
const COUNT: u64 = tasks::CPU_TASK_COUNT / 20;
const PYTHON_SCRIPT: &str = "gil_timeline.py";

/// One run: each thread's spans, in seconds from the start.
struct Run {
    lanes: Vec<Vec<(f64, f64)>>,
}

impl Run {
    fn total(&self) -> f64 {
        self.lanes
            .iter()
            .flatten()
            .map(|&(_, to)| to)
            .fold(0.0, f64::max)
    }

    /// Who held the GIL, turn by turn, until the first thread finished (from
    /// then on fewer threads share it and the order says less); a thread's
    /// spans with no other thread's in between are one turn.
    fn turns(&self) -> Vec<(usize, f64, f64)> {
        let first_done = self
            .lanes
            .iter()
            .filter_map(|spans| spans.last().map(|&(_, to)| to))
            .fold(f64::INFINITY, f64::min);
        let mut spans: Vec<(usize, f64, f64)> = self
            .lanes
            .iter()
            .enumerate()
            .flat_map(|(i, spans)| spans.iter().map(move |&(from, to)| (i, from, to)))
            .filter(|&(_, _, to)| to < first_done)
            .collect();
        spans.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut turns: Vec<(usize, f64, f64)> = Vec::new();
        for (thread, from, to) in spans {
            match turns.last_mut() {
                Some(last) if last.0 == thread => last.2 = to,
                _ => turns.push((thread, from, to)),
            }
        }
        turns
    }

    /// How often the GIL passed from one thread to another.
    fn switches(&self) -> usize {
        let mut spans: Vec<(f64, usize)> = self
            .lanes
            .iter()
            .enumerate()
            .flat_map(|(i, spans)| spans.iter().map(move |&(from, _)| (from, i)))
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        spans.windows(2).filter(|w| w[0].1 != w[1].1).count()
    }
}

/// Of the hand-overs in `turns` after the first, how many give the GIL back
/// to the thread that held it the turn before (A, B, A), and how many there
/// are. Threads that take turns round-robin never do; two threads that pass
/// the GIL back and forth while the others wait always do.
fn ping_pong(turns: &[(usize, f64, f64)]) -> (usize, usize) {
    let back = turns.windows(3).filter(|w| w[0].0 == w[2].0).count();
    (back, turns.len().saturating_sub(2))
}

/// Hold lengths, turn order and totals over `runs`, as values named
/// `{prefix}_hold` and so on.
fn summary(prefix: &str, runs: &[Run]) -> Result<BTreeMap<String, String>, String> {
    let turns: Vec<Vec<(usize, f64, f64)>> = runs.iter().map(Run::turns).collect();
    let holds: Vec<f64> = turns
        .iter()
        .flatten()
        .map(|(_, from, to)| to - from)
        .collect();
    let (back, handovers) = turns
        .iter()
        .map(|t| ping_pong(t))
        .fold((0, 0), |(b, h), (back, handovers)| {
            (b + back, h + handovers)
        });
    if handovers == 0 {
        return Err(format!("{prefix}: no hand-overs while all threads ran"));
    }
    let switches: Vec<f64> = runs.iter().map(|run| run.switches() as f64).collect();
    let totals: Vec<f64> = runs.iter().map(Run::total).collect();
    Ok(BTreeMap::from([
        (
            format!("{prefix}_hold"),
            format_seconds(median("holds", &holds)?),
        ),
        (
            format!("{prefix}_ping_pong"),
            format!("{:.0}%", 100.0 * back as f64 / handovers as f64),
        ),
        (
            format!("{prefix}_switches"),
            format!("{:.0}", median("switches", &switches)?),
        ),
        (
            format!("{prefix}_total"),
            format_seconds(median("total", &totals)?),
        ),
    ]))
}

pub fn run(args: &Args) -> Result<Record, String> {
    // `--full`: more runs, for the turn order, and CPython 3.11 to 3.13.
    let n = args.samples(if args.full { 20 } else { 5 });
    let contention = Contention::start();
    let runs = take_runs(n, "model-GIL threads", gil_run)?;
    let shown = median_run(&runs);
    let mut values = summary("model", &runs)?;
    // The names chapter 10b has quoted since before CPython was beside it.
    for (old, new) in [("hold", "model_hold"), ("switches", "model_switches")] {
        values.insert(old.into(), values[new].clone());
    }
    values.extend(common_values(&runs)?);
    let mut lanes = lanes(&runs[shown], SeriesKind::GilThreads, "model");
    let mut notes = vec![format!(
        "{THREADS} threads each count down from {COUNT} under the model GIL; \
         the run with the median total time of {n} is shown."
    )];

    let pythons = if args.full {
        let (found, missing) = python::with_minors(&cpython::MODELLED_MINORS);
        notes.extend(missing);
        found
    } else {
        vec![Interpreter::path_python3()]
    };
    // The CPython threads get as much work as the model's, in time: one
    // thread's count alone, whatever the interpreter's speed.
    let alone = one_thread_alone();
    let mut versions = Vec::new();
    for python in &pythons {
        match cpython_runs(python, n, alone) {
            Ok((version, _)) if versions.contains(&version) => {}
            Ok((version, runs)) => {
                if versions.is_empty() {
                    let shown = median_run(&runs);
                    lanes.extend(self::lanes(
                        &runs[shown],
                        SeriesKind::CPythonThreads,
                        "CPython",
                    ));
                    values.extend(summary("cpython", &runs)?);
                    values.insert("cpython_version".into(), version.clone());
                    notes.push(format!(
                        "CPython {version}: {THREADS} threads each count down as long as \
                         one model thread takes alone ({}); the median run of {n}.",
                        format_seconds(alone)
                    ));
                } else {
                    values.extend(summary(&cpython::value_key(&version), &runs)?);
                }
                versions.push(version);
            }
            Err(why) => notes.push(format!(
                "No CPython lanes from {}: {why}.",
                python.path.display()
            )),
        }
    }
    // The machine's other load, which stretches hand-overs (the lab adds a
    // note above 10%).
    if let Some(share) = contention.others_share() {
        values.insert("other_load".into(), format!("{:.0}%", share * 100.0));
    }
    let title = format!(
        "Under a GIL, {THREADS} threads take turns: one runs, {} wait",
        THREADS - 1
    );
    Ok(Record {
        values,
        notes,
        ..Record::new(
            title,
            Plot::Timeline {
                x_label: "time (ms)".into(),
                lanes,
            },
        )
    })
}

pub fn run_native(args: &Args) -> Result<Record, String> {
    let n = args.samples(5);
    let runs = take_runs(n, "native threads", native_run)?;
    let shown = median_run(&runs);
    let values = common_values(&runs)?;
    let cores = crate::cores();
    let title = if cores >= THREADS {
        format!("Without a GIL, {THREADS} threads run at once")
    } else {
        format!("Without a GIL, {THREADS} threads run at once, sharing {cores} cores")
    };
    Ok(Record {
        values,
        notes: vec![format!(
            "{THREADS} threads each count down from {COUNT}; the run with the median \
             total time of {n} is shown."
        )],
        ..Record::new(
            title,
            Plot::Timeline {
                x_label: "time (ms)".into(),
                lanes: lanes(&runs[shown], SeriesKind::Threads, "thread"),
            },
        )
    })
}

fn take_runs(n: usize, label: &str, once: fn() -> Run) -> Result<Vec<Run>, String> {
    let mut runs = Vec::new();
    sample(label, n, || {
        runs.push(once());
        0.0
    });
    if runs.is_empty() {
        return Err("no runs".into());
    }
    Ok(runs)
}

/// Four threads under one model GIL. They start as the script's threads do:
/// each waits at a gate, and this thread, holding the GIL, opens the gate
/// once all four wait there, then drops the GIL.
fn gil_run() -> Run {
    let gil = gil::Gil::new();
    let gate = Gate::default();
    let lanes = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    gil.attach(|py| {
                        let start = py.detach(|| gate.pass());
                        count(py, start)
                    })
                })
            })
            .collect();
        gate.wait_for(THREADS);
        gil.attach(|_| gate.open(Instant::now()));
        handles
            .into_iter()
            .map(|h| h.join().expect("a countdown thread panicked"))
            .collect()
    });
    Run {
        lanes: merge(lanes),
    }
}

/// Counts down [`COUNT`] steps under the GIL as the script's `count` does,
/// noting when this thread ran: its spans, in seconds from `start`.
fn count(py: &gil::Attached<'_>, start: Instant) -> Vec<(f64, f64)> {
    let mut spans = Vec::new();
    let mut from = start.elapsed().as_secs_f64();
    let mut last = from;
    let mut left = COUNT;
    while left > 0 {
        let steps = left.min(STEPS_PER_READING);
        gil::countdown(py, steps);
        left -= steps;
        let now = start.elapsed().as_secs_f64();
        if now - last > GAP {
            spans.push((from, last));
            from = now;
        }
        last = now;
    }
    spans.push((from, last));
    spans
}

/// Each thread's spans, joined where no other thread ran in between (the
/// operating system, not the GIL, paused the thread), as the script's
/// `merge` joins them.
fn merge(lanes: Vec<Vec<(f64, f64)>>) -> Vec<Vec<(f64, f64)>> {
    let starts: Vec<Vec<f64>> = lanes
        .iter()
        .map(|spans| spans.iter().map(|&(from, _)| from).collect())
        .collect();
    lanes
        .iter()
        .enumerate()
        .map(|(me, spans)| {
            let mut merged: Vec<(f64, f64)> = Vec::new();
            for &(from, to) in spans {
                match merged.last_mut() {
                    Some(last)
                        if !starts.iter().enumerate().any(|(other, starts)| {
                            other != me && starts.iter().any(|&s| last.1 <= s && s < from)
                        }) =>
                    {
                        last.1 = to;
                    }
                    _ => merged.push((from, to)),
                }
            }
            merged
        })
        .collect()
}

/// Where threads wait until they are let go, like the script's
/// `threading.Event`: [`Gate::wait_for`] waits until `n` threads wait there.
#[derive(Default)]
struct Gate {
    /// (threads waiting, the moment it opened)
    state: Mutex<(usize, Option<Instant>)>,
    changed: Condvar,
}

impl Gate {
    /// Waits until the gate opens; returns the moment it did.
    fn pass(&self) -> Instant {
        let mut state = self.state.lock().expect("no thread panics at the gate");
        state.0 += 1;
        self.changed.notify_all();
        loop {
            if let Some(opened) = state.1 {
                return opened;
            }
            state = self
                .changed
                .wait(state)
                .expect("no thread panics at the gate");
        }
    }

    fn wait_for(&self, n: usize) {
        let mut state = self.state.lock().expect("no thread panics at the gate");
        while state.0 < n {
            state = self
                .changed
                .wait(state)
                .expect("no thread panics at the gate");
        }
    }

    fn open(&self, now: Instant) {
        self.state.lock().expect("no thread panics at the gate").1 = Some(now);
        self.changed.notify_all();
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
    Run { lanes }
}

/// Seconds one model thread takes to run [`count`] with nobody else
/// waiting for the GIL: the fastest of three.
fn one_thread_alone() -> f64 {
    let gil = gil::Gil::new();
    (0..3)
        .map(|_| {
            seconds(|| {
                gil.attach(|py| count(py, Instant::now()));
            })
        })
        .fold(f64::INFINITY, f64::min)
}

/// `n` runs of [`THREADS`] CPython threads, each counting for about
/// `seconds` alone: the version and each run's spans.
fn cpython_runs(
    python: &Interpreter,
    n: usize,
    seconds: f64,
) -> Result<(String, Vec<Run>), String> {
    let args = [n.to_string(), THREADS.to_string(), seconds.to_string()];
    let json = python.run(PYTHON_SCRIPT, &args)?;
    let version = json["python"].as_str().unwrap_or("3").to_string();
    let runs = json["runs"]
        .as_array()
        .filter(|runs| !runs.is_empty())
        .ok_or(format!("{PYTHON_SCRIPT}: no runs"))?
        .iter()
        .map(|run| {
            parse_run(run).ok_or(format!(
                "{PYTHON_SCRIPT}: a run is not {THREADS} lists of spans"
            ))
        })
        .collect::<Result<_, _>>()?;
    Ok((version, runs))
}

/// `[[[from, to], ...], ...]`, one list per thread, as a [`Run`].
fn parse_run(json: &serde_json::Value) -> Option<Run> {
    let lanes = json
        .as_array()?
        .iter()
        .map(|spans| {
            spans
                .as_array()?
                .iter()
                .map(|span| Some((span.get(0)?.as_f64()?, span.get(1)?.as_f64()?)))
                .collect::<Option<Vec<_>>>()
        })
        .collect::<Option<Vec<_>>>()?;
    (lanes.len() == THREADS).then_some(Run { lanes })
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

/// One lane per thread of `shown`, named `{name} N`, spans in milliseconds.
fn lanes(shown: &Run, kind: SeriesKind, name: &str) -> Vec<Lane> {
    shown
        .lanes
        .iter()
        .enumerate()
        .map(|(i, spans)| Lane {
            name: format!("{name} {}", i + 1),
            group: Some(kind.legend().into()),
            color: kind.color(),
            spans: spans.iter().map(|&(a, b)| (a * 1e3, b * 1e3)).collect(),
        })
        .collect()
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

    /// Thread 0's first two spans have nobody in between: one span. Its
    /// third follows thread 1's: kept apart.
    #[test]
    fn merge_joins_only_spans_nobody_ran_between() {
        let lanes = vec![vec![(0.0, 1.0), (1.2, 2.0), (4.0, 5.0)], vec![(2.5, 3.5)]];
        assert_eq!(
            merge(lanes),
            [vec![(0.0, 2.0), (4.0, 5.0)], vec![(2.5, 3.5)]]
        );
    }

    #[test]
    fn picks_the_median_run() {
        let run = |end| Run {
            lanes: vec![vec![(0.0, end)]],
        };
        assert_eq!(median_run(&[run(3.0), run(1.0), run(2.0)]), 2);
    }

    /// Threads 0 and 1 pass the GIL back and forth, then 2 and 3 take it;
    /// thread 1's two spans with nobody in between are one turn.
    #[test]
    fn turns_merge_a_threads_spans_and_stop_when_a_thread_is_done() {
        let run = Run {
            lanes: vec![
                vec![(0.0, 1.0), (2.0, 3.0), (8.0, 9.0)],
                vec![(1.0, 1.5), (1.5, 2.0), (3.0, 4.0), (9.0, 10.0)],
                vec![(4.0, 5.0), (6.0, 7.0)],
                vec![(5.0, 6.0), (7.0, 8.0)],
            ],
        };
        let turns = run.turns();
        let order: Vec<usize> = turns.iter().map(|t| t.0).collect();
        // Thread 2 is done at 7.0: its last span and all after it are left out.
        assert_eq!(order, [0, 1, 0, 1, 2, 3]);
        assert_eq!((turns[1].1, turns[1].2), (1.0, 2.0));
        assert_eq!(run.switches(), 9);
        // 0-1-0 and 1-0-1 go back, 0-1-2 and 1-2-3 do not.
        assert_eq!(ping_pong(&turns), (2, 4));
        assert_eq!(ping_pong(&turns[..2]), (0, 0));
    }

    #[test]
    fn round_robin_is_no_ping_pong() {
        let turns: Vec<(usize, f64, f64)> =
            (0..8).map(|i| (i % 4, i as f64, i as f64 + 1.0)).collect();
        assert_eq!(ping_pong(&turns), (0, 6));
    }

    #[test]
    fn parses_the_scripts_runs() {
        let json = serde_json::json!([[[0.0, 0.5]], [[0.5, 1.0]], [], [[1.0, 2.0], [3.0, 4.0]]]);
        let run = parse_run(&json).unwrap();
        assert_eq!(run.lanes[3], [(1.0, 2.0), (3.0, 4.0)]);
        assert!(parse_run(&serde_json::json!([[[0.0, "x"]]])).is_none());
        assert!(parse_run(&serde_json::json!([[], []])).is_none());
    }
}
