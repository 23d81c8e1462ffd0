//! Runs every example of the thread chapters (05, 09, 10, 11, 13-17) as its own
//! process and checks what its chapter says it shows.

mod common;

use std::collections::BTreeSet;

use common::{KERNEL_TID, counts_by_thread, run_example};
use regex::Regex;

/// Runs `name`, asserts it succeeded, returns its stdout.
fn stdout_of(name: &str) -> String {
    let run = run_example(name, &[]);
    run.assert_success();
    run.stdout
}

#[test]
fn thread_worker_runs_in_the_same_process_and_its_writes_are_seen() {
    let out = stdout_of("thread_worker");
    let re = Regex::new(&format!(
        r"^main: I am thread ThreadId\((\d+)\), kernel thread {KERNEL_TID}, in process (\d+)
worker: I am thread ThreadId\((\d+)\), kernel thread {KERNEL_TID}, in process (\d+)
main: the worker has finished; the log holds \[.written by the worker.\]
$"
    ))
    .unwrap();
    let caps = re
        .captures(&out)
        .unwrap_or_else(|| panic!("unexpected output:\n{out}"));
    assert_ne!(
        caps[1], caps[4],
        "main and worker must be different threads"
    );
    assert_eq!(caps[3], caps[6], "main and worker must share one process");
    if cfg!(target_os = "linux") {
        assert_ne!(caps[2], caps[5], "one kernel ID for two threads");
        assert_eq!(
            caps[2], caps[3],
            "Linux gives the main thread the process's ID"
        );
    }
}

/// One parsed line of `threads_overlap`: start, end and CPU seconds.
fn spans(out: &str) -> Vec<(f64, f64, f64)> {
    let re = Regex::new(
        r"(?m)^thread (\d): start (\d+\.\d+) s  end (\d+\.\d+) s  wall (\d+\.\d+) s  cpu (\d+\.\d+) s$",
    )
    .unwrap();
    re.captures_iter(out)
        .map(|c| {
            (
                c[2].parse().unwrap(),
                c[3].parse().unwrap(),
                c[5].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn threads_overlap_shows_four_threads_in_progress_together() {
    let out = stdout_of("threads_overlap");
    let spans = spans(&out);
    assert_eq!(spans.len(), 4, "one line per thread expected:\n{out}");
    for &(start, end, cpu) in &spans {
        assert!(start <= end, "a thread ended before it started:\n{out}");
        // A thread cannot use more CPU time than the wall time it existed
        // (10 ms of slack for the three-decimal rounding and the thread's start-up).
        assert!(
            cpu <= end - start + 0.01,
            "cpu time above wall time:\n{out}"
        );
    }
    // Each thread does ~0.4 s of work and the spawns take microseconds: every
    // thread starts before any finishes, so the printed overlap is positive.
    let last_start = spans.iter().map(|s| s.0).fold(0.0, f64::max);
    let first_end = spans.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
    assert!(
        last_start < first_end,
        "the four threads never overlapped:\n{out}"
    );
    let overlap =
        Regex::new(r"(?m)^all 4 threads were in progress at the same time for (\d+\.\d+) s ")
            .unwrap()
            .captures(&out)
            .unwrap_or_else(|| panic!("no overlap line:\n{out}"));
    let printed: f64 = overlap[1].parse().unwrap();
    assert!(
        (printed - (first_end - last_start)).abs() < 0.0015,
        "overlap miscomputed:\n{out}"
    );
    assert!(
        Regex::new(r"(?m)^\d+\.\d{3} s of CPU time in \d+\.\d{3} s of wall time on \d+ cores: \d+\.\d{2} cores busy on average$")
            .unwrap()
            .is_match(&out),
        "no CPU summary line:\n{out}"
    );
}

#[test]
fn thread_lifecycle_prints_each_state_in_order() {
    let run = run_example("thread_lifecycle", &[]);
    run.assert_success();
    assert_eq!(
        run.stdout,
        "new:        a Builder for \"worker\"; no thread exists yet
spawned:    the worker is running
blocked:    the worker waits in recv() for main; is_finished() = false
terminated: is_finished() = true
joined:     join() returned Ok(42)
panicked:   join() returned Err with the payload \"the crasher gave up\"
"
    );
    // The default panic hook reports the crasher's panic on stderr, by thread name.
    assert!(
        run.stderr.contains("thread 'crasher'"),
        "stderr:\n{}",
        run.stderr
    );
}

#[test]
fn thread_local_names_each_thread_reads_its_own_value() {
    let out = stdout_of("thread_local_names");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "unexpected output:\n{out}");
    // The three threads print in any order, each its own name exactly once.
    let names: BTreeSet<&str> = lines[..3].iter().copied().collect();
    assert_eq!(
        names,
        BTreeSet::from(["Thread-1", "Thread-2", "Thread-3"]),
        "{out}"
    );
    assert_eq!(lines[3], "main's own slot is still empty: \"\"");
}

/// The worker sleeps 100 ms before it prints; main returns at once, and the
/// process ends with it. (The worker's line would need main to take 100 ms to
/// return from a print.)
#[test]
fn thread_unjoined_ends_with_main_before_the_worker_prints() {
    let out = stdout_of("thread_unjoined");
    assert_eq!(out, "main: returning without joining the worker\n");
}

#[test]
fn pool_squares_uses_two_workers_and_returns_results_in_order() {
    let out = stdout_of("pool_squares");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 9, "unexpected output:\n{out}");
    let re = Regex::new(r"^worker (\d+) squares (\d)$").unwrap();
    let mut squared = BTreeSet::new();
    for line in &lines[..8] {
        let caps = re
            .captures(line)
            .unwrap_or_else(|| panic!("unexpected line {line:?}"));
        let worker: usize = caps[1].parse().unwrap();
        assert!(worker < 2, "a pool of 2 has workers 0 and 1, not {worker}");
        assert!(
            squared.insert(caps[2].parse::<u64>().unwrap()),
            "an item was squared twice"
        );
    }
    assert_eq!(squared, (1..=8).collect());
    assert_eq!(lines[8], "[1, 4, 9, 16, 25, 36, 49, 64]");
}

#[test]
fn pool_squares_four_prints_the_tutorials_result() {
    assert_eq!(stdout_of("pool_squares_four"), "[1, 4, 9, 16]\n");
}

#[test]
fn rayon_three_tasks_runs_one_task_at_a_time_per_pool_thread() {
    let out = stdout_of("rayon_three_tasks");
    let lines: Vec<&str> = out.lines().collect();
    let cores: usize = Regex::new(r"^(\d+) cores?; one task alone: \d+ ms$")
        .unwrap()
        .captures(lines[0])
        .unwrap_or_else(|| panic!("{out}"))[1]
        .parse()
        .unwrap();
    let speedup = Regex::new(r"^(.+): \d+ ms for 3 tasks, speedup \d+\.\d\dx$").unwrap();
    assert_eq!(
        &speedup.captures(lines[1]).unwrap()[1],
        "3 threads",
        "{out}"
    );
    let threads = 3.min(cores);
    assert_eq!(
        speedup.captures(lines[5]).unwrap()[1].to_string(),
        format!("rayon, {threads} pool threads"),
        "{out}"
    );
    let task = Regex::new(r"^  task (\d): pool thread (\d+), from (\d+) ms to (\d+) ms$").unwrap();
    let spans: Vec<(usize, usize, u64, u64)> = lines[2..5]
        .iter()
        .map(|line| {
            let c = task.captures(line).unwrap_or_else(|| panic!("{out}"));
            (
                c[1].parse().unwrap(),
                c[2].parse().unwrap(),
                c[3].parse().unwrap(),
                c[4].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(spans.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(spans.iter().all(|s| s.1 < threads), "{out}");
    // A pool thread runs a task to its end before it starts another.
    for a in &spans {
        for b in spans.iter().filter(|b| b.0 != a.0 && b.1 == a.1) {
            assert!(
                a.3 <= b.2 || b.3 <= a.2,
                "tasks overlap on one pool thread:\n{out}"
            );
        }
    }
}

#[test]
fn scoped_squares_splits_the_work_and_keeps_the_order() {
    assert_eq!(
        stdout_of("scoped_squares"),
        "thread 0 squared [1, 2, 3, 4] into [1, 4, 9, 16]
thread 1 squared [5, 6, 7, 8] into [25, 36, 49, 64]
[1, 4, 9, 16, 25, 36, 49, 64]
"
    );
}

#[test]
fn shared_counters_every_thread_sees_all_three_increments() {
    for example in ["shared_counter_static", "shared_counter_arc"] {
        let out = stdout_of(example);
        assert_eq!(out.lines().count(), 3, "{example}:\n{out}");
        for (name, count) in counts_by_thread(&out) {
            assert_eq!(count, 3, "{example}: {name} saw {count}");
        }
    }
}

#[test]
fn per_thread_counter_every_thread_counts_only_itself() {
    let out = stdout_of("per_thread_counter");
    for (name, count) in counts_by_thread(&out) {
        assert_eq!(count, 1, "{name} saw {count}");
    }
    assert_eq!(out.lines().last(), Some("In main: count = 0"), "{out}");
}

/// Expected, actual and lost from a counter example's three lines.
fn tally(out: &str) -> (usize, usize, usize) {
    let re = Regex::new(r"^expected: (\d+)\nactual:   (\d+)\nlost:     (\d+) updates\n$").unwrap();
    let caps = re
        .captures(out)
        .unwrap_or_else(|| panic!("unexpected output:\n{out}"));
    (
        caps[1].parse().unwrap(),
        caps[2].parse().unwrap(),
        caps[3].parse().unwrap(),
    )
}

#[test]
fn race_lost_updates_loses_updates() {
    let (expected, actual, lost) = tally(&stdout_of("race_lost_updates"));
    assert_eq!(expected, 4_000_000);
    assert_eq!(actual + lost, expected);
    // Four threads start together and each does a million load/pause/store
    // steps, mostly inside the window between load and store: with two cores
    // they collide constantly, and even on one core a preemption inside the
    // window loses a whole time slice of the other threads' work. In 400
    // runs on the 2-core book machine (release, debug, and debug pinned to
    // one core with taskset), the fewest updates lost was 1.7 million.
    assert!(
        actual < expected,
        "no update was lost this time: {actual} of {expected}"
    );
}

#[test]
fn fetch_add_and_mutex_counters_are_exact() {
    for example in ["counter_fetch_add", "counter_mutex"] {
        let (expected, actual, lost) = tally(&stdout_of(example));
        assert_eq!(
            (expected, actual, lost),
            (4_000_000, 4_000_000, 0),
            "{example}"
        );
    }
}
