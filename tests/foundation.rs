//! The first three chapters' examples print what their chapters say.

mod common;

use common::run_example;
use regex::Regex;

/// The seconds in every line of `text` matching `pattern` (one capture group).
fn seconds(text: &str, pattern: &str) -> Vec<f64> {
    let re = Regex::new(pattern).unwrap();
    text.lines()
        .filter_map(|line| re.captures(line))
        .map(|caps| caps[1].parse().unwrap())
        .collect()
}

#[test]
fn one_process_many_threads_shares_one_pid_and_one_counter() {
    let run = run_example("one_process_many_threads", &[]);
    run.assert_success();
    let line = Regex::new(r"^(main thread|worker): +process (\d+), ThreadId\((\d+)\)$").unwrap();
    let mut pids = Vec::new();
    let mut thread_ids = Vec::new();
    for text in &run.lines()[..4] {
        let caps = line
            .captures(text)
            .unwrap_or_else(|| panic!("unexpected line {text:?}"));
        pids.push(caps[2].to_string());
        thread_ids.push(caps[3].to_string());
    }
    assert!(
        pids.iter().all(|pid| *pid == pids[0]),
        "threads in different processes: {pids:?}"
    );
    thread_ids.dedup();
    assert_eq!(thread_ids.len(), 4, "thread IDs repeat: {thread_ids:?}");
    assert_eq!(run.lines()[4], "visits seen by main: 3");
    assert_eq!(run.lines().len(), 5);
}

/// Runs `example` and checks it printed two task lines starting with `task`,
/// then the total last, and that the total covers the slower task (the
/// program's own invariant, not a timing goal).
fn assert_two_tasks_then_total(example: &str, task: &str) {
    let run = run_example(example, &[]);
    run.assert_success();
    let tasks = seconds(&run.stdout, &format!(r"^{task} finished in (\d+\.\d\d) s$"));
    let total = seconds(&run.stdout, r"^Total time: (\d+\.\d\d) s$");
    assert_eq!(
        (tasks.len(), total.len(), run.lines().len()),
        (2, 1, 3),
        "{}",
        run.stdout
    );
    assert_eq!(run.lines()[2], format!("Total time: {:.2} s", total[0]));
    assert!(total[0] >= tasks.iter().cloned().fold(0.0, f64::max));
}

#[test]
fn threads_cpu_reports_two_tasks_and_a_total() {
    assert_two_tasks_then_total("threads_cpu", "Thread");
}

#[test]
fn processes_cpu_reports_two_children_and_a_total() {
    assert_two_tasks_then_total("processes_cpu", "Process");
}
