//! Runs chapter 07's demonstrations (memory and crash isolation) as separate
//! processes and checks what each must show. Timings are the lab's business:
//! nothing here measures time.

mod common;

use common::run_example;
use regex::Regex;

/// SIGABRT's number on Linux and the BSDs.
const SIGABRT: i32 = 6;

#[test]
fn a_threads_write_is_seen_by_its_sibling() {
    let run = run_example("memory_thread_write", &[]);
    run.assert_success();
    assert_eq!(
        run.lines(),
        [
            "writer thread: set the balance to 150",
            "reader thread: the balance is 150",
            "main: the balance is 150",
        ]
    );
}

#[test]
fn a_childs_write_is_not_seen_by_its_parent() {
    let run = run_example("memory_child_write", &[]);
    run.assert_success();
    assert_eq!(
        run.lines(),
        [
            "parent: the balance is 100 before fork",
            "child: set the balance to 150",
            "parent: the child has exited; the balance is still 100",
        ]
    );
}

#[test]
fn a_panicking_thread_is_caught_at_join_and_its_sibling_finishes() {
    let run = run_example("crash_thread_panic", &[]);
    run.assert_success();
    assert_eq!(
        run.lines(),
        [
            "main: the crasher panicked: not a number: ParseIntError { kind: InvalidDigit }",
            "main: the worker finished its job: 1 + 2 + ... + 100 = 5050",
            "main: still running; exiting normally",
        ]
    );
    // The default panic hook names the thread on stderr.
    assert!(run.stderr.contains("thread 'crasher'"), "{}", run.stderr);
}

#[test]
fn an_abort_in_one_thread_kills_the_whole_process() {
    let run = run_example("crash_thread_abort", &[]);
    assert_eq!(run.signal, Some(SIGABRT), "{run:?}");
    // The worker had started, but neither it nor main got to finish.
    assert_eq!(
        run.lines(),
        [
            "worker: started, working for 1 s",
            "aborter: calling std::process::abort()",
        ]
    );
    assert!(run.leftovers.is_empty(), "{run:?}");
}

#[test]
fn a_parent_outlives_its_aborting_child_and_learns_the_signal() {
    let run = run_example("crash_child_abort", &[]);
    run.assert_success();
    let lines = run.lines();
    assert_eq!(lines.len(), 3, "{run:?}");
    assert_eq!(lines[0], "child: calling std::process::abort()");
    // RLIMIT_CORE = 0 stops a core file; where core_pattern pipes dumps to a
    // helper (systemd-coredump, apport) the kernel may still report one.
    let signaled =
        Regex::new(r"^parent: the child was killed by SIGABRT \(core dumped: (true|false)\)$");
    assert!(signaled.unwrap().is_match(lines[1]), "{}", lines[1]);
    assert_eq!(lines[2], "parent: still running; exiting normally");
}
