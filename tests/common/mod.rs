//! Runs the book's programs as separate processes, the way a reader would:
//! the Rust examples, and (through [`run_within`]) the CPython programs.
//!
//! A test never forks inside the multi-threaded test harness: it starts the
//! program in its own process group and, if the program outlives its time
//! limit, kills the whole group, forked children included.
//!
//! The checks at the end are shared by a Rust example and its CPython twin,
//! which print the same lines.

#![allow(dead_code)] // each test file uses its own subset of these helpers

use regex::Regex;
use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What one run of a program printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub status: ExitStatus,
    /// Whether any process of the program's group was still there after the
    /// program exited: an orphaned or never-waited-for child.
    pub left_children: bool,
}

impl Run {
    /// Panics with both streams unless the program exited with status 0.
    pub fn assert_success(&self) -> &Self {
        assert!(
            !self.left_children,
            "program exited but left a child behind (orphan or zombie)\n{self:?}"
        );
        assert!(
            self.status.success(),
            "program failed with {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    pub fn signal(&self) -> Option<i32> {
        self.status.signal()
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

/// Runs example `name` with `args`, null stdin and a time limit.
pub fn run_example(name: &str, args: &[&str]) -> Run {
    run_example_within(name, args, Duration::from_secs(60))
}

/// Like [`run_example`] with an explicit limit; on timeout the example's
/// whole process group is killed and the test fails with what it printed.
pub fn run_example_within(name: &str, args: &[&str], limit: Duration) -> Run {
    let mut command = Command::new(example_path(name));
    command.args(args);
    run_within(command, limit)
}

/// Runs any program the way the examples are run: its own process group,
/// null stdin, piped stdout and stderr, a time limit for the whole group.
pub fn run_within(mut command: Command, limit: Duration) -> Run {
    let mut child = start(&mut command);
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    let status = wait_or_kill(&mut child, limit)
        .unwrap_or_else(|| panic!("{command:?} did not finish within {limit:?} and was killed"));
    // The program is gone; anything still in its process group is a child it
    // did not wait for. Kill it (so the pipes close) and remember it.
    let left_children = kill_group(&child);
    Run {
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        status,
        left_children,
    }
}

/// Starts example `name` in its own process group (null stdin, piped stdout
/// and stderr) without waiting: for tests that stop an example part-way. The
/// caller kills the group ([`kill_group`]) and reaps the example.
pub fn start_example(name: &str, args: &[&str]) -> Child {
    let mut command = Command::new(example_path(name));
    command.args(args);
    start(&mut command)
}

fn start(command: &mut Command) -> Child {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"))
}

/// Sends SIGKILL to the child's process group; true if any process received it.
pub fn kill_group(child: &Child) -> bool {
    // SAFETY: killpg only sends a signal; the group is the example's own.
    unsafe { libc::killpg(child.id() as libc::pid_t, libc::SIGKILL) == 0 }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).expect("read example output");
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `child` up to `limit`; past it, kills its process group, reaps
/// the child and returns `None`.
fn wait_or_kill(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for example") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            kill_group(child);
            child.wait().expect("reap killed example");
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The pattern of the kernel thread ID an example prints beside std's
/// `ThreadId`: a number on Linux (`gettid`), a note elsewhere.
#[cfg(target_os = "linux")]
pub const KERNEL_TID: &str = r"(\d+)";
#[cfg(not(target_os = "linux"))]
pub const KERNEL_TID: &str = r"(\(gettid is Linux-only\))";

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
pub fn assert_two_tasks_then_total(run: &Run, task: &str) {
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
