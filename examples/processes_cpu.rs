//! The same two CPU-bound tasks in two forked processes.
//!
//! Each child is a copy of this process with its own memory; the parent
//! waits for both and reports the total, as `multiprocessing` does.

use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};
use std::error::Error;
use std::time::Instant;

fn main() -> Result<(), Box<dyn Error>> {
    let start = Instant::now();

    let mut children: Vec<Pid> = Vec::new();
    for _ in 0..2 {
        // SAFETY: this process has a single thread, so the child starts as a
        // consistent copy of it (no lock can be held by a thread that vanished).
        match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
            ForkResult::Child => {
                let took = tasks::cpu_task();
                println!("Process finished in {:.2} s", took.as_secs_f64());
                // Leave at once: the parent's remaining code is not the child's.
                // SAFETY: _exit ends this process without running any more of its code.
                unsafe { libc::_exit(0) };
            }
            ForkResult::Parent { child } => children.push(child),
        }
    }

    for child in children {
        match waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))? {
            WaitStatus::Exited(_, 0) => {}
            other => return Err(format!("child {child} ended badly: {other:?}").into()),
        }
    }
    println!("Total time: {:.2} s", start.elapsed().as_secs_f64());
    Ok(())
}
