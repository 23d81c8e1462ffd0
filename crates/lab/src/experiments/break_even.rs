//! When does parallelism pay? (chapter 24): two equal CPU-bound tasks of
//! 10 µs to 100 ms each, run one after the other, and run side by side by
//! each way Rust has: two new threads, a rayon pool that already exists, two
//! forked processes, and two new programs (`Command`, which starts them with
//! posix_spawn). Speedup = time of the two in a row / time side by side, so
//! it includes what the way costs to start and finish; it passes 1 where the
//! way breaks even. `break_even_py` does the same for CPython.
//!
//! The programs `Command` starts are this lab binary, told by an environment
//! variable to count down and exit: starting a program, not a shell.

use super::Args;
use crate::sample::{format_ratio, format_seconds, interleaved, median};
use crate::speedup::{against_length, against_length_plot, break_even, describe};
use crate::{Record, SeriesKind, fork};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Instant;

/// Task lengths, seconds: half decades from 10 µs to 100 ms.
const SIZES: [f64; 9] = [
    10e-6, 30e-6, 100e-6, 300e-6, 1e-3, 3e-3, 10e-3, 30e-3, 100e-3,
];

/// Set in a program this experiment starts: count down this many steps and exit.
const CHILD: &str = "LAB_BREAK_EVEN_COUNTDOWN";

/// One way of running the two tasks side by side: a line of the chart.
struct Way {
    name: &'static str,
    key: &'static str,
    kind: SeriesKind,
}

const THREADS: Way = Way {
    name: "2 new threads",
    key: "threads",
    kind: SeriesKind::Threads,
};
const RAYON: Way = Way {
    name: "rayon::join in a running pool",
    key: "rayon",
    kind: SeriesKind::Rayon,
};
const FORK: Way = Way {
    name: "2 forked processes",
    key: "fork",
    kind: SeriesKind::Processes,
};
const SPAWN: Way = Way {
    name: "2 new programs (posix_spawn)",
    key: "posix_spawn",
    kind: SeriesKind::Spawn,
};

pub fn run(args: &Args) -> Result<Record, String> {
    if let Ok(steps) = std::env::var(CHILD) {
        // A program started by `spawn_two`: one task, then exit at once.
        tasks::countdown(steps.parse().map_err(|e| format!("{CHILD}: {e}"))?);
        std::process::exit(0);
    }
    let rounds = args.samples(3);
    let step = seconds_per_step();
    let steps: Vec<u64> = SIZES.iter().map(|s| (s / step).round() as u64).collect();
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the lab binary: {e}"))?;

    // Phase 1, threads only: rayon's workers live as long as its pool, and
    // no process may fork while they do (the fork rule, mod.rs). A scoped
    // pool has joined its threads when `build_scoped` returns.
    let threaded = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build_scoped(
            |thread| thread.run(),
            |pool| {
                measure(&steps, rounds, &["threads", "rayon"], |way, n| {
                    match way {
                        0 => thread::scope(|s| {
                            s.spawn(|| tasks::countdown(n));
                            s.spawn(|| tasks::countdown(n));
                        }),
                        _ => {
                            pool.install(|| {
                                rayon::join(|| tasks::countdown(n), || tasks::countdown(n))
                            });
                        }
                    }
                    Ok(())
                })
            },
        )
        .map_err(|e| format!("cannot build a rayon pool: {e}"))??;
    // Phase 2, processes, now that the lab has one thread again.
    fork::ensure_single_threaded()?;
    let processes = measure(
        &steps,
        rounds,
        &["fork", "posix_spawn"],
        |way, n| match way {
            0 => fork::in_children(2, || tasks::countdown(n)),
            _ => spawn_two(&exe, n),
        },
    )?;

    let mut series = Vec::new();
    for (way, speedups) in [THREADS, RAYON]
        .iter()
        .zip(threaded)
        .chain([FORK, SPAWN].iter().zip(processes))
    {
        series.push(against_length(way.name, way.kind, &SIZES, &speedups));
    }
    let mut values = BTreeMap::new();
    let ways = [THREADS, RAYON, FORK, SPAWN];
    for (way, line) in ways.iter().zip(&series) {
        values.insert(
            format!("{}_break_even", way.key),
            describe(break_even(line)),
        );
        values.insert(
            format!("{}_at_100us", way.key),
            format_ratio(median(way.key, &line.points[2].samples)?),
        );
    }
    values.insert("step".into(), format_seconds(step));
    let title = format!(
        "Two tasks side by side pay from about {} (threads), {} (rayon), {} (fork), {} (posix_spawn)",
        values["threads_break_even"],
        values["rayon_break_even"],
        values["fork_break_even"],
        values["posix_spawn_break_even"],
    );
    Ok(Record {
        values,
        notes: vec![format!(
            "Each task counts down (one step {} here); speedup = time of both tasks in a row \
             / time of both side by side, start and finish included. Below 1 the way costs \
             more than it saves. Each sample of a short task averages several runs.",
            format_seconds(step)
        )],
        ..Record::new(title, against_length_plot(series))
    })
}

/// Seconds per countdown step, the fastest of a few timed counts.
fn seconds_per_step() -> f64 {
    const N: u64 = 20_000_000;
    (0..5)
        .map(|_| {
            let start = Instant::now();
            tasks::countdown(N);
            start.elapsed().as_secs_f64() / N as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// How many times a sample of a task of `seconds` repeats it: enough to
/// make the sample last about 5 ms, at most 20.
fn repeats(seconds: f64) -> usize {
    ((5e-3 / seconds).round() as usize).clamp(1, 20)
}

/// Speedups of two ways against running both tasks in a row, per task size:
/// `result[way][size]` holds one speedup per round. The sequential runs are
/// interleaved with the ways, so a slow spell of the machine hits all alike.
fn measure(
    steps: &[u64],
    rounds: usize,
    ways: &[&str; 2],
    side_by_side: impl Fn(usize, u64) -> Result<(), String>,
) -> Result<[Vec<Vec<f64>>; 2], String> {
    let mut labels = Vec::new();
    for size in SIZES {
        for way in ["in a row", ways[0], ways[1]] {
            labels.push(format!("{way}, {}", format_seconds(size)));
        }
    }
    let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let times = interleaved(&label_refs, rounds, |i| {
        let (size, way) = (i / 3, i % 3);
        let n = steps[size];
        let repeat = repeats(SIZES[size]);
        let start = Instant::now();
        for _ in 0..repeat {
            match way {
                0 => {
                    tasks::countdown(n);
                    tasks::countdown(n);
                }
                _ => side_by_side(way - 1, n)?,
            }
        }
        Ok(start.elapsed().as_secs_f64() / repeat as f64)
    })?;
    let mut speedups = [Vec::new(), Vec::new()];
    for (size, chunk) in times.chunks(3).enumerate() {
        let in_a_row = median(&labels[size * 3], &chunk[0])?;
        for (way, samples) in chunk[1..].iter().enumerate() {
            speedups[way].push(samples.iter().map(|t| in_a_row / t).collect());
        }
    }
    Ok(speedups)
}

/// Starts two copies of the lab that each count down `steps`, and waits.
fn spawn_two(exe: &std::path::Path, steps: u64) -> Result<(), String> {
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(exe)
                .arg("break_even")
                .env(CHILD, steps.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", exe.display()))
        })
        .collect::<Result<_, _>>()?;
    for mut child in children {
        let status = child.wait().map_err(|e| format!("wait failed: {e}"))?;
        if !status.success() {
            return Err(format!("a started program ended with {status}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tasks_repeat_up_to_twenty_times() {
        assert_eq!(repeats(10e-6), 20);
        assert_eq!(repeats(1e-3), 5);
        assert_eq!(repeats(0.1), 1);
    }
}
