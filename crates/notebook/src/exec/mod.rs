//! Running one program the way a reader would, but contained.
//!
//! The program is the compiled binary or the interpreter itself (never
//! `cargo run`, whose messages are not the program's), with stdin from
//! `/dev/null`, stdout and stderr piped, no other file descriptor, the
//! environment the notebook defines, and a fresh working directory.
//!
//! Between the build and the program stands a small supervisor process, in a
//! session of its own (so a Ctrl-C or a closed terminal reaches the build,
//! never the program directly). On Linux it is the program's child
//! subreaper: however a process the program started detaches (a new process
//! group, `setsid`, a double fork), it stays the supervisor's descendant.
//! When the program ends, the supervisor gives what it started half a second
//! to end as well (helpers that leave with their parent, such as Python's
//! forkserver, take milliseconds), then kills every process left behind and
//! reports them, and the cell fails; when the time limit passes, or the
//! build is interrupted, it kills them all. When the build itself dies, even
//! by SIGKILL, the supervisor sees its control pipe close, kills everything
//! and removes the working directory. The program also gets
//! `PR_SET_PDEATHSIG`, so killing the supervisor kills the program.
//!
//! Elsewhere (macOS, the BSDs) there is no subreaper: the supervisor kills
//! the program's process group, and a process that left the group is not
//! found.
//!
//! The build reads the program's output with `poll`, so no reading ever
//! waits past the time limit, and it checks for SIGINT and SIGTERM while it
//! waits (see [`interrupt`]).

mod capture;
#[cfg(unix)]
pub mod interrupt;
#[cfg(unix)]
mod supervisor;

use crate::store::Run;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One program to run.
pub struct Spawn<'a> {
    /// An absolute path: nothing is looked up on `PATH`.
    pub program: &'a Path,
    pub args: &'a [String],
    /// The whole environment.
    pub env: &'a [(String, String)],
    /// The working directory; `None`: a fresh temporary one, removed after.
    pub cwd: Option<&'a Path>,
    pub limit: Duration,
}

/// How a run ended.
#[derive(Debug)]
pub enum Ended {
    /// The program exited (or was killed by a signal of its own doing).
    Exited(Outcome),
    /// Killed at the time limit, with everything it started.
    TimedOut(Outcome),
    /// Killed, with everything it started, because the build got SIGINT or
    /// SIGTERM.
    Interrupted,
}

#[derive(Debug)]
pub struct Outcome {
    pub run: Run,
    /// Processes still running when the program ended (all killed since).
    pub leftovers: Vec<Leftover>,
}

/// A process a program left running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub pid: i32,
    /// Its command name (`/proc/PID/comm`).
    pub name: String,
}

/// Runs `spawn`, contained, until it ends or its limit passes.
#[cfg(unix)]
pub fn run(spawn: &Spawn) -> std::io::Result<Ended> {
    let workdir = match spawn.cwd {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix(&workdir_prefix(std::process::id()))
                .tempdir()?,
        ),
    };
    let cwd = spawn
        .cwd
        .map(Path::to_path_buf)
        .or_else(|| workdir.as_ref().map(|d| d.path().to_path_buf()))
        .expect("a working directory");
    // Watching from before the start, so no Ctrl-C falls between the two.
    let _watch = interrupt::Watch::start();
    let ended = supervisor::run(spawn, &cwd, workdir.is_some());
    drop(workdir);
    ended
}

#[cfg(not(unix))]
pub fn run(_: &Spawn) -> std::io::Result<Ended> {
    Err(std::io::Error::other(
        "mdbook-notebook runs programs only on Unix systems (Linux, macOS); \
         build this book with mode = \"off\" or \"frozen\" here",
    ))
}

/// The environment every program starts from: `PATH` and `HOME` of the
/// builder, and `LANG=C.UTF-8`. Nothing else of the builder's (no
/// `PYTHONUNBUFFERED`, `RUST_BACKTRACE`, secrets), so the same program prints
/// the same for whoever runs it.
pub fn default_env() -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = ["PATH", "HOME"]
        .into_iter()
        .filter_map(|name| Some((name.to_string(), std::env::var(name).ok()?)))
        .collect();
    env.push(("LANG".into(), "C.UTF-8".into()));
    env
}

/// The prefix of a working directory of a build with process id `pid`.
fn workdir_prefix(pid: u32) -> String {
    format!("notebook-cell-{pid}-")
}

/// Removes the working directories that builds no longer running left in
/// the temporary folder (a build and its supervisor both killed).
pub fn remove_stale_workdirs() -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return removed;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("notebook-cell-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id()
            && !process_exists(pid)
            && std::fs::remove_dir_all(entry.path()).is_ok()
        {
            removed.push(entry.path());
        }
    }
    removed
}

fn process_exists(pid: u32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
        let rc = unsafe { libc::kill(pid as libc::pid_t, 0) };
        rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::Instant;

    fn env() -> Vec<(String, String)> {
        vec![("PATH".into(), std::env::var("PATH").unwrap_or_default())]
    }

    fn sh(script: &str, limit: Duration) -> Ended {
        let args = ["-c".to_string(), script.to_string()];
        run(&Spawn {
            program: Path::new("/bin/sh"),
            args: &args,
            env: &env(),
            cwd: None,
            limit,
        })
        .unwrap()
    }

    fn exited(ended: Ended) -> Outcome {
        match ended {
            Ended::Exited(outcome) => outcome,
            other => panic!("expected an exit: {other:?}"),
        }
    }

    #[test]
    fn captures_both_streams_and_the_exit_code() {
        let out = exited(sh(
            "echo out; echo err >&2; exit 3",
            Duration::from_secs(10),
        ));
        assert_eq!(
            (out.run.stdout.as_str(), out.run.stderr.as_str()),
            ("out\n", "err\n")
        );
        assert_eq!((out.run.exit_code, out.run.signal), (3, None));
        assert!(out.leftovers.is_empty());
    }

    #[test]
    fn death_by_signal_counts_as_128_plus_n() {
        let out = exited(sh("kill -ABRT $$", Duration::from_secs(10)));
        assert_eq!((out.run.exit_code, out.run.signal), (134, Some(6)));
    }

    #[test]
    fn stdin_is_empty_the_directory_fresh_and_nothing_else_open() {
        let out = exited(sh(
            "cat; ls -A | wc -l; ls /proc/$$/fd 2>/dev/null | tr '\\n' ' ' || echo 0 1 2",
            Duration::from_secs(10),
        ));
        let lines: Vec<&str> = out.run.stdout.lines().collect();
        assert_eq!(lines[0].trim(), "0", "{}", out.run.stdout);
        // 0, 1, 2 and the descriptor ls itself opens to list them.
        let fds: Vec<&str> = lines[1].split_whitespace().collect();
        assert!(fds.len() <= 4 && fds[..3] == ["0", "1", "2"], "{fds:?}");
    }

    #[test]
    fn the_environment_is_only_what_was_given() {
        let out = exited(sh("env | sort", Duration::from_secs(10)));
        let names: Vec<&str> = out
            .run
            .stdout
            .lines()
            .filter_map(|l| l.split('=').next())
            .filter(|n| !matches!(*n, "PWD" | "SHLVL" | "_" | "OLDPWD"))
            .collect();
        assert_eq!(names, ["PATH"]);
    }

    #[test]
    fn every_process_left_behind_is_counted_named_and_killed() {
        let out = exited(sh(
            "sleep 300 & sh -c 'sleep 301 & wait' & sleep 0.1; exit 0",
            Duration::from_secs(10),
        ));
        let mut names: Vec<&str> = out.leftovers.iter().map(|l| l.name.as_str()).collect();
        names.sort();
        // The inner shell is found first; its sleep once it is killed.
        assert_eq!(names, ["sh", "sleep", "sleep"], "{:?}", out.leftovers);
        for leftover in &out.leftovers {
            // SAFETY: signal 0 only asks whether the process exists.
            let alive = unsafe { libc::kill(leftover.pid, 0) } == 0;
            assert!(!alive, "{leftover:?} is still running");
        }
    }

    /// A helper that ends on its own just after the program, as Python's
    /// forkserver does when its parent is gone, is not left behind. (Linux:
    /// elsewhere nothing can wait for what left the program's tree.)
    #[cfg(target_os = "linux")]
    #[test]
    fn what_ends_just_after_the_program_is_not_left_behind() {
        let out = exited(sh(
            "(sleep 0.1; echo done) & exit 0",
            Duration::from_secs(10),
        ));
        assert!(out.leftovers.is_empty(), "{:?}", out.leftovers);
        assert_eq!(out.run.stdout, "done\n");
    }

    fn perl(script: &str, limit: Duration) -> Ended {
        let args = ["-e".to_string(), script.to_string()];
        run(&Spawn {
            program: Path::new("/usr/bin/perl"),
            args: &args,
            env: &env(),
            cwd: None,
            limit,
        })
        .unwrap()
    }

    /// A token no other test's processes carry in their command line.
    fn token(what: &str) -> String {
        format!("nbattack-{what}-{}", std::process::id())
    }

    /// Running processes whose command line contains `token` (zombies do
    /// not count).
    fn marked(token: &str) -> Vec<i32> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(token) && !stat.contains(") Z ") {
                found.push(pid);
            }
        }
        found
    }

    /// Fails if a process marked `token` is still running two seconds on.
    fn assert_none_marked(token: &str) {
        for _ in 0..80 {
            if marked(token).is_empty() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("still running: {:?}", marked(token));
    }

    /// A chain whose pid moves: each process forks, leaves in a session of
    /// its own, and its parent exits at once, so whatever pid the supervisor
    /// lists may be gone by the time it signals. (Bounded: each link gives
    /// up after 20 s, so a chain that escapes does not run for ever.)
    #[cfg(target_os = "linux")]
    #[test]
    fn a_chain_that_keeps_moving_is_caught() {
        let token = token("chain");
        let out = exited(perl(
            &format!(
                "use POSIX; my $end = time + 20; $0 = '{token}'; \
                 while (time < $end) {{ my $p = fork; exit 0 if $p; POSIX::setsid(); }}"
            ),
            Duration::from_secs(30),
        ));
        assert!(!out.leftovers.is_empty());
        assert_none_marked(&token);
    }

    /// A leftover that forks a new sleeper every 5 ms for ever: the linger
    /// ends, and all of them are killed.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_leftover_that_keeps_forking_is_killed_with_all_it_started() {
        let token = token("forker");
        let out = exited(perl(
            &format!(
                "$0 = '{token}'; exit 0 if fork; \
                 while (1) {{ if (!fork) {{ sleep 300; exit 0 }} select(undef, undef, undef, 0.005) }}"
            ),
            Duration::from_secs(30),
        ));
        assert!(!out.leftovers.is_empty());
        assert_none_marked(&token);
    }

    /// Stopped, and ignoring SIGTERM: SIGKILL ends it all the same.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_stopped_leftover_that_ignores_sigterm_is_killed() {
        let out = exited(sh(
            "trap '' TERM; sleep 300 & kill -STOP $!; exit 0",
            Duration::from_secs(10),
        ));
        assert_eq!(out.leftovers.len(), 1, "{:?}", out.leftovers);
        // SAFETY: signal 0 only asks whether the process exists.
        assert!(unsafe { libc::kill(out.leftovers[0].pid, 0) } != 0);
    }

    /// A leftover writing as fast as it can to the program's stdout: the
    /// run ends (the output cut to its head and tail), the writer killed.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_leftover_flooding_stdout_neither_hangs_nor_floods() {
        let out = exited(sh("yes flood & exit 0", Duration::from_secs(10)));
        let names: Vec<&str> = out.leftovers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["yes"]);
        assert!(out.run.stdout.len() < 80 * 1024, "{}", out.run.stdout.len());
        assert!(out.run.stdout.starts_with("flood\n"));
    }

    /// Hundreds of processes left: each counted once, all killed.
    #[cfg(target_os = "linux")]
    #[test]
    fn many_leftovers_are_each_counted_once() {
        let token = token("many");
        let out = exited(perl(
            &format!(
                "$0 = '{token}'; for (1..700) {{ if (!fork) {{ sleep 300; exit 0 }} }} exit 0"
            ),
            Duration::from_secs(30),
        ));
        assert_none_marked(&token);
        assert_eq!(out.leftovers.len(), 700);
    }

    /// Thousands of children that end at once, some reaped by nobody
    /// (zombies when the program exits): none is left behind.
    #[cfg(target_os = "linux")]
    #[test]
    fn thousands_of_short_lived_children_are_not_leftovers() {
        let out = exited(perl(
            "$SIG{CHLD} = 'DEFAULT'; for (1..3000) { exit 0 unless fork } exit 0",
            Duration::from_secs(30),
        ));
        assert!(out.leftovers.is_empty(), "{:?}", out.leftovers);
        assert_eq!(out.run.exit_code, 0);
    }

    /// A program that exits on its own before its limit, leaving a process:
    /// the run is what happened (it exited and left one), not a timeout,
    /// though the limit passes while the supervisor waits for the leftover.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_leftover_is_not_a_timeout_though_the_limit_passes_while_waiting() {
        let ended = sh("sleep 300 & exit 0", Duration::from_millis(200));
        let Ended::Exited(out) = ended else {
            panic!("the program exited on its own: {ended:?}")
        };
        assert_eq!(out.leftovers.len(), 1, "{:?}", out.leftovers);
    }

    #[test]
    fn a_hanging_program_is_killed_at_the_limit() {
        let started = Instant::now();
        let ended = sh("echo started; sleep 30", Duration::from_millis(300));
        let Ended::TimedOut(out) = ended else {
            panic!("not killed: {ended:?}")
        };
        assert_eq!(out.run.stdout, "started\n");
        assert_eq!(out.run.signal, Some(libc::SIGKILL));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_missing_program_cannot_start() {
        let err = run(&Spawn {
            program: Path::new("/no/such/program"),
            args: &[],
            env: &env(),
            cwd: None,
            limit: Duration::from_secs(5),
        })
        .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{err}");
    }

    #[test]
    fn stale_workdirs_of_dead_builds_are_removed_and_live_ones_kept() {
        // A pid no process has: above the kernel's pid_max.
        let dead = std::env::temp_dir().join(format!("{}x", workdir_prefix(4_194_305)));
        let live = std::env::temp_dir().join(format!("{}x", workdir_prefix(1)));
        std::fs::create_dir_all(&dead).unwrap();
        std::fs::create_dir_all(&live).unwrap();
        let removed = remove_stale_workdirs();
        assert!(removed.contains(&dead) && !dead.exists());
        assert!(live.exists(), "pid 1 is alive");
        std::fs::remove_dir_all(live).unwrap();
    }
}
