//! Runs the book's programs as separate processes, the way the notebook runs
//! a cell: the Rust examples, and (through [`run_program`]) the CPython
//! programs. It is the notebook's own runner (`notebook::exec`): null stdin,
//! the notebook's clean environment, a fresh working directory, a time limit,
//! and every process the program starts ends with it (anything left is
//! reported, so a test can fail on it).
//!
//! A test never forks inside the multi-threaded test harness.
//!
//! The checks at the end are shared by a Rust example and its CPython twin,
//! which print the same lines.

#![allow(dead_code)] // each test file uses its own subset of these helpers

use notebook::exec::{self, Ended, Leftover, Spawn};
use regex::Regex;
use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// What one run of a program printed, and how it ended.
#[derive(Debug)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    /// The exit code, or 128+N for a death by signal N.
    pub exit_code: i32,
    pub signal: Option<i32>,
    /// Processes still running when the program exited (killed since): an
    /// orphaned or never-waited-for child.
    pub leftovers: Vec<Leftover>,
}

impl Output {
    /// Panics with both streams unless the program exited with status 0 and
    /// left nothing behind.
    pub fn assert_success(&self) -> &Self {
        assert!(
            self.leftovers.is_empty(),
            "program exited but left processes behind\n{self:?}"
        );
        assert_eq!(
            self.exit_code, 0,
            "program failed\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

/// Examples this test binary has already built.
static BUILT: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// The path of the compiled example `name`, built first: `cargo test` builds
/// every example, but `cargo test --test FILE` builds none and would run a
/// stale binary.
pub fn example_path(name: &str) -> PathBuf {
    // target/<profile>/deps/<test-binary> -> target/<profile>/examples/<name>
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir");
    let profile = profile_dir.file_name().unwrap().to_str().unwrap();
    let path = profile_dir.join("examples").join(name);
    let mut built = BUILT.lock().unwrap();
    if built.contains(name) {
        return path;
    }
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "--example", name]);
    if profile == "release" {
        build.arg("--release");
    }
    let status = build
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build --example {name} failed");
    assert!(path.exists(), "example binary {} not found", path.display());
    built.insert(name.to_string());
    path
}

/// Runs example `name` with `args` and a time limit.
pub fn run_example(name: &str, args: &[&str]) -> Output {
    run_example_within(name, args, Duration::from_secs(60))
}

/// Like [`run_example`] with an explicit limit; past it the example and
/// everything it started are killed and the test fails with what it printed.
pub fn run_example_within(name: &str, args: &[&str], limit: Duration) -> Output {
    run_program(&example_path(name), args, &[], limit)
}

/// Runs any program as the notebook runs a cell, with `extra` variables
/// added to the notebook's environment.
pub fn run_program(
    program: &Path,
    args: &[&str],
    extra: &[(&str, &str)],
    limit: Duration,
) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut env = exec::default_env();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let ended = exec::run(&Spawn {
        program,
        args: &args,
        env: &env,
        cwd: None,
        limit,
    })
    .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let outcome = match ended {
        Ended::Exited(outcome) => outcome,
        Ended::TimedOut(outcome) => panic!(
            "{} did not finish within {limit:?} and was killed\n{outcome:?}",
            program.display()
        ),
        Ended::Interrupted => panic!("interrupted"),
    };
    Output {
        stdout: outcome.run.stdout,
        stderr: outcome.run.stderr,
        exit_code: outcome.run.exit_code,
        signal: outcome.run.signal,
        leftovers: outcome.leftovers,
    }
}

/// Starts example `name` in its own process group (null stdin, piped stdout
/// and stderr) without waiting: for tests that stop an example part-way. The
/// caller kills the group ([`kill_group`]) and reaps the example.
pub fn start_example(name: &str, args: &[&str]) -> Child {
    Command::new(example_path(name))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"))
}

/// Sends SIGKILL to the child's process group; true if any process received it.
pub fn kill_group(child: &Child) -> bool {
    // SAFETY: killpg only sends a signal; the group is the example's own.
    unsafe { libc::killpg(child.id() as libc::pid_t, libc::SIGKILL) == 0 }
}

/// The pattern of the kernel thread ID an example prints beside std's
/// `ThreadId` (`tasks::kernel_thread_id`).
pub const KERNEL_TID: &str = r"(\d+)";

/// The seconds in every line of `text` matching `pattern` (one capture group).
pub fn seconds(text: &str, pattern: &str) -> Vec<f64> {
    let re = Regex::new(pattern).unwrap();
    text.lines()
        .filter_map(|line| re.captures(line))
        .map(|caps| caps[1].parse().unwrap())
        .collect()
}

/// Checks that `run` succeeded and printed two task lines starting with
/// `task`, then the total last, and that the total covers the slower task
/// (the program's own invariant, not a timing goal).
pub fn assert_two_tasks_then_total(run: &Output, task: &str) {
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

/// The three `In thread NAME: count = N` lines, checked for names; returns
/// the counts. The order of T1 and T3 (equal sleeps) is not fixed, and no
/// order is asserted: that would be a claim about timing.
pub fn counts_by_thread(out: &str) -> Vec<(String, usize)> {
    let re = Regex::new(r"^In thread (T[123]): count = (\d+)$").unwrap();
    let counts: Vec<(String, usize)> = out
        .lines()
        .filter(|l| l.starts_with("In thread"))
        .map(|l| {
            let caps = re
                .captures(l)
                .unwrap_or_else(|| panic!("unexpected line {l:?}"));
            (caps[1].to_string(), caps[2].parse().unwrap())
        })
        .collect();
    let names: BTreeSet<&str> = counts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["T1", "T2", "T3"]), "{out}");
    assert_eq!(counts.len(), 3, "{out}");
    counts
}

/// Checks the lines `process_queue` and its CPython twin both print: every
/// message of every producer arrived, each producer's in the order sent, and
/// every producer exited. Returns the lines that only one of them prints.
pub fn assert_queue_delivered_everything(out: &str) -> Vec<&str> {
    let mut shared = vec![
        "4 producers send 10000 messages each through one pipe".to_string(),
        "received 40000 messages".to_string(),
    ];
    shared.extend((0..4).map(|id| format!("producer {id}: 10000 messages, in the order sent")));
    shared.push("every producer exited with status 0".to_string());
    let (common, own): (Vec<&str>, Vec<&str>) = out
        .lines()
        .partition(|line| shared.iter().any(|s| s == line));
    assert_eq!(common, shared, "{out}");
    own
}
