//! Every experiment the `lab` binary can run, in one table.
//!
//! # Adding an experiment
//!
//! 1. Write `experiments/NAME.rs` with
//!    `pub fn run(args: &Args) -> Result<Record, String>` that measures with
//!    [`crate::sample`] (every sample is kept in the record), builds a
//!    [`Record`] whose title states the finding *derived from the measured
//!    numbers*, and returns it. Progress goes to stderr (`eprintln!`); never
//!    print to stdout — `main` prints the record and nothing else. The
//!    runner (`main`) adds what every record shares: the note on other
//!    programs' use of the CPU; the notebook adds the machine.
//! 2. Add `pub mod NAME;` below and one row to [`EXPERIMENTS`]. Keep the table
//!    in the order the book uses them; nothing else needs to change.
//! 3. What more than one experiment needs lives outside this folder, and no
//!    experiment imports another: the ways of running workers in
//!    [`crate::ways`], start-and-wait probes in [`crate::probes`], the CPython
//!    scripts' output in [`crate::python`], series and bars in [`crate::record`].
//! 4. Defaults must finish in a few seconds on the 2-core machine that builds
//!    the book (the book build runs them all; `cargo xtask bench-book` sums
//!    their stored durations); `args.full` may go further.
//!    Use `args.samples(5)` (or another default) for the sample count.
//!
//! # Forking: the rule
//!
//! A forked child of a multi-threaded process gets only the forking thread;
//! a lock another thread held (the allocator's, stdout's) stays locked in the
//! child forever. So fork only while the lab process has no other live
//! threads: join every `std::thread` you spawned first, and never touch
//! rayon's global pool (`par_iter`, `rayon::spawn`, `rayon::join`) in an
//! experiment that forks, because its worker threads never exit. If an
//! experiment needs rayon, build a local `rayon::ThreadPool` and drop it before
//! forking. [`crate::fork::in_children`] checks the rule (it refuses to fork
//! while another thread is alive) and is the one place the lab forks workers.

use crate::Record;

pub mod accidental_gil;
pub mod break_even;
pub mod break_even_py;
pub mod convoy;
pub mod escape_gil;
pub mod fork_vs_rss;
pub mod gil_cpython;
pub mod gil_timeline;
pub mod gil_versions;
pub mod io_threads;
pub mod lost_updates;
pub mod many_threads;
pub mod pickle_cost;
pub mod pipe_throughput;
pub mod pipe_turns;
pub mod scaling;
pub mod spawn_cost;
pub mod two_tasks;

/// How an experiment is run: the parsed command-line options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args {
    /// `--samples N`: overrides the experiment's default sample count.
    pub samples: Option<usize>,
    /// `--full`: bigger sizes than the book build can afford.
    pub full: bool,
}

impl Args {
    /// The sample count to use: `--samples N` if given, else `default`.
    pub fn samples(&self, default: usize) -> usize {
        self.samples.unwrap_or(default)
    }
}

/// An experiment's entry point.
pub type Run = fn(&Args) -> Result<Record, String>;

/// One row of [`EXPERIMENTS`].
pub struct Experiment {
    /// Its name on the command line and in `{{#chart NAME}}`.
    pub name: &'static str,
    /// One line for `lab --list`.
    pub about: &'static str,
    pub run: Run,
}

/// Every experiment, in the order the book uses them.
pub const EXPERIMENTS: &[Experiment] = &[
    Experiment {
        name: "two_tasks",
        about: "two CPU-bound tasks: one after another, in 2 threads, in 2 forked processes",
        run: two_tasks::run,
    },
    Experiment {
        name: "spawn_cost",
        about: "start + wait: Rust thread, fork, Command (posix_spawn), CPython thread and multiprocessing",
        run: spawn_cost::run,
    },
    Experiment {
        name: "fork_vs_rss",
        about: "fork and posix_spawn against the parent's resident memory (0 MiB to 1 GiB; --full: 4 GiB)",
        run: fork_vs_rss::run,
    },
    Experiment {
        name: "scaling",
        about: "speedup with 1-4 workers: threads, processes, rayon, model-GIL threads, CPython",
        run: scaling::run,
    },
    Experiment {
        name: "gil_timeline",
        about: "who holds the GIL when: 4 CPU-bound threads, model and CPython",
        run: gil_timeline::run,
    },
    Experiment {
        name: "gil_timeline_native",
        about: "when each of 4 CPU-bound native threads runs (no GIL)",
        run: gil_timeline::run_native,
    },
    Experiment {
        name: "convoy",
        about: "a 100 µs sleep beside 0-3 CPU-bound threads at 5 ms and 1 ms: model GIL and CPython (--full: 3.11-3.13)",
        run: convoy::run,
    },
    Experiment {
        name: "pipe_throughput",
        about: "parent to child through a pipe: write/read, a 1 MiB pipe, vmsplice/splice",
        run: pipe_throughput::run,
    },
    Experiment {
        name: "io_threads",
        about: "1-8 threads blocked in sleep, a pipe, a file (O_DIRECT), next to CPU-bound ones: Rust and CPython",
        run: io_threads::run,
    },
    Experiment {
        name: "pipe_turns",
        about: "why bigger writes slow a pipe: cores busy, writer sleeps, bytes per read (4 KiB-1 MiB writes)",
        run: pipe_turns::run,
    },
    Experiment {
        name: "lost_updates",
        about: "count += 1 in 4 CPython threads on every interpreter found (pyenv): updates lost",
        run: lost_updates::run,
    },
    Experiment {
        name: "escape_gil",
        about: "1-4 CPython threads calling a Rust extension (PyO3), holding or releasing the GIL; model attach/detach",
        run: escape_gil::run,
    },
    Experiment {
        name: "break_even",
        about: "two tasks of 10 µs-100 ms in a row vs side by side: threads, rayon, fork, posix_spawn",
        run: break_even::run,
    },
    Experiment {
        name: "break_even_py",
        about: "the same in CPython: threads, ThreadPoolExecutor, multiprocessing pools (fork, forkserver, spawn)",
        run: break_even_py::run,
    },
    Experiment {
        name: "pickle_cost",
        about: "an argument of 1 KiB-16 MiB to a multiprocessing worker and back: bytes, a list, pickling alone",
        run: pickle_cost::run,
    },
    Experiment {
        name: "many_threads",
        about: "10-10,000 waiters on one pipe: Rust threads, tokio tasks, CPython threads (start, wake, memory)",
        run: many_threads::run,
    },
    Experiment {
        name: "accidental_gil",
        about: "a hand-made pool holding its queue lock while a job runs, and fixed; threads and model GIL",
        run: accidental_gil::run,
    },
    Experiment {
        name: "gil_versions",
        about: "every CPython found (pyenv, PATH): two threads vs one, a sleep's convoy, lost count += 1",
        run: gil_versions::run,
    },
];

/// The entry point of experiment `name`, if there is one.
pub fn find(name: &str) -> Option<Run> {
    EXPERIMENTS
        .iter()
        .find(|experiment| experiment.name == name)
        .map(|experiment| experiment.run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_findable() {
        for (i, experiment) in EXPERIMENTS.iter().enumerate() {
            let name = experiment.name;
            assert!(!experiment.about.is_empty(), "{name} needs a description");
            assert!(
                EXPERIMENTS[..i].iter().all(|other| other.name != name),
                "{name} is listed twice"
            );
            assert!(find(name).is_some());
        }
        assert!(find("no_such_experiment").is_none());
    }

    #[test]
    fn samples_default_unless_overridden() {
        assert_eq!(Args::default().samples(5), 5);
        let args = Args {
            samples: Some(9),
            full: false,
        };
        assert_eq!(args.samples(5), 9);
    }
}
