//! The ways the lab runs CPU-bound workers, in one table: one after another,
//! threads, forked processes, rayon tasks and model-GIL threads.
//!
//! Every experiment that compares them (`two_tasks`, `scaling`) measures a way
//! with the same code, and every chart names and colours it alike. Each
//! worker runs [`tasks::countdown`], which is never inlined, so every way runs
//! the very same machine code (inlined into different callers, the loop
//! compiled to code up to twice as fast or slow on the book's machine).

use crate::sample::seconds;
use crate::{SeriesKind, fork};
use rayon::prelude::*;
use std::thread;
use tasks::countdown;

/// A way of running workers: a bar or a line of a chart.
pub struct Way {
    /// What it is, which fixes its colour and its name in a legend.
    pub kind: SeriesKind,
    /// Whether its workers run at the same time, each on a core of its own.
    /// One that runs them one at a time keeps a single core busy.
    pub at_once: bool,
    /// Runs `workers` countdowns of `count` steps this way and returns the
    /// wall time in seconds, from the first worker's start to the last one's end.
    pub measure: fn(workers: usize, count: u64) -> Result<f64, String>,
}

impl Way {
    /// Its name in a chart ("threads", "model-GIL threads").
    pub fn name(&self) -> &'static str {
        self.kind.legend()
    }
}

/// Every countdown in this thread, one after the other.
pub const SEQUENTIAL: Way = Way {
    kind: SeriesKind::Sequential,
    at_once: false,
    measure: sequential,
};

/// One native thread per countdown.
pub const THREADS: Way = Way {
    kind: SeriesKind::Threads,
    at_once: true,
    measure: threads,
};

/// One forked child process per countdown. Forks, so it obeys the fork rule
/// (experiments/mod.rs): every thread of the other ways is joined when they return.
pub const PROCESSES: Way = Way {
    kind: SeriesKind::Processes,
    at_once: true,
    measure: processes,
};

/// One rayon task per countdown.
pub const RAYON: Way = Way {
    kind: SeriesKind::Rayon,
    at_once: true,
    measure: rayon_tasks,
};

/// One thread per countdown, all sharing one model GIL (crates/gil), as
/// CPython threads would.
pub const GIL_THREADS: Way = Way {
    kind: SeriesKind::GilThreads,
    at_once: false,
    measure: gil_threads,
};

fn sequential(workers: usize, count: u64) -> Result<f64, String> {
    Ok(seconds(|| (0..workers).for_each(|_| countdown(count))))
}

fn threads(workers: usize, count: u64) -> Result<f64, String> {
    let mut joined = Ok(());
    let secs = seconds(|| {
        thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|_| s.spawn(move || countdown(count)))
                .collect();
            if handles.into_iter().any(|h| h.join().is_err()) {
                joined = Err("a worker thread panicked".to_string());
            }
        })
    });
    joined.map(|()| secs)
}

fn processes(workers: usize, count: u64) -> Result<f64, String> {
    let mut waited = Ok(());
    let secs = seconds(|| waited = fork::in_children(workers, || countdown(count)));
    waited.map(|()| secs)
}

/// Rayon tasks in a local pool of one thread per core (rayon's default), but
/// no more threads than tasks: an idle rayon thread spins a while looking for
/// work, which would slow a lone task on a busy machine. `build_scoped` joins
/// the pool's threads before it returns, so the next fork sees a
/// single-threaded lab.
fn rayon_tasks(workers: usize, count: u64) -> Result<f64, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers.min(crate::cores()))
        .build_scoped(
            |thread| thread.run(),
            |pool| {
                seconds(|| {
                    pool.install(|| (0..workers).into_par_iter().for_each(|_| countdown(count)))
                })
            },
        )
        .map_err(|e| format!("cannot build a rayon pool: {e}"))
}

fn gil_threads(workers: usize, count: u64) -> Result<f64, String> {
    let gil = gil::Gil::new();
    let mut joined = Ok(());
    let secs = seconds(|| {
        thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|_| s.spawn(|| gil.attach(|py| gil::countdown(py, count))))
                .collect();
            if handles.into_iter().any(|h| h.join().is_err()) {
                joined = Err("a worker thread panicked".to_string());
            }
        })
    });
    joined.map(|()| secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    // PROCESSES forks, so no test runs it (the harness is multi-threaded).
    #[test]
    fn thread_ways_run_without_error() {
        for way in [SEQUENTIAL, THREADS, RAYON, GIL_THREADS] {
            if let Err(e) = (way.measure)(3, 1_000) {
                panic!("{}: {e}", way.name());
            }
        }
    }

    #[test]
    fn ways_have_their_own_names() {
        let ways = [SEQUENTIAL, THREADS, PROCESSES, RAYON, GIL_THREADS];
        for (i, way) in ways.iter().enumerate() {
            assert!(ways[..i].iter().all(|other| other.name() != way.name()));
        }
    }
}
