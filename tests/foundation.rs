//! The first three chapters' examples print what their chapters say.

mod common;

use common::{KERNEL_TID, assert_two_tasks_then_total, run_example};
use regex::Regex;
use std::collections::BTreeSet;

#[test]
fn one_process_many_threads_shares_one_pid_and_one_counter() {
    let run = run_example("one_process_many_threads", &[]);
    run.assert_success();
    let line = Regex::new(&format!(
        r"^(main thread|worker): +process (\d+), ThreadId\((\d+)\), kernel thread {KERNEL_TID}$"
    ))
    .unwrap();
    let lines = run.lines();
    assert_eq!(lines.len(), 5, "{}", run.stdout);
    let mut pids = BTreeSet::new();
    let mut thread_ids = BTreeSet::new();
    let mut kernel_ids = BTreeSet::new();
    for (i, text) in lines[..4].iter().enumerate() {
        let caps = line
            .captures(text)
            .unwrap_or_else(|| panic!("unexpected line {text:?}"));
        assert_eq!(&caps[1] == "main thread", i == 0, "{text}");
        pids.insert(caps[2].to_string());
        thread_ids.insert(caps[3].to_string());
        kernel_ids.insert(caps[4].to_string());
        // Linux numbers the main thread with the process's own ID.
        if cfg!(target_os = "linux") && i == 0 {
            assert_eq!(caps[4], caps[2], "{text}");
        }
    }
    assert_eq!(pids.len(), 1, "threads in different processes: {pids:?}");
    assert_eq!(thread_ids.len(), 4, "ThreadIds repeat: {thread_ids:?}");
    if cfg!(target_os = "linux") {
        assert_eq!(kernel_ids.len(), 4, "kernel IDs repeat: {kernel_ids:?}");
    }
    assert_eq!(lines[4], "visits seen by main: 3");
}

#[test]
fn threads_cpu_reports_two_tasks_and_a_total() {
    assert_two_tasks_then_total(&run_example("threads_cpu", &[]), "Thread");
}

#[test]
fn processes_cpu_reports_two_children_and_a_total() {
    assert_two_tasks_then_total(&run_example("processes_cpu", &[]), "Process");
}
