//! fork returns twice: once in the parent, with the child's PID, and once in
//! the child. The parent prints only after the child has finished, so the
//! output always comes in the same order.

use std::error::Error;

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork, getpid, getppid};

fn main() -> Result<(), Box<dyn Error>> {
    println!("before fork: one process, pid {}", getpid());

    // SAFETY: this program has one thread, so the child may run any code.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            println!(
                "child:  fork returned Child; my pid is {}, my parent is {}",
                getpid(),
                getppid()
            );
            // SAFETY: leave at once; never run the parent's code below the match.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            // Wait first, so the child's line is always printed before ours.
            waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
            println!(
                "parent: fork returned Parent {{ child: {child} }}; my pid is {}",
                getpid()
            );
        }
    }
    Ok(())
}
