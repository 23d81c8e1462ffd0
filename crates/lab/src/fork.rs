//! Forking worker processes, the one place the lab does it.
//!
//! A child forked from a multi-threaded process inherits only the forking
//! thread, and any lock another thread held (the allocator's, stdout's) stays
//! locked in the child forever. [`in_children`] therefore refuses to fork
//! while the lab has any other live thread.

use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};
use std::time::{Duration, Instant};

/// Forks `n` children that each run `work` and exit, then waits for all of
/// them. Fails if another thread is alive (see the module doc), if a fork
/// fails, or if a child does not exit with status 0 (a panic in `work` exits
/// with 101).
pub fn in_children(n: usize, work: impl Fn()) -> Result<(), String> {
    ensure_single_threaded()?;
    let mut children = Vec::with_capacity(n);
    let mut result = Ok(());
    for _ in 0..n {
        // SAFETY: the process has one thread (checked above), so the child
        // inherits no lock held by another thread.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(&work)).is_ok();
                // _exit: skip atexit handlers and stdio flushing, which belong to the parent.
                unsafe { libc::_exit(if ok { 0 } else { 101 }) }
            }
            Ok(ForkResult::Parent { child }) => children.push(child),
            Err(e) => {
                result = Err(format!("fork failed: {e}"));
                break;
            }
        }
    }
    for child in children {
        let waited = wait_for(child);
        if result.is_ok() {
            result = waited;
        }
    }
    result
}

fn wait_for(child: Pid) -> Result<(), String> {
    match waitpid(child, None) {
        Ok(WaitStatus::Exited(_, 0)) => Ok(()),
        Ok(status) => Err(format!("child {child} ended with {status:?}")),
        Err(e) => Err(format!("waitpid({child}) failed: {e}")),
    }
}

/// Errors unless this process has exactly one thread. A thread that was just
/// joined may linger in the kernel's count for a moment, so it looks again for
/// up to 100 ms before giving up. Where the count cannot be read (not Linux),
/// it trusts the caller.
pub fn ensure_single_threaded() -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_millis(100);
    loop {
        match thread_count() {
            None | Some(1) => return Ok(()),
            Some(n) if Instant::now() >= deadline => {
                return Err(format!(
                    "refusing to fork: the lab has {n} live threads (join them first; \
                     never use rayon's global pool in an experiment that forks)"
                ));
            }
            Some(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// The number of threads in this process, from `/proc/self/status`.
pub fn thread_count() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    // No test forks: the test harness is multi-threaded (the hazard itself).
    // Forking is exercised by running the `lab` binary.

    #[test]
    fn refuses_to_fork_while_other_threads_live() {
        if thread_count().is_none() {
            return; // cannot check here, and must not fork inside the harness
        }
        let (stop, wait) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || wait.recv());
        assert!(thread_count().unwrap() >= 2);
        let refused = in_children(1, || {});
        stop.send(()).unwrap();
        other.join().unwrap().unwrap();
        assert!(refused.unwrap_err().contains("refusing to fork"));
    }
}
