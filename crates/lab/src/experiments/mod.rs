//! Every experiment the `lab` binary can run, in one table.
//!
//! # Adding an experiment
//!
//! 1. Write `experiments/NAME.rs` with
//!    `pub fn run(args: &Args) -> Result<Record, String>` that measures with
//!    [`crate::sample::sample`] (every sample is kept in the record), builds a
//!    [`Record`] whose title states the finding *derived from the measured
//!    numbers*, and returns it. Progress goes to stderr (`eprintln!`); never
//!    print to stdout — `main` prints the record and nothing else.
//! 2. Add `pub mod NAME;` below and one row to [`EXPERIMENTS`]:
//!    `("NAME", "one-line description", NAME::run)`. Keep the table sorted by
//!    the order the book uses them; nothing else needs to change.
//! 3. Defaults must finish in about 60 s on the 2-core machine that builds the
//!    book (the book build runs them); `args.full` may go further.
//!    Use `args.samples(5)` (or a larger default) for the sample count.
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

pub mod convoy;
pub mod fork_vs_rss;
pub mod gil_cpython;
pub mod gil_timeline;
pub mod gil_timeline_native;
pub mod pipe_throughput;
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

/// Every experiment: (name on the command line, one-line description, entry point).
pub const EXPERIMENTS: &[(&str, &str, Run)] = &[
    (
        "two_tasks",
        "two CPU-bound tasks: one after another, in 2 threads, in 2 forked processes",
        two_tasks::run,
    ),
    (
        "spawn_cost",
        "start + wait: Rust thread, fork, Command (posix_spawn), CPython thread and multiprocessing",
        spawn_cost::run,
    ),
    (
        "fork_vs_rss",
        "fork and posix_spawn against the parent's resident memory (0 MiB to 1 GiB; --full: 4 GiB)",
        fork_vs_rss::run,
    ),
    (
        "scaling",
        "speedup with 1-4 workers: threads, processes, rayon, model-GIL threads, CPython",
        scaling::run,
    ),
    (
        "gil_timeline",
        "who holds the model GIL when: 4 CPU-bound threads (event log)",
        gil_timeline::run,
    ),
    (
        "gil_timeline_native",
        "when each of 4 CPU-bound native threads runs (no GIL)",
        gil_timeline_native::run,
    ),
    (
        "convoy",
        "a 100 µs sleep beside 0-3 CPU-bound threads at 5 ms and 1 ms: model GIL and CPython (--full: 3.11-3.13)",
        convoy::run,
    ),
    (
        "pipe_throughput",
        "parent to child through a pipe: write/read, a 1 MiB pipe, vmsplice/splice",
        pipe_throughput::run,
    ),
];

/// The entry point of experiment `name`, if there is one.
pub fn find(name: &str) -> Option<Run> {
    EXPERIMENTS
        .iter()
        .find(|(known, _, _)| *known == name)
        .map(|&(_, _, run)| run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_findable() {
        for (i, (name, description, _)) in EXPERIMENTS.iter().enumerate() {
            assert!(!description.is_empty(), "{name} needs a description");
            assert!(
                EXPERIMENTS[..i].iter().all(|(other, _, _)| other != name),
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
