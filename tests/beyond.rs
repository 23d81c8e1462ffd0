//! The programs of the part after the tutorial (chapters 23-27), run as the
//! notebook runs them, checked by pattern and invariant, never by a time;
//! and the hand-made pool of chapter 26, whose fixed worker must let two
//! jobs run at once.

mod common;

#[path = "../examples/accidental_gil.rs"]
#[allow(dead_code)] // the example's `main`
mod accidental_gil;

use common::{Output, run_example, run_program};
use regex::Regex;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `python/NAME` with `python3` from PATH, as a Python cell runs.
fn run_python(name: &str) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(name);
    let run = run_program(
        Path::new("/usr/bin/env"),
        &["python3", &script.to_string_lossy()],
        &[("PYTHONDONTWRITEBYTECODE", "1")],
        Duration::from_secs(60),
    );
    run.assert_success();
    run
}

/// Runs example `name` with `args`; checks it succeeded.
fn run_rust(name: &str, args: &[&str]) -> Output {
    let run = run_example(name, args);
    run.assert_success();
    run
}

/// The captures of `pattern`, which must match the whole of `text`.
fn captures(pattern: &str, text: &str) -> Vec<String> {
    let caps = Regex::new(pattern)
        .unwrap()
        .captures(text)
        .unwrap_or_else(|| panic!("output does not match {pattern}:\n{text}"));
    caps.iter()
        .skip(1)
        .map(|m| m.map_or(String::new(), |m| m.as_str().to_string()))
        .collect()
}

const SECS: &str = r"\d+\.\d\d";
const RATIO: &str = r"\d+\.\d\dx";

// Chapter 23: escaping the GIL (the extension module itself is tested in
// crates/escape-gil/tests/import.rs).

#[test]
fn gil_detach_reports_attached_and_detached_threads() {
    let out = run_rust("gil_detach", &[]).stdout;
    let c = captures(
        &format!(
            r"^attached: 1 thread {SECS} s, 2 threads {SECS} s, speedup {RATIO}; the GIL changed hands (\d+) times
detached: 1 thread {SECS} s, 2 threads {SECS} s, speedup {RATIO}; the GIL changed hands (\d+) times
$"
        ),
        &out,
    );
    // Attached, the second thread can only get the GIL from the first.
    // Detached, each thread takes it twice (to attach, and after `detach`):
    // four takes, the first of which is no hand-over.
    let (attached, detached): (u64, u64) = (c[0].parse().unwrap(), c[1].parse().unwrap());
    assert!(attached >= 1, "{out}");
    assert!(detached <= 3, "{out}");
}

#[test]
fn hashlib_threads_compares_hashing_and_counting() {
    let out = run_python("hashlib_threads.py").stdout;
    captures(
        &format!(
            r"^sha256 of 32 MiB, 12 times: 1 thread {SECS} s, 2 threads {SECS} s, speedup {RATIO}
countdown in Python: 1 thread {SECS} s, 2 threads {SECS} s, speedup {RATIO}
$"
        ),
        &out,
    );
}

// Chapter 24: when parallelism pays.

#[test]
fn tiny_tasks_compares_four_ways() {
    let out = run_rust("tiny_tasks", &[]).stdout;
    captures(
        r"^10000 tasks of about 10 µs
one after the other +\d+\.\d ms  speedup 1\.00x
a new thread for each +\d+\.\d ms  speedup \d+\.\d\dx
rayon's pool +\d+\.\d ms  speedup \d+\.\d\dx
two threads, half each +\d+\.\d ms  speedup \d+\.\d\dx
$",
        &out,
    );
}

#[test]
fn pool_chunks_compares_messages_and_chunks() {
    let out = run_python("pool_chunks.py").stdout;
    captures(
        r"^10000 tasks of about 20 µs
one after the other +\d+\.\d ms  speedup 1\.00x
pool, one per message +\d+\.\d ms  speedup \d+\.\d\dx
pool, in chunks +\d+\.\d ms  speedup \d+\.\d\dx
$",
        &out,
    );
}

// Chapter 25: how many threads.

#[test]
fn many_waiters_reports_tasks_then_threads() {
    let out = run_rust("many_waiters", &["100"]).stdout;
    let memory = if cfg!(target_os = "linux") {
        r"-?\d+\.\d MiB"
    } else {
        r"(?:unknown|-?\d+\.\d MiB)"
    };
    let block = |what: &str| {
        format!(
            r"{what}
  all waiting after \d+\.\d ms; all woken \d+\.\d ms after one write
  memory added: {memory} resident, {memory} of address space reserved
  context switches: \d+
"
        )
    };
    captures(
        &format!(
            "^{}{}$",
            block("100 tokio tasks on 2 worker threads, each waiting for the pipe to be readable:"),
            block("100 threads, each blocked reading one byte from the same pipe:"),
        ),
        &out,
    );
}

#[test]
fn many_threads_py_starts_and_wakes_its_threads() {
    let out = run_python("many_threads.py").stdout;
    captures(
        r"^1000 threads, each blocked reading one byte from the same pipe:
  all waiting after \d+\.\d ms; all woken \d+\.\d ms after one write
  memory added: (?:unknown|-?\d+\.\d MiB) resident, (?:unknown|-?\d+\.\d MiB) of address space reserved
  context switches: \d+
$",
        &out,
    );
}

// Chapter 26: the accidental GIL.

/// Two jobs on a pool of two `worker`s that each wait for the other to be
/// running (`patience` at most); returns, in the order the jobs ended,
/// whether each saw the other running while it waited.
fn two_jobs_meet(worker: accidental_gil::Worker, patience: Duration) -> Vec<bool> {
    let (to_second, from_first) = mpsc::channel::<()>();
    let (to_first, from_second) = mpsc::channel::<()>();
    let (done, results) = mpsc::channel();
    let pool = accidental_gil::Pool::new(2, worker);
    for (tell, hear) in [(to_second, from_second), (to_first, from_first)] {
        let done = done.clone();
        pool.execute(move || {
            // The other job may be over already, and its receiver gone.
            let _ = tell.send(());
            done.send(hear.recv_timeout(patience).is_ok()).unwrap();
        });
    }
    drop(pool);
    drop(done);
    results.iter().collect()
}

/// The fixed pool lets two jobs run at once. Widen `narrow_guard`'s guard
/// (call the job inside the statement that locks) and this fails: the first
/// job waits for the second in vain.
#[test]
fn the_narrow_guard_lets_two_jobs_run_at_once() {
    let met = two_jobs_meet(accidental_gil::narrow_guard, Duration::from_secs(30));
    assert_eq!(
        met,
        [true, true],
        "the queue's lock is held while a job runs"
    );
}

/// The wide guard runs one job at a time: the first job never sees the
/// second (it starts only when the first is over, and finds its message).
#[test]
fn the_wide_guard_runs_one_job_at_a_time() {
    let met = two_jobs_meet(accidental_gil::wide_guard, Duration::from_millis(200));
    assert_eq!(met, [false, true]);
}

#[test]
fn accidental_gil_runs_one_job_at_a_time_with_the_wide_guard() {
    let out = run_rust("accidental_gil", &[]).stdout;
    captures(
        &format!(
            r"^4 CPU-bound jobs on a hand-made pool
wide guard  : 1 worker {SECS} s, 2 workers {SECS} s, speedup {RATIO}, at most 1 job\(s\) at once
narrow guard: 1 worker {SECS} s, 2 workers {SECS} s, speedup {RATIO}, at most [12] job\(s\) at once
$"
        ),
        &out,
    );
}

#[test]
fn accidental_gil_py_holds_its_lock_through_the_sleeps() {
    let out = run_python("accidental_gil.py").stdout;
    let c = captures(
        &format!(
            r"^4 jobs that each wait 50 ms, on 2 workers
wide guard  : ({SECS}) s, at most 1 job\(s\) at once
narrow guard: {SECS} s, at most [12] job\(s\) at once
$"
        ),
        &out,
    );
    // One at a time, four waits of 50 ms cannot take less than 0.2 s.
    assert!(c[0].parse::<f64>().unwrap() >= 0.195, "{out}");
}

// Chapter 27: the GIL across versions.

#[test]
fn python_versions_finds_interpreters_that_run() {
    let out = run_rust("python_versions", &[]).stdout;
    let mut lines = out.lines();
    let count: usize = captures(
        r"^(\d+) CPython interpreters, one per version:$",
        lines.next().unwrap(),
    )[0]
    .parse()
    .unwrap();
    assert!(count >= 1, "python3 is on PATH, so one is found at least");
    let row = Regex::new(r"^  (\d+\.\d+)(t?) +(\S+) +\S+$").unwrap();
    for line in lines.by_ref().take(count) {
        let caps = row
            .captures(line)
            .unwrap_or_else(|| panic!("{line:?}\n{out}"));
        // The version in the file name is the one the interpreter reports.
        assert!(caps[3].starts_with(&format!("{}.", &caps[1])), "{line}");
    }
    if let Some(rest) = lines.next() {
        assert!(rest.starts_with("not found here: "), "{out}");
    }
}

#[test]
fn gil_versions_py_prints_three_numbers() {
    let out = run_python("gil_versions.py").stdout;
    let c = captures(
        &format!(
            r"^Python (\d+)\.(\d+)\S*, GIL (on|off)
two counting threads against one: {RATIO}
a 0\.1 ms sleep beside a counting thread: \d+\.\d\d ms
counter \+= 1, 4 x 100000 times, switching as often as possible: (\d+) lost
$"
        ),
        &out,
    );
    let version: (u32, u32) = (c[0].parse().unwrap(), c[1].parse().unwrap());
    // From 3.10 a thread is switched out only at a loop's back edge or a
    // call, never inside `counter[0] += 1`.
    if version >= (3, 10) && c[2] == "on" {
        assert_eq!(c[3], "0", "{out}");
    }
}
