//! Probes that time starting something and waiting for it to end, shared by
//! the experiments that compare them (`spawn_cost`, `fork_vs_rss`).

use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The program [`spawn_true`] starts: it exits at once, so only starting counts.
pub const TRUE_PROGRAM: &str = "/bin/true";

/// Seconds for one fork whose child leaves at once with `_exit`, waited for.
/// The caller must have checked that the lab has no other live thread
/// ([`crate::fork::ensure_single_threaded`]).
pub fn fork_exit_wait() -> Result<f64, String> {
    let start = Instant::now();
    // SAFETY: the caller checked that this process has one thread, and the
    // child calls only `_exit`, which is async-signal-safe.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => unsafe { libc::_exit(0) },
        Ok(ForkResult::Parent { child }) => match waitpid(child, None) {
            Ok(WaitStatus::Exited(_, 0)) => Ok(start.elapsed().as_secs_f64()),
            Ok(status) => Err(format!("child ended with {status:?}")),
            Err(e) => Err(format!("waitpid failed: {e}")),
        },
        Err(e) => Err(format!("fork failed: {e}")),
    }
}

/// Seconds to start [`TRUE_PROGRAM`] with `Command` (posix_spawn) and wait for it.
pub fn spawn_true() -> Result<f64, String> {
    let start = Instant::now();
    let status = Command::new(TRUE_PROGRAM)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {TRUE_PROGRAM}: {e}"))?;
    let elapsed = start.elapsed().as_secs_f64();
    if status.success() {
        Ok(elapsed)
    } else {
        Err(format!("{TRUE_PROGRAM} ended with {status}"))
    }
}
