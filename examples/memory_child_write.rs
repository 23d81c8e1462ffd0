//! A forked child runs on a copy of its parent's memory: what the child
//! writes changes its copy, never the parent's value.

use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let mut balance = 100;
    println!("parent: the balance is {balance} before fork");

    // SAFETY: this process has a single thread, so the child starts as a
    // consistent copy of it (no lock can be held by a thread that vanished).
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            balance = 150;
            println!("child: set the balance to {balance}");
            // Leave here, so the child never runs the parent's code below.
            // SAFETY: _exit ends the child at once, running none of its code.
            unsafe { libc::_exit(0) };
        }
        ForkResult::Parent { child } => {
            match waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))? {
                WaitStatus::Exited(_, 0) => {}
                other => return Err(format!("child ended badly: {other:?}").into()),
            }
            println!("parent: the child has exited; the balance is still {balance}");
        }
    }
    Ok(())
}
