//! A child process that aborts dies alone: the kernel tells the parent which
//! signal killed it, and the parent carries on.

use nix::sys::resource::{Resource, setrlimit};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    // SAFETY: this process has a single thread, so the child starts as a
    // consistent copy of it (no lock can be held by a thread that vanished).
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            // Aborting writes a core file where the system allows one; this
            // demo needs none, so the child sets its core-size limit to 0.
            setrlimit(Resource::RLIMIT_CORE, 0, 0).expect("setrlimit(RLIMIT_CORE) failed");
            println!("child: calling std::process::abort()");
            std::process::abort();
        }
        ForkResult::Parent { child } => {
            match waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))? {
                WaitStatus::Signaled(_, signal, core_dumped) => {
                    println!(
                        "parent: the child was killed by {signal} (core dumped: {core_dumped})"
                    );
                }
                other => println!("parent: the child ended otherwise: {other:?}"),
            }
            println!("parent: still running; exiting normally");
        }
    }
    Ok(())
}
