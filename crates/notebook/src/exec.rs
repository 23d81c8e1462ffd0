//! Running one program the way a reader would, but safely: the compiled binary
//! itself (not `cargo run`, whose messages are not the program's), null stdin,
//! both output streams read at once (so neither pipe fills and stalls the
//! program), a fresh working directory, and its own process group, so a child
//! it forks is killed with it and never outlives the build.

use crate::store::Run;
use std::collections::VecDeque;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Bytes of each stream kept: the start and the end, with the middle cut, so
/// a page never swallows megabytes and a failure still shows its last lines.
const KEEP_HEAD: usize = 48 * 1024;
const KEEP_TAIL: usize = 16 * 1024;

/// How a run ended.
#[derive(Debug)]
pub enum Ended {
    Exited(Run),
    /// Killed at the time limit, with its whole process group.
    TimedOut(Run),
    /// Killed, with its group, because the build got SIGINT or SIGTERM.
    Interrupted,
}

/// Runs `program` with `args` in a fresh temporary directory, killing it and
/// its process group after `limit`.
pub fn run(program: &Path, args: &[String], limit: Duration) -> std::io::Result<Ended> {
    let workdir = tempfile::Builder::new()
        .prefix("notebook-cell-")
        .tempdir()?;
    // Watching from before the start, so no Ctrl-C can fall between the two.
    let _watch = interrupt::Watch::start();
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .current_dir(workdir.path())
        // A reader's `cargo run` prints a panic without a backtrace; whether
        // the book's builder has backtraces switched on must not change a page.
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let status = wait_until(&mut child, started + limit);
    let duration = started.elapsed();
    // Whatever is left of the group (a forked child the program did not wait
    // for) is killed too, so the pipes close and nothing outlives the cell.
    kill_group(&child);
    let (status, timed_out) = match status {
        Waited::Exited(status) => (status, false),
        Waited::TimedOut => (child.wait()?, true),
        Waited::Interrupted => {
            child.wait()?;
            return Ok(Ended::Interrupted);
        }
    };
    let join = |handle: JoinHandle<String>| handle.join().unwrap_or_else(|_| String::new());
    let (exit_code, signal) = exit_code(status);
    let run = Run {
        stdout: join(stdout),
        stderr: join(stderr),
        exit_code,
        signal,
        duration_secs: (duration.as_secs_f64() * 1000.0).round() / 1000.0,
    };
    Ok(if timed_out {
        Ended::TimedOut(run)
    } else {
        Ended::Exited(run)
    })
}

/// The exit code as a shell reports it: 128+N for a death by signal N.
fn exit_code(status: ExitStatus) -> (i32, Option<i32>) {
    match (status.code(), status.signal()) {
        (Some(code), _) => (code, None),
        (None, Some(signal)) => (128 + signal, Some(signal)),
        (None, None) => (-1, None),
    }
}

enum Waited {
    Exited(ExitStatus),
    TimedOut,
    Interrupted,
}

/// Waits for `child` until `deadline`, or until the build is interrupted; in
/// either case kills its process group (the caller reaps it).
fn wait_until(child: &mut Child, deadline: Instant) -> Waited {
    let mut pause = Duration::from_millis(1);
    let waited = loop {
        match child.try_wait() {
            Ok(Some(status)) => return Waited::Exited(status),
            Ok(None) => {}
            // Nothing sensible to wait on: treat as a timeout, which kills it.
            Err(_) => break Waited::TimedOut,
        }
        if interrupt::happened() {
            break Waited::Interrupted;
        }
        let now = Instant::now();
        if now >= deadline {
            break Waited::TimedOut;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    kill_group(child);
    waited
}

/// A cell runs in its own process group, so Ctrl-C at the terminal does not
/// reach it. While a cell runs, SIGINT and SIGTERM only raise a flag; the wait
/// loop then kills the cell's group and the build fails. Outside runs the
/// previous handlers are back, so the build itself stops as usual.
mod interrupt {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    static RAISED: AtomicBool = AtomicBool::new(false);
    /// How many runs are waiting (tests run cells on several threads), and the
    /// handlers to put back when the last one ends.
    static WATCHERS: Mutex<(usize, [libc::sighandler_t; 2])> = Mutex::new((0, [0; 2]));
    const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

    extern "C" fn raise(_: libc::c_int) {
        RAISED.store(true, Ordering::SeqCst);
    }

    pub fn happened() -> bool {
        RAISED.load(Ordering::SeqCst)
    }

    pub struct Watch;

    impl Watch {
        pub fn start() -> Watch {
            let mut watchers = WATCHERS.lock().unwrap_or_else(|e| e.into_inner());
            if watchers.0 == 0 {
                RAISED.store(false, Ordering::SeqCst);
                for (i, signal) in SIGNALS.into_iter().enumerate() {
                    // SAFETY: the handler only stores to an atomic, which is
                    // async-signal-safe.
                    watchers.1[i] =
                        unsafe { libc::signal(signal, raise as *const () as libc::sighandler_t) };
                }
            }
            watchers.0 += 1;
            Watch
        }
    }

    impl Drop for Watch {
        fn drop(&mut self) {
            let mut watchers = WATCHERS.lock().unwrap_or_else(|e| e.into_inner());
            watchers.0 -= 1;
            if watchers.0 == 0 {
                for (i, signal) in SIGNALS.into_iter().enumerate() {
                    // SAFETY: puts back the handler that was there before.
                    unsafe { libc::signal(signal, watchers.1[i]) };
                }
            }
        }
    }
}

fn kill_group(child: &Child) {
    // SAFETY: killpg only sends a signal. The group id is the child's pid
    // (`process_group(0)`). The id stays taken while the child is unreaped or
    // any member of its group lives; once all are gone killpg finds nothing
    // (ESRCH), which is fine: for the id to name another group, the pid space
    // would have to wrap within these microseconds.
    unsafe {
        libc::killpg(child.id() as libc::pid_t, libc::SIGKILL);
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Capped::default();
        let mut buf = [0u8; 8192];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => kept.push(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        kept.finish()
    })
}

/// The head and tail of a stream, and how much of the middle was cut.
#[derive(Default)]
struct Capped {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    cut: usize,
}

impl Capped {
    fn push(&mut self, mut bytes: &[u8]) {
        let room = KEEP_HEAD - self.head.len();
        let take = room.min(bytes.len());
        self.head.extend_from_slice(&bytes[..take]);
        bytes = &bytes[take..];
        self.tail.extend(bytes);
        let excess = self.tail.len().saturating_sub(KEEP_TAIL);
        self.tail.drain(..excess);
        self.cut += excess;
    }

    fn finish(self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if self.cut > 0 {
            text.push_str(&format!("\n[… {} bytes cut]\n", self.cut));
        }
        text.push_str(&String::from_utf8_lossy(&Vec::from(self.tail)));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, limit: Duration) -> Ended {
        let args = ["-c".to_string(), script.to_string()];
        run(Path::new("/bin/sh"), &args, limit).unwrap()
    }

    #[test]
    fn captures_both_streams_and_the_exit_code() {
        let Ended::Exited(run) = sh("echo out; echo err >&2; exit 3", Duration::from_secs(10))
        else {
            panic!("timed out")
        };
        assert_eq!(run.stdout, "out\n");
        assert_eq!(run.stderr, "err\n");
        assert_eq!((run.exit_code, run.signal), (3, None));
    }

    #[test]
    fn death_by_signal_counts_as_128_plus_n() {
        let Ended::Exited(run) = sh("kill -ABRT $$", Duration::from_secs(10)) else {
            panic!("timed out")
        };
        assert_eq!((run.exit_code, run.signal), (134, Some(6)));
    }

    #[test]
    fn stdin_is_empty_and_the_directory_is_fresh() {
        let Ended::Exited(run) = sh("cat; ls -A | wc -l", Duration::from_secs(10)) else {
            panic!("timed out")
        };
        assert_eq!(run.stdout.trim(), "0");
    }

    #[test]
    fn a_hanging_program_is_killed_at_the_limit() {
        let ended = sh("echo started; sleep 30", Duration::from_millis(200));
        let Ended::TimedOut(run) = ended else {
            panic!("not killed: {ended:?}")
        };
        assert_eq!(run.stdout, "started\n");
        assert_eq!(run.signal, Some(libc::SIGKILL));
    }

    #[test]
    fn huge_output_keeps_its_head_and_tail() {
        let mut capped = Capped::default();
        capped.push(b"first line\n");
        for _ in 0..100 {
            capped.push(&[b'x'; 1024]);
        }
        capped.push(b"\nlast line\n");
        let text = capped.finish();
        let total = 11 + 100 * 1024 + 11;
        let cut = total - KEEP_HEAD - KEEP_TAIL;
        assert!(text.starts_with("first line\n"));
        assert!(text.ends_with("\nlast line\n"));
        assert!(
            text.contains(&format!("[… {cut} bytes cut]")),
            "cut marker missing"
        );
    }
}
