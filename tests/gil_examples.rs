//! Runs the model-GIL examples (chapters 02, 10b, 12) as their own processes
//! and checks what their chapters say they show: the lines, and invariants
//! of the GIL (never a wall-clock time).

mod common;

use common::run_example;
use regex::Regex;

/// Runs `name`, asserts it succeeded, returns its stdout.
fn stdout_of(name: &str) -> String {
    let run = run_example(name, &[]);
    run.assert_success();
    run.stdout
}

/// The number in the line "The GIL changed hands N times".
fn switches(out: &str) -> u64 {
    let re = Regex::new(r"(?m)^The GIL changed hands (\d+) times\.?$").unwrap();
    let caps = re
        .captures(out)
        .unwrap_or_else(|| panic!("no switch count in:\n{out}"));
    caps[1].parse().unwrap()
}

#[test]
fn gil_threads_cpu_reports_both_tasks_and_the_total() {
    let out = stdout_of("gil_threads_cpu");
    let task = Regex::new(r"(?m)^Task finished in (\d+\.\d\d) s$").unwrap();
    let tasks: Vec<f64> = task
        .captures_iter(&out)
        .map(|caps| caps[1].parse().unwrap())
        .collect();
    assert_eq!(tasks.len(), 2, "two task lines expected in:\n{out}");
    let total = Regex::new(r"(?m)^Total time: (\d+\.\d\d) s$").unwrap();
    let total: f64 = total
        .captures(&out)
        .unwrap_or_else(|| panic!("no total in:\n{out}"))[1]
        .parse()
        .unwrap();
    // The total is timed around both threads, each task inside its thread.
    assert!(tasks.iter().all(|&t| t <= total), "{out}");
    // The second thread's first take of the GIL is already a switch.
    assert!(switches(&out) >= 1, "{out}");
}

#[test]
fn gil_countdown_compares_three_ways_and_the_gil_switches() {
    let out = stdout_of("gil_countdown");
    let re = Regex::new(
        r"^This machine has \d+ cores?\.
1 thread, 4 countdowns: +\d+\.\d\d s
4 Rust threads, no GIL: +\d+\.\d\d s
4 threads sharing one GIL: +\d+\.\d\d s
The GIL changed hands \d+ times\.
$",
    )
    .unwrap();
    assert!(re.is_match(&out), "unexpected output:\n{out}");
    // Each of the four threads takes the GIL from another at least once.
    assert!(switches(&out) >= 3, "{out}");
}

#[test]
fn gil_convoy_times_the_sleeps_alone_and_crowded() {
    let out = stdout_of("gil_convoy");
    let re = Regex::new(
        r"^20 sleeps of 100 µs, alone: +\d+\.\d ms
20 sleeps of 100 µs, beside a CPU thread: +\d+\.\d ms
Each sleep waited about \d+\.\d ms more for the GIL \(switch interval 5 ms\)\.
$",
    )
    .unwrap();
    assert!(re.is_match(&out), "unexpected output:\n{out}");
}
